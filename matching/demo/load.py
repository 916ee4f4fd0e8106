"""Writing the demo program to the database, in bulk and in one transaction."""

import contextlib
import dataclasses
import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils import timezone

from accounts.demo import demo_second_factor_ensure
from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching import models as m
from matching.demo import content as c
from matching.demo.accept import accept_ensure
from matching.demo.appeal import appeal_ensure
from matching.demo.evidence import evidence_ensure
from matching.demo.matching_day import pitch_session_ensure
from matching.demo.members import members_ensure
from matching.demo.open_call import open_call_ensure
from matching.demo.panels import panels_ensure
from matching.demo.partnering import TIMESTAMPED as PARTNERING_TIMESTAMPED
from matching.demo.partnering import partnering_ensure
from matching.demo.plan import ApplicantPlan, assign_evaluators, plan_applicants
from matching.demo.pledge import pledge_ensure
from matching.demo.privacy import demo_privacy_statements_ensure
from matching.demo.rows import pitch_deck_attachment, sectors_ensure
from matching.services.carry_over import carry_over_check
from privacy.models import PrivacyStatement
from startups import models as s
from startups.services.applications import application_snapshot, with_everything

SEED = 20231103
BATCH = 500
TWO_PLACES = Decimal("0.01")

# Models whose auto_now/auto_now_add fields the demo fills with its own 2023–24 times.
TIMESTAMPED = (
    m.Program,
    m.EvaluationRound,
    m.Evaluator,
    m.Conflict,
    m.Assignment,
    m.Review,
    s.Startup,
    s.StartupMember,
    s.Application,
    s.Answer,
    s.Attachment,
)


@dataclasses.dataclass(frozen=True)
class DemoLogin:
    """One person of the demo to sign in as, with the shared demo password."""

    role: str  # in English: `seed_demo` prints it and the README lists it
    email: str
    start: str  # the page that role starts from


# One sign-in per role, fixed: `seed_demo` prints them and the README lists them (a test holds both to this).
# The evaluator's program does not ask evaluators for a second factor; staff give the demo TOTP code.
DEMO_LOGINS = (
    DemoLogin("staff", c.STAFF_EMAIL, "/admin/"),
    DemoLogin("evaluator", "jaehyun.kim@gaonvc.example.org", "/evaluate/"),
    DemoLogin("partner member", "alex.rivera@openai.example.com", "/partner/"),
    DemoLogin("partner member", "daniel.park@aurora-cloud.example.com", "/partner/"),
    DemoLogin("applicant, draft", "yeonwoo@wavelogic.example.com", "/applications/"),
    DemoLogin("applicant, submitted", "leej@motionforge.example.com", "/applications/"),
)


@dataclasses.dataclass(frozen=True)
class DemoLoad:
    created: bool
    program: m.Program
    open_call: m.Program
    counts: dict[str, int]
    # The second program (six partners) and the rows written for it (empty when it was there).
    second_program: m.Program | None = None
    second_counts: dict[str, int] = dataclasses.field(default_factory=dict)
    # Each of DEMO_LOGINS with whether the demo password still signs it in (someone may have changed it)
    logins: tuple[tuple[DemoLogin, bool], ...] = ()


