"""Acceptance of a seat and the agreement (협약) in the admin: the selection list shows each seat's
answer, deadline and agreement state, and staff record an answer given another way or extend a
deadline (confirmation pages with the consequences and a reason); the program's agreement
requirements are an inline on the program; agreement files are reviewed in their own list, filtered
by status (approve, or return with a comment). Thin: the services in matching/services/acceptance.py
decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, TabularInline, service_action
from core.i18n import format_datetime
from matching.admin import FileTypesField
from matching.admin_results import SelectionEntryAdmin, application_label
from matching.models import AgreementDocument, AgreementRequirement, Program, SelectionEntry
from matching.services.acceptance import (
    acceptance_extend,
    agreement_document_approve,
    agreement_document_return,
    extended_respond_by,
    selection_accept,
    selection_decline,
)


def _moment(moment) -> str:
    return format_datetime(moment) if moment else "–"


# --- seats ---------------------------------------------------------------------------------------


def seat_accept_for_startup(*, entry: SelectionEntry, by: Any, reason: str) -> SelectionEntry:
    """Record that the startup accepted (told by phone or letter); the reason says how."""
    return selection_accept(entry=entry, by=by, reason=reason)


def seat_decline_for_startup(*, entry: SelectionEntry, by: Any, reason: str) -> SelectionEntry:
    """Record that the startup declined; the seat goes to the first reserve."""
    return selection_decline(entry=entry, by=by, reason=reason)


def seat_extend_deadline(*, entry: SelectionEntry, by: Any, reason: str) -> SelectionEntry:
    """Give the startup the program's number of days to answer again, counted from its current deadline."""
    return acceptance_extend(entry=entry, by=by, respond_by=extended_respond_by(entry), reason=reason)


def _accept_consequences(entries: list[SelectionEntry]) -> dict[int, list[str]]:
    return {
        e.pk: [gettext("The seat is accepted on the startup's behalf; its members are told; the agreement starts.")]
        for e in entries
    }


def _decline_consequences(entries: list[SelectionEntry]) -> dict[int, list[str]]:
    return {
        e.pk: [
            gettext(
                "The application is withdrawn and the first reserve takes the seat (and is asked to accept). "
                "This cannot be undone."
            )
        ]
        for e in entries
    }


def _extend_consequences(entries: list[SelectionEntry]) -> dict[int, list[str]]:
    return {
        e.pk: [
            gettext("The deadline moves from %(before)s to %(after)s.")
            % {"before": _moment(e.respond_by), "after": _moment(extended_respond_by(e))}
        ]
        for e in entries
    }


SEAT_ACCEPT = ServiceAction(
    service=seat_accept_for_startup,
    target="entry",
    description=_("Record an acceptance on the startup's behalf"),
    done=_("Accepted: %(objects)s"),
    needs_reason=True,
    consequences=_accept_consequences,
)
SEAT_DECLINE = ServiceAction(
    service=seat_decline_for_startup,
    target="entry",
    description=_("Record a decline on the startup's behalf"),
    done=_("Declined: %(objects)s"),
    needs_reason=True,
    consequences=_decline_consequences,
)
SEAT_EXTEND = ServiceAction(
    service=seat_extend_deadline,
    target="entry",
    description=_("Extend the deadline to answer"),
    done=_("Deadline extended: %(objects)s"),
    needs_reason=True,
    consequences=_extend_consequences,
)


class SeatSelectionEntryAdmin(ServiceActionsMixin, SelectionEntryAdmin):
    list_display = (*SelectionEntryAdmin.list_display[:-2], "promoted_at", "acceptance", "answer_by", "agreement")
    list_filter = (*SelectionEntryAdmin.list_filter, "acceptance", "agreement")
    actions = (
        *SelectionEntryAdmin.actions,
        service_action(SEAT_ACCEPT),
        service_action(SEAT_DECLINE),
        service_action(SEAT_EXTEND),
    )

    def has_change_permission(self, request, obj=None):  # the actions run only for staff who may change
        return request.user.is_staff and obj is None

    @admin.display(description=_("accept or decline by"), ordering="respond_by")
    def answer_by(self, entry: SelectionEntry) -> str:
        return _moment(entry.respond_by) if entry.acceptance == SelectionEntry.Acceptance.PENDING else "–"


