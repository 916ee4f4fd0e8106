"""Appeals (이의신청) in the admin: the queue by round and status, the decision (upheld / dismissed)
with the written answer on a confirmation page, and after an upheld decision the way to act on it:
let the application advance after all (`appeal_reinstate`; appeals are filed against published
results, which the override and recomputation no longer change).
Thin: `matching.services.appeals` decides."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, service_action
from matching.admin import RoundFilter
from matching.models import Appeal
from matching.services.appeals import appeal_decide, appeal_reinstate


def appeal_uphold(*, appeal: Appeal, by: Any, reason: str) -> Appeal:
    """Uphold, with the answer written on the confirmation page."""
    return appeal_decide(appeal=appeal, by=by, upheld=True, answer=reason)


def appeal_dismiss(*, appeal: Appeal, by: Any, reason: str) -> Appeal:
    """Dismiss, with the answer written on the confirmation page."""
    return appeal_decide(appeal=appeal, by=by, upheld=False, answer=reason)


def _uphold_consequences(appeals: list[Appeal]) -> dict[int, list[str]]:
    text = gettext(
        "The appeal is upheld and the startup's members receive your answer (write it as the answer they will "
        "read). Nothing else changes by itself: afterwards, let the application advance with the action “Let "
        "the application advance after the appeal”. The decision cannot be changed."
    )
    return {a.pk: [text] for a in appeals}


def _dismiss_consequences(appeals: list[Appeal]) -> dict[int, list[str]]:
    text = gettext(
        "The appeal is dismissed and the startup's members receive your answer (write it as the answer they "
        "will read). The decision cannot be changed."
    )
    return {a.pk: [text] for a in appeals}


def _reinstate_consequences(appeals: list[Appeal]) -> dict[int, list[str]]:
    return {
        a.pk: [
            gettext(
                "%(application)s advances from %(round)s after all: its result there is overridden, naming the "
                "appeal, and in a round before the last the application takes part in the next round (assign "
                "its evaluators if that round is already scoring). The startup's members are told it advances."
            )
            % {"application": a.application, "round": a.round}
        ]
        for a in appeals
    }


APPEAL_REINSTATE = ServiceAction(
    service=appeal_reinstate,
    target="appeal",
    description=_("Let the application advance after the appeal"),
    done=_("Advances after the appeal: %(objects)s"),
    needs_reason=True,
    consequences=_reinstate_consequences,
)
APPEAL_UPHOLD = ServiceAction(
    service=appeal_uphold,
    target="appeal",
    description=_("Uphold the appeal (인용)"),
    done=_("Upheld: %(objects)s"),
    needs_reason=True,
    consequences=_uphold_consequences,
)
APPEAL_DISMISS = ServiceAction(
    service=appeal_dismiss,
    target="appeal",
    description=_("Dismiss the appeal (기각)"),
    done=_("Dismissed: %(objects)s"),
    needs_reason=True,
    consequences=_dismiss_consequences,
)


@admin.register(Appeal)
class AppealAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    """Appeals are filed by applicants; staff decide them here (the answer is the confirmation's reason)."""

    list_display = ("application", "round", "status_shown", "filed_at", "decided_at")
    list_filter = ("status", "round__program", ("round", RoundFilter))
    search_fields = ("application__receipt_number", "application__startup__name_ko", "application__startup__name_en")
    list_select_related = ("application__startup", "round__program")
    readonly_fields = (
        "round",
        "application",
        "filed_by",
        "filed_at",
        "reason",
        "supporting_file",
        "status",
        "answer",
        "decided_by",
        "decided_at",
        "next_steps",
    )
    fields = readonly_fields
    actions = (service_action(APPEAL_UPHOLD), service_action(APPEAL_DISMISS), service_action(APPEAL_REINSTATE))

    def has_change_permission(self, request, obj=None):  # the actions run only for staff who may change
        return request.user.is_staff and obj is None

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, obj: Appeal) -> str:
        if obj.status == Appeal.Status.FILED:
            return format_html("<strong>{}</strong>", obj.get_status_display())  # open ones stand out
        return obj.get_status_display()

    @admin.display(description=_("supporting file"))
    def supporting_file(self, obj: Appeal) -> str:
        if not obj.file:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("applications:appeal_download", args=[obj.pk]), obj.file_name)

    @admin.display(description=_("next steps"))
    def next_steps(self, obj: Appeal) -> str:
        if obj.status == Appeal.Status.FILED:
            return gettext("Select the appeal in the list and choose “Uphold” or “Dismiss”; the answer is required.")
        if obj.status != Appeal.Status.UPHELD:
            return "–"
        return gettext(
            "Select the appeal in the list and choose “Let the application advance after the appeal”: its result is "
            "overridden and it takes part in the next round (or in the final selection, if not yet final)."
        )