def demo_load(*, password: str, now: dt.datetime | None = None) -> DemoLoad:
    """Load the demo programs unless they exist (each part by itself: the OpenAI program, its pitch
    session at the Matching Day, the second program with six partners); either way make sure the
    staff user exists. Safe to run twice: the second run changes nothing. Nothing is sent."""
    if not password:
        raise DomainError("Set MATCHDAY_DEMO_PASSWORD: the demo users need a password.", code="demo_password_missing")
    saved_files: list[str] = []
    counts: Counter[str] = Counter()
    hashed: list[str] = []

    def password_hash() -> str:
        # One hash for every demo user: hashing is deliberately slow, and they share the password.
        if not hashed:
            hashed.append(make_password(password))
        return hashed[0]

    try:
        with transaction.atomic():
            # Only the people this load creates get a confirmed address, never anyone signed up since.
            users_before = User.objects.aggregate(last=models.Max("pk"))["last"] or 0
            program = m.Program.objects.filter(slug=c.PROGRAM["slug"]).first()
            staff, staff_created = _staff_user_ensure(
                password=password, password_hash=None if program else password_hash()
            )
            counts[User._meta.label] += int(staff_created)
            demo_second_factor_ensure(user=staff)  # staff open the admin only with a second factor
            if program is None:
                rng = random.Random(SEED)  # noqa: S311 - demo data must be reproducible, not secret
                writer = _Writer(rng=rng, password_hash=password_hash(), saved_files=saved_files)
                with _timestamps_as_given(TIMESTAMPED):
                    program = writer.write()
                event = audit_record(actor="seed_demo", obj=program, verb="demo_loaded", data=dict(writer.counts))
                counts.update(writer.counts)
                counts[event._meta.label] += 1
            with _timestamps_as_given(TIMESTAMPED):
                counts.update(pitch_session_ensure(program=program))
            with _timestamps_as_given(TIMESTAMPED + PARTNERING_TIMESTAMPED):
                second, written = partnering_ensure(
                    password_hash=password_hash, now=now or timezone.now(), saved_files=saved_files
                )
            evidence = evidence_ensure(program=program, staff=staff, saved_files=saved_files)  # 가점 증빙
            counts[m.BonusEvidence._meta.label] += evidence
            counts["pledges and exclusion requests"] += pledge_ensure(program=program, staff=staff)  # 서약·기피 신청
            counts["panels and track criteria"] += panels_ensure(program=program)  # 분과·트랙별 평가항목
            counts["appeals and feedback"] += appeal_ensure(program=second, staff=staff)  # 이의신청·피드백
            counts["seats and agreements"] += accept_ensure(program=second, staff=staff, saved_files=saved_files)
            counts["members, deadlines"] += members_ensure(program=program, staff=staff, password_hash=password_hash)
            open_call, created = open_call_ensure(partner=m.Partner.objects.get(slug=c.PARTNER["slug"]))
            counts["open call (matching.Program)"] += int(created)
            counts[PrivacyStatement._meta.label] += demo_privacy_statements_ensure(
                programs=[p for p in (program, second, open_call) if p is not None]
            )
            counts[EmailAddress._meta.label] += _email_addresses_confirm(after=users_before)
    except BaseException:
        # The rows are rolled back; the files written so far would be orphans.
        for name in saved_files:
            default_storage.delete(name)
        raise
    counts = Counter({label: n for label, n in counts.items() if n})
    return DemoLoad(
        created=bool(counts or written),
        program=program,
        open_call=open_call,
        counts=dict(counts),
        second_program=second,
        second_counts=written,
        logins=_logins_check(password=password),
    )


def _logins_check(*, password: str) -> tuple[tuple[DemoLogin, bool], ...]:
    """Whether the demo password signs in each of DEMO_LOGINS: one slow hash check per distinct hash
    (the demo people share one), False for someone missing."""
    hashes = dict(
        User.objects.filter(email__in=[login.email for login in DEMO_LOGINS]).values_list("email", "password")
    )
    works = {encoded: check_password(password, encoded) for encoded in set(hashes.values())}
    return tuple((login, works.get(hashes.get(login.email), False)) for login in DEMO_LOGINS)


def _email_addresses_confirm(*, after: int) -> int:
    """Demo people sign in on the public site, which asks for a confirmed address: confirm theirs
    (the users created after the user with pk `after`)."""
    users = User.objects.filter(pk__gt=after, emailaddress__isnull=True).values_list("pk", "email")
    rows = [EmailAddress(user_id=pk, email=email, verified=True, primary=True) for pk, email in users]
    return len(EmailAddress.objects.bulk_create(rows, batch_size=BATCH))


