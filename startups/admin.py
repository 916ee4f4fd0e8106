import re

from django import forms
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    AuditTrailMixin,
    ModelAdmin,
    ReadOnlyModelAdmin,
    ReadOnlyTabularInline,
    ServiceAction,
    ServiceActionsMixin,
    TabularInline,
    count_of,
    parent_object_id,
    related_filter,
    service_action,
)
from core.display import format_won, prose, yes_no
from core.forms import BusinessRegistrationNumberField
from matching.consequences import application_withdraw_consequences
from matching.exports import applications_table, export_actions
from matching.models import Evaluator, Question, Track
from notifications.segment_filters import MatchedPartnerFilter, RoundResultFilter, SelectionFilter
from startups import admin_deadlines, services
from startups.answers import answer_display
from startups.models import (
    Answer,
    Application,
    Attachment,
    DeclarationAnswer,
    PartnerPreference,
    Sector,
    Startup,
    StartupMember,
    Submission,
)

# Staff type a BRN as it is printed (124-81-00998); it is stored as ten digits.
BRN_AS_PRINTED = re.compile(r"\b(\d{3})-(\d{2})-(\d{5})\b")


class BrnSearchMixin:
    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, BRN_AS_PRINTED.sub(r"\1\2\3", search_term))


def track_label(track: Track) -> str:
    return f"{track.program} · {track}"


# Searching an application: by receipt number, the company's names and BRN, and an applicant's e-mail.
APPLICATION_SEARCH = (
    "application__receipt_number",
    "application__startup__name_ko",
    "application__startup__name_en",
    "application__startup__brn",
)


@admin.register(Sector)
class SectorAdmin(ModelAdmin):
    list_display = ("code", "name_ko", "name_en", "startup_count", "evaluator_count")
    search_fields = ("code", "name_ko", "name_en")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                startup_count=count_of(Startup.sectors.through.objects.all(), "sector"),
                evaluator_count=count_of(Evaluator.expertise.through.objects.all(), "sector"),
            )
        )

    @admin.display(description=_("startups"), ordering="startup_count")
    def startup_count(self, sector) -> int:
        return sector.startup_count

    @admin.display(description=_("evaluators"), ordering="evaluator_count")
    def evaluator_count(self, sector) -> int:
        return sector.evaluator_count


class RegistrationFilter(admin.SimpleListFilter):
    title = _("registration")
    parameter_name = "registration"

    def lookups(self, request, model_admin):
        return (("registered", _("registered company")), ("pre_founder", _("pre-founder")))

    def queryset(self, request, queryset):
        if self.value() == "registered":
            return queryset.filter(brn__isnull=False)
        if self.value() == "pre_founder":
            return queryset.filter(brn__isnull=True)
        return queryset


