from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
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
    changelist_url,
    count_of,
    parent_object_id,
    related_filter,
    service_action,
)
from core.errors import DomainError
from matching import consequences
from matching.admin_panels import CriterionTracksMixin, PanelInline
from matching.exports import export_actions, file_response, reviews_table
from matching.forms import InviteForm, ScoreSheetForm
from matching.models import (
    Assignment,
    BonusRule,
    CarryOverWeight,
    Conflict,
    Criterion,
    Declaration,
    EvaluationRound,
    Evaluator,
    Partner,
    PartnerMembership,
    Program,
    ProgramPartner,
    Question,
    Review,
    Score,
    Track,
)
from matching.services import assignment as assignment_service
from matching.services import programs, rounds, selection
from matching.services import scoring as scoring_service
from matching.services.carry_over import carry_over_check, carry_over_source_rounds
from matching.services.evaluators import evaluator_invite
from matching.services.score_import import (
    ScoreSheetInvalid,
    read_score_sheet,
    score_sheet_template,
    scores_import,
)
from startups.admin import BrnSearchMixin, track_label
from startups.models import Application
from startups.services.attachments import ACCEPTED

# A filter on rounds whose labels name the program (one query for all of them).
RoundFilter = related_filter("program")


def changelist_link(model, label, **filters):
    """`label` linked to the changelist of `model` filtered by `filters`."""
    return format_html('<a href="{}">{}</a>', changelist_url(model, **filters), label)


# --- programs and their set-up ----------------------------------------------------------------------


class TrackInline(TabularInline):
    model = Track
    fields = ("code", "name_ko", "name_en", "admits_pre_founders", "order")
    show_change_link = True


class ProgramPartnerInline(TabularInline):
    model = ProgramPartner
    fields = ("partner", "seats")

    def get_queryset(self, request):
        # A tabular inline prints each row's str(), which names the partner.
        return super().get_queryset(request).select_related("partner")


class DeclarationInline(TabularInline):
    model = Declaration
    fields = ("code", "text_ko", "text_en", "excluding_answer", "order")
    show_change_link = True


