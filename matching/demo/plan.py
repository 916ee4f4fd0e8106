"""Pure planning for the demo: who applied, with what, when; who reviews whom. Plain data from a
seeded `random.Random`, no database, so the same seed always gives the same program."""

import dataclasses
import datetime as dt
import hashlib
import math
import random
import re
from collections.abc import Hashable, Sequence, Set

from core.validators import brn_check_digit, company_age_years
from matching.demo import content as c

APPLICANTS = 220
# How many applicants end in each state mid-way; the rest are in review.
OUTCOMES = {
    "too_old": 4,  # founded ten or more years before the deadline
    "too_old_and_funded": 1,
    "already_funded": 3,
    "tax_arrears": 1,
    "draft": 6,
    "withdrawn_submitted": 2,
    "withdrawn_draft": 2,
}
SUBMITTED_OUTCOMES = {
    "in_review",
    "too_old",
    "too_old_and_funded",
    "already_funded",
    "tax_arrears",
    "withdrawn_submitted",
}
STATUS_OF_OUTCOME = {
    "in_review": "in_review",
    "too_old": "ineligible",
    "too_old_and_funded": "ineligible",
    "already_funded": "ineligible",
    "tax_arrears": "ineligible",
    "draft": "draft",
    "withdrawn_submitted": "withdrawn",
    "withdrawn_draft": "withdrawn",
}
STAFF_CHECKED_ELIGIBILITY_AT = c.seoul(2023, 11, 19, 14)


@dataclasses.dataclass(frozen=True)
class ApplicantPlan:
    """One startup, its owner and its application, as the demo will write them."""

    name_ko: str
    name_en: str
    short_name_ko: str
    brn: str
    founded_on: dt.date
    ceo_name: str
    owner_email: str
    website: str
    employees: int
    annual_revenue_krw: int
    sectors: tuple[str, ...]
    description: str
    women_owned: bool
    social_venture: bool
    disability_owned: bool
    non_capital_region: bool
    track: str
    outcome: str
    status: str
    joined_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    first_submitted_at: dt.datetime | None
    resubmitted_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    receipt_number: str | None
    title: str
    summary: str
    first_summary: str
    answers: dict
    declarations: dict
    ineligible_reasons: tuple[str, ...]
    quality: float  # how good the application is, 0–1: drives the evaluators' scores

    @property
    def submitted(self) -> bool:
        return self.first_submitted_at is not None

    @property
    def submitted_at(self) -> dt.datetime | None:
        return self.resubmitted_at or self.first_submitted_at


def plan_applicants(rng: random.Random) -> list[ApplicantPlan]:
    """The 220 applicants of the call, in the order they registered."""
    outcomes = [name for name, n in OUTCOMES.items() for _ in range(n)]
    outcomes += ["in_review"] * (APPLICANTS - len(outcomes))
    rng.shuffle(outcomes)
    tracks = [track["code"] for track in c.TRACKS for _ in range(track["share"])]
    rng.shuffle(tracks)
    names = company_names(rng, APPLICANTS)
    numbers = brns(rng, APPLICANTS)
    plans = [
        _applicant(rng, name=name, brn=brn, track=track, outcome=outcome)
        for name, brn, track, outcome in zip(names, numbers, tracks, outcomes, strict=True)
    ]
    return _with_receipt_numbers(plans)


def company_names(rng: random.Random, n: int, *, taken: Set[str] = frozenset()) -> list[tuple[str, str]]:
    """`n` (Korean, English) company names with distinct domain labels, none of whose Korean name is `taken`."""
    pool = [(ko1 + ko2, en1 + en2) for ko1, en1 in c.NAME_PREFIXES for ko2, en2 in c.NAME_SUFFIXES if en1 != en2]
    pool += [(f"{ko1}{ko2}", f"{en1} {en2}") for ko1, en1 in c.NATIVE_NAMES for ko2, en2 in c.NATIVE_SUFFIXES]
    names, domains = [], set()
    for ko, en in rng.sample(pool, len(pool)):
        domain = domain_label(en)
        if domain not in domains and ko not in taken:
            domains.add(domain)
            names.append((ko, en))
        if len(names) == n:
            return names
    raise ValueError("Not enough company names for the demo.")


