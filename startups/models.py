import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.i18n import localized
from core.validators import format_brn, validate_brn


class Sector(models.Model):
    """A sector tag shared by startups (what they do) and evaluators (what they know)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["code"]

    def __str__(self) -> str:
        return localized(self, "name")


class Startup(models.Model):
    name_ko = models.CharField(_("legal name (Korean)"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    brn = models.CharField(
        _("business registration number"),
        max_length=10,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_brn],
        help_text=_("사업자등록번호, 10 digits. Empty for a pre-founder (예비창업자)."),
    )
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    ceo_name = models.CharField(_("CEO"), max_length=100)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    annual_revenue_krw = models.BigIntegerField(_("annual revenue (KRW)"), default=0, validators=[MinValueValidator(0)])
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True, related_name="startups")
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    women_owned = models.BooleanField(_("women-owned"), default=False, help_text=_("Qualifies for bonus points."))
    social_venture = models.BooleanField(_("social venture"), default=False, help_text=_("Qualifies for bonus points."))
    disability_owned = models.BooleanField(
        _("disability-owned"), default=False, help_text=_("Qualifies for bonus points.")
    )
    non_capital_region = models.BooleanField(
        _("outside the capital region"), default=False, help_text=_("Qualifies for bonus points.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("startup")
        verbose_name_plural = _("startups")
        ordering = ["name_ko"]
        constraints = [
            models.CheckConstraint(
                condition=Q(brn__regex=r"^[0-9]{10}$") | Q(brn__isnull=True), name="startup_brn_10_digits"
            ),
            models.CheckConstraint(condition=Q(annual_revenue_krw__gte=0), name="startup_revenue_not_negative"),
            models.CheckConstraint(
                condition=Q(brn__isnull=True) | Q(founded_on__isnull=False), name="startup_registered_has_founding_date"
            ),
        ]

    def __str__(self) -> str:
        return self.name_ko

    @property
    def is_pre_founder(self) -> bool:
        return not self.brn

    @property
    def brn_display(self) -> str:
        return format_brn(self.brn or "")

    def bonus_flags(self) -> set[str]:
        return {flag for flag in BONUS_FLAGS if getattr(self, flag)}


BONUS_FLAGS = ("women_owned", "social_venture", "disability_owned", "non_capital_region")


class StartupMemberQuerySet(models.QuerySet):
    def active(self) -> "StartupMemberQuerySet":
        """Active members: the only ones who act for the startup (not those asking to join or declined)."""
        return self.filter(status=StartupMember.Status.ACTIVE)


class StartupMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        MEMBER = "member", _("member")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        REQUESTED = "requested", _("asked to join")
        DECLINED = "declined", _("declined")
        REMOVED = "removed", _("removed")

    startup = models.ForeignKey(Startup, verbose_name=_("startup"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="startup_memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    objects = StartupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("startup member")
        verbose_name_plural = _("startup members")
        constraints = [models.UniqueConstraint(fields=["startup", "user"], name="startup_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.startup}"


class Application(models.Model):
    """A startup's application to a program."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        IN_REVIEW = "in_review", _("in review")
        ADVANCED = "advanced", _("advanced")
        SELECTED = "selected", _("selected")
        RESERVE = "reserve", _("reserve")
        NOT_SELECTED = "not_selected", _("not selected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        INELIGIBLE = "ineligible", _("ineligible")

    S = Status
    # Withdrawal is possible from every state before the selection is final. A program with a
    # single round selects straight from review (the last round's publication changes no status).
    TRANSITIONS = {
        S.DRAFT: {S.SUBMITTED, S.WITHDRAWN, S.INELIGIBLE},
        S.SUBMITTED: {S.IN_REVIEW, S.WITHDRAWN, S.INELIGIBLE},
        S.IN_REVIEW: {S.ADVANCED, S.SELECTED, S.RESERVE, S.NOT_SELECTED, S.WITHDRAWN, S.INELIGIBLE},
        S.ADVANCED: {S.IN_REVIEW, S.SELECTED, S.RESERVE, S.NOT_SELECTED, S.WITHDRAWN, S.INELIGIBLE},
        S.SELECTED: {S.WITHDRAWN},
        S.RESERVE: {S.SELECTED, S.WITHDRAWN, S.NOT_SELECTED},
        S.NOT_SELECTED: {S.ADVANCED},  # only an upheld appeal (matching.services.appeals.appeal_reinstate)
        S.WITHDRAWN: set(),
        S.INELIGIBLE: {S.SUBMITTED},
    }

    program = models.ForeignKey(
        "matching.Program", verbose_name=_("program"), on_delete=models.PROTECT, related_name="applications"
    )
    startup = models.ForeignKey(
        Startup, verbose_name=_("startup"), on_delete=models.PROTECT, related_name="applications"
    )
    track = models.ForeignKey(
        "matching.Track",
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    receipt_number = models.CharField(
        _("receipt number"),
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Issued at first submission."),
    )
    title = models.CharField(_("project title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(
        _("summary in English"), blank=True, help_text=_("Asked when the program wants English answers for partners.")
    )
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    ineligible_reasons = models.JSONField(_("reasons for ineligibility"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["program", "receipt_number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["startup", "program"], name="application_one_per_startup_per_program"),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="withdrawn")
                | Q(status="ineligible", first_submitted_at__isnull=True)
                | Q(receipt_number__isnull=False, first_submitted_at__isnull=False),
                name="application_submitted_has_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"], name="application_program_status"),
            models.Index(fields=["program", "track", "status"], name="application_program_track"),
            # The API's list order: a page is read from the index, not by sorting every application.
            models.Index(fields=["program", "receipt_number", "id"], name="application_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number or _('draft')} · {self.startup}"


class PersonalDeadline(models.Model):
    """A deadline for one application instead of the program's: an extension (a documented outage,
    an accessibility need) or a correction (보완 요청) that reopens a submitted application for its
    applicant only. The newest one not revoked is in force."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", _("deadline extension")
        CORRECTION = "correction", _("correction requested")

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="personal_deadlines"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    until = models.DateTimeField(_("until"))
    reason = models.TextField(_("reason"), help_text=_("For a correction, the message the applicant reads."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    resubmitted_at = models.DateTimeField(_("resubmitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal deadline")
        verbose_name_plural = _("personal deadlines")
        ordering = ["application", "-created_at"]
        indexes = [models.Index(fields=["application", "revoked_at", "until"], name="personal_deadline_current")]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_kind_display()}"


class Answer(models.Model):
    """The answer to one of the program's questions; `value` holds text, a number, a date (ISO), a
    URL, a choice value, a list of choice values or a boolean, by the question's kind."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        "matching.Question", verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    value = models.JSONField(_("answer"), null=True, blank=True, encoder=DjangoJSONEncoder)
    value_en = models.TextField(
        _("answer in English"),
        blank=True,
        help_text=_("For a text question shown to partners, when the program wants English answers for partners."),
    )
    typed = models.TextField(
        _("as typed"),
        blank=True,
        help_text=_(
            "What the applicant typed when it is not yet a valid answer (value is then empty); "
            "a draft keeps it, submission refuses it."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["application", "question"], name="answer_one_per_question")]

    def __str__(self) -> str:
        # The question only: the stored value is JSON (["assistants"], false); pages show it in words.
        return str(self.question)


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the original name is kept in a field, never trusted as a path.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"applications/{instance.application_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PITCH_DECK = "pitch_deck", _("pitch deck")
        CERTIFICATE = "certificate", _("certificate")
        BONUS_EVIDENCE = "bonus_evidence", _("evidence for bonus points")
        ANSWER = "answer", _("answer to a question")
        OTHER = "other", _("other document")

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="attachments"
    )
    question = models.ForeignKey(
        "matching.Question",
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    detached_at = models.DateTimeField(
        _("removed from the working copy"),
        null=True,
        blank=True,
        help_text=_("Kept as long as a submitted version refers to it."),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "kind", "uploaded_at"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]
        indexes = [models.Index(fields=["application", "detached_at"], name="attachment_current")]

    def __str__(self) -> str:
        return self.original_name


class PartnerPreference(models.Model):
    """A startup's ranking of the program's partners (1 = first choice)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="partner_preferences"
    )
    partner = models.ForeignKey(
        "matching.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("rank"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("partner preference")
        verbose_name_plural = _("partner preferences")
        ordering = ["application", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "partner"], name="preference_partner_once"),
            models.UniqueConstraint(fields=["application", "rank"], name="preference_rank_once"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="preference_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.partner}"


class DeclarationAnswer(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="declaration_answers"
    )
    declaration = models.ForeignKey(
        "matching.Declaration", verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="answers"
    )
    answer = models.BooleanField(_("answer"))

    class Meta:
        verbose_name = _("declaration answer")
        verbose_name_plural = _("declaration answers")
        constraints = [models.UniqueConstraint(fields=["application", "declaration"], name="declaration_answer_once")]

    def __str__(self) -> str:
        answer = "–" if self.answer is None else _("Yes") if self.answer else _("No")
        return f"{self.declaration}: {answer}"

    @property
    def excludes(self) -> bool:
        return self.answer == self.declaration.excluding_answer


class Submission(models.Model):
    """One submission of an application: what staff and evaluators see is the latest one."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="submissions"
    )
    number = models.PositiveIntegerField(_("submission no."))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    snapshot = models.JSONField(_("content"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submission history")
        ordering = ["application", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="submission_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="submission_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.application} #{self.number}"
