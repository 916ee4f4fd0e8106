"""factory_boy factories for every model, with traits for the common states."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import User
from core.validators import brn_check_digit
from matching import models as m
from notifications.models import Notification
from startups import models as s

TEST_PASSWORD = "correct horse battery"
# Staff users get a TOTP authenticator with this secret (base32); tests compute codes from it with
# allauth's own functions: tests.factories.totp_code().
TEST_TOTP_SECRET = "MATCHDAYTESTTOTPSECRETABCDEFGH23"


def totp_code(secret: str = TEST_TOTP_SECRET, *, offset: int = 0) -> str:
    """The current TOTP code for `secret` (`offset` periods later or earlier), as an authenticator app shows it."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter + offset))


def brn_from_sequence(n: int) -> str:
    first_nine = f"{100 + n % 800:03d}{81 + n % 7:02d}{n % 10000:04d}"
    return first_nine + str(brn_check_digit(first_nine))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name", locale="ko_KR")
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def authenticator(obj, create, extracted, **kwargs):
        """Staff cannot open the admin without a second factor: they get a TOTP authenticator
        (TEST_TOTP_SECRET) unless the test says `authenticator=False`; anyone gets one with `authenticator=True`."""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP

        wanted = obj.is_staff if extracted is None else extracted
        if create and wanted and not Authenticator.objects.filter(user=obj, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(obj, TEST_TOTP_SECRET)


class SectorFactory(DjangoModelFactory):
    class Meta:
        model = s.Sector
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sector-{n}")
    name_ko = factory.Sequence(lambda n: f"분야 {n}")
    name_en = factory.Sequence(lambda n: f"Sector {n}")


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = m.Program

    name_ko = factory.Sequence(lambda n: f"글로벌 기업 협업 프로그램 {n}")
    name_en = factory.Sequence(lambda n: f"Global Enterprise Collaboration Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    host = "중소벤처기업부"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    max_company_age_years = 10
    quota = 10
    reserve_size = 4
    receipt_prefix = factory.Sequence(lambda n: f"P{n:04d}")

    class Params:
        open = factory.Trait(status=m.Program.Status.OPEN)
        reviewing = factory.Trait(status=m.Program.Status.REVIEWING)


class TrackFactory(DjangoModelFactory):
    class Meta:
        model = m.Track

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"track-{n}")
    name_ko = factory.Sequence(lambda n: f"트랙 {n}")
    name_en = factory.Sequence(lambda n: f"Track {n}")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = m.Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    slug = factory.Sequence(lambda n: f"partner-{n}")


class ProgramPartnerFactory(DjangoModelFactory):
    class Meta:
        model = m.ProgramPartner

    program = factory.SubFactory(ProgramFactory)
    partner = factory.SubFactory(PartnerFactory)
    seats = 10


class PartnerMembershipFactory(DjangoModelFactory):
    class Meta:
        model = m.PartnerMembership

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)


class DeclarationFactory(DjangoModelFactory):
    class Meta:
        model = m.Declaration

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"declaration-{n}")
    text_ko = "국세 또는 지방세를 체납하고 있습니까?"
    text_en = "Are you in arrears on national or local taxes?"


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = m.Question

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"question-{n}")
    kind = m.Question.Kind.LONG_TEXT
    label_ko = "문제 인식"
    label_en = "Problem"
    max_length = 1000


class EvaluationRoundFactory(DjangoModelFactory):
    class Meta:
        model = m.EvaluationRound

    program = factory.SubFactory(ProgramFactory)
    order = factory.Sequence(lambda n: n + 1)
    name_ko = "서면평가"
    name_en = "Document review"
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=6))
    evaluators_per_application = 3
    advance_count = 40


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = m.Criterion

    round = factory.SubFactory(EvaluationRoundFactory)
    code = factory.Sequence(lambda n: f"criterion-{n}")
    label_ko = "기술성"
    label_en = "Technology"
    weight = Decimal("30")
    max_score = Decimal("10")


