"""The demo's second program: an open-innovation call with six (fictional) partner companies, its
selection final, ready for staff to run the stable matching and to schedule the Matching Day.

60 finalists (50 selected, 10 in reserve) out of 90 applicants; six partners whose seats add up to
the quota of 50; every applicant ranked one to four partners in the application; every partner has
submitted its ranking of the finalists (some marked "not interested"); the Matching Day in Seoul has
tables per partner and two partners' availability, not scheduled yet. No matching run exists.

The content comes from a seeded `random.Random` (`plan_partnering`, pure), so it is the same on
every load; the dates are set around the day of loading, so that the Matching Day lies ahead."""

import dataclasses
import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

from django.db import models

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching import models as m
from matching.demo import content as c
from matching.demo.matching_day import seoul_matching_day
from matching.demo.plan import brns, company_names, domain_label, person
from matching.demo.rows import pitch_deck_attachment, sectors_ensure
from startups import models as s
from startups.services.applications import application_snapshot, with_everything

SEED = 20260301
BATCH = 500
APPLICANTS = 90
FOUR_PLACES = Decimal("0.0001")

PROGRAM = {
    "slug": "oim-2026-partners",
    "name_ko": "2026 오픈이노베이션 매칭 (6개 파트너사)",
    "name_en": "Open Innovation Matching 2026 (six partners)",
    "host": "중소벤처기업부 · 창업진흥원",
    "description_ko": (
        "여섯 개 파트너사(모두 가상의 기업)와 스타트업을 연결하는 오픈이노베이션 프로그램의 데모입니다. "
        "서면평가로 최종 50개사와 예비 10개사를 선정했고, 스타트업은 지원서에서 희망 파트너사를, 파트너사는 "
        "최종 후보를 순위로 제출했습니다. 운영자는 안정 매칭을 실행하고 서울 매칭데이 일정을 배정할 수 있습니다."
    ),
    "description_en": (
        "A demo open-innovation program linking startups with six partner companies (all fictional). A written "
        "review chose 50 startups and 10 in reserve; the startups ranked the partners they want in their "
        "application, and the partners submitted their rankings of the finalists. Staff can now run the stable "
        "matching and schedule the Matching Day in Seoul."
    ),
    "time_zone": "Asia/Seoul",
    "max_company_age_years": 7,
    "quota": 50,
    "reserve_size": 10,
    "receipt_prefix": "OIM2026",
    "english_for_partners": True,
}
TRACK = {
    "code": "open",
    "order": 1,
    "name_ko": "오픈이노베이션",
    "name_en": "Open innovation",
    "description_ko": "파트너사와 실증(PoC)·공동 사업을 추진할 업력 7년 미만 기업",
    "description_en": "Startups under seven years old that propose a proof of concept or joint business to a partner.",
    "admits_pre_founders": False,
}

