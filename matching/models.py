import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import format_datetime, localized

ZERO = Decimal("0")
ONE = Decimal("1")


class Program(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("program status", "in preparation")
        OPEN = "open", _("open for applications")
        CLOSED = "closed", _("applications closed")
        REVIEWING = "reviewing", _("reviewing")
        FINALISED = "finalised", _("finalised")
        ARCHIVED = "archived", _("archived")

    S = Status
    TRANSITIONS = {
        S.DRAFT: {S.OPEN, S.ARCHIVED},
        S.OPEN: {S.CLOSED},
        S.CLOSED: {S.OPEN, S.REVIEWING},
        S.REVIEWING: {S.FINALISED},
        S.FINALISED: {S.ARCHIVED},
        S.ARCHIVED: set(),
    }

    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    host = models.CharField(_("host"), max_length=200, help_text=_("The organisation running the program."))
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"), help_text=_("Submissions are refused from this moment."))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Seoul")
    max_company_age_years = models.PositiveSmallIntegerField(
        _("maximum company age (years)"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Companies founded this many full years ago or earlier are not eligible."),
    )
    quota = models.PositiveSmallIntegerField(_("selection quota"), default=10, validators=[MinValueValidator(1)])
    reserve_size = models.PositiveSmallIntegerField(_("reserve size"), default=0)
    receipt_prefix = models.CharField(
        _("receipt number prefix"), max_length=16, help_text=_("For example GECP2024 gives GECP2024-0042.")
    )
    receipt_counter = models.PositiveIntegerField(_("receipt numbers issued"), default=0, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    ranking_deadline = models.DateTimeField(
        _("partners' ranking deadline"),
        null=True,
        blank=True,
        help_text=_("Partners submit their ranking of the finalists, and may change it, until then."),
    )
    english_for_partners = models.BooleanField(
        _("English answers for partners"),
        default=False,
        help_text=_(
            "Applicants also answer the questions shown to partners in English and give an English summary; "
            "partner pages show those first."
        ),
    )
    evaluators_need_mfa = models.BooleanField(
        _("evaluators need a second sign-in step"),
        default=False,
        help_text=_(
            "Evaluators of this program set up an authenticator app or a passkey before they can open "
            "their assignments."
        ),
    )
    acceptance_days = models.PositiveSmallIntegerField(
        _("days to accept a seat"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A selected (or promoted) startup accepts or declines within this many days; silence releases "
            "the seat to the next reserve."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="program_closes_after_opening"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="program_quota_positive"),
            models.CheckConstraint(condition=Q(max_company_age_years__gte=1), name="program_age_limit_positive"),
            models.UniqueConstraint(fields=["receipt_prefix"], name="program_receipt_prefix_unique"),
        ]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def description(self) -> str:
        return localized(self, "description")


class Partner(models.Model):
    """A company startups are matched to (OpenAI, NVIDIA …); joins programs through ProgramPartner."""

    name = models.CharField(_("name"), max_length=200)
    name_ko = models.CharField(_("name (Korean)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    website = models.URLField(_("website"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PartnerMembership",
        verbose_name=_("members"),
        related_name="partners",
        blank=True,
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerMembershipQuerySet(models.QuerySet):
    def current(self) -> "PartnerMembershipQuerySet":
        """Memberships that still hold: the row exists (removing a member deletes it) and the person's
        account is active. Checked at every request and delivery, never only when a key is made."""
        return self.filter(user__is_active=True)

    def acted_through(self, actor) -> "PartnerMembershipQuerySet":
        """The current memberships an actor (core.access.Actor) acts through: a partner's key, its
        user's membership of that partner only; a person, all of theirs."""
        memberships = self.current().filter(user=actor.user)
        return memberships.filter(partner_id=actor.partner_id) if actor.partner_id is not None else memberships


class PartnerMembership(models.Model):
    """A user who acts for a partner company (reads its finalists, scores in its round)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="partner_memberships"
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)

    objects = PartnerMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")
        constraints = [models.UniqueConstraint(fields=["partner", "user"], name="partner_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner}"


class ProgramPartner(models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="partnerships"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="partnerships"
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"),
        validators=[MinValueValidator(1)],
        help_text=_("Startups this partner takes; seats add up to the quota."),
    )
    ranking_round = models.ForeignKey(
        "EvaluationRound",
        verbose_name=_("ranks by round"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The partner's ranking of the finalists is this round's results instead of a ranking it submits."),
    )

    class Meta:
        verbose_name = _("program partner")
        verbose_name_plural = _("program partners")
        constraints = [
            models.UniqueConstraint(fields=["program", "partner"], name="program_partner_unique"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="program_partner_seats_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.seats})"


class Track(models.Model):
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="tracks")
    code = models.SlugField(_("code"), max_length=40)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    admits_pre_founders = models.BooleanField(
        _("admits pre-founders"),
        default=False,
        help_text=_("예비창업자 without a business registration number may apply."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["program", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="track_code_unique")]

    def __str__(self) -> str:
        return localized(self, "name")


class Declaration(models.Model):
    """A yes/no statement an applicant must answer; the excluding answer makes the application ineligible."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="declarations"
    )
    code = models.SlugField(_("code"), max_length=40)
    text_ko = models.CharField(_("statement (Korean)"), max_length=300)
    text_en = models.CharField(_("statement (English)"), max_length=300, blank=True)
    excluding_answer = models.BooleanField(
        _("excluding answer"), default=True, help_text=_("The answer that makes the application ineligible.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("eligibility declaration")
        verbose_name_plural = _("eligibility declarations")
        ordering = ["program", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="declaration_code_unique")]

    def __str__(self) -> str:
        return localized(self, "text")


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("short text")
        LONG_TEXT = "long_text", _("long text")
        NUMBER = "number", _("number")
        DATE = "date", _("date")
        URL = "url", _("web address")
        SINGLE_CHOICE = "single_choice", _("single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("multiple choice")
        YES_NO = "yes_no", _("yes / no")
        FILE = "file", _("file")

    class Unit(models.TextChoices):
        NONE = "", _("none")
        WON = "won", _("won (KRW)")
        PEOPLE = "people", _("people")
        PERCENT = "percent", _("percent")

    CHOICE_KINDS = {Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE}

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="questions")
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        help_text=_("Asked only in this track; empty for every track."),
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    label_ko = models.CharField(_("label (Korean)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300, blank=True)
    help_ko = models.TextField(_("help (Korean)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    required = models.BooleanField(_("required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    max_length = models.PositiveIntegerField(
        _("character limit"), null=True, blank=True, help_text=_("For text answers.")
    )
    choices = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For choice questions: [{"value": "a", "label_ko": "…", "label_en": "…"}, …]'),
    )
    max_file_size_mb = models.PositiveSmallIntegerField(
        _("maximum file size (MB)"), null=True, blank=True, help_text=_("For file questions; 20 MB when empty.")
    )
    file_types = models.JSONField(
        _("file types"),
        default=list,
        blank=True,
        help_text=_('For file questions: the kinds accepted, such as ["pdf"]; every accepted kind when empty.'),
    )
    unit = models.CharField(
        _("unit"),
        max_length=10,
        choices=Unit.choices,
        blank=True,
        default="",
        help_text=_("For number questions: what the number counts; amounts in won accept 만 and 억."),
    )
    shown_to_partners = models.BooleanField(
        _("shown to partners"),
        default=False,
        help_text=_("The program's partners read the answer, and its files, of their finalists."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["program", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="question_code_unique"),
            models.CheckConstraint(
                condition=Q(max_length__isnull=True) | Q(max_length__gte=1), name="question_max_length_positive"
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "label")


class EvaluationRound(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("document review")
        PRESENTATION = "presentation", _("presentation review")
        PARTNER_INTERVIEW = "partner_interview", _("partner interview")

    class Aggregation(models.TextChoices):
        MEAN = "mean", _("mean")
        TRIMMED = "trimmed", _("trimmed mean (highest and lowest dropped)")
        ZSCORE = "zscore", _("z-score normalised")

    class AdvancementRule(models.TextChoices):
        TOP_N = "top_n", _("top N")
        CUTOFF = "cutoff", _("score cutoff")
        TOP_N_CUTOFF = "top_n_cutoff", _("top N above a cutoff")

    class AdvancementScope(models.TextChoices):
        OVERALL = "overall", _("overall")
        PER_TRACK = "per_track", _("per track")

    class Status(models.TextChoices):
        SETUP = "setup", _("setup")
        ASSIGNING = "assigning", _("assigning evaluators")
        SCORING = "scoring", _("scoring")
        CLOSED = "closed", _("closed")
        RESULTS_COMPUTED = "results_computed", _("results computed")
        PUBLISHED = "published", _("published")

    S = Status
    TRANSITIONS = {
        S.SETUP: {S.ASSIGNING},
        S.ASSIGNING: {S.SETUP, S.SCORING},
        S.SCORING: {S.CLOSED},
        S.CLOSED: {S.SCORING, S.RESULTS_COMPUTED},
        S.RESULTS_COMPUTED: {S.RESULTS_COMPUTED, S.CLOSED, S.PUBLISHED},
        S.PUBLISHED: set(),
    }
    # Open for scoring or closed: an assigned evaluator reaches the application (not while set up).
    EVALUATOR_ACCESS_STATUSES = (S.SCORING, S.CLOSED, S.RESULTS_COMPUTED, S.PUBLISHED)

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="rounds")
    order = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DOCUMENT)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        help_text=_("For a partner interview: whose ranking this round records."),
    )
    opens_at = models.DateTimeField(_("scoring opens"))
    closes_at = models.DateTimeField(_("scoring closes"))
    evaluators_per_application = models.PositiveSmallIntegerField(
        _("evaluators per application (k)"), default=3, validators=[MinValueValidator(1)]
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=16, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    advancement_rule = models.CharField(
        _("advancement rule"), max_length=16, choices=AdvancementRule.choices, default=AdvancementRule.TOP_N
    )
    advancement_scope = models.CharField(
        _("advancement scope"), max_length=16, choices=AdvancementScope.choices, default=AdvancementScope.OVERALL
    )
    advance_count = models.PositiveIntegerField(
        _("advance (N)"),
        null=True,
        blank=True,
        help_text=_("How many advance (per track when the scope is per track)."),
    )
    cutoff_score = models.DecimalField(
        _("cutoff (T)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Minimum final score, 0–100."),
    )
    bonus_cap = models.DecimalField(
        _("bonus cap"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        help_text=_("Most bonus points one application gets."),
    )
    blind = models.BooleanField(_("blind review"), default=False, help_text=_("Evaluators do not see who applied."))
    evaluators = models.ManyToManyField(
        "Evaluator", verbose_name=_("evaluator pool"), blank=True, related_name="rounds"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SETUP)
    appeal_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"),
        default=0,
        help_text=_(
            "이의신청: applicants who did not advance may appeal for this many days after publication; 0 for none."
        ),
    )
    appeals_close_at = models.DateTimeField(
        _("appeals close"), null=True, blank=True, editable=False, help_text=_("Set when the results are published.")
    )
    feedback_score = models.BooleanField(_("show applicants their score and rank band"), default=False)
    feedback_criterion_means = models.BooleanField(_("show applicants the mean of each criterion"), default=False)
    feedback_comments = models.BooleanField(
        _("show applicants the comments written for them"),
        default=False,
        help_text=_("Evaluators' comments marked for the applicant; never who wrote them."),
    )
    results_stale = models.BooleanField(
        _("results out of date"),
        default=False,
        help_text=_("Scores changed after the results were computed; compute them again before publishing."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        ordering = ["program", "order"]
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="round_order_unique"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening"),
            models.CheckConstraint(condition=Q(evaluators_per_application__gte=1), name="round_k_positive"),
            models.CheckConstraint(
                condition=Q(advance_count__isnull=True) | Q(advance_count__gte=1), name="round_advance_count_positive"
            ),
            models.CheckConstraint(condition=Q(bonus_cap__gte=0), name="round_bonus_cap_not_negative"),
            models.CheckConstraint(
                condition=~Q(advancement_rule__in=["top_n", "top_n_cutoff"]) | Q(advance_count__isnull=False),
                name="round_top_n_needs_count",
            ),
            models.CheckConstraint(
                condition=~Q(advancement_rule__in=["cutoff", "top_n_cutoff"]) | Q(cutoff_score__isnull=False),
                name="round_cutoff_needs_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program} · {localized(self, 'name')}"

    @property
    def name(self) -> str:
        return localized(self, "name")


class CarryOverWeight(models.Model):
    """final = Σ weight · round score over this and earlier rounds; a round's weights sum to 1."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="carry_over_weights"
    )
    source_round = models.ForeignKey(
        EvaluationRound, verbose_name=_("score of round"), on_delete=models.CASCADE, related_name="+"
    )
    weight = models.DecimalField(
        _("weight"), max_digits=4, decimal_places=3, validators=[MinValueValidator(ZERO), MaxValueValidator(ONE)]
    )

    class Meta:
        verbose_name = _("carry-over weight")
        verbose_name_plural = _("carry-over weights")
        constraints = [
            models.UniqueConstraint(fields=["round", "source_round"], name="carry_over_once"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=1), name="carry_over_weight_in_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.source_round}: {self.weight}"


class Criterion(models.Model):
    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40)
    label_ko = models.CharField(_("label (Korean)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2)
    fail_threshold = models.DecimalField(
        _("fail threshold"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(ONE)],
        help_text=_("과락: a fraction of the maximum, e.g. 0.4; a mean below it fails the application."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    tracks = models.ManyToManyField(
        Track,
        verbose_name=_("tracks"),
        blank=True,
        related_name="criteria",
        help_text=_("Scored only for applications in these tracks; empty for every track."),
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["round", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_score_positive"),
            models.CheckConstraint(
                condition=Q(fail_threshold__isnull=True) | (Q(fail_threshold__gt=0) & Q(fail_threshold__lte=1)),
                name="criterion_fail_threshold_in_0_1",
            ),
        ]

    def __str__(self) -> str:
        return localized(self, "label")


class BonusRule(models.Model):
    """가점: points added to a round score when the startup carries a flag, capped by the round."""

    class Flag(models.TextChoices):
        WOMEN_OWNED = "women_owned", _("women-owned")
        SOCIAL_VENTURE = "social_venture", _("social venture")
        DISABILITY_OWNED = "disability_owned", _("disability-owned")
        NON_CAPITAL_REGION = "non_capital_region", _("outside the capital region")

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="bonus_rules"
    )
    flag = models.CharField(_("startup flag"), max_length=32, choices=Flag.choices)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2)
    evidence_required = models.BooleanField(
        _("evidence required"),
        default=False,
        help_text=_(
            "The applicant uploads a document (e.g. 여성기업확인서) that staff verify; only verified flags count."
        ),
    )
    evidence_label_ko = models.CharField(_("document asked for (Korean)"), max_length=200, blank=True)
    evidence_label_en = models.CharField(_("document asked for (English)"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("bonus rule")
        verbose_name_plural = _("bonus rules")
        constraints = [
            models.UniqueConstraint(fields=["round", "flag"], name="bonus_rule_once"),
            models.CheckConstraint(condition=Q(points__gt=0), name="bonus_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_flag_display()} +{self.points}"


class Evaluator(models.Model):
    """The evaluator role of a user: organisation, expertise, and the partner they act for, if any."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="evaluator_profile"
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    expertise = models.ManyToManyField(
        "startups.Sector", verbose_name=_("expertise"), blank=True, related_name="evaluators"
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluators",
        help_text=_("Set when the evaluator is on the partner's staff."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluator")
        verbose_name_plural = _("evaluators")
        ordering = ["user__email"]

    def __str__(self) -> str:
        return str(self.user)


class Conflict(models.Model):
    class Source(models.TextChoices):
        DECLARED = "declared", _("declared by the evaluator")
        MEMBER = "member", _("member of the startup")
        EMAIL_DOMAIN = "email_domain", _("same e-mail domain as a member")
        RELATION = "relation", _("relation recorded by staff")
        EXCLUSION = "exclusion", _("exclusion requested by the applicant")

    evaluator = models.ForeignKey(
        Evaluator, verbose_name=_("evaluator"), on_delete=models.CASCADE, related_name="conflicts"
    )
    startup = models.ForeignKey(
        "startups.Startup", verbose_name=_("startup"), on_delete=models.CASCADE, related_name="conflicts"
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["evaluator", "startup"], name="conflict_once")]

    def __str__(self) -> str:
        return f"{self.evaluator} × {self.startup}"


class AssignmentQuerySet(models.QuerySet):
    def in_force(self) -> "AssignmentQuerySet":
        """Assignments that give their evaluator access to the application: in a round open for scoring
        or closed (scoring, closed, results computed, published; not set-up or assigning) and not
        recused."""
        return self.filter(round__status__in=EvaluationRound.EVALUATOR_ACCESS_STATUSES).exclude(
            status=Assignment.Status.RECUSED
        )

    def assigned_to(self, user) -> "AssignmentQuerySet":
        """The assignments that make `user` an assigned evaluator (see `in_force`)."""
        return self.in_force().filter(evaluator__user=user)


class Assignment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        IN_PROGRESS = "in_progress", _("in progress")
        SUBMITTED = "submitted", _("submitted")
        RECUSED = "recused", _("recused")

    S = Status
    TRANSITIONS = {
        S.PENDING: {S.IN_PROGRESS, S.SUBMITTED, S.RECUSED},
        S.IN_PROGRESS: {S.SUBMITTED, S.RECUSED},
        S.SUBMITTED: {S.IN_PROGRESS},  # reopened for edits while the round is still scoring
        S.RECUSED: set(),
    }

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="assignments"
    )
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="assignments"
    )
    evaluator = models.ForeignKey(
        Evaluator, verbose_name=_("evaluator"), on_delete=models.PROTECT, related_name="assignments"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    recusal_reason = models.TextField(_("reason for recusal"), blank=True)
    no_conflict_declared_at = models.DateTimeField(
        _("no conflict declared"),
        null=True,
        blank=True,
        help_text=_("When the evaluator declared no conflict of interest."),
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["round", "application", "evaluator"]
        constraints = [
            models.UniqueConstraint(fields=["round", "application", "evaluator"], name="assignment_once"),
        ]
        indexes = [
            models.Index(fields=["round", "evaluator", "status"], name="assignment_round_evaluator"),
            models.Index(fields=["round", "status"], name="assignment_round_status"),
        ]

    def __str__(self) -> str:
        return f"{self.application} ← {self.evaluator}"


class Review(models.Model):
    assignment = models.OneToOneField(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="review"
    )
    comment = models.TextField(_("comment"), blank=True)
    comment_for_applicant = models.TextField(
        _("comment for the applicant"),
        blank=True,
        help_text=_("Shown to the applicant when the round shares comments; never with the evaluator's name."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return str(self.assignment)


class Score(models.Model):
    """One criterion's score in a review. `round` and `max_score` are copied from the criterion
    so the database can check the range and scan a round's scores by index."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    round = models.ForeignKey(EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2, editable=False)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["review", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=F("max_score")), name="score_within_0_and_max"
            ),
        ]
        indexes = [models.Index(fields=["round", "criterion"], name="score_round_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.criterion_id is not None:
            self.max_score = self.criterion.max_score
            self.round_id = self.criterion.round_id
            if self.value is not None and not (ZERO <= self.value <= self.max_score):
                raise ValidationError(
                    {"value": _("Enter a score from 0 to %(max)s.") % {"max": self.criterion.max_score}}
                )


class RoundResult(models.Model):
    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="results"
    )
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="round_results"
    )
    review_count = models.PositiveSmallIntegerField(_("reviews used"), default=0)
    mean = models.DecimalField(_("mean"), max_digits=9, decimal_places=4, null=True, blank=True)
    trimmed_mean = models.DecimalField(_("trimmed mean"), max_digits=9, decimal_places=4, null=True, blank=True)
    zscore = models.DecimalField(_("z-score scaled"), max_digits=9, decimal_places=4, null=True, blank=True)
    aggregate = models.DecimalField(_("aggregate"), max_digits=9, decimal_places=4, null=True, blank=True)
    bonus = models.DecimalField(_("bonus"), max_digits=6, decimal_places=2, default=ZERO)
    round_score = models.DecimalField(_("round score"), max_digits=9, decimal_places=4, null=True, blank=True)
    final_score = models.DecimalField(_("final score"), max_digits=9, decimal_places=4, null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    failed = models.BooleanField(
        _("failed a threshold"), default=False, help_text=_("과락: below a criterion's fail threshold.")
    )
    fail_reasons = models.JSONField(
        _("reasons for failing"), default=list, blank=True, help_text=_("Codes with parameters, translated when shown.")
    )
    exact = models.JSONField(
        _("exact values"),
        default=dict,
        blank=True,
        help_text=_(
            "Every score as the exact value decisions were made on, as a fraction (z-scores to 40 decimal places)."
        ),
    )
    tie_break = models.JSONField(
        _("tie-break"),
        null=True,
        blank=True,
        help_text=_("Why this application ranks below one that shows the same final score."),
    )
    advanced = models.BooleanField(_("advanced"), default=False)
    override_reason = models.TextField(
        _("reason for override"), blank=True, help_text=_("Filled when staff changed the computed advancement.")
    )
    fingerprint = models.CharField(_("input fingerprint"), max_length=64, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        verbose_name = _("round result")
        verbose_name_plural = _("round results")
        ordering = ["round", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["round", "application"], name="round_result_once"),
            models.UniqueConstraint(fields=["round", "rank"], name="round_result_rank_once"),
            models.CheckConstraint(condition=Q(rank__isnull=True) | Q(rank__gte=1), name="round_result_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.round} #{self.rank}: {self.application}"


class SelectionEntry(models.Model):
    class Outcome(models.TextChoices):
        SELECTED = "selected", _("selected")
        RESERVE = "reserve", _("reserve")
        NOT_SELECTED = "not_selected", _("not selected")

    class Acceptance(models.TextChoices):
        NOT_ASKED = "not_asked", _("not asked")
        PENDING = "pending", _("awaiting an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        LAPSED = "lapsed", _("no answer by the deadline")

    class Agreement(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        AWAITING = "awaiting", _("awaiting documents")
        UNDER_REVIEW = "under_review", _("under review")
        RETURNED = "returned", _("returned for changes")
        APPROVED = "approved", _("approved")

    ACCEPTANCE_TRANSITIONS = {
        Acceptance.NOT_ASKED: {Acceptance.PENDING},
        Acceptance.PENDING: {Acceptance.ACCEPTED, Acceptance.DECLINED, Acceptance.LAPSED},
        Acceptance.ACCEPTED: set(),
        Acceptance.DECLINED: set(),
        Acceptance.LAPSED: set(),
    }
    AGREEMENT_TRANSITIONS = {
        Agreement.NOT_STARTED: {Agreement.AWAITING, Agreement.APPROVED},
        Agreement.AWAITING: {Agreement.UNDER_REVIEW},
        Agreement.UNDER_REVIEW: {Agreement.RETURNED, Agreement.APPROVED, Agreement.UNDER_REVIEW},
        Agreement.RETURNED: {Agreement.UNDER_REVIEW},
        Agreement.APPROVED: set(),
    }

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="selection")
    application = models.OneToOneField(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="selection_entry"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    position = models.PositiveIntegerField(
        _("position"), null=True, blank=True, help_text=_("Order within the selected list or the reserve.")
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("matched partner"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("accepted by the startup"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("promoted from the reserve"), null=True, blank=True)
    acceptance = models.CharField(
        _("acceptance"), max_length=16, choices=Acceptance.choices, default=Acceptance.NOT_ASKED
    )
    respond_by = models.DateTimeField(_("accept or decline by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    agreement = models.CharField(
        _("agreement (협약)"), max_length=16, choices=Agreement.choices, default=Agreement.NOT_STARTED
    )
    agreement_approved_at = models.DateTimeField(_("agreement approved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("selection entry")
        verbose_name_plural = _("selection")
        ordering = ["program", "outcome", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="not_selected") | Q(position__isnull=False, position__gte=1),
                name="selection_ranked_has_position",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "outcome", "position"], name="selection_program_outcome"),
            models.Index(fields=["acceptance", "respond_by"], name="selection_acceptance_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.position or ''}: {self.application}"


# --------------------------------------------------------------------------------------------
# Partners' rankings, matching, and the Matching Day


class PartnerRanking(models.Model):
    """A partner's ranking of a program's finalists: a draft until submitted, then still editable
    (and resubmitted) until the program's ranking deadline."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="partner_rankings"
    )
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="rankings")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("partner ranking")
        verbose_name_plural = _("partner rankings")
        constraints = [models.UniqueConstraint(fields=["program", "partner"], name="partner_ranking_once")]

    def __str__(self) -> str:
        return f"{self.partner} · {self.program}"


class PartnerRankingEntry(models.Model):
    """One finalist in a partner's ranking: a rank (1 = first choice), or not interested, or not yet
    decided (neither)."""

    ranking = models.ForeignKey(
        PartnerRanking, verbose_name=_("ranking"), on_delete=models.CASCADE, related_name="entries"
    )
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True, validators=[MinValueValidator(1)])
    not_interested = models.BooleanField(_("not interested"), default=False)

    class Meta:
        verbose_name = _("ranked finalist")
        verbose_name_plural = _("ranked finalists")
        ordering = ["ranking", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "application"], name="ranking_entry_once"),
            models.UniqueConstraint(
                fields=["ranking", "rank"], condition=Q(rank__isnull=False), name="ranking_entry_rank_once"
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1, not_interested=False),
                name="ranking_entry_rank_or_not_interested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank or '-'}: {self.application}"


class MatchingConstraint(models.Model):
    """A pair staff pin (always matched) or forbid (a conflict: never matched) before a matching run."""

    class Kind(models.TextChoices):
        PINNED = "pinned", _("pinned")
        FORBIDDEN = "forbidden", _("forbidden")

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="matching_constraints"
    )
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("matching constraint")
        verbose_name_plural = _("matching constraints")
        constraints = [
            models.UniqueConstraint(fields=["program", "application", "partner"], name="matching_constraint_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.application} · {self.partner}"


class MatchingRun(models.Model):
    """One run of stable matching for a program: its inputs (and their fingerprint), the matching, the
    reason each unmatched startup has, seats per partner, and the blocking pairs the check found.
    Publishing a run sets each selected startup's partner."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="matching_runs"
    )
    job = models.ForeignKey(
        "jobs.Job", verbose_name=_("job"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fingerprint = models.CharField(_("input fingerprint"), max_length=64)
    inputs = models.JSONField(_("inputs"), default=dict)
    assignment = models.JSONField(_("matching"), default=dict, help_text=_("Application id → partner id."))
    unmatched = models.JSONField(_("unmatched"), default=dict, help_text=_("Application id → reason (a code)."))
    seats = models.JSONField(_("seats"), default=dict, help_text=_("Partner id → [filled, seats]."))
    blocking_pairs = models.JSONField(_("blocking pairs"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("run"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.program} · {format_datetime(self.created_at)}"


class MeetingEvent(models.Model):
    """A day (or days) of meetings: the Matching Day (finalists meet partners) or the pitches of an
    in-person evaluation round (발표평가: one slot per application before the round's panel)."""

    class Kind(models.TextChoices):
        MATCHING_DAY = "matching_day", _("Matching Day")
        PITCH = "pitch", _("pitch session")

    class Status(models.TextChoices):
        PLANNING = "planning", _("planning")
        SCHEDULED = "scheduled", _("scheduled")

    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.MATCHING_DAY)
    round = models.ForeignKey(
        EvaluationRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text=_("For a pitch session: the round whose panel hears the pitches."),
    )
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    venue = models.CharField(_("venue"), max_length=300)
    time_zone = models.CharField(_("venue time zone"), max_length=64, default="Asia/Seoul")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    day_starts = models.TimeField(_("day starts"))
    day_ends = models.TimeField(_("day ends"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=20)
    buffer_slots = models.PositiveSmallIntegerField(
        _("free slots between a startup's meetings"), default=0, validators=[MaxValueValidator(8)]
    )
    breaks = models.JSONField(
        _("breaks"),
        default=list,
        blank=True,
        help_text=_('Each day, in the venue\'s time: [{"starts": "12:00", "ends": "13:00"}].'),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNING)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(day_ends__gt=F("day_starts")), name="event_day_ends_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="event_slot_at_least_5_minutes"),
        ]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def name(self) -> str:
        return localized(self, "name")


class MeetingTable(models.Model):
    """A room or table of an event, hosted by a partner (Matching Day) or by the round's panel (pitches:
    no partner). A host with 4 tables holds 4 meetings at once."""

    event = models.ForeignKey(MeetingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(_("room or table"), max_length=120)
    partner = models.ForeignKey(
        Partner, verbose_name=_("host partner"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("room or table")
        verbose_name_plural = _("rooms and tables")
        ordering = ["event", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="meeting_table_name_once")]

    def __str__(self) -> str:
        return self.name


class Availability(models.Model):
    """A time window in which a partner or a startup (its application) can meet at an event. Someone
    with no window given is available all day."""

    event = models.ForeignKey(
        MeetingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="availabilities"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    application = models.ForeignKey(
        "startups.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")
        ordering = ["event", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="availability_ends_after_start"),
            models.CheckConstraint(
                condition=Q(partner__isnull=False, application__isnull=True)
                | Q(partner__isnull=True, application__isnull=False),
                name="availability_of_partner_or_startup",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner or self.application}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class Meeting(models.Model):
    """A placed meeting: a startup (its application) with a partner, or before the round's panel (no
    partner), at a table in one slot. Each change increases `sequence`; `uid` stays, so calendars
    update the same event (iCalendar)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(MeetingEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="meetings")
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="meetings"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, null=True, blank=True, related_name="meetings"
    )
    table = models.ForeignKey(
        MeetingTable, verbose_name=_("room or table"), on_delete=models.PROTECT, related_name="meetings"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    locked = models.BooleanField(_("locked"), default=False, help_text=_("Re-scheduling keeps it where it is."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["event", "starts_at", "table"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"),
            models.UniqueConstraint(
                fields=["table", "starts_at"], condition=Q(status="scheduled"), name="meeting_table_slot_once"
            ),
            models.UniqueConstraint(
                fields=["application", "starts_at"], condition=Q(status="scheduled"), name="meeting_startup_slot_once"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "starts_at"], name="meeting_event_status_start")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.table}: {self.application}"


class CalendarFeed(models.Model):
    """A person's secret calendar feed address (their meetings as iCalendar). Only a hash of the token is
    kept; a new feed revokes the old one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_active"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


# --------------------------------------------------------------------------------------------
# After the selection: agreements (협약) and appeals (이의신청)


def private_file_path(instance: models.Model, filename: str) -> str:
    # Stored under a random name in a folder per kind of record; the original name is a field.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{instance._meta.model_name}/{uuid.uuid4().hex}{suffix}"


class AgreementRequirement(models.Model):
    """A document a program asks of each startup that accepted its seat (협약서, 통장 사본 …)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="agreement_requirements"
    )
    code = models.SlugField(_("code"), max_length=40)
    label_ko = models.CharField(_("label (Korean)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    help_ko = models.TextField(_("help (Korean)"), blank=True)
    help_en = models.TextField(_("help (English)"), blank=True)
    file_types = models.JSONField(
        _("file types"),
        default=list,
        blank=True,
        help_text=_('The kinds accepted, such as ["pdf"]; every accepted kind when empty.'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("agreement document")
        verbose_name_plural = _("agreement documents")
        ordering = ["program", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="agreement_requirement_code_unique")]

    def __str__(self) -> str:
        return localized(self, "label")


class AgreementDocument(models.Model):
    """One upload for an agreement requirement; the newest per requirement is the one staff review."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("awaiting review")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")
        REPLACED = "replaced", _("replaced by a newer file")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.RETURNED, Status.REPLACED},
        Status.RETURNED: {Status.REPLACED},
        Status.APPROVED: set(),
        Status.REPLACED: set(),
    }

    entry = models.ForeignKey(
        SelectionEntry, verbose_name=_("selection entry"), on_delete=models.CASCADE, related_name="agreement_documents"
    )
    requirement = models.ForeignKey(
        AgreementRequirement, verbose_name=_("document"), on_delete=models.PROTECT, related_name="documents"
    )
    file = models.FileField(_("file"), upload_to=private_file_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    comment = models.TextField(_("comment from staff"), blank=True)

    class Meta:
        verbose_name = _("agreement file")
        verbose_name_plural = _("agreement files")
        ordering = ["entry", "requirement", "-uploaded_at"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="agreement_document_not_empty")]
        indexes = [models.Index(fields=["entry", "requirement", "status"], name="agreement_document_current")]

    def __str__(self) -> str:
        return self.original_name


class Appeal(models.Model):
    """이의신청: one per application and round, filed in the round's appeal window."""

    class Status(models.TextChoices):
        FILED = "filed", _("filed")
        UPHELD = "upheld", _("upheld")
        DISMISSED = "dismissed", _("dismissed")

    TRANSITIONS = {Status.FILED: {Status.UPHELD, Status.DISMISSED}, Status.UPHELD: set(), Status.DISMISSED: set()}

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="appeals"
    )
    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="appeals"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    file = models.FileField(_("supporting file"), upload_to=private_file_path, max_length=255, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.FILED)
    answer = models.TextField(_("answer"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed"), auto_now_add=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["round", "status", "filed_at"]
        constraints = [models.UniqueConstraint(fields=["round", "application"], name="appeal_once_per_round")]
        indexes = [models.Index(fields=["round", "status"], name="appeal_round_status")]

    def __str__(self) -> str:
        return f"{self.application} · {self.round}"


# --------------------------------------------------------------------------------------------
# Evaluation practice: exclusion requests (기피 신청), pledges, panels per track, bonus evidence


class ExclusionRequest(models.Model):
    """An applicant asks that an organisation's evaluators (or, in non-blind rounds, one evaluator)
    not review their application; an accepted request becomes conflicts the assignment honours."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")

    TRANSITIONS = {Status.REQUESTED: {Status.ACCEPTED, Status.REFUSED}, Status.ACCEPTED: set(), Status.REFUSED: set()}

    application = models.ForeignKey(
        "startups.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="exclusion_requests",
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    evaluator = models.ForeignKey(
        Evaluator, verbose_name=_("evaluator"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("exclusion request")
        verbose_name_plural = _("exclusion requests")
        ordering = ["application", "requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(organisation="") & Q(evaluator__isnull=True))
                | (Q(organisation="") & Q(evaluator__isnull=False)),
                name="exclusion_names_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} ⊘ {self.organisation or self.evaluator}"


class RoundPledge(models.Model):
    """청렴·비밀유지 서약: the text evaluators accept before scoring in the round. Versions are kept;
    the newest is the one asked for, and an acceptance names the version it accepted."""

    round = models.ForeignKey(
        EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="pledges"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1, validators=[MinValueValidator(1)])
    text_ko = models.TextField(_("text (Korean)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["round", "-version"]
        constraints = [models.UniqueConstraint(fields=["round", "version"], name="pledge_version_once")]

    def __str__(self) -> str:
        return f"{self.round} v{self.version}"


class PledgeAcceptance(models.Model):
    pledge = models.ForeignKey(
        RoundPledge, verbose_name=_("pledge"), on_delete=models.PROTECT, related_name="acceptances"
    )
    evaluator = models.ForeignKey(
        Evaluator, verbose_name=_("evaluator"), on_delete=models.CASCADE, related_name="pledge_acceptances"
    )
    language = models.CharField(_("language read"), max_length=8)
    accepted_at = models.DateTimeField(_("accepted"), auto_now_add=True)

    class Meta:
        verbose_name = _("pledge acceptance")
        verbose_name_plural = _("pledge acceptances")
        ordering = ["pledge", "accepted_at"]
        constraints = [models.UniqueConstraint(fields=["pledge", "evaluator"], name="pledge_accepted_once")]

    def __str__(self) -> str:
        return f"{self.evaluator} ✓ {self.pledge}"


class Panel(models.Model):
    """Part of a round's evaluator pool serving some tracks: applications of those tracks draw their
    evaluators from this panel only."""

    round = models.ForeignKey(EvaluationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="panels")
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    tracks = models.ManyToManyField(Track, verbose_name=_("tracks"), related_name="panels")
    evaluators = models.ManyToManyField(Evaluator, verbose_name=_("evaluators"), blank=True, related_name="panels")

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return localized(self, "name")


class BonusEvidence(models.Model):
    """The document behind a bonus flag, uploaded with the application and verified by staff."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting verification")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")

    TRANSITIONS = {
        Status.PENDING: {Status.VERIFIED, Status.REJECTED},
        Status.VERIFIED: {Status.REJECTED, Status.PENDING},
        Status.REJECTED: {Status.VERIFIED, Status.PENDING},
    }

    application = models.ForeignKey(
        "startups.Application", verbose_name=_("application"), on_delete=models.CASCADE, related_name="bonus_evidence"
    )
    flag = models.CharField(_("startup flag"), max_length=32, choices=BonusRule.Flag.choices)
    attachment = models.ForeignKey(
        "startups.Attachment", verbose_name=_("document"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason for rejection"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("verified"), null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("bonus evidence")
        verbose_name_plural = _("bonus evidence")
        ordering = ["application", "flag"]
        constraints = [models.UniqueConstraint(fields=["application", "flag"], name="bonus_evidence_once")]
        indexes = [models.Index(fields=["status"], name="bonus_evidence_status")]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_flag_display()}"