def brns(rng: random.Random, n: int, *, taken: Set[str] = frozenset()) -> list[str]:
    """`n` distinct valid business registration numbers, none of them `taken`."""
    found: dict[str, None] = {}
    while len(found) < n:
        # tax office code, 81/86/87 for a for-profit corporation, serial, check digit
        first_nine = f"{rng.randint(101, 899)}{rng.choice(('81', '86', '87'))}{rng.randint(1, 9999):04d}"
        brn = first_nine + str(brn_check_digit(first_nine))
        if brn not in taken:
            found.setdefault(brn)
    return list(found)


def domain_label(name_en: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name_en.lower())


def person(rng: random.Random, *, female: bool) -> tuple[str, str, str]:
    surname, surname_latin, _ = rng.choices(c.SURNAMES, weights=[w for *_, w in c.SURNAMES])[0]
    given, given_latin = rng.choice(c.GIVEN_NAMES_FEMALE if female else c.GIVEN_NAMES_MALE)
    return surname + given, given_latin, surname_latin


def _applicant(rng: random.Random, *, name: tuple[str, str], brn: str, track: str, outcome: str) -> ApplicantPlan:
    program = c.PROGRAM
    deadline = program["closes_at"].astimezone(c.SEOUL).date()
    short_ko, short_en = name
    domain = f"{domain_label(short_en)}.example.com"

    female = rng.random() < 0.18
    ceo_name, given_latin, surname_latin = person(rng, female=female)
    local_part = rng.choice((f"{given_latin}.{surname_latin}", given_latin, "ceo", f"{surname_latin}{given_latin[0]}"))

    if outcome.startswith("too_old"):
        founded_on = deadline - dt.timedelta(days=rng.randint(3700, 5800))
    else:
        founded_on = deadline - dt.timedelta(days=int(rng.triangular(150, 3450, 900)))
    age = company_age_years(founded_on, on=deadline)
    years = (deadline - founded_on).days / 365.25
    employees = min(300, max(1, round(rng.lognormvariate(math.log(3 + 3 * years), 0.5))))
    revenue = 0
    if years > 1.5 or rng.random() < 0.5:
        revenue = round(rng.lognormvariate(math.log(1.2e8 * (1 + years)), 0.9), -6)

    sectors = _sectors(rng, track)
    primary = sectors[0]
    product_ko, _ = rng.choice(c.PRODUCTS[primary])
    sector_ko = next(ko for code, ko, _ in c.SECTORS if code == primary)
    customers = c.CUSTOMERS[primary]
    hardware = rng.choice(c.HARDWARE[primary]) if track == "collab" else ""

    products = _openai_products(rng)
    model = c.MODEL_NAMES[products[0]]
    patterns = c.TITLE_PATTERNS_COLLAB if track == "collab" else c.TITLE_PATTERNS_API
    title = rng.choice(patterns).format(model=model, product=product_ko, hardware=hardware)
    first_summary = f"{customers} 대상 {product_ko} 서비스입니다."
    benefit = rng.choice(c.BENEFITS)
    summary = f"{first_summary} {model} 도입으로 {benefit}."

    if revenue == 0:
        stage = rng.choice(("prototype", "beta"))
    elif revenue < 1_000_000_000 or rng.random() < 0.5:
        stage = "launched"
    else:
        stage = "scaling"
    if stage in ("prototype", "beta"):
        launch = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
    else:
        launch = min(founded_on + dt.timedelta(days=rng.randint(90, 900)), deadline - dt.timedelta(days=30))
    labels = ", ".join(choice["label_en"] for choice in c.OPENAI_PRODUCT_CHOICES if choice["value"] in products)
    answers = {
        "service_name": f"{short_en} {rng.choice(c.SERVICE_NAME_SUFFIXES)}",
        "problem": (
            f"{customers} 현장에서는 {rng.choice(c.PAINS)}. {rng.choice(c.LIMITS)}. 저희는 {product_ko} 서비스로 "
            f"이 문제를 해결합니다. 실제 도입 고객사에서 {benefit}."
        ),
        "openai_usage": (
            f"현재 {labels} API를 서비스에 적용하고 있습니다. OpenAI와의 협업 목표는 다음과 같습니다: "
            f"{rng.choice(c.MILESTONES)}."
        ),
        "funding_krw": 0
        if revenue == 0 and rng.random() < 0.6
        else int(round(rng.lognormvariate(math.log(8e8), 1.1), -7)),
        "launch_date": launch.isoformat(),
        "stage": stage,
        "openai_products": products,
        "global_sales": stage == "scaling" or rng.random() < 0.2,
    }
    if track == "collab":
        answers["hardware"] = (
            f"{hardware}에서 동작하는 경량화 모델과 OpenAI API를 결합합니다. 현장 데이터는 기기에서 1차로 처리하고, "
            f"복잡한 판단과 자연어 인터페이스에는 {model} 모델을 사용합니다."
        )
    if rng.random() < 0.7:
        answers["demo_url"] = f"https://demo.{domain}/"

    status = STATUS_OF_OUTCOME[outcome]
    submitted = outcome in SUBMITTED_OUTCOMES
    opens, closes = program["opens_at"], program["closes_at"]
    span = closes - opens
    # Most applicants submit in the last days before the deadline.
    moment = opens + span * (rng.betavariate(2.4, 1.0) if submitted else rng.uniform(0.1, 0.9))
    moment = min(moment, closes - dt.timedelta(minutes=2)).replace(microsecond=0)
    created_at = max(opens + dt.timedelta(minutes=10), moment - dt.timedelta(hours=rng.uniform(1, 144)))
    created_at = created_at.replace(microsecond=0)
    joined_at = (created_at - dt.timedelta(minutes=rng.randint(3, 4000))).replace(microsecond=0)
    first_submitted_at = moment if submitted else None
    resubmitted_at = None
    if submitted and rng.random() < 0.15:
        later = (moment + dt.timedelta(hours=rng.uniform(0.5, 72))).replace(microsecond=0)
        resubmitted_at = later if later < closes else None
    withdrawn_at = None
    if outcome == "withdrawn_submitted":
        # after the deadline, before the review began (so no evaluator was assigned)
        withdrawn_at = (closes + dt.timedelta(hours=rng.uniform(2, 60))).replace(microsecond=0)
    elif outcome == "withdrawn_draft":
        withdrawn_at = min(moment + dt.timedelta(hours=rng.uniform(1, 48)), closes).replace(microsecond=0)
    updated_at = {
        "in_review": c.REVIEW_STARTED_AT,
        "ineligible": STAFF_CHECKED_ELIGIBILITY_AT,
        "withdrawn": withdrawn_at,
        "draft": moment,
    }[status]

    declarations = {}
    reasons: list[str] = []
    if submitted:
        declarations = {d["code"]: False for d in c.DECLARATIONS}
        if outcome in ("too_old_and_funded", "already_funded"):
            declarations["already_funded"] = True
        if outcome == "tax_arrears":
            declarations["tax_arrears"] = True
    if status == "ineligible":
        if age >= program["max_company_age_years"]:
            reasons.append(
                f"설립 후 {age}년이 지나 지원 대상(설립 {program['max_company_age_years']}년 미만 창업기업)이 아닙니다."
            )
        reasons += [d["reason_ko"] for d in c.DECLARATIONS if declarations.get(d["code"])]
    if not submitted:
        # A draft holds what the applicant typed so far.
        answers = {code: answers[code] for code in ("service_name", "problem", "stage")}

    legal_ko = f"주식회사 {short_ko}" if rng.random() < 0.8 else f"{short_ko} 주식회사"
    legal_en = f"{short_en} Inc." if rng.random() < 0.7 else f"{short_en} Co., Ltd."
    return ApplicantPlan(
        name_ko=legal_ko,
        name_en=legal_en,
        short_name_ko=short_ko,
        brn=brn,
        founded_on=founded_on,
        ceo_name=ceo_name,
        owner_email=f"{local_part}@{domain}",
        website=f"https://www.{domain}/",
        employees=employees,
        annual_revenue_krw=int(revenue),
        sectors=sectors,
        description=(
            f"{product_ko} 서비스를 만드는 {sector_ko} 스타트업입니다. {founded_on.year}년 설립, 임직원 {employees}명."
        ),
        women_owned=female,
        social_venture=rng.random() < 0.08,
        disability_owned=rng.random() < 0.03,
        non_capital_region=rng.random() < 0.22,
        track=track,
        outcome=outcome,
        status=status,
        joined_at=joined_at,
        created_at=created_at,
        updated_at=updated_at,
        first_submitted_at=first_submitted_at,
        resubmitted_at=resubmitted_at,
        withdrawn_at=withdrawn_at,
        receipt_number=None,
        title=title,
        summary=summary,
        first_summary=first_summary,
        answers=answers,
        declarations=declarations,
        ineligible_reasons=tuple(reasons),
        quality=min(0.97, max(0.2, rng.gauss(0.66, 0.13))),
    )