# slug, name, Korean name, focus sectors, seats, tables, member (name, e-mail local part, title)
PARTNERS = [
    ("hanbit-robotics", "Hanbit Robotics", "한빛로보틱스", ("robotics", "manufacturing", "semiconductors"), 12, 2,
     ("Minji Seo", "minji.seo", "Open Innovation Lead")),
    ("aurora-cloud", "Aurora Cloud", "오로라클라우드", ("generative-ai", "security", "legal-hr", "content"), 10, 2,
     ("Daniel Park", "daniel.park", "Startup Programs Manager")),
    ("solmaru-bio", "Solmaru Bio", "솔마루바이오", ("healthcare", "climate"), 8, 2,
     ("Hyejin Kang", "hyejin.kang", "Head of External Innovation")),
    ("nuri-mobility", "Nuri Mobility", "누리모빌리티", ("mobility", "climate", "semiconductors"), 8, 2,
     ("Junho Lee", "junho.lee", "Corporate Venturing Manager")),
    ("blue-harbor-capital", "Blue Harbor Capital", "블루하버캐피탈", ("fintech", "commerce", "security"), 6, 2,
     ("Grace Yoon", "grace.yoon", "Investment Associate")),
    ("daon-retail", "Daon Retail", "다온리테일", ("commerce", "content", "edtech"), 6, 2,
     ("Sora Choi", "sora.choi", "Retail Innovation Manager")),
]  # fmt: skip
# Partners that can meet only part of the Matching Day (venue time, each a window).
PARTNER_WINDOWS = {
    "blue-harbor-capital": [((13, 0), (18, 0))],
    "daon-retail": [((9, 0), (12, 0)), ((14, 0), (17, 0))],
}
CUSTOMERS_EN = {
    "generative-ai": "businesses at home and abroad",
    "healthcare": "hospitals and clinics",
    "fintech": "banks and small merchants",
    "edtech": "schools, academies and learners",
    "commerce": "online sellers",
    "content": "content studios",
    "legal-hr": "legal and HR teams",
    "security": "corporate security teams",
    "climate": "building and power-plant operators",
    "semiconductors": "device makers",
    "robotics": "logistics and service sites",
    "mobility": "carmakers and mobility companies",
    "manufacturing": "small factories",
}
# English for the content's PAINS and BENEFITS, in their order.
PAINS_EN = [
    "specialists spend more than half their time on repetitive work",
    "a shortage of skilled people delays customer service and quality control",
    "data piles up but hardly informs decisions",
    "serving customers abroad brings language barriers and high localisation costs",
    "results vary from person to person, and customers keep complaining",
]
BENEFITS_EN = [
    "processing time cut by more than 60%",
    "answer accuracy raised to 92%",
    "customers' operating costs cut by 30% a year",
    "customers won in English-speaking markets and Japan",
]
POC_KO = [
    "파트너사 현장 한 곳에서 3개월 실증(PoC)을 진행하고 성과 지표를 함께 검증하고자 합니다",
    "파트너사의 고객 채널을 통해 공동 상품을 출시하고 6개월간 반응을 측정하고자 합니다",
    "파트너사 데이터와 연동한 시범 서비스를 구축해 내부 업무 시간을 줄이고자 합니다",
    "파트너사의 해외 법인과 함께 현지 시장 진출을 검증하고자 합니다",
]
POC_EN = [
    "We propose a three-month proof of concept at one of the partner's sites, with success measures agreed together",
    "We propose a joint product launched through the partner's customer channels, measured over six months",
    "We propose a pilot connected to the partner's data that cuts time spent on internal work",
    "We propose testing entry into a market abroad together with the partner's local subsidiary",
]
STAGES = ["prototype", "beta", "launched", "scaling"]
QUESTIONS = [
    {
        "code": "service_name",
        "kind": "short_text",
        "label_ko": "서비스(제품)명",
        "label_en": "Product name",
        "max_length": 100,
        "shown_to_partners": True,
    },
    {
        "code": "problem",
        "kind": "long_text",
        "label_ko": "해결하려는 문제와 해결 방법",
        "label_en": "The problem you solve, and how",
        "help_ko": "1,000자 이내로 적어 주세요.",
        "help_en": "In at most 1,000 characters.",
        "max_length": 1000,
        "shown_to_partners": True,
    },
    {
        "code": "collaboration",
        "kind": "long_text",
        "label_ko": "파트너사와 추진하려는 협업(실증) 계획",
        "label_en": "The collaboration (proof of concept) you propose to partners",
        "max_length": 1000,
        "shown_to_partners": True,
    },
    {
        "code": "stage",
        "kind": "single_choice",
        "label_ko": "제품 개발 단계",
        "label_en": "Product stage",
        "choices": next(q["choices"] for q in c.QUESTIONS if q["code"] == "stage"),
        "shown_to_partners": True,
    },
    {
        "code": "pitch_deck",
        "kind": "file",
        "label_ko": "사업계획 발표자료 (PDF)",
        "label_en": "Pitch deck (PDF)",
        "file_types": ["pdf"],
        "help_ko": "15쪽 이내의 PDF 파일, 최대 20MB.",
        "help_en": "A PDF of at most 15 pages, up to 20 MB.",
        "max_file_size_mb": 20,
        "shown_to_partners": True,
    },
    {
        "code": "funding_krw",
        "kind": "number",
        "unit": "won",
        "label_ko": "누적 투자 유치액 (원)",
        "label_en": "Investment raised so far (KRW)",
        "required": False,
    },
]
ACTOR = "seed_demo"