class BonusRuleFactory(DjangoModelFactory):
    class Meta:
        model = m.BonusRule

    round = factory.SubFactory(EvaluationRoundFactory)
    flag = m.BonusRule.Flag.WOMEN_OWNED
    points = Decimal("1")


class CarryOverWeightFactory(DjangoModelFactory):
    class Meta:
        model = m.CarryOverWeight

    round = factory.SubFactory(EvaluationRoundFactory)
    source_round = factory.SelfAttribute("round")
    weight = Decimal("0.7")


class EvaluatorFactory(DjangoModelFactory):
    class Meta:
        model = m.Evaluator

    user = factory.SubFactory(UserFactory)
    organisation = "한국벤처투자"


class StartupFactory(DjangoModelFactory):
    class Meta:
        model = s.Startup

    name_ko = factory.Sequence(lambda n: f"주식회사 스타트업{n}")
    name_en = factory.Sequence(lambda n: f"Startup {n} Inc.")
    brn = factory.Sequence(brn_from_sequence)
    founded_on = dt.date(2020, 3, 1)
    ceo_name = factory.Faker("name", locale="ko_KR")
    employees = 12
    annual_revenue_krw = 350_000_000

    class Params:
        pre_founder = factory.Trait(brn=None, founded_on=None)


class StartupMemberFactory(DjangoModelFactory):
    class Meta:
        model = s.StartupMember

    startup = factory.SubFactory(StartupFactory)
    user = factory.SubFactory(UserFactory)
    role = s.StartupMember.Role.OWNER


class ApplicationFactory(DjangoModelFactory):
    class Meta:
        model = s.Application

    program = factory.SubFactory(ProgramFactory)
    startup = factory.SubFactory(StartupFactory)
    track = factory.SubFactory(TrackFactory, program=factory.SelfAttribute("..program"))
    title = "생성형 AI 고객 상담 자동화"
    summary = "중소기업용 상담 자동화 서비스"

    class Params:
        submitted = factory.Trait(
            status=s.Application.Status.SUBMITTED,
            receipt_number=factory.Sequence(lambda n: f"TEST-{n:05d}"),
            first_submitted_at=factory.LazyFunction(timezone.now),
            submitted_at=factory.SelfAttribute("first_submitted_at"),
        )
        in_review = factory.Trait(
            status=s.Application.Status.IN_REVIEW,
            receipt_number=factory.Sequence(lambda n: f"TEST-{n:05d}"),
            first_submitted_at=factory.LazyFunction(timezone.now),
            submitted_at=factory.SelfAttribute("first_submitted_at"),
        )


class AnswerFactory(DjangoModelFactory):
    class Meta:
        model = s.Answer

    application = factory.SubFactory(ApplicationFactory)
    question = factory.SubFactory(QuestionFactory, program=factory.SelfAttribute("..application.program"))
    value = "고객 문의의 70%가 반복 질문입니다."


class AttachmentFactory(DjangoModelFactory):
    class Meta:
        model = s.Attachment

    application = factory.SubFactory(ApplicationFactory)
    kind = s.Attachment.Kind.PITCH_DECK
    file = factory.django.FileField(filename="deck.pdf", data=b"%PDF-1.4\n%test\n")
    original_name = "deck.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64


class PartnerPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = s.PartnerPreference

    application = factory.SubFactory(ApplicationFactory)
    partner = factory.SubFactory(PartnerFactory)
    rank = 1


class DeclarationAnswerFactory(DjangoModelFactory):
    class Meta:
        model = s.DeclarationAnswer

    application = factory.SubFactory(ApplicationFactory)
    declaration = factory.SubFactory(DeclarationFactory, program=factory.SelfAttribute("..application.program"))
    answer = False


class SubmissionFactory(DjangoModelFactory):
    class Meta:
        model = s.Submission

    application = factory.SubFactory(ApplicationFactory, submitted=True)
    number = factory.Sequence(lambda n: n + 1)
    submitted_at = factory.LazyFunction(timezone.now)
    snapshot = factory.LazyAttribute(lambda o: {"title": o.application.title})