def _sectors(rng: random.Random, track: str) -> tuple[str, ...]:
    own = c.COLLAB_SECTORS if track == "collab" else c.API_SECTORS
    chosen = [rng.choice(own)]
    if chosen[0] != "generative-ai" and rng.random() < (0.3 if track == "collab" else 0.55):
        chosen.append("generative-ai")
    if rng.random() < 0.2:
        chosen.append(rng.choice(own))
    return tuple(dict.fromkeys(chosen))


def _openai_products(rng: random.Random) -> list[str]:
    """1–3 products; the first, which names the project, is a language model."""
    values = [choice["value"] for choice in c.OPENAI_PRODUCT_CHOICES]
    wanted = rng.choice((1, 2, 2, 3))
    language_models = ["gpt-4", "gpt-3.5", "assistants", "gpt-4v", "fine-tuning"]
    first = rng.choices(language_models, weights=[c.OPENAI_PRODUCT_WEIGHTS[values.index(v)] for v in language_models])
    picked: dict[str, None] = dict.fromkeys(first)
    while len(picked) < wanted:
        picked.setdefault(rng.choices(values, weights=c.OPENAI_PRODUCT_WEIGHTS)[0])
    return list(picked)


def _with_receipt_numbers(plans: list[ApplicantPlan]) -> list[ApplicantPlan]:
    """Receipt numbers are issued in the order of first submission."""
    order = sorted((p.first_submitted_at, i) for i, p in enumerate(plans) if p.submitted)
    numbers = {i: f"{c.PROGRAM['receipt_prefix']}-{n:04d}" for n, (_, i) in enumerate(order, start=1)}
    return [dataclasses.replace(p, receipt_number=numbers.get(i)) for i, p in enumerate(plans)]