def _staff_user_ensure(*, password: str, password_hash: str | None) -> tuple[User, bool]:
    """The staff user, and whether it was created now."""
    user = User.objects.filter(email__iexact=c.STAFF_EMAIL).first()
    if user is None:
        user = User.objects.create(
            email=c.STAFF_EMAIL,
            name=c.STAFF_NAME,
            preferred_language=User.Language.KOREAN,
            is_staff=True,
            is_superuser=True,
            password=password_hash or make_password(password),
            date_joined=c.PROGRAM_CREATED_AT,
        )
        return user, True
    if not (user.is_staff and user.is_superuser and user.is_active):
        user.is_staff = user.is_superuser = user.is_active = True
        user.save(update_fields=["is_staff", "is_superuser", "is_active"])
    # Someone may have changed the password since; it is theirs to keep (the printed logins say so).
    return user, False


@contextlib.contextmanager
def _timestamps_as_given(model_classes: Sequence[type[models.Model]]) -> Iterator[None]:
    """auto_now/auto_now_add would stamp today on rows that re-create 2023; let the given times stand."""
    fields = [
        f
        for model in model_classes
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    before = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in before:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return (start + (end - start) * rng.random()).replace(microsecond=0)


class _Writer:
    def __init__(self, *, rng: random.Random, password_hash: str, saved_files: list[str]) -> None:
        self.rng = rng
        self.password_hash = password_hash
        self.saved_files = saved_files
        self.counts: Counter[str] = Counter()

    def add(self, model: type[models.Model], rows: list) -> list:
        created = model.objects.bulk_create(rows, batch_size=BATCH)
        self.counts[model._meta.label] += len(created)
        return created

    def write(self) -> m.Program:
        plans = plan_applicants(self.rng)
        _refuse_leftovers(plans)
        self.sectors = sectors_ensure(self.add)
        partner = self._partner()
        program = self._program(plans, partner)
        applications = self._applicants(program, plans)
        self._partner_preferences(applications, partner)
        self._pitch_decks(applications, plans)
        self._submissions(applications, plans)
        panel, openai_staff = self._evaluators(partner)
        rounds = self._rounds(program, partner, panel, openai_staff)
        conflicts = self._conflicts(panel, applications)
        self._round_one_reviews(rounds[0], panel, applications, plans, conflicts)
        return program

    # program and form

    def _partner(self) -> m.Partner:
        partner = m.Partner.objects.filter(slug=c.PARTNER["slug"]).first()
        return partner or self.add(m.Partner, [m.Partner(**c.PARTNER)])[0]

    def _program(self, plans: list[ApplicantPlan], partner: m.Partner) -> m.Program:
        (program,) = self.add(
            m.Program,
            [
                m.Program(
                    **c.PROGRAM,
                    status=m.Program.Status.REVIEWING,
                    receipt_counter=sum(p.receipt_number is not None for p in plans),
                    created_at=c.PROGRAM_CREATED_AT,
                    updated_at=c.REVIEW_STARTED_AT,
                )
            ],
        )
        self.add(m.ProgramPartner, [m.ProgramPartner(program=program, partner=partner, seats=c.PARTNER_SEATS)])
        fields = ("code", "order", "name_ko", "name_en", "description_ko", "description_en", "admits_pre_founders")
        self.tracks = {
            track.code: track
            for track in self.add(m.Track, [m.Track(program=program, **{f: t[f] for f in fields}) for t in c.TRACKS])
        }
        self.declarations = self.add(
            m.Declaration,
            [
                m.Declaration(
                    program=program,
                    code=d["code"],
                    text_ko=d["text_ko"],
                    text_en=d["text_en"],
                    excluding_answer=True,
                    order=order,
                )
                for order, d in enumerate(c.DECLARATIONS, start=1)
            ],
        )
        self.questions = self.add(
            m.Question,
            [
                m.Question(
                    program=program,
                    order=order,
                    track=self.tracks[q["track"]] if "track" in q else None,
                    required=q.get("required", True),
                    choices=q.get("choices", []),
                    **{k: v for k, v in q.items() if k not in ("track", "required", "choices")},
                )
                for order, q in enumerate(c.QUESTIONS, start=1)
            ],
        )
        return program

    # applicants

    def _applicants(self, program: m.Program, plans: list[ApplicantPlan]) -> list[s.Application]:
        owners = self.add(
            User,
            [
                User(email=p.owner_email, name=p.ceo_name, password=self.password_hash, date_joined=p.joined_at)
                for p in plans
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
                    annual_revenue_krw=p.annual_revenue_krw,
                    website=p.website,
                    description=p.description,
                    women_owned=p.women_owned,
                    social_venture=p.social_venture,
                    disability_owned=p.disability_owned,
                    non_capital_region=p.non_capital_region,
                    created_at=p.joined_at,
                    updated_at=p.joined_at,
                )
                for p in plans
            ],
        )
        through = s.Startup.sectors.through
        self.add(
            through,
            [
                through(startup_id=startup.pk, sector_id=self.sectors[code].pk)
                for startup, p in zip(startups, plans, strict=True)
                for code in p.sectors
            ],
        )
        self.add(
            s.StartupMember,
            [
                s.StartupMember(startup=startup, user=owner, role=s.StartupMember.Role.OWNER, created_at=p.joined_at)
                for startup, owner, p in zip(startups, owners, plans, strict=True)
            ],
        )
        self.owners = owners
        applications = self.add(
            s.Application,
            [
                s.Application(
                    program=program,
                    startup=startup,
                    track=self.tracks[p.track],
                    status=p.status,
                    receipt_number=p.receipt_number,
                    title=p.title,
                    summary=p.summary,
                    first_submitted_at=p.first_submitted_at,
                    submitted_at=p.submitted_at,
                    withdrawn_at=p.withdrawn_at,
                    ineligible_reasons=list(p.ineligible_reasons),
                    created_by=owner,
                    created_at=p.created_at,
                    updated_at=p.updated_at,
                )
                for startup, owner, p in zip(startups, owners, plans, strict=True)
            ],
        )
        self.add(
            s.Answer,
            [
                s.Answer(
                    application=application,
                    question=question,
                    value=p.answers[question.code],
                    updated_at=p.submitted_at or p.updated_at,
                )
                for application, p in zip(applications, plans, strict=True)
                for question in self.questions
                if question.code in p.answers
                and (question.track_id is None or question.track_id == application.track_id)
            ],
        )
        self.add(
            s.DeclarationAnswer,
            [
                s.DeclarationAnswer(
                    application=application, declaration=declaration, answer=p.declarations[declaration.code]
                )
                for application, p in zip(applications, plans, strict=True)
                if p.declarations
                for declaration in self.declarations
            ],
        )
        return applications

    def _partner_preferences(self, applications: list[s.Application], partner: m.Partner) -> None:
        self.add(
            s.PartnerPreference, [s.PartnerPreference(application=a, partner=partner, rank=1) for a in applications]
        )

    def _pitch_decks(self, applications: list[s.Application], plans: list[ApplicantPlan]) -> dict[int, s.Attachment]:
        question = next(q for q in self.questions if q.kind == m.Question.Kind.FILE)
        track_names = {code: track.name_en for code, track in self.tracks.items()}
        sector_names = {code: en for code, _, en in c.SECTORS}
        attachments = []
        for application, owner, p in zip(applications, self.owners, plans, strict=True):
            if not p.submitted:
                continue
            attachments.append(
                pitch_deck_attachment(
                    application=application,
                    question=question,
                    owner=owner,
                    original_name=f"{p.short_name_ko}_사업계획서.pdf",
                    lines=[
                        p.name_en,
                        "Global Enterprise Collaboration Program 2024 x OpenAI",
                        f"Track: {track_names[p.track]}",
                        f"Founded {p.founded_on.year} | {p.employees} employees | "
                        + ", ".join(sector_names[code] for code in p.sectors),
                        "Pitch deck - demo data",
                    ],
                    uploaded_at=max(p.created_at, p.first_submitted_at - dt.timedelta(minutes=self.rng.randint(2, 90))),
                    saved_files=self.saved_files,
                )
            )
        return {a.application_id: a for a in self.add(s.Attachment, attachments)}

    def _submissions(self, applications: list[s.Application], plans: list[ApplicantPlan]) -> None:
        # The same snapshot an applicant's submission makes, from the rows just written.
        loaded = with_everything(s.Application.objects.filter(pk__in=[a.pk for a in applications])).in_bulk()
        rows = []
        for application, owner, p in zip(applications, self.owners, plans, strict=True):
            if not p.submitted:
                continue
            snapshot = application_snapshot(loaded[application.pk])
            times = [p.first_submitted_at] + ([p.resubmitted_at] if p.resubmitted_at else [])
            for number, moment in enumerate(times, start=1):
                # The first of two submissions carried the shorter summary the applicant later extended.
                content = {**snapshot, "summary": p.first_summary} if number < len(times) else snapshot
                rows.append(
                    s.Submission(
                        application=application,
                        number=number,
                        submitted_at=moment,
                        submitted_by=owner,
                        snapshot=content,
                    )
                )
        self.add(s.Submission, rows)

    # evaluation

    def _evaluators(self, partner: m.Partner) -> tuple[list[m.Evaluator], list[m.Evaluator]]:
        invited_at = c.seoul(2023, 11, 13, 10)
        people = [(name, "ko", organisation, sectors) for name, _, organisation, _, sectors in c.PANEL]
        people += [(name, "en", "OpenAI", []) for name, _, _ in c.OPENAI_STAFF]
        users = self.add(
            User,
            [
                User(
                    email=email,
                    name=name,
                    preferred_language=language,
                    password=self.password_hash,
                    date_joined=invited_at + dt.timedelta(hours=self.rng.uniform(1, 60)),
                )
                for email, (name, language, *_) in zip(_evaluator_emails(), people, strict=True)
            ],
        )
        evaluators = self.add(
            m.Evaluator,
            [
                m.Evaluator(
                    user=user,
                    organisation=organisation,
                    partner=partner if organisation == "OpenAI" else None,
                    invited_at=invited_at,
                    created_at=invited_at,
                )
                for user, (_, _, organisation, _) in zip(users, people, strict=True)
            ],
        )
        through = m.Evaluator.expertise.through
        self.add(
            through,
            [
                through(evaluator_id=evaluator.pk, sector_id=self.sectors[code].pk)
                for evaluator, (*_, sectors) in zip(evaluators, people, strict=True)
                for code in sectors
            ],
        )
        panel, openai_staff = evaluators[: len(c.PANEL)], evaluators[len(c.PANEL) :]
        self.add(
            m.PartnerMembership,
            [
                m.PartnerMembership(partner=partner, user=evaluator.user, title=title)
                for evaluator, (*_, title) in zip(openai_staff, c.OPENAI_STAFF, strict=True)
            ],
        )
        self.expertise = {e.pk: set(sectors) for e, (*_, sectors) in zip(evaluators, people, strict=True)}
        return panel, openai_staff

    def _rounds(
        self, program: m.Program, partner: m.Partner, panel: list[m.Evaluator], openai_staff: list[m.Evaluator]
    ) -> list[m.EvaluationRound]:
        fields = (
            "order",
            "name_ko",
            "name_en",
            "kind",
            "opens_at",
            "closes_at",
            "evaluators_per_application",
            "aggregation",
            "advancement_scope",
            "advance_count",
            "bonus_cap",
            "status",
        )
        rounds = self.add(
            m.EvaluationRound,
            [
                m.EvaluationRound(
                    program=program,
                    partner=partner if r.get("partner") else None,
                    advancement_rule=m.EvaluationRound.AdvancementRule.TOP_N,
                    created_at=c.PROGRAM_CREATED_AT,
                    updated_at=c.ROUND_ONE_ASSIGNED_AT if r["order"] == 1 else c.PROGRAM_CREATED_AT,
                    **{f: r[f] for f in fields},
                )
                for r in c.ROUNDS
            ],
        )
        by_order = {r.order: r for r in rounds}
        self.criteria = defaultdict(list)
        criteria = self.add(
            m.Criterion,
            [
                _criterion(round_, order, criterion)
                for round_, spec in zip(rounds, c.ROUNDS, strict=True)
                for order, criterion in enumerate(spec["criteria"], start=1)
            ],
        )
        for criterion in criteria:
            self.criteria[criterion.round_id].append(criterion)
        self.add(
            m.BonusRule,
            [
                m.BonusRule(round=round_, flag=flag, points=points)
                for round_, spec in zip(rounds, c.ROUNDS, strict=True)
                for flag, points in spec.get("bonus_rules", [])
            ],
        )
        carry_over = [
            m.CarryOverWeight(round=round_, source_round=by_order[source], weight=weight)
            for round_, spec in zip(rounds, c.ROUNDS, strict=True)
            for source, weight in spec.get("carry_over", [])
        ]
        for round_ in rounds:  # the content is held to the rule staff are held to
            entries = [(w.source_round, w.weight) for w in carry_over if w.round is round_]
            carry_over_check(round=round_, entries=entries)
        self.add(m.CarryOverWeight, carry_over)
        pools = {
            1: panel,
            2: [panel[i] for i in c.ROUND_TWO_PANEL] + openai_staff,
            3: openai_staff,
        }
        through = m.EvaluationRound.evaluators.through
        self.add(
            through,
            [
                through(evaluationround_id=by_order[order].pk, evaluator_id=evaluator.pk)
                for order, pool in pools.items()
                for evaluator in pool
            ],
        )
        return rounds

    def _conflicts(self, panel: list[m.Evaluator], applications: list[s.Application]) -> list[m.Conflict]:
        in_review = [a for a in applications if a.status == s.Application.Status.IN_REVIEW]
        pairs = zip(
            self.rng.sample(panel, len(c.CONFLICT_REASONS)),
            self.rng.sample(in_review, len(c.CONFLICT_REASONS)),
            c.CONFLICT_REASONS,
            strict=True,
        )
        return self.add(
            m.Conflict,
            [
                m.Conflict(
                    evaluator=evaluator,
                    startup_id=application.startup_id,
                    source=m.Conflict.Source.DECLARED,
                    reason=reason,
                    recorded_by=evaluator.user,
                    created_at=c.seoul(2023, 11, 14, 9) + dt.timedelta(hours=self.rng.uniform(0, 100)),
                )
                for evaluator, application, reason in pairs
            ],
        )

    def _round_one_reviews(
        self,
        round_: m.EvaluationRound,
        panel: list[m.Evaluator],
        applications: list[s.Application],
        plans: list[ApplicantPlan],
        conflicts: list[m.Conflict],
    ) -> None:
        rng = self.rng
        quality = {a.pk: p.quality for a, p in zip(applications, plans, strict=True)}
        sectors = {a.pk: set(p.sectors) for a, p in zip(applications, plans, strict=True)}
        in_review = [a for a in applications if a.status == s.Application.Status.IN_REVIEW]
        conflicted_startups = {(x.evaluator_id, x.startup_id) for x in conflicts}
        chosen = assign_evaluators(
            applications=[a.pk for a in in_review],
            evaluators=[e.pk for e in panel],
            k=round_.evaluators_per_application,
            conflicts={(e.pk, a.pk) for a in in_review for e in panel if (e.pk, a.startup_id) in conflicted_startups},
            overlap={(e.pk, a.pk): len(self.expertise[e.pk] & sectors[a.pk]) for a in in_review for e in panel},
            rng=rng,
        )
        assignments = [
            m.Assignment(
                round=round_,
                application_id=application_id,
                evaluator_id=evaluator_id,
                assigned_at=c.ROUND_ONE_ASSIGNED_AT,
                updated_at=c.ROUND_ONE_ASSIGNED_AT,
            )
            for application_id, evaluator_ids in chosen.items()
            for evaluator_id in evaluator_ids
        ]
        by_evaluator = defaultdict(list)
        for assignment in assignments:
            by_evaluator[assignment.evaluator_id].append(assignment)

        # Mid-way: some evaluators are done, others lag behind.
        progress = [1.0, 1.0, 1.0, 0.95, 0.95, 0.9, 0.9, 0.9, 0.85, 0.85, 0.8, 0.8, 0.75, 0.7, 0.6]
        rng.shuffle(progress)
        leniency = {e.pk: rng.gauss(0, 0.05) for e in panel}
        criteria = self.criteria[round_.pk]
        strength = {(a.pk, x.pk): rng.gauss(0, 0.07) for a in in_review for x in criteria}
        reviews, scored = [], []
        for evaluator, rate in zip(panel, progress, strict=True):
            mine = rng.sample(by_evaluator[evaluator.pk], len(by_evaluator[evaluator.pk]))
            done = round(rate * len(mine))
            # the first `done` are submitted, the next two are half-scored, the rest not opened yet
            for position, assignment in enumerate(mine[: done + 2]):
                submitted = position < done
                # a fraction of each criterion's maximum: the application, the evaluator's leniency, noise
                base = quality[assignment.application_id] + leniency[evaluator.pk]
                fractions = [
                    min(1.0, max(0.0, base + strength[(assignment.application_id, x.pk)] + rng.gauss(0, 0.06)))
                    for x in criteria
                ]
                opened = _between(rng, c.ROUND_ONE_ASSIGNED_AT + dt.timedelta(hours=1), c.DEMO_NOW)
                finished = min(c.DEMO_NOW, opened + dt.timedelta(minutes=rng.randint(15, 120)))
                assignment.status = m.Assignment.Status.SUBMITTED if submitted else m.Assignment.Status.IN_PROGRESS
                assignment.updated_at = finished
                kept = len(criteria) if submitted else rng.randint(1, len(criteria) - 1)
                reviews.append(
                    m.Review(
                        assignment=assignment,
                        comment=_comment(rng, sum(fractions) / len(fractions)) if submitted else "",
                        submitted_at=finished if submitted else None,
                        created_at=opened,
                        updated_at=finished,
                    )
                )
                scored.append(list(zip(criteria[:kept], fractions[:kept], strict=True)))
        self.add(m.Assignment, assignments)
        reviews = self.add(m.Review, reviews)
        self.add(
            m.Score,
            [
                m.Score(
                    review=review,
                    criterion=criterion,
                    round=round_,
                    value=_score(fraction, criterion.max_score),
                    max_score=criterion.max_score,
                )
                for review, pairs in zip(reviews, scored, strict=True)
                for criterion, fraction in pairs
            ],
        )


