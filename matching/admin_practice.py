"""Evaluation practice in the admin: exclusion requests (기피 신청) decided with an answer, the
round's pledge (청렴·비밀유지 서약) as versioned inline texts, and the pledge acceptances and
no-conflict declarations, listed and exported. Thin: the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, TabularInline, service_action
from matching.exports import file_response
from matching.models import Assignment, EvaluationRound, ExclusionRequest, PledgeAcceptance, RoundPledge
from matching.services.exclusions import exclusion_decide
from matching.services.pledges import DEFAULT_PLEDGE_EN, DEFAULT_PLEDGE_KO, pledge_create, pledge_editable


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


# --- exclusion requests --------------------------------------------------------------------------


def exclusion_accept(*, request: ExclusionRequest, by: Any, reason: str) -> ExclusionRequest:
    """Accept with the answer written on the confirmation page."""
    return exclusion_decide(request=request, by=by, accept=True, answer=reason)


def exclusion_refuse(*, request: ExclusionRequest, by: Any, reason: str) -> ExclusionRequest:
    """Refuse with the answer written on the confirmation page."""
    return exclusion_decide(request=request, by=by, accept=False, answer=reason)


def _accept_consequences(requests: list[ExclusionRequest]) -> dict[int, list[str]]:
    return {
        r.pk: [
            gettext(
                "Every evaluator of this organisation (or the person named) gets a conflict of interest with the "
                "startup; their assignments to it in rounds not yet scoring are removed. The applicant receives "
                "your answer."
            )
        ]
        for r in requests
    }


def _refuse_consequences(requests: list[ExclusionRequest]) -> dict[int, list[str]]:
    return {r.pk: [gettext("No conflict is recorded. The applicant receives your answer.")] for r in requests}


EXCLUSION_ACCEPT = ServiceAction(
    service=exclusion_accept,
    target="request",
    description=_("Accept the exclusion request"),
    done=_("Accepted: %(objects)s"),
    needs_reason=True,
    consequences=_accept_consequences,
)
EXCLUSION_REFUSE = ServiceAction(
    service=exclusion_refuse,
    target="request",
    description=_("Refuse the exclusion request"),
    done=_("Refused: %(objects)s"),
    needs_reason=True,
    consequences=_refuse_consequences,
)


@admin.register(ExclusionRequest)
class ExclusionRequestAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    """Requests are filed by applicants; staff only decide (the answer is the confirmation's reason)."""

    list_display = ("application", "subject", "status", "requested_at", "decided_at")
    list_filter = ("status", "application__program")
    search_fields = ("organisation", "application__receipt_number", "application__startup__name_ko")
    list_select_related = ("application__startup", "application__program", "evaluator__user")
    readonly_fields = (
        "application",
        "organisation",
        "evaluator",
        "reason",
        "status",
        "requested_by",
        "requested_at",
        "answer",
        "decided_by",
        "decided_at",
    )
    actions = (service_action(EXCLUSION_ACCEPT), service_action(EXCLUSION_REFUSE))

    def has_change_permission(self, request, obj=None):  # the actions run only for staff who may change
        return request.user.is_staff and obj is None

    @admin.display(description=_("excluded"))
    def subject(self, obj: ExclusionRequest) -> str:
        return obj.organisation or str(obj.evaluator)


# --- pledges -------------------------------------------------------------------------------------


class RoundPledgeFormSet(forms.BaseInlineFormSet):
    """A text someone accepted is never edited nor deleted: a change is written as a new version."""

    def clean(self):
        super().clean()
        for form in self.forms:
            pledge = form.instance
            if pledge.pk is None or pledge_editable(pledge):
                continue
            if form.cleaned_data.get("DELETE") or form.has_changed():
                raise forms.ValidationError(
                    gettext(
                        "Version %(version)d has been accepted by evaluators and cannot be changed; "
                        "add the new text as a new version."
                    )
                    % {"version": pledge.version},
                    code="pledge_accepted",
                )

    def save_new(self, form, commit=True):
        """A new text goes through the service: the next version, under the round's lock, audited."""
        if not commit:
            return super().save_new(form, commit=False)
        return pledge_create(
            round=self.instance,
            text_ko=form.cleaned_data["text_ko"],
            text_en=form.cleaned_data.get("text_en", ""),
            by=getattr(self, "_user", None),
        )


class RoundPledgeInline(TabularInline):
    model = RoundPledge
    formset = RoundPledgeFormSet
    fields = ("version", "text_ko", "text_en", "created_at")
    readonly_fields = ("version", "created_at")
    extra = 0
    verbose_name = _("pledge (a new text is a new version)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Offered when staff add one: a sensible 청렴·비밀유지 서약 to start from.
        formset.form.base_fields["text_ko"].initial = DEFAULT_PLEDGE_KO
        formset.form.base_fields["text_en"].initial = DEFAULT_PLEDGE_EN
        user = request.user

        class WithUser(formset):
            _user = user

        return WithUser


_round_admin = admin.site._registry[EvaluationRound]
_round_admin.inlines = (*_round_admin.inlines, RoundPledgeInline)


def _acceptance_rows(acceptances) -> tuple[list[str], Any]:
    header = [
        gettext("evaluator"),
        gettext("e-mail"),
        gettext("round"),
        gettext("version"),
        gettext("language read"),
        gettext("accepted"),
    ]
    rows = (
        [
            str(a.evaluator),
            a.evaluator.user.email,
            str(a.pledge.round),
            a.pledge.version,
            a.language,
            _local(a.accepted_at),
        ]
        for a in acceptances.select_related("evaluator__user", "pledge__round__program")
    )
    return header, rows


@admin.register(RoundPledge)
class RoundPledgeAdmin(ReadOnlyModelAdmin):
    """Every version of every round's pledge; a new text is written on the round's page (a new version)."""

    list_display = ("round", "version", "created_by", "created_at")
    list_filter = ("round__program",)
    search_fields = ("text_ko", "text_en")
    list_select_related = ("round__program", "created_by")


@admin.register(PledgeAcceptance)
class PledgeAcceptanceAdmin(ReadOnlyModelAdmin):
    list_display = ("evaluator", "round", "version", "language", "accepted_at")
    list_filter = ("pledge__round__program", "language")
    search_fields = ("evaluator__user__email", "evaluator__user__name")
    list_select_related = ("evaluator__user", "pledge__round__program")
    actions = ("export_csv",)

    @admin.display(description=_("round"), ordering="pledge__round")
    def round(self, obj: PledgeAcceptance):
        return obj.pledge.round

    @admin.display(description=_("version"), ordering="pledge__version")
    def version(self, obj: PledgeAcceptance) -> int:
        return obj.pledge.version

    @admin.action(description=_("Export as CSV"))
    def export_csv(self, request, queryset):
        return file_response(
            _acceptance_rows(queryset), file_format="csv", stem="pledge-acceptances", title=gettext("Pledges")
        )

    def get_urls(self):
        view = self.admin_site.admin_view(declarations_csv_view)
        return [path("declarations.csv", view, name="matching_declarations_csv"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"declarations_csv_url": reverse("admin:matching_declarations_csv")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})


def _declaration_rows(assignments) -> tuple[list[str], Any]:
    header = [
        gettext("evaluator"),
        gettext("e-mail"),
        gettext("round"),
        gettext("receipt number"),
        gettext("no conflict declared"),
    ]
    rows = (
        [
            str(a.evaluator),
            a.evaluator.user.email,
            str(a.round),
            a.application.receipt_number or "",
            _local(a.no_conflict_declared_at),
        ]
        for a in assignments.select_related("evaluator__user", "round__program", "application")
    )
    return header, rows


def declarations_csv_view(request):
    """Every no-conflict declaration (of one round with ?round=<id>), as CSV."""
    if not request.user.is_staff:
        raise PermissionDenied
    assignments = Assignment.objects.filter(no_conflict_declared_at__isnull=False).order_by(
        "round", "evaluator", "no_conflict_declared_at"
    )
    if request.GET.get("round", "").isdigit():
        assignments = assignments.filter(round_id=int(request.GET["round"]))
    return file_response(
        _declaration_rows(assignments),
        file_format="csv",
        stem="no-conflict-declarations",
        title=gettext("Declarations"),
    )