def assign_evaluators(
    *,
    applications: Sequence[Hashable],
    evaluators: Sequence[Hashable],
    k: int,
    conflicts: set[tuple[Hashable, Hashable]],
    overlap: dict[tuple[Hashable, Hashable], int],
    rng: random.Random,
) -> dict[Hashable, list[Hashable]]:
    """k distinct evaluators per application, none conflicted (`(evaluator, application)` in
    `conflicts`), every evaluator's load within one of the others'; among the evaluators with
    the most room left, those whose expertise overlaps the application's sectors come first.

    Raises ValueError when the greedy pass runs out of unconflicted evaluators.
    """
    total = len(applications) * k
    base, extra = divmod(total, len(evaluators))
    shuffled = rng.sample(list(evaluators), len(evaluators))
    room = {e: base + (i < extra) for i, e in enumerate(shuffled)}
    # The most constrained applications go first, while every evaluator still has room.
    allowed = {a: sum((e, a) not in conflicts for e in evaluators) for a in applications}
    order = sorted(applications, key=lambda a: (allowed[a], rng.random()))
    chosen: dict[Hashable, list[Hashable]] = {}
    for application in order:
        candidates = [e for e in evaluators if room[e] > 0 and (e, application) not in conflicts]
        ties = {e: rng.random() for e in candidates}
        candidates.sort(key=lambda e: (-room[e], -overlap.get((e, application), 0), ties[e]))
        if len(candidates) < k:
            raise ValueError(f"Application {application} cannot get {k} unconflicted evaluators.")
        chosen[application] = candidates[:k]
        for e in candidates[:k]:
            room[e] -= 1
    return {a: chosen[a] for a in applications}


def pitch_deck_pdf(lines: Sequence[str]) -> bytes:
    """A one-page PDF (Helvetica, so ASCII only) with the given lines of text, a few hundred bytes."""

    def escape(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode("ascii")
        return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT", "/F1 26 Tf", "60 480 Td", f"({escape(lines[0])}) Tj", "/F1 14 Tf"]
    for line in lines[1:]:
        text += ["0 -32 Td", f"({escape(line)}) Tj"]
    stream = "\n".join([*text, "ET"]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