class ConflictFactory(DjangoModelFactory):
    class Meta:
        model = m.Conflict

    evaluator = factory.SubFactory(EvaluatorFactory)
    startup = factory.SubFactory(StartupFactory)
    source = m.Conflict.Source.DECLARED
    reason = "전 직장 동료"


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = m.Assignment

    round = factory.SubFactory(EvaluationRoundFactory)
    application = factory.SubFactory(
        ApplicationFactory, in_review=True, program=factory.SelfAttribute("..round.program")
    )
    evaluator = factory.SubFactory(EvaluatorFactory)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = m.Review

    assignment = factory.SubFactory(AssignmentFactory)
    comment = "시장성이 뛰어남"


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = m.Score

    review = factory.SubFactory(ReviewFactory)
    criterion = factory.SubFactory(CriterionFactory, round=factory.SelfAttribute("..review.assignment.round"))
    round = factory.SelfAttribute("criterion.round")
    value = Decimal("7")
    max_score = factory.SelfAttribute("criterion.max_score")


class RoundResultFactory(DjangoModelFactory):
    class Meta:
        model = m.RoundResult

    round = factory.SubFactory(EvaluationRoundFactory)
    application = factory.SubFactory(
        ApplicationFactory, in_review=True, program=factory.SelfAttribute("..round.program")
    )
    review_count = 3
    mean = Decimal("71.5")
    aggregate = Decimal("71.5")
    round_score = Decimal("71.5")
    final_score = Decimal("71.5")
    rank = factory.Sequence(lambda n: n + 1)


class SelectionEntryFactory(DjangoModelFactory):
    class Meta:
        model = m.SelectionEntry

    program = factory.SubFactory(ProgramFactory)
    application = factory.SubFactory(ApplicationFactory, in_review=True, program=factory.SelfAttribute("..program"))
    outcome = m.SelectionEntry.Outcome.SELECTED
    position = factory.Sequence(lambda n: n + 1)


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    event = Notification.Event.APPLICATION_SUBMITTED
    recipient = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("recipient.email")
    idempotency_key = factory.Sequence(lambda n: f"application.submitted:test:{n}")


class EmailAddressFactory(DjangoModelFactory):
    """allauth's record of a user's address; `verified=True` is what lets the user log in."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.SelfAttribute("user.email")
    verified = True
    primary = True

    class Params:
        unconfirmed = factory.Trait(verified=False)


class WebhookSubscriptionFactory(DjangoModelFactory):
    """A staff member's subscription to every webhook event, at a local address."""

    class Meta:
        model = "notifications.WebhookSubscription"

    user = factory.SubFactory(UserFactory, staff=True)
    url = "http://127.0.0.1:9/hooks"
    events = factory.LazyFunction(
        lambda: [
            "application.submitted",
            "application.withdrawn",
            "round.results_published",
            "selection.finalised",
            "selection.reserve_promoted",
        ]
    )
    secret = factory.Sequence(lambda n: f"whsec_test_{n}")


class WebhookDeliveryFactory(DjangoModelFactory):
    class Meta:
        model = "notifications.WebhookDelivery"

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    event = "selection.finalised"
    event_id = factory.Faker("uuid4", cast_to=None)
    payload = factory.LazyAttribute(
        lambda d: {"id": str(d.event_id), "event": d.event, "created_at": "2026-01-01T00:00:00+00:00", "data": {}}
    )


class WebhookAttemptFactory(DjangoModelFactory):
    class Meta:
        model = "notifications.WebhookAttempt"

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    number = 1
    started_at = factory.LazyFunction(timezone.now)
    duration_ms = 12
    status_code = 500
    response_excerpt = "Internal Server Error"


class MeetingEventFactory(DjangoModelFactory):
    """A Matching Day in San Francisco: 9:00–12:00 of 20-minute slots on one day."""

    class Meta:
        model = m.MeetingEvent

    program = factory.SubFactory(ProgramFactory)
    name_ko = "매칭데이"
    name_en = "Matching Day"
    venue = "San Francisco"
    time_zone = "America/Los_Angeles"
    starts_on = dt.date(2027, 3, 10)
    ends_on = factory.SelfAttribute("starts_on")
    day_starts = dt.time(9, 0)
    day_ends = dt.time(12, 0)
    slot_minutes = 20