def _criterion(round_: m.EvaluationRound, order: int, spec: tuple) -> m.Criterion:
    code, label_ko, label_en, description_ko, description_en, weight, max_score, fail_threshold = spec
    return m.Criterion(
        round=round_,
        order=order,
        code=code,
        label_ko=label_ko,
        label_en=label_en,
        description_ko=description_ko,
        description_en=description_en,
        weight=Decimal(weight),
        max_score=Decimal(max_score),
        fail_threshold=fail_threshold,
    )


def _evaluator_emails() -> list[str]:
    return [f"{local}@{domain}.example.org" for _, local, _, domain, _ in c.PANEL] + [
        f"{local}@openai.example.com" for _, local, _ in c.OPENAI_STAFF
    ]


def _refuse_leftovers(plans: list[ApplicantPlan]) -> None:
    """Users or startups of an earlier demo whose program was deleted would collide on unique keys."""
    emails = [p.owner_email for p in plans] + _evaluator_emails()
    taken = [
        *User.objects.filter(email__in=emails).values_list("email", flat=True)[:3],
        *s.Startup.objects.filter(brn__in=[p.brn for p in plans]).values_list("brn", flat=True)[:3],
    ]
    if taken:
        raise DomainError(
            f"Demo users or startups are in the database but the demo program is not ({', '.join(taken)} …). "
            "Load the demo into a fresh database.",
            code="demo_rows_exist",
        )


def _score(fraction: float, max_score: Decimal) -> Decimal:
    """Scores in half points, as evaluators write them."""
    halves = round(fraction * float(max_score) * 2)
    return min(max_score, Decimal(halves) / 2).quantize(TWO_PLACES)


def _comment(rng: random.Random, mean_fraction: float) -> str:
    band = "high" if mean_fraction >= 0.75 else "mid" if mean_fraction >= 0.5 else "low"
    return " ".join(rng.sample(c.REVIEW_COMMENTS[band], rng.randint(1, 2)))