admin.site.unregister(SelectionEntry)
admin.site.register(SelectionEntry, SeatSelectionEntryAdmin)


# --- agreement requirements (inline on the program) ----------------------------------------------


class AgreementRequirementForm(forms.ModelForm):
    file_types = FileTypesField(
        help_text=_("Checked by their content; none checked takes every accepted kind."),
    )

    class Meta:
        model = AgreementRequirement
        fields = ("order", "code", "label_ko", "label_en", "file_types", "help_ko", "help_en")


class AgreementRequirementInline(TabularInline):
    model = AgreementRequirement
    form = AgreementRequirementForm
    fields = ("order", "code", "label_ko", "label_en", "file_types", "help_ko", "help_en")
    verbose_name = _("agreement document")
    verbose_name_plural = _("agreement documents (asked after a seat is accepted)")


_program_admin = admin.site._registry[Program]
_program_admin.inlines = (*_program_admin.inlines, AgreementRequirementInline)


@admin.register(AgreementRequirement)
class AgreementRequirementAdmin(ReadOnlyModelAdmin):
    """Every program's agreement documents in one list; they are set on the program's page."""

    list_display = ("label_ko", "label_en", "program", "code", "order")
    list_filter = ("program",)
    search_fields = ("label_ko", "label_en", "code")
    list_select_related = ("program",)


# --- agreement files -----------------------------------------------------------------------------


def agreement_approve(*, document: AgreementDocument, by: Any, reason: str = "") -> AgreementDocument:
    return agreement_document_approve(document=document, by=by, comment=reason)


def agreement_return(*, document: AgreementDocument, by: Any, reason: str) -> AgreementDocument:
    """Return with the comment written on the confirmation page (the startup reads it)."""
    return agreement_document_return(document=document, by=by, comment=reason)


def _approve_consequences(documents: list[AgreementDocument]) -> dict[int, list[str]]:
    return {
        d.pk: [gettext("The file is approved; once every document is approved, so is the agreement.")]
        for d in documents
    }


def _return_consequences(documents: list[AgreementDocument]) -> dict[int, list[str]]:
    return {d.pk: [gettext("The startup reads your comment (the reason) and uploads a new file.")] for d in documents}


AGREEMENT_APPROVE = ServiceAction(
    service=agreement_approve,
    target="document",
    description=_("Approve the agreement file"),
    done=_("Approved: %(objects)s"),
    consequences=_approve_consequences,
)
AGREEMENT_RETURN = ServiceAction(
    service=agreement_return,
    target="document",
    description=_("Return the agreement file with a comment"),
    done=_("Returned: %(objects)s"),
    needs_reason=True,
    consequences=_return_consequences,
)


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    """Files are uploaded by the startups; staff approve or return them."""

    list_display = ("original_name", "applicant", "requirement", "status", "uploaded_at", "download", "comment")
    list_filter = ("status", "entry__program", "requirement")
    search_fields = ("original_name", "entry__application__receipt_number", "entry__application__startup__name_ko")
    list_select_related = ("entry__application__startup", "requirement")
    readonly_fields = (
        "entry",
        "requirement",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "status",
        "uploaded_by",
        "uploaded_at",
        "reviewed_by",
        "reviewed_at",
        "comment",
    )
    actions = (service_action(AGREEMENT_APPROVE), service_action(AGREEMENT_RETURN))

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff and obj is None

    @admin.display(description=_("application"))
    def applicant(self, document: AgreementDocument) -> str:
        return application_label(document.entry.application)

    @admin.display(description=_("file"))
    def download(self, document: AgreementDocument) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("applications:agreement_download", args=[document.pk]), gettext("Download")
        )