class MeetingTableFactory(DjangoModelFactory):
    class Meta:
        model = m.MeetingTable

    event = factory.SubFactory(MeetingEventFactory)
    name = factory.Sequence(lambda n: f"Table {n}")


class MatchingConstraintFactory(DjangoModelFactory):
    """A pair staff forbid (a conflict); `kind=pinned` for a pin."""

    class Meta:
        model = m.MatchingConstraint

    program = factory.SubFactory(ProgramFactory, status=m.Program.Status.FINALISED)
    application = factory.SubFactory(ApplicationFactory, in_review=True, program=factory.SelfAttribute("..program"))
    partner = factory.SubFactory(PartnerFactory)
    kind = m.MatchingConstraint.Kind.FORBIDDEN
    reason = "투자 관계"


class MatchingRunFactory(DjangoModelFactory):
    """A stored run of one startup matched to one partner (no job)."""

    class Meta:
        model = m.MatchingRun

    program = factory.SubFactory(ProgramFactory, status=m.Program.Status.FINALISED)
    fingerprint = "0" * 64
    inputs = factory.LazyFunction(
        lambda: {"startups": {}, "partners": {}, "seats": {}, "pinned": [], "forbidden": [], "sources": {}}
    )


class PartnerRankingFactory(DjangoModelFactory):
    """A partner's draft ranking of a program's finalists (no entries)."""

    class Meta:
        model = m.PartnerRanking

    program = factory.SubFactory(ProgramFactory, status=m.Program.Status.REVIEWING)
    partner = factory.SubFactory(PartnerFactory)


class PartnerRankingEntryFactory(DjangoModelFactory):
    """A finalist ranked first in a partner's ranking."""

    class Meta:
        model = m.PartnerRankingEntry

    ranking = factory.SubFactory(PartnerRankingFactory)
    application = factory.SubFactory(
        ApplicationFactory,
        in_review=True,
        status=s.Application.Status.ADVANCED,
        program=factory.SelfAttribute("..ranking.program"),
    )
    rank = 1


class AvailabilityFactory(DjangoModelFactory):
    class Meta:
        model = m.Availability

    event = factory.SubFactory(MeetingEventFactory)
    partner = factory.SubFactory(PartnerFactory)
    starts_at = factory.LazyAttribute(lambda o: dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC))
    ends_at = factory.LazyAttribute(lambda o: dt.datetime(2027, 3, 10, 19, 0, tzinfo=dt.UTC))


class MeetingFactory(DjangoModelFactory):
    """A meeting at 9:00 San Francisco time (17:00 UTC) at its own table."""

    class Meta:
        model = m.Meeting

    event = factory.SubFactory(MeetingEventFactory)
    application = factory.SubFactory(ApplicationFactory, program=factory.SelfAttribute("..event.program"))
    partner = factory.SubFactory(PartnerFactory)
    table = factory.SubFactory(
        MeetingTableFactory, event=factory.SelfAttribute("..event"), partner=factory.SelfAttribute("..partner")
    )
    starts_at = dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC)
    ends_at = dt.datetime(2027, 3, 10, 17, 20, tzinfo=dt.UTC)


class CalendarFeedFactory(DjangoModelFactory):
    class Meta:
        model = m.CalendarFeed

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class PrivacyStatementFactory(DjangoModelFactory):
    """A published personal-data statement (version 1) of a program; `program=None` for the site terms."""

    class Meta:
        model = "privacy.PrivacyStatement"

    program = factory.SubFactory(ProgramFactory)
    version = 1
    purpose_ko = "지원 자격 확인, 평가 및 선정, 협업 매칭"
    purpose_en = "Checking eligibility, evaluation and selection, matching with partners"
    items_ko = "이름, 이메일, 전화번호, 회사 정보, 신청서 답변과 첨부 파일"
    items_en = "Name, e-mail, phone number, company details, application answers and files"
    retention_months = 36
    third_parties_ko = "파트너사"
    third_parties_en = "Partner companies"
    text_ko = "개인정보 수집·이용 안내 전문입니다."
    text_en = "The full personal-data statement."
    published_at = factory.LazyFunction(timezone.now)