# Models whose auto_now/auto_now_add fields the loader lets these rows' own times stand for.
TIMESTAMPED = (m.SelectionEntry, m.PartnerRanking)


@dataclasses.dataclass(frozen=True)
class FinalistPlan:
    """One applicant of the second program, as the demo writes it."""

    short_ko: str
    short_en: str
    name_ko: str
    name_en: str
    brn: str
    founded_on: dt.date
    ceo_name: str
    owner_email: str
    website: str
    employees: int
    sectors: tuple[str, ...]
    quality: float
    preferences: tuple[str, ...]  # partner slugs, first choice first
    title: str
    summary: str
    summary_en: str
    answers: dict
    answers_en: dict
    submitted_offset_hours: float


@dataclasses.dataclass(frozen=True)
class PartneringPlan:
    applicants: list[FinalistPlan]  # best first: 50 selected, 10 reserve, 30 not selected
    rankings: dict[str, list[int | None]]  # partner slug → per finalist (index into applicants): rank or None


def plan_partnering(rng: random.Random, *, taken_names: set[str], taken_brns: set[str]) -> PartneringPlan:
    """The applicants, their preferences and the partners' rankings; pure and seeded."""
    names = company_names(rng, APPLICANTS, taken=taken_names)
    numbers = brns(rng, APPLICANTS, taken=taken_brns)
    applicants = [_applicant(rng, name, brn) for name, brn in zip(names, numbers, strict=True)]
    applicants.sort(key=lambda p: -p.quality)
    finalists = applicants[: PROGRAM["quota"] + PROGRAM["reserve_size"]]
    rankings = {}
    for slug, _, _, focus, *_ in PARTNERS:
        interest = [p.quality + 0.25 * len(set(p.sectors) & set(focus)) + rng.gauss(0, 0.08) for p in finalists]
        # Not interested: outside the partner's focus, mostly; and its weakest fifth overall.
        weakest = sorted(interest)[len(finalists) // 5]
        keep = [
            i
            for i, p in enumerate(finalists)
            if interest[i] > weakest and (set(p.sectors) & set(focus) or rng.random() < 0.55)
        ]
        order = sorted(keep, key=lambda i: -interest[i])
        ranks: list[int | None] = [None] * len(finalists)
        for rank, i in enumerate(order, start=1):
            ranks[i] = rank
        rankings[slug] = ranks
    return PartneringPlan(applicants=applicants, rankings=rankings)


def _applicant(rng: random.Random, name: tuple[str, str], brn: str) -> FinalistPlan:
    short_ko, short_en = name
    focus_sectors = [code for _, _, _, focus, *_ in PARTNERS for code in focus]
    primary = rng.choice(focus_sectors)
    sectors = [primary]
    if rng.random() < 0.35:
        sectors.append(rng.choice(focus_sectors))
    sectors = tuple(dict.fromkeys(sectors))
    product_ko, product_en = rng.choice(c.PRODUCTS[primary])
    sector_en = next(en for code, _, en in c.SECTORS if code == primary)
    female = rng.random() < 0.2
    ceo_name, given_latin, surname_latin = person(rng, female=female)
    domain = f"{domain_label(short_en)}.example.kr"
    years = rng.uniform(0.8, 6.5)
    quality = min(0.97, max(0.25, rng.gauss(0.65, 0.12)))

    fit = {
        slug: len(set(sectors) & set(focus)) + rng.random() * 0.9 + 0.3 * quality for slug, _, _, focus, *_ in PARTNERS
    }
    wanted = rng.choice((1, 2, 2, 3, 3, 3, 4))
    preferences = tuple(sorted(fit, key=lambda slug: -fit[slug])[:wanted])

    poc = rng.randrange(len(POC_KO))
    pain = rng.randrange(len(c.PAINS))
    benefit = rng.randrange(len(c.BENEFITS))
    customers_ko, customers_en = c.CUSTOMERS[primary], CUSTOMERS_EN[primary]
    stage = rng.choices(STAGES, weights=(2, 3, 4, 1))[0]
    service_name = f"{short_en} {rng.choice(c.SERVICE_NAME_SUFFIXES)}"
    answers = {
        "service_name": service_name,
        "problem": f"{customers_ko} 현장에서는 {c.PAINS[pain]}. 저희는 {product_ko} 서비스로 이 문제를 해결합니다.",
        "collaboration": f"{POC_KO[poc]}.",
        "stage": stage,
        "funding_krw": 0 if rng.random() < 0.35 else int(round(rng.lognormvariate(math.log(9e8), 1.0), -7)),
    }
    answers_en = {
        "problem": (
            f"At {customers_en}, {PAINS_EN[pain]}. We solve this with {service_name}, our {product_en} service."
        ),
        "collaboration": f"{POC_EN[poc]}.",
    }
    return FinalistPlan(
        short_ko=short_ko,
        short_en=short_en,
        name_ko=f"주식회사 {short_ko}",
        name_en=f"{short_en} Inc.",
        brn=brn,
        founded_on=dt.date(2026, 1, 1) - dt.timedelta(days=round(years * 365.25)),
        ceo_name=ceo_name,
        owner_email=f"{given_latin}.{surname_latin}@{domain}",
        website=f"https://www.{domain}/",
        employees=max(2, round(rng.lognormvariate(math.log(4 + 4 * years), 0.5))),
        sectors=sectors,
        quality=quality,
        preferences=preferences,
        title=f"{product_ko} 파트너 실증 ({product_en} PoC)",
        summary=f"{customers_ko} 대상 {product_ko} 서비스입니다. 도입 고객사에서 {c.BENEFITS[benefit]}.",
        summary_en=(
            f"{product_en[0].upper()}{product_en[1:]} for {customers_en} ({sector_en}). "
            f"With customers so far: {BENEFITS_EN[benefit]}."
        ),
        answers=answers,
        answers_en=answers_en,
        submitted_offset_hours=rng.betavariate(2.4, 1.0),
    )


# writing


def _refuse_leftovers(emails: list[str]) -> None:
    """People of an earlier load whose program was deleted would collide on unique e-mails."""
    taken = list(User.objects.filter(email__in=emails).values_list("email", flat=True)[:3])
    if taken:
        raise DomainError(
            f"Users of the second demo program are in the database but the program is not ({', '.join(taken)} …). "
            "Load the demo into a fresh database.",
            code="demo_rows_exist",
        )


def partnering_ensure(
    *, password_hash: Callable[[], str], now: dt.datetime, saved_files: list[str] | None = None
) -> tuple[m.Program, dict[str, int]]:
    """The second program, written once (in bulk) around `now`; returns it and the rows written. The
    names of the files it stores are appended to `saved_files` (to delete them if the load fails)."""
    program = m.Program.objects.filter(slug=PROGRAM["slug"]).first()
    if program is not None:
        return program, {}
    writer = _Writer(password_hash=password_hash(), now=now, saved_files=saved_files if saved_files is not None else [])
    program = writer.write()
    audit_record(actor=ACTOR, obj=program, verb="demo_loaded", data=dict(writer.counts))
    writer.counts["audit.AuditEvent"] += 1
    return program, dict(writer.counts)


def partner_member_email(slug: str) -> str:
    local = next(member[1] for p_slug, *_, member in PARTNERS if p_slug == slug)
    return f"{local}@{slug}.example.com"


class _Writer:
    def __init__(self, *, password_hash: str, now: dt.datetime, saved_files: list[str]) -> None:
        self.password_hash = password_hash
        self.saved_files = saved_files
        self.counts: Counter[str] = Counter()
        today = now.astimezone(c.SEOUL).date()

        def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
            return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=c.SEOUL)

        self.at = at
        self.opens_at, self.closes_at = at(-84, 10), at(-56, 18)
        self.finalised_at = at(-28, 15)
        # Near: partners may still change their submitted rankings for a few days; matching can run now.
        self.ranking_deadline = at(3, 18)
        self.matching_day = today + dt.timedelta(days=14)

    def add(self, model: type[models.Model], rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.label] += len(created)
        return created

    def write(self) -> m.Program:
        taken_names = {
            name.removeprefix("주식회사 ").removesuffix(" 주식회사")
            for name in s.Startup.objects.values_list("name_ko", flat=True)
        }
        taken_brns = set(s.Startup.objects.exclude(brn=None).values_list("brn", flat=True))
        plan = plan_partnering(random.Random(SEED), taken_names=taken_names, taken_brns=taken_brns)  # noqa: S311
        _refuse_leftovers(
            [partner_member_email(slug) for slug, *_ in PARTNERS] + [p.owner_email for p in plan.applicants]
        )
        partners = self._partners()
        program = self._program(partners)
        applications = self._applicants(program, plan.applicants, partners)
        self._round_and_selection(program, applications, plan.applicants)
        self._rankings(program, partners, applications, plan)
        self._matching_day(program, partners)
        return program

    def _partners(self) -> dict[str, m.Partner]:
        existing = {p.slug: p for p in m.Partner.objects.filter(slug__in=[p[0] for p in PARTNERS])}
        missing = [
            m.Partner(slug=slug, name=name, name_ko=name_ko, website=f"https://www.{slug}.example.com/")
            for slug, name, name_ko, *_ in PARTNERS
            if slug not in existing
        ]
        for partner in self.add(m.Partner, missing):
            existing[partner.slug] = partner
        users = self.add(
            User,
            [
                User(
                    email=partner_member_email(slug),
                    name=person,
                    preferred_language=User.Language.ENGLISH,
                    password=self.password_hash,
                    date_joined=self.at(-40, 11),
                )
                for slug, *_, (person, _, _) in PARTNERS
            ],
        )
        self.add(
            m.PartnerMembership,
            [
                m.PartnerMembership(partner=existing[slug], user=user, title=title)
                for (slug, *_, (_, _, title)), user in zip(PARTNERS, users, strict=True)
            ],
        )
        self.members = {slug: user for (slug, *_), user in zip(PARTNERS, users, strict=True)}
        return existing

    def _program(self, partners: dict[str, m.Partner]) -> m.Program:
        (program,) = self.add(
            m.Program,
            [
                m.Program(
                    **PROGRAM,
                    opens_at=self.opens_at,
                    closes_at=self.closes_at,
                    status=m.Program.Status.FINALISED,
                    receipt_counter=APPLICANTS,
                    ranking_deadline=self.ranking_deadline,
                    created_at=self.at(-100, 10),
                    updated_at=self.finalised_at,
                )
            ],
        )
        self.add(
            m.ProgramPartner,
            [
                m.ProgramPartner(program=program, partner=partners[slug], seats=seats)
                for slug, _, _, _, seats, *_ in PARTNERS
            ],
        )
        (self.track,) = self.add(m.Track, [m.Track(program=program, **TRACK)])
        self.questions = self.add(
            m.Question,
            [
                m.Question(
                    program=program,
                    order=order,
                    required=q.get("required", True),
                    choices=q.get("choices", []),
                    **{k: v for k, v in q.items() if k not in ("required", "choices")},
                )
                for order, q in enumerate(QUESTIONS, start=1)
            ],
        )
        return program

    def _applicants(
        self, program: m.Program, plans: list[FinalistPlan], partners: dict[str, m.Partner]
    ) -> list[s.Application]:
        sectors = sectors_ensure(self.add)
        span = self.closes_at - self.opens_at - dt.timedelta(hours=2)
        submitted = [(self.opens_at + span * p.submitted_offset_hours).replace(microsecond=0) for p in plans]
        order = sorted(range(len(plans)), key=lambda i: (submitted[i], i))
        receipts = {i: f"{PROGRAM['receipt_prefix']}-{n:04d}" for n, i in enumerate(order, start=1)}
        joined = [moment - dt.timedelta(days=2) for moment in submitted]
        owners = self.add(
            User,
            [
                User(email=p.owner_email, name=p.ceo_name, password=self.password_hash, date_joined=when)
                for p, when in zip(plans, joined, strict=True)
            ],
        )
        startups = self.add(
            s.Startup,
            [
                s.Startup(
                    name_ko=p.name_ko,
                    name_en=p.name_en,
                    brn=p.brn,
                    founded_on=p.founded_on,
                    ceo_name=p.ceo_name,
                    employees=p.employees,
                    annual_revenue_krw=0,
                    website=p.website,
                    description=p.summary,
                    created_at=when,
                    updated_at=when,
                )
                for p, when in zip(plans, joined, strict=True)
            ],
        )
        through = s.Startup.sectors.through
        self.add(
            through,
            [
                through(startup_id=startup.pk, sector_id=sectors[code].pk)
                for startup, p in zip(startups, plans, strict=True)
                for code in p.sectors
            ],
        )
        self.add(
            s.StartupMember,
            [
                s.StartupMember(startup=startup, user=owner, role=s.StartupMember.Role.OWNER, created_at=when)
                for startup, owner, when in zip(startups, owners, joined, strict=True)
            ],
        )
        quota, reserve = PROGRAM["quota"], PROGRAM["reserve_size"]
        statuses = [
            s.Application.Status.SELECTED
            if i < quota
            else s.Application.Status.RESERVE
            if i < quota + reserve
            else s.Application.Status.NOT_SELECTED
            for i in range(len(plans))
        ]
        applications = self.add(
            s.Application,
            [
                s.Application(
                    program=program,
                    startup=startup,
                    track=self.track,
                    status=status,
                    receipt_number=receipts[i],
                    title=p.title,
                    summary=p.summary,
                    summary_en=p.summary_en,
                    first_submitted_at=submitted[i],
                    submitted_at=submitted[i],
                    created_by=owner,
                    created_at=submitted[i] - dt.timedelta(hours=20),
                    updated_at=self.finalised_at,
                )
                for i, (startup, owner, p, status) in enumerate(zip(startups, owners, plans, statuses, strict=True))
            ],
        )
        self.add(
            s.Answer,
            [
                s.Answer(
                    application=application,
                    question=question,
                    value=p.answers[question.code],
                    value_en=p.answers_en.get(question.code, ""),
                    updated_at=application.submitted_at,
                )
                for application, p in zip(applications, plans, strict=True)
                for question in self.questions
                if question.code in p.answers
            ],
        )
        self.add(
            s.PartnerPreference,
            [
                s.PartnerPreference(application=application, partner=partners[slug], rank=rank)
                for application, p in zip(applications, plans, strict=True)
                for rank, slug in enumerate(p.preferences, start=1)
            ],
        )
        self._pitch_decks(applications, owners, plans)
        loaded = with_everything(s.Application.objects.filter(pk__in=[a.pk for a in applications])).in_bulk()
        self.add(
            s.Submission,
            [
                s.Submission(
                    application=application,
                    number=1,
                    submitted_at=application.submitted_at,
                    submitted_by=owner,
                    snapshot=application_snapshot(loaded[application.pk]),
                )
                for application, owner in zip(applications, owners, strict=True)
            ],
        )
        return applications

    def _pitch_decks(self, applications: list[s.Application], owners: list[User], plans: list[FinalistPlan]) -> None:
        question = next(q for q in self.questions if q.kind == m.Question.Kind.FILE)
        attachments = []
        for application, owner, p in zip(applications, owners, plans, strict=True):
            attachments.append(
                pitch_deck_attachment(
                    application=application,
                    question=question,
                    owner=owner,
                    original_name=f"{p.short_ko}_pitch_deck.pdf",
                    lines=[
                        p.name_en,
                        PROGRAM["name_en"],
                        p.answers["service_name"],
                        p.summary_en[:90],
                        "Pitch deck - demo data",
                    ],
                    uploaded_at=application.submitted_at - dt.timedelta(minutes=30),
                    saved_files=self.saved_files,
                )
            )
        self.add(s.Attachment, attachments)

    def _round_and_selection(
        self, program: m.Program, applications: list[s.Application], plans: list[FinalistPlan]
    ) -> None:
        finalists = PROGRAM["quota"] + PROGRAM["reserve_size"]
        (round_,) = self.add(
            m.EvaluationRound,
            [
                m.EvaluationRound(
                    program=program,
                    order=1,
                    name_ko="서면평가",
                    name_en="Written review",
                    kind=m.EvaluationRound.Kind.DOCUMENT,
                    opens_at=self.closes_at + dt.timedelta(days=3),
                    closes_at=self.closes_at + dt.timedelta(days=17),
                    advance_count=finalists,
                    status=m.EvaluationRound.Status.PUBLISHED,
                    created_at=self.at(-100, 10),
                    updated_at=self.finalised_at - dt.timedelta(days=1),
                )
            ],
        )
        computed = self.finalised_at - dt.timedelta(days=2)
        scores = [(Decimal(p.quality) * 100).quantize(FOUR_PLACES) for p in plans]
        self.add(
            m.RoundResult,
            [
                m.RoundResult(
                    round=round_,
                    application=application,
                    review_count=3,
                    mean=score,
                    aggregate=score,
                    round_score=score,
                    final_score=score,
                    rank=rank,
                    advanced=rank <= finalists,
                    computed_at=computed,
                )
                for rank, (application, score) in enumerate(zip(applications, scores, strict=True), start=1)
            ],
        )
        quota = PROGRAM["quota"]
        outcome = m.SelectionEntry.Outcome
        self.add(
            m.SelectionEntry,
            [
                m.SelectionEntry(
                    program=program,
                    application=application,
                    outcome=outcome.SELECTED
                    if i < quota
                    else outcome.RESERVE
                    if i < finalists
                    else outcome.NOT_SELECTED,
                    position=(i + 1 if i < quota else i + 1 - quota if i < finalists else None),
                    created_at=self.finalised_at,
                    updated_at=self.finalised_at,
                )
                for i, application in enumerate(applications)
            ],
        )

    def _rankings(
        self,
        program: m.Program,
        partners: dict[str, m.Partner],
        applications: list[s.Application],
        plan: PartneringPlan,
    ) -> None:
        rankings = self.add(
            m.PartnerRanking,
            [
                m.PartnerRanking(
                    program=program,
                    partner=partners[slug],
                    status=m.PartnerRanking.Status.SUBMITTED,
                    submitted_at=self.at(-3 - n, 16, 30),
                    submitted_by=self.members[slug],
                    created_at=self.at(-9 - n, 10),
                    updated_at=self.at(-3 - n, 16, 30),
                )
                for n, (slug, *_) in enumerate(PARTNERS)
            ],
        )
        self.add(
            m.PartnerRankingEntry,
            [
                m.PartnerRankingEntry(
                    ranking=ranking,
                    application=application,
                    rank=rank,
                    not_interested=rank is None,
                )
                for ranking, (slug, *_) in zip(rankings, PARTNERS, strict=True)
                for application, rank in zip(applications[: len(plan.rankings[slug])], plan.rankings[slug], strict=True)
            ],
        )

    def _matching_day(self, program: m.Program, partners: dict[str, m.Partner]) -> None:
        event = seoul_matching_day(
            program=program,
            day=self.matching_day,
            partners=[(partners[slug], tables) for slug, _, _, _, _, tables, _ in PARTNERS],
        )
        self.counts[m.MeetingEvent._meta.label] += 1
        self.counts[m.MeetingTable._meta.label] += sum(tables for *_, tables, _ in PARTNERS)
        self.add(
            m.Availability,
            [
                m.Availability(
                    event=event,
                    partner=partners[slug],
                    starts_at=dt.datetime.combine(self.matching_day, dt.time(*start), tzinfo=c.SEOUL),
                    ends_at=dt.datetime.combine(self.matching_day, dt.time(*end), tzinfo=c.SEOUL),
                )
                for slug, windows in PARTNER_WINDOWS.items()
                for start, end in windows
            ],
        )