class QuestionInline(TabularInline):
    model = Question
    fields = ("order", "code", "kind", "label_ko", "label_en", "track", "required", "max_length", "shown_to_partners")
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            # Only the program's own tracks; a new program has none yet.
            kwargs["queryset"] = Track.objects.filter(program_id=parent_object_id(request) or None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EvaluationRoundInline(TabularInline):
    model = EvaluationRound
    fields = (
        "order",
        "name_ko",
        "name_en",
        "kind",
        "opens_at",
        "closes_at",
        "advancement_rule",
        "advance_count",
        "cutoff_score",
        "status",
    )
    readonly_fields = ("status",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("program")


PROGRAM_OPEN = ServiceAction(
    service=programs.program_open,
    target="program",
    description=_("Open for applications"),
    done=_("Opened for applications: %(objects)s"),
)
PROGRAM_CLOSE = ServiceAction(
    service=programs.program_close,
    target="program",
    description=_("Close applications"),
    done=_("Applications closed: %(objects)s"),
)
PROGRAM_REOPEN = ServiceAction(
    service=programs.program_reopen,
    target="program",
    description=_("Reopen for applications"),
    done=_("Reopened for applications: %(objects)s"),
    needs_reason=True,
    consequences=consequences.program_reopen_consequences,
)
PROGRAM_START_REVIEW = ServiceAction(
    service=programs.program_start_review,
    target="program",
    description=_("Start the review (submitted applications go into review)"),
    done=_("Review started: %(objects)s"),
)
PROGRAM_FINALISE = ServiceAction(
    service=selection.selection_finalise,
    target="program",
    description=_("Finalise the selection"),
    done=_("Selection finalised: %(objects)s"),
    needs_reason=True,
    consequences=consequences.program_finalise_consequences,
)
PROGRAM_PROMOTE_RESERVE = ServiceAction(
    service=selection.reserve_promote,
    target="program",
    description=_("Promote the first reserve to a free seat"),
    done=_("Reserve promotion done (who moved up is in the selection list): %(objects)s"),
    needs_reason=True,
    consequences=consequences.reserve_promote_consequences,
)
PROGRAM_ARCHIVE = ServiceAction(
    service=programs.program_archive,
    target="program",
    description=_("Archive"),
    done=_("Archived: %(objects)s"),
)


@admin.register(Program)
class ProgramAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    list_display = (
        "name_ko",
        "name_en",
        "status",
        "opens_at",
        "closes_at",
        "quota",
        "reserve_size",
        "application_count",
        "submitted_count",
    )
    list_filter = ("status", "host")
    search_fields = ("name_ko", "name_en", "slug", "host", "receipt_prefix")
    date_hierarchy = "opens_at"
    prepopulated_fields = {"slug": ("name_en",)}
    readonly_fields = ("status", "receipt_counter", "created_at", "updated_at")
    actions = (
        service_action(PROGRAM_OPEN),
        service_action(PROGRAM_CLOSE),
        service_action(PROGRAM_REOPEN),
        service_action(PROGRAM_START_REVIEW),
        service_action(PROGRAM_FINALISE),
        service_action(PROGRAM_PROMOTE_RESERVE),
        service_action(PROGRAM_ARCHIVE),
    )
    inlines = (TrackInline, ProgramPartnerInline, DeclarationInline, QuestionInline, EvaluationRoundInline)
    fieldsets = (
        (None, {"fields": ("name_ko", "name_en", "slug", "host", "status")}),
        (_("Description"), {"fields": ("description_ko", "description_en")}),
        (_("Application window"), {"fields": ("opens_at", "closes_at", "time_zone")}),
        (_("Eligibility and selection"), {"fields": ("max_company_age_years", "quota", "reserve_size")}),
        (_("Partners"), {"fields": ("ranking_deadline", "english_for_partners")}),
        (_("Evaluators"), {"fields": ("evaluators_need_mfa",)}),
        (_("Receipt numbers"), {"fields": ("receipt_prefix", "receipt_counter")}),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                application_count=count_of(Application.objects.all(), "program"),
                submitted_count=count_of(Application.objects.filter(first_submitted_at__isnull=False), "program"),
            )
        )

    @admin.display(description=_("applications"), ordering="application_count")
    def application_count(self, program: Program):
        return changelist_link(Application, program.application_count, program__id__exact=program.pk)

    @admin.display(description=_("submitted"), ordering="submitted_count")
    def submitted_count(self, program: Program) -> int:
        return program.submitted_count


@admin.register(Track)
class TrackAdmin(ModelAdmin):
    list_display = ("name_ko", "name_en", "code", "program", "admits_pre_founders", "order", "application_count")
    list_filter = ("program", "admits_pre_founders")
    search_fields = ("code", "name_ko", "name_en", "program__name_ko", "program__name_en")
    list_select_related = ("program",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_count=count_of(Application.objects.all(), "track"))

    @admin.display(description=_("applications"), ordering="application_count")
    def application_count(self, track: Track):
        return changelist_link(Application, track.application_count, track__id__exact=track.pk)


@admin.register(Declaration)
class DeclarationAdmin(ModelAdmin):
    list_display = ("code", "text_ko", "program", "excluding_answer", "order")
    list_filter = ("program", "excluding_answer")
    search_fields = ("code", "text_ko", "text_en")
    list_select_related = ("program",)


class FileTypesField(forms.MultipleChoiceField):
    """The kinds of file something takes, as checkboxes of the accepted kinds (stored as a JSON list of
    keys, in the usual order); none checked takes every accepted kind."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("File types"))
        super().__init__(
            choices=[(key, kind.short) for key, kind in ACCEPTED.items()],
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **kwargs,
        )

    def clean(self, value) -> list[str]:
        chosen = set(super().clean(value))
        return [key for key in ACCEPTED if key in chosen]  # the usual order, no repeats


class QuestionAdminForm(forms.ModelForm):
    """A question as staff edit it: its file types as checkboxes of the accepted kinds, not raw JSON."""

    file_types = FileTypesField(
        help_text=_(
            "The kinds of file this question takes, checked by their content; none checked takes every accepted kind."
        ),
    )

    class Meta:
        model = Question
        fields = "__all__"  # noqa: DJ007 - every field of a question is staff's to set


@admin.register(Question)
class QuestionAdmin(ModelAdmin):
    form = QuestionAdminForm
    list_display = ("code", "label_ko", "program", "track", "kind", "required", "shown_to_partners", "order")
    list_filter = ("program", "kind", "required", "shown_to_partners")
    search_fields = ("code", "label_ko", "label_en")
    list_select_related = ("program", "track")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "track":
            kwargs["queryset"] = Track.objects.select_related("program")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = track_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- partners ---------------------------------------------------------------------------------------


class PartnerMembershipInline(TabularInline):
    model = PartnerMembership
    fields = ("user", "title")
    autocomplete_fields = ("user",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "partner")


@admin.register(Partner)
class PartnerAdmin(ModelAdmin):
    list_display = ("name", "name_ko", "slug", "website", "member_count", "program_count")
    search_fields = ("name", "name_ko", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (PartnerMembershipInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=count_of(PartnerMembership.objects.all(), "partner"),
                program_count=count_of(ProgramPartner.objects.all(), "partner"),
            )
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, partner: Partner) -> int:
        return partner.member_count

    @admin.display(description=_("programs"), ordering="program_count")
    def program_count(self, partner: Partner) -> int:
        return partner.program_count


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(ModelAdmin):
    list_display = ("user", "partner", "title")
    list_filter = ("partner",)
    search_fields = ("user__email", "user__name", "partner__name", "partner__name_ko", "title")
    autocomplete_fields = ("user", "partner")
    list_select_related = ("user", "partner")


@admin.register(ProgramPartner)
class ProgramPartnerAdmin(ModelAdmin):
    list_display = ("partner", "program", "seats")
    list_filter = ("program", "partner")
    search_fields = ("partner__name", "partner__name_ko", "program__name_ko", "program__name_en")
    list_select_related = ("partner", "program")


# --- evaluation rounds ------------------------------------------------------------------------------


class EvaluationRoundForm(forms.ModelForm):
    """Once evaluators are being assigned, what scoring depends on is frozen (back to set-up to change it)."""

    FROZEN_AFTER_SETUP = (
        "kind",
        "partner",
        "evaluators_per_application",
        "aggregation",
        "bonus_cap",
        "blind",
        "evaluators",
    )

    class Meta:
        model = EvaluationRound
        fields = "__all__"  # noqa: DJ007

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.status != EvaluationRound.Status.SETUP:
            for name in self.FROZEN_AFTER_SETUP:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        try:
            scoring_service.advancement_check(
                rule=data.get("advancement_rule"),
                advance_count=data.get("advance_count"),
                cutoff_score=data.get("cutoff_score"),
            )
        except DomainError as refused:
            field = "advance_count" if refused.code == "advance_count_missing" else "cutoff_score"
            self.add_error(field, refused.message)
        return data


class CarryOverWeightFormSet(forms.BaseInlineFormSet):
    """The rows as they would be saved are checked as a whole by `carry_over_check`."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if not form.cleaned_data.get("DELETE")]
        if any(form.errors for form in kept):
            return  # the row's own error says what to fix; a check of the whole would only add noise
        entries = [
            (form.cleaned_data["source_round"], form.cleaned_data["weight"])
            for form in kept
            if form.cleaned_data.get("source_round") is not None and form.cleaned_data.get("weight") is not None
        ]
        try:
            carry_over_check(round=self.instance, entries=entries)
        except DomainError as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None


class RoundSetupInline(TabularInline):
    """Scoring rules of a round: editable while the round is in set-up, read-only after."""

    @staticmethod
    def _in_setup(round_: EvaluationRound | None) -> bool:
        return round_ is None or round_.status == EvaluationRound.Status.SETUP

    def has_add_permission(self, request, obj=None):
        return self._in_setup(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._in_setup(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._in_setup(obj) and super().has_delete_permission(request, obj)


class CriterionInline(CriterionTracksMixin, RoundSetupInline):
    model = Criterion
    fields = ("order", "code", "label_ko", "label_en", "weight", "max_score", "fail_threshold", "tracks")
    show_change_link = True


class BonusRuleInline(RoundSetupInline):
    model = BonusRule
    fields = ("flag", "points", "evidence_required", "evidence_label_ko", "evidence_label_en")


class CarryOverWeightInline(RoundSetupInline):
    model = CarryOverWeight
    formset = CarryOverWeightFormSet
    fk_name = "round"
    fields = ("source_round", "weight")

    def get_formset(self, request, obj=None, **kwargs):
        # The source-round choices depend on the parent round; the admin object is shared between
        # requests, so the parent rides on the request.
        request.carry_over_parent_round = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source_round":
            kwargs["queryset"] = carry_over_source_rounds(round=getattr(request, "carry_over_parent_round", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source_round__program")


ROUND_START_ASSIGNING = ServiceAction(
    service=rounds.round_start_assigning,
    target="round",
    description=_("Start assigning evaluators"),
    done=_("Assigning evaluators: %(objects)s"),
)
ROUND_BACK_TO_SETUP = ServiceAction(
    service=rounds.round_back_to_setup,
    target="round",
    description=_("Back to set-up"),
    done=_("Back in set-up: %(objects)s"),
)
ROUND_OPEN = ServiceAction(
    service=rounds.round_open,
    target="round",
    description=_("Open for scoring"),
    done=_("Opened for scoring: %(objects)s"),
)
ROUND_CLOSE = ServiceAction(
    service=rounds.round_close,
    target="round",
    description=_("Close scoring"),
    done=_("Scoring closed: %(objects)s"),
    needs_reason=True,
    consequences=consequences.round_close_consequences,
)
ROUND_REOPEN = ServiceAction(
    service=rounds.round_reopen,
    target="round",
    description=_("Reopen scoring"),
    done=_("Scoring reopened: %(objects)s"),
    needs_reason=True,
    consequences=consequences.round_reopen_consequences,
)
ROUND_ASSIGN = ServiceAction(
    service=rounds.round_assign_evaluators,
    target="round",
    description=_("Assign evaluators automatically"),
    done=_("Evaluator assignment started: %(objects)s"),
    starts_job=True,
)
ROUND_COMPUTE = ServiceAction(
    service=rounds.round_compute_results,
    target="round",
    description=_("Compute results"),
    done=_("Results computation started: %(objects)s"),
    starts_job=True,
)
ROUND_PUBLISH = ServiceAction(
    service=selection.results_publish,
    target="round",
    description=_("Publish results"),
    done=_("Results published: %(objects)s"),
    needs_reason=True,
    consequences=consequences.round_publish_consequences,
)
ROUND_COMPUTE_WITH_SUBMITTED = ServiceAction(
    service=rounds.round_compute_results_with_submitted,
    target="round",
    description=_("Compute results with the reviews submitted so far"),
    done=_("Results computation started with the reviews submitted so far: %(objects)s"),
    starts_job=True,
)


@admin.register(EvaluationRound)
class EvaluationRoundAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    form = EvaluationRoundForm
    list_display = (
        "name_ko",
        "program",
        "order",
        "kind",
        "status",
        "opens_at",
        "closes_at",
        "evaluators_per_application",
        "pool_size",
        "review_progress",
    )
    list_filter = ("program", "status", "kind", "aggregation")
    search_fields = ("name_ko", "name_en", "program__name_ko", "program__name_en")
    date_hierarchy = "opens_at"
    list_select_related = ("program",)
    autocomplete_fields = ("evaluators",)
    related_select = {"evaluators": ("user",)}
    actions = (
        service_action(ROUND_START_ASSIGNING),
        service_action(ROUND_BACK_TO_SETUP),
        service_action(ROUND_OPEN),
        service_action(ROUND_CLOSE),
        service_action(ROUND_REOPEN),
        service_action(ROUND_ASSIGN),
        service_action(ROUND_COMPUTE),
        service_action(ROUND_COMPUTE_WITH_SUBMITTED),
        service_action(ROUND_PUBLISH),
    )
    inlines = (CriterionInline, BonusRuleInline, CarryOverWeightInline, PanelInline)
    fieldsets = (
        (None, {"fields": ("program", "order", "name_ko", "name_en", "kind", "partner", "status")}),
        (_("Scoring window"), {"fields": ("opens_at", "closes_at")}),
        (
            _("Evaluation"),
            {"fields": ("evaluators_per_application", "evaluators", "aggregation", "blind", "bonus_cap")},
        ),
        (_("Advancement"), {"fields": ("advancement_rule", "advancement_scope", "advance_count", "cutoff_score")}),
        (
            _("Appeals and feedback"),
            {
                "fields": (
                    "appeal_days",
                    "appeals_close_at",
                    "feedback_score",
                    "feedback_criterion_means",
                    "feedback_comments",
                )
            },
        ),
        (_("Record"), {"fields": ("created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = ["status", "appeals_close_at", "created_at", "updated_at", *super().get_readonly_fields(request, obj)]
        if obj is not None:  # a round stays in its program
            fields.append("program")
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                pool_size=count_of(EvaluationRound.evaluators.through.objects.all(), "evaluationround"),
                assignment_count=count_of(Assignment.objects.exclude(status=Assignment.Status.RECUSED), "round"),
                submitted_count=count_of(Assignment.objects.filter(status=Assignment.Status.SUBMITTED), "round"),
            )
        )

    @admin.display(description=_("evaluator pool"), ordering="pool_size")
    def pool_size(self, round_: EvaluationRound) -> int:
        return round_.pool_size

    @admin.display(description=_("reviews submitted"))
    def review_progress(self, round_: EvaluationRound):
        label = f"{round_.submitted_count} / {round_.assignment_count}"
        return changelist_link(Assignment, label, round__id__exact=round_.pk)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/import-scores/",
                self.admin_site.admin_view(self.import_scores_view),
                name="matching_evaluationround_import_scores",
            ),
            path(
                "<path:object_id>/import-scores/template.<str:file_format>",
                self.admin_site.admin_view(self.score_sheet_template_view),
                name="matching_evaluationround_score_sheet_template",
            ),
            *super().get_urls(),
        ]

    def import_scores_view(self, request, object_id):
        """Scores from an offline sheet (linked from the round's change page): all rows or none."""
        round_ = self.get_object(request, object_id)
        if round_ is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        if request.method == "POST":
            form = ScoreSheetForm(request.POST, request.FILES, round_=round_)
        else:
            form = ScoreSheetForm(round_=round_)
        problems = []
        if form.is_valid():
            sheet = form.cleaned_data["sheet"]
            try:
                report = scores_import(
                    round=round_,
                    by=request.user,
                    rows=read_score_sheet(sheet),
                    source_name=sheet.name,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except ScoreSheetInvalid as invalid:
                problems = invalid.problems
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                done = _(
                    "Imported %(rows)d rows from %(file)s. Scores added: %(created)d, changed: %(updated)d; "
                    "reviews completed: %(completed)d."
                )
                values = {
                    "rows": report.rows,
                    "file": sheet.name,
                    "created": report.scores_created,
                    "updated": report.scores_updated,
                    "completed": report.reviews_completed,
                }
                self.message_user(request, done % values, messages.SUCCESS)
                if report.results_marked_stale:
                    stale = _("The round's results are now out of date: compute them again before publishing them.")
                    self.message_user(request, stale, messages.WARNING)
                return HttpResponseRedirect(reverse("admin:matching_evaluationround_change", args=[round_.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import scores from a sheet"),
            "subtitle": str(round_),
            "opts": self.opts,
            "original": round_,
            "form": form,
            "problems": problems,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/matching/evaluationround/import_scores.html", context)

    def score_sheet_template_view(self, request, object_id, file_format):
        """The round's pre-filled score sheet (CSV or XLSX) for an offline panel; the same right as importing."""
        if file_format not in ("csv", "xlsx"):
            raise Http404
        round_ = self.get_object(request, object_id)
        if round_ is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, round_):
            raise PermissionDenied
        return file_response(
            score_sheet_template(round=round_),
            file_format=file_format,
            stem=f"score-sheet-{round_.program.slug}-round{round_.order}",
            title=gettext("score sheet"),
        )


class RoundPartAdmin(ModelAdmin):
    """Criteria, bonus rules and carry-over weights: editable while their round is in set-up."""

    list_filter = ("round__program", ("round", RoundFilter))
    related_select = {"round": ("program",), "source_round": ("program",)}

    def has_change_permission(self, request, obj=None):
        in_setup = obj is None or obj.round.status == EvaluationRound.Status.SETUP
        return in_setup and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        in_setup = obj is None or obj.round.status == EvaluationRound.Status.SETUP
        return in_setup and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "round":
            kwargs["queryset"] = EvaluationRound.objects.select_related("program").filter(
                status=EvaluationRound.Status.SETUP
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Criterion)
class CriterionAdmin(RoundPartAdmin):
    list_display = ("code", "label_ko", "round", "weight", "max_score", "fail_threshold", "order")
    search_fields = ("code", "label_ko", "label_en")
    list_select_related = ("round__program",)


@admin.register(BonusRule)
class BonusRuleAdmin(RoundPartAdmin):
    list_display = ("flag", "points", "evidence_required", "evidence_label_ko", "round")
    list_filter = ("round__program", ("round", RoundFilter), "flag", "evidence_required")
    search_fields = ("round__name_ko", "round__name_en", "round__program__name_ko")
    list_select_related = ("round__program",)


@admin.register(CarryOverWeight)
class CarryOverWeightAdmin(ReadOnlyModelAdmin):
    """View only: a round's weights are checked as a whole (they add up to 1), so they are edited
    together on the round's page; one row changed here would always break or bypass the rule."""

    list_display = ("round", "source_round", "weight")
    list_filter = ("round__program", ("round", RoundFilter))
    search_fields = ("round__name_ko", "round__name_en", "round__program__name_ko")
    list_select_related = ("round__program", "source_round__program")


# --- evaluators and their work --------------------------------------------------------------------


@admin.register(Evaluator)
class EvaluatorAdmin(ModelAdmin):
    change_list_template = "admin/matching/evaluator/change_list.html"
    list_display = (
        "email",
        "name",
        "organisation",
        "partner",
        "expertise_list",
        "assignment_count",
        "progress",
        "invited_at",
        "is_active",
    )
    actions = ("send_invitation_again",)
    list_filter = ("is_active", "partner", "expertise", "rounds__program")
    search_fields = ("user__email", "user__name", "organisation")
    autocomplete_fields = ("user", "expertise")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            # str() names the user, here and in autocomplete results (this replaces list_select_related).
            .select_related("user", "partner")
            .prefetch_related("expertise")
            .annotate(
                assignment_count=count_of(Assignment.objects.all(), "evaluator"),
                submitted_count=count_of(Assignment.objects.filter(status=Assignment.Status.SUBMITTED), "evaluator"),
                recused_count=count_of(Assignment.objects.filter(status=Assignment.Status.RECUSED), "evaluator"),
            )
        )

    @admin.display(description=_("reviews submitted"))
    def progress(self, evaluator: Evaluator) -> str:
        active = evaluator.assignment_count - evaluator.recused_count
        return f"{evaluator.submitted_count} / {active}"

    def get_urls(self):
        return [
            path("invite/", self.admin_site.admin_view(self.invite_view), name="matching_evaluator_invite"),
            *super().get_urls(),
        ]

    def _invited(self, request, invitation) -> None:
        link = request.build_absolute_uri(invitation.accept_path)
        self.message_user(
            request,
            format_html(
                _("Invitation queued for {email}. Its link, if you need to pass it on yourself: {link}"),
                email=invitation.evaluator.user.email,
                link=link,
            ),
            messages.SUCCESS,
        )

    def invite_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation = evaluator_invite(**form.cleaned_data, by=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self._invited(request, invitation)
                return HttpResponseRedirect(reverse("admin:matching_evaluator_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite an evaluator"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/matching/evaluator/invite.html", context)

    @admin.action(description=_("Send the invitation again"), permissions=["change"])
    def send_invitation_again(self, request, queryset):
        for evaluator in queryset.select_related("user", "partner"):
            invitation = evaluator_invite(
                email=evaluator.user.email,
                name=evaluator.user.name,
                organisation=evaluator.organisation,
                partner=evaluator.partner,
                by=request.user,
            )
            self._invited(request, invitation)

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def email(self, evaluator: Evaluator) -> str:
        return evaluator.user.email

    @admin.display(description=_("name"), ordering="user__name")
    def name(self, evaluator: Evaluator) -> str:
        return evaluator.user.name

    @admin.display(description=_("expertise"))
    def expertise_list(self, evaluator: Evaluator) -> str:
        return ", ".join(str(sector) for sector in evaluator.expertise.all())

    @admin.display(description=_("assignments"), ordering="assignment_count")
    def assignment_count(self, evaluator: Evaluator):
        return changelist_link(Assignment, evaluator.assignment_count, evaluator__id__exact=evaluator.pk)


@admin.register(Conflict)
class ConflictAdmin(BrnSearchMixin, ModelAdmin):
    list_display = ("evaluator", "startup", "source", "short_reason", "recorded_by", "created_at")
    list_filter = ("source",)
    search_fields = (
        "evaluator__user__email",
        "evaluator__user__name",
        "startup__name_ko",
        "startup__name_en",
        "startup__brn",
    )
    autocomplete_fields = ("evaluator", "startup")
    list_select_related = ("evaluator__user", "startup", "recorded_by")
    readonly_fields = ("recorded_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("reason"))
    def short_reason(self, conflict: Conflict) -> str:
        return Truncator(conflict.reason).chars(60)


WORK_SEARCH = (
    "application__receipt_number",
    "application__startup__name_ko",
    "application__startup__name_en",
    "evaluator__user__email",
    "evaluator__user__name",
)


ASSIGNMENT_REMOVE = ServiceAction(
    service=assignment_service.assignment_remove,
    target="assignment",
    description=_("Remove (pending assignments without a review)"),
    done=_("Removed: %(objects)s"),
)


@admin.register(Assignment)
class AssignmentAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    """Assignments are made by the assignment job or by hand here (through the same rules), and
    change state through the evaluator's pages."""

    list_display = ("application", "evaluator", "round", "status", "assigned_at", "updated_at")
    list_filter = ("round__program", ("round", RoundFilter), "status")
    search_fields = WORK_SEARCH
    list_select_related = ("application__startup", "evaluator__user", "round__program")
    autocomplete_fields = ("application", "evaluator")
    actions = (
        service_action(ASSIGNMENT_REMOVE),
        *export_actions(
            reviews_table,
            stem="reviews",
            title=lambda: gettext("reviews"),
            csv_description=_("Export reviews as CSV"),
            xlsx_description=_("Export reviews as XLSX"),
        ),
    )

    def has_add_permission(self, request):
        return request.user.has_perm("matching.add_assignment")

    def has_change_permission(self, request, obj=None):
        # Only so that the removal action is offered; the change form stays read-only.
        return obj is None and request.user.has_perm("matching.change_assignment")

    def get_fields(self, request, obj=None):
        return ("round", "application", "evaluator") if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else super().get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form

        class AddForm(form):
            def clean(self):
                data = super().clean()
                if not self.errors:
                    try:  # the service decides: pool, round, conflicts, duplicates
                        self.instance = assignment_service.assignment_add(
                            round=data["round"],
                            application=data["application"],
                            evaluator=data["evaluator"],
                            by=request.user,
                        )
                    except DomainError as refused:
                        raise forms.ValidationError(refused.message, code=refused.code) from None
                return data

        return AddForm

    def save_model(self, request, obj, form, change):
        if change or obj.pk is None:  # added by the service in the form's clean()
            super().save_model(request, obj, form, change)


class ScoreInline(ReadOnlyTabularInline):
    model = Score
    fields = ("criterion", "value", "max_score")
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("criterion")


class SubmittedFilter(admin.SimpleListFilter):
    title = _("submitted")
    parameter_name = "submitted"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(submitted_at__isnull=self.value() == "no")
        return queryset


class ReviewApplicationFilter(admin.SimpleListFilter):
    """The reviews of one application (`?application=<id>`, linked from the results table); shown
    only while in use, since listing every application would be far too long."""

    title = _("application")
    parameter_name = "application"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and value.isdigit():
            return ((value, _("application #%(id)s") % {"id": value}),)
        return ()

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assignment__application_id=int(value))
        return queryset


@admin.register(Review)
class ReviewAdmin(ReadOnlyModelAdmin):
    """Reviews are written by evaluators on their own pages; scores lock when the round closes."""

    list_display = ("application", "evaluator", "round", "score_count", "submitted_at", "updated_at")
    list_filter = (
        "assignment__round__program",
        ("assignment__round", RoundFilter),
        SubmittedFilter,
        ReviewApplicationFilter,
    )
    search_fields = tuple(f"assignment__{field}" for field in WORK_SEARCH)
    list_select_related = (
        "assignment__application__startup",
        "assignment__evaluator__user",
        "assignment__round__program",
    )
    inlines = (ScoreInline,)
    actions = export_actions(
        lambda reviews: reviews_table(Assignment.objects.filter(review__in=reviews.values("pk"))),
        stem="reviews",
        title=lambda: gettext("reviews"),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(score_count=count_of(Score.objects.all(), "review"))

    @admin.display(description=_("application"), ordering="assignment__application__receipt_number")
    def application(self, review: Review):
        return review.assignment.application

    @admin.display(description=_("evaluator"), ordering="assignment__evaluator__user__email")
    def evaluator(self, review: Review):
        return review.assignment.evaluator

    @admin.display(description=_("round"))
    def round(self, review: Review):
        return review.assignment.round

    @admin.display(description=_("scores"), ordering="score_count")
    def score_count(self, review: Review) -> int:
        return review.score_count


@admin.register(Score)
class ScoreAdmin(ReadOnlyModelAdmin):
    list_display = ("review", "criterion", "value", "max_score", "round")
    list_filter = ("round__program", ("round", RoundFilter))
    search_fields = (*(f"review__assignment__{field}" for field in WORK_SEARCH), "criterion__code")
    list_select_related = (
        "review__assignment__application__startup",
        "review__assignment__evaluator__user",
        "criterion",
        "round__program",
    )


import matching.admin_appeals  # noqa: E402, F401 — appeals (이의신청): the queue, decisions with an answer, next steps
import matching.admin_evidence  # noqa: E402, F401 — documents for bonus points, verified or rejected
import matching.admin_meetings  # noqa: E402, F401 — Matching Day and pitch sessions: events, meetings, moves
import matching.admin_practice  # noqa: E402, F401 — exclusion requests, the round pledge (inline), acceptances and declarations
import matching.admin_rankings  # noqa: E402, F401 — partners' rankings, read-only with their entries
import matching.admin_results  # noqa: E402, F401 — round results and the final selection
import matching.admin_seats  # noqa: E402, F401 — seats accepted or declined, agreement requirements and files
from matching import admin_matching  # noqa: E402, F401 — matching runs, pins and conflicts; adds 'run matching' to programs