class ConsentFactory(DjangoModelFactory):
    class Meta:
        model = "privacy.Consent"

    user = factory.SubFactory(UserFactory)
    statement = factory.SubFactory(PrivacyStatementFactory)
    kind = "submission"
    version = factory.SelfAttribute("statement.version")
    given_at = factory.LazyFunction(timezone.now)


class PanelFactory(DjangoModelFactory):
    class Meta:
        model = m.Panel
        skip_postgeneration_save = True

    round = factory.SubFactory(EvaluationRoundFactory)
    name_ko = factory.Sequence(lambda n: f"분과 {n}")
    name_en = factory.Sequence(lambda n: f"Panel {n}")

    @factory.post_generation
    def tracks(self, create, extracted, **kwargs):
        if create and extracted:
            self.tracks.add(*extracted)

    @factory.post_generation
    def evaluators(self, create, extracted, **kwargs):
        if create and extracted:
            self.evaluators.add(*extracted)


class AgreementRequirementFactory(DjangoModelFactory):
    class Meta:
        model = m.AgreementRequirement

    program = factory.SubFactory(ProgramFactory)
    code = factory.Sequence(lambda n: f"doc-{n}")
    label_ko = factory.Sequence(lambda n: f"협약서 {n}")
    label_en = factory.Sequence(lambda n: f"Agreement {n}")
    file_types = factory.LazyFunction(lambda: ["pdf"])


class BonusEvidenceFactory(DjangoModelFactory):
    class Meta:
        model = m.BonusEvidence

    application = factory.SubFactory(ApplicationFactory)
    flag = m.BonusRule.Flag.WOMEN_OWNED
    attachment = factory.SubFactory(
        AttachmentFactory, application=factory.SelfAttribute("..application"), kind=s.Attachment.Kind.BONUS_EVIDENCE
    )


class AgreementDocumentFactory(DjangoModelFactory):
    class Meta:
        model = m.AgreementDocument

    entry = factory.SubFactory(SelectionEntryFactory)
    requirement = factory.SubFactory(AgreementRequirementFactory, program=factory.SelfAttribute("..entry.program"))
    file = factory.django.FileField(filename="agreement.pdf", data=b"%PDF-1.4\n%test\n")
    original_name = "agreement.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = "0" * 64


class AppealFactory(DjangoModelFactory):
    class Meta:
        model = m.Appeal

    round = factory.SubFactory(EvaluationRoundFactory, status=m.EvaluationRound.Status.PUBLISHED)
    application = factory.SubFactory(
        ApplicationFactory, in_review=True, program=factory.SelfAttribute("..round.program")
    )
    reason = "점수 합산을 다시 확인해 주세요."


class ExclusionRequestFactory(DjangoModelFactory):
    class Meta:
        model = m.ExclusionRequest

    application = factory.SubFactory(ApplicationFactory, in_review=True)
    organisation = factory.Sequence(lambda n: f"경쟁사 {n}")
    reason = "같은 시장의 경쟁사입니다."


class RoundPledgeFactory(DjangoModelFactory):
    class Meta:
        model = m.RoundPledge

    round = factory.SubFactory(EvaluationRoundFactory)
    version = 1
    text_ko = "공정하게 평가하고 알게 된 정보를 외부에 알리지 않겠습니다."
    text_en = "I will evaluate fairly and keep what I learn confidential."


class PledgeAcceptanceFactory(DjangoModelFactory):
    class Meta:
        model = m.PledgeAcceptance

    pledge = factory.SubFactory(RoundPledgeFactory)
    evaluator = factory.SubFactory(EvaluatorFactory)
    language = "ko"


class PersonalDeadlineFactory(DjangoModelFactory):
    class Meta:
        model = s.PersonalDeadline

    application = factory.SubFactory(ApplicationFactory)
    kind = s.PersonalDeadline.Kind.EXTENSION
    until = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    reason = "접수 시스템 장애로 제출하지 못했습니다."