class StartupMemberInline(TabularInline):
    model = StartupMember
    fields = ("user", "role", "status", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        # A tabular inline prints each row's str(), which names the user and the startup.
        return super().get_queryset(request).select_related("user", "startup")


class StartupForm(forms.ModelForm):
    brn = BusinessRegistrationNumberField(label=_("business registration number"), required=False)

    class Meta:
        model = Startup
        fields = ("brn",)  # the admin's fieldsets add the rest


@admin.register(Startup)
class StartupAdmin(BrnSearchMixin, ModelAdmin):
    form = StartupForm
    list_display = (
        "name_ko",
        "name_en",
        "brn_column",
        "founded_on",
        "ceo_name",
        "employees",
        "sector_list",
        "application_count",
    )
    list_filter = (
        RegistrationFilter,
        "sectors",
        "women_owned",
        "social_venture",
        "disability_owned",
        "non_capital_region",
    )
    search_fields = ("name_ko", "name_en", "brn", "ceo_name", "members__user__email")
    autocomplete_fields = ("sectors",)
    readonly_fields = ("annual_revenue", "created_at", "updated_at")
    inlines = (StartupMemberInline,)
    fieldsets = (
        (None, {"fields": ("name_ko", "name_en", "brn", "founded_on", "ceo_name")}),
        (
            _("Company"),
            {"fields": ("employees", "annual_revenue_krw", "annual_revenue", "sectors", "website", "description")},
        ),
        (_("Bonus flags"), {"fields": ("women_owned", "social_venture", "disability_owned", "non_capital_region")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("sectors")
            .annotate(application_count=count_of(Application.objects.all(), "startup"))
        )

    @admin.display(description=_("business registration number"), ordering="brn")
    def brn_column(self, startup: Startup) -> str:
        return startup.brn_display or _("pre-founder")

    @admin.display(description=_("annual revenue"))
    def annual_revenue(self, startup: Startup) -> str:
        return format_won(startup.annual_revenue_krw)

    @admin.display(description=_("sectors"))
    def sector_list(self, startup: Startup) -> str:
        return ", ".join(str(sector) for sector in startup.sectors.all())

    @admin.display(description=_("applications"), ordering="application_count")
    def application_count(self, startup: Startup) -> int:
        return startup.application_count


@admin.register(StartupMember)
class StartupMemberAdmin(ServiceActionsMixin, ModelAdmin):
    list_display = ("user", "startup", "role", "status", "created_at")
    actions = (service_action(admin_deadlines.MEMBER_REMOVE), service_action(admin_deadlines.MEMBER_MAKE_OWNER))
    list_filter = ("role", "status")
    search_fields = ("user__email", "user__name", "startup__name_ko", "startup__name_en", "startup__brn")
    autocomplete_fields = ("startup", "user")
    list_select_related = ("user", "startup")
    readonly_fields = ("created_at",)


# --- the application and what hangs off it --------------------------------------------------------


class AnswerInline(ReadOnlyTabularInline):
    model = Answer
    verbose_name_plural = _("answers (working copy: may differ from the submitted version)")
    fields = ("question", "answer", "updated_at")

    @admin.display(description=_("answer"))
    def answer(self, answer: Answer) -> str:
        return answer_prose(answer.question, answer.value)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question").order_by("question__order", "question_id")


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    # The file itself is not linked: uploads are private and served only through a permission check.
    fields = ("kind", "original_name", "content_type", "file_size", "question", "uploaded_by", "uploaded_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question", "uploaded_by")

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, attachment: Attachment) -> str:
        return filesizeformat(attachment.size)


class PartnerPreferenceInline(ReadOnlyTabularInline):
    model = PartnerPreference
    fields = ("rank", "partner")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("partner")


class DeclarationAnswerInline(ReadOnlyTabularInline):
    model = DeclarationAnswer
    fields = ("declaration", "answer_shown", "excludes")

    @admin.display(description=_("answer"))
    def answer_shown(self, answer: DeclarationAnswer) -> str:
        return yes_no(answer.answer)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("declaration")

    @admin.display(description=_("excludes the application"))
    def excludes(self, answer: DeclarationAnswer) -> str:
        return yes_no(answer.excludes)


class SubmissionInline(ReadOnlyTabularInline):
    model = Submission
    fields = ("number", "submitted_at", "submitted_by")

    def get_queryset(self, request):
        # str() of a submission, printed on each row, names the application and its startup.
        return super().get_queryset(request).select_related("submitted_by", "application__startup")


APPLICATION_MARK_INELIGIBLE = ServiceAction(
    service=services.application_mark_ineligible,
    target="application",
    description=_("Mark as ineligible"),
    done=_("Marked as ineligible: %(objects)s"),
    needs_reason=True,
)
APPLICATION_REINSTATE = ServiceAction(
    service=services.application_reinstate,
    target="application",
    description=_("Reinstate (count as submitted again)"),
    done=_("Reinstated: %(objects)s"),
    needs_reason=True,
)
APPLICATION_WITHDRAW = ServiceAction(
    service=services.application_withdraw,
    target="application",
    description=_("Withdraw"),
    done=_("Withdrawn: %(objects)s"),
    needs_reason=True,
    consequences=application_withdraw_consequences,
)


@admin.register(Application)
class ApplicationAdmin(ServiceActionsMixin, AuditTrailMixin, BrnSearchMixin, ModelAdmin):
    list_display = (
        "receipt_column",
        "startup",
        "brn_column",
        "program",
        "track",
        "status",
        "first_submitted_at",
        "submitted_at",
    )
    list_display_links = ("receipt_column", "startup")
    list_filter = (
        "program",
        ("track", related_filter("program", label=track_label)),
        "status",
        RoundResultFilter,  # round result, selection and partner: the message composer's filters too
        SelectionFilter,
        MatchedPartnerFilter,
    )
    search_fields = (
        "receipt_number",
        "startup__name_ko",
        "startup__name_en",
        "startup__brn",
        "title",
        "startup__members__user__email",
    )
    date_hierarchy = "first_submitted_at"
    autocomplete_fields = ("startup",)
    actions = (
        service_action(APPLICATION_MARK_INELIGIBLE),
        service_action(APPLICATION_REINSTATE),
        service_action(APPLICATION_WITHDRAW),
        admin_deadlines.extend_deadline_action,
        admin_deadlines.request_correction_action,
        *export_actions(applications_table, stem="applications", title=lambda: gettext("applications")),
    )
    inlines = (AnswerInline, DeclarationAnswerInline, PartnerPreferenceInline, AttachmentInline, SubmissionInline)
    fieldsets = (
        (None, {"fields": ("program", "startup", "track", "status", "receipt_number")}),
        (_("Project"), {"fields": ("title", "summary")}),
        (_("Eligibility"), {"fields": ("ineligible_reasons_list",)}),
        (_("Submitted version"), {"fields": ("submitted_version",)}),
        (_("Dates"), {"fields": ("first_submitted_at", "submitted_at", "withdrawn_at", "personal_deadline")}),
        (_("Record"), {"fields": ("created_by", "created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [
            "status",
            "receipt_number",
            "ineligible_reasons_list",
            "submitted_version",
            "first_submitted_at",
            "submitted_at",
            "withdrawn_at",
            "personal_deadline",
            "created_by",
            "created_at",
            "updated_at",
            *super().get_readonly_fields(request, obj),
        ]
        if obj is not None:  # an application stays with its program and startup
            fields += ["program", "startup"]
        return fields

    def get_queryset(self, request):
        # str() names the startup: on the change page and in other admins' autocomplete results. (With a
        # select_related here the changelist ignores list_select_related, so this names all three.)
        return super().get_queryset(request).select_related("program", "startup", "track")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            tracks = Track.objects.select_related("program")
            if object_id := parent_object_id(request):
                tracks = tracks.filter(program__applications__pk=object_id)
            kwargs["queryset"] = tracks
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = track_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("receipt number"), ordering="receipt_number")
    def receipt_column(self, application: Application) -> str:
        return application.receipt_number or _("(draft)")

    @admin.display(description=_("business registration number"), ordering="startup__brn")
    def brn_column(self, application: Application) -> str:
        return application.startup.brn_display or _("pre-founder")

    @admin.display(description=_("latest submission"))
    def submitted_version(self, application: Application):
        """What staff and evaluators assess: the last submitted snapshot, not the working copy below."""
        latest = application.submissions.order_by("-number").first()
        if latest is None:
            return _("Not submitted yet.")
        return submission_html(latest, application.program)

    @admin.display(description=_("personal deadline in force"))
    def personal_deadline(self, application: Application):
        return admin_deadlines.personal_deadline_display(application)

    @admin.display(description=_("reasons for ineligibility"))
    def ineligible_reasons_list(self, application: Application):
        if not application.ineligible_reasons:
            return "-"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((reason,) for reason in application.ineligible_reasons))
        )


def answer_prose(question: Question | None, value) -> str:
    """A stored answer as staff read it: choice labels, 예/아니요, grouped numbers (won amounts, for
    questions whose code ends in `_krw`, as 2,170,000,000원), dates in the local format."""
    if question is None:  # the question was deleted after the submission
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if question.kind == Question.Kind.NUMBER and question.code.endswith("_krw") and value not in (None, ""):
        return format_won(value)
    shown = answer_display(question, value)
    return (", ".join(shown) if isinstance(shown, list) else str(shown)) or "–"


def submission_html(submission: Submission, program) -> str:
    """A submitted snapshot written out: answers and declarations in words, the company as it was."""
    questions = {q.code: q for q in program.questions.all()}
    declarations = {d.code: str(d) for d in program.declarations.all()}
    tracks = {t.code: str(t) for t in program.tracks.all()}
    snapshot = submission.snapshot
    company = snapshot.get("startup") or {}
    sectors = {sector.code: str(sector) for sector in Sector.objects.filter(code__in=company.get("sectors") or [])}
    flags = {name: str(Startup._meta.get_field(name).verbose_name) for name in company.get("flags") or []}
    return render_to_string(
        "admin/matchday/submitted_version.html",
        {
            "submission": submission,
            "snapshot": snapshot,
            "track": tracks.get(snapshot.get("track"), snapshot.get("track")),
            "company": [
                (_("founded"), prose(company.get("founded_on"))),
                (_("employees"), number_format(company["employees"]) if company.get("employees") is not None else "–"),
                (_("annual revenue"), format_won(company.get("annual_revenue_krw"))),
                (_("sectors"), ", ".join(sectors.get(code, code) for code in company.get("sectors") or []) or "–"),
                (_("bonus flags"), ", ".join(flags.values()) or "–"),
            ]
            if company
            else [],
            "answers": [
                (str(questions[code]) if code in questions else code, answer_prose(questions.get(code), value))
                for code, value in snapshot.get("answers", {}).items()
            ],
            "declarations": [
                (declarations.get(code, code), yes_no(answer))
                for code, answer in snapshot.get("declarations", {}).items()
            ],
        },
    )


class ApplicationPartsAdmin(ReadOnlyModelAdmin):
    """Applicant content and history: read and searched here, written only through the applicant's pages."""

    search_fields = APPLICATION_SEARCH
    list_filter = ("application__program",)

    @admin.display(description=_("application"), ordering="application__receipt_number")
    def application_column(self, obj) -> str:
        return str(obj.application)


@admin.register(Answer)
class AnswerAdmin(ApplicationPartsAdmin):
    list_display = ("application_column", "question", "short_value", "updated_at")
    list_filter = ("application__program", "question__kind")
    search_fields = (*APPLICATION_SEARCH, "question__code")
    list_select_related = ("application__startup", "question")

    fields = ("application", "question", "answer", "updated_at")
    readonly_fields = fields

    @admin.display(description=_("answer"))
    def short_value(self, answer: Answer) -> str:
        return Truncator(answer_prose(answer.question, answer.value)).chars(80)

    @admin.display(description=_("answer"))
    def answer(self, answer: Answer) -> str:
        return answer_prose(answer.question, answer.value)


@admin.register(Attachment)
class AttachmentAdmin(ApplicationPartsAdmin):
    list_display = ("original_name", "application_column", "kind", "content_type", "file_size", "uploaded_at")
    list_filter = ("application__program", "kind")
    search_fields = (*APPLICATION_SEARCH, "original_name", "sha256")
    date_hierarchy = "uploaded_at"
    list_select_related = ("application__startup",)
    # `file` is left out: uploads are private (no URL) and served only through a permission check.
    fields = (
        "application",
        "question",
        "kind",
        "original_name",
        "stored_as",
        "content_type",
        "file_size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("stored as"))
    def stored_as(self, attachment: Attachment) -> str:
        return attachment.file.name

    file_size = AttachmentInline.file_size


@admin.register(PartnerPreference)
class PartnerPreferenceAdmin(ApplicationPartsAdmin):
    list_display = ("application_column", "rank", "partner")
    list_filter = ("application__program", "partner")
    list_select_related = ("application__startup", "partner")


@admin.register(DeclarationAnswer)
class DeclarationAnswerAdmin(ApplicationPartsAdmin):
    list_display = ("application_column", "declaration", "answer_shown", "excludes")
    list_filter = ("application__program", "answer")
    search_fields = (*APPLICATION_SEARCH, "declaration__code")
    list_select_related = ("application__startup", "declaration")
    fields = ("application", "declaration", "answer_shown", "excludes")
    readonly_fields = fields

    @admin.display(description=_("answer"), ordering="answer")
    def answer_shown(self, answer: DeclarationAnswer) -> str:
        return yes_no(answer.answer)

    excludes = DeclarationAnswerInline.excludes


@admin.register(Submission)
class SubmissionAdmin(ApplicationPartsAdmin):
    list_display = ("application_column", "number", "submitted_at", "submitted_by")
    date_hierarchy = "submitted_at"
    list_select_related = ("application__startup", "submitted_by")
    fields = ("application", "number", "submitted_at", "submitted_by", "content")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application__program", "application__startup")

    @admin.display(description=_("content"))
    def content(self, submission: Submission):
        return submission_html(submission, submission.application.program)
