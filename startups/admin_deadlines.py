"""Per-applicant deadlines and members in the admin: thin, through the services.

Applications get two actions, "Extend the deadline" and "Request a correction (보완 요청)": both are
service actions (core.admin) whose confirmation page lists the selected applications, says what will
happen, and asks for the new deadline with the reason; its post calls `deadline_extend` /
`correction_request` for each. Personal deadlines are listed and revoked (with a reason) here; startup
members are removed or made owner through `member_remove` / `member_make_owner`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.admin import (
    ConfirmForm,
    Consequences,
    ModelAdmin,
    ServiceAction,
    ServiceActionsMixin,
    admin_change_url,
    service_action,
)
from startups.models import Application, PersonalDeadline
from startups.services.deadlines import (
    CORRECTABLE,
    EXTENDABLE,
    correction_request,
    deadline_extend,
    personal_deadline_in_force,
    personal_deadline_revoke,
)
from startups.services.members import member_make_owner, member_remove


class GrantForm(ConfirmForm):
    """The reason (which the applicant reads) and the new deadline."""

    field_order = ("until", "reason")
    until = forms.SplitDateTimeField(label=_("new deadline"), widget=AdminSplitDateTime)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("The applicant reads it: for a correction, say what to correct.")


def _refused_unless(allowed: set) -> Consequences:
    refused = [_("refused in this status")]
    return lambda applications: {a.pk: refused for a in applications if a.status not in allowed}


def personal_deadline_extension(*, application: Application, until, reason: str, by) -> PersonalDeadline:
    return deadline_extend(application=application, until=until, reason=reason, by=by)


def personal_deadline_correction(*, application: Application, until, reason: str, by) -> PersonalDeadline:
    return correction_request(application=application, until=until, message=reason, by=by)


DEADLINE_EXTEND = ServiceAction(
    service=personal_deadline_extension,
    target="application",
    description=_("Extend the deadline"),
    done=_("Done: %(objects)s"),
    needs_reason=True,
    form=GrantForm,
    consequences=_refused_unless(EXTENDABLE),
    explain=_(
        "Each application below may be edited and submitted until the new deadline although the program has "
        "closed; other applicants are not affected. Its members are told by e-mail with your reason."
    ),
)
CORRECTION_REQUEST = ServiceAction(
    service=personal_deadline_correction,
    target="application",
    description=_("Request a correction (보완 요청)"),
    done=_("Done: %(objects)s"),
    needs_reason=True,
    form=GrantForm,
    consequences=_refused_unless(CORRECTABLE),
    explain=_(
        "Each submitted application below reopens for its applicant only until the deadline, with your message "
        "shown on its pages and sent by e-mail. The resubmission becomes a new version; earlier versions are kept. "
        "Applications already in review cannot be reopened."
    ),
)
extend_deadline_action = service_action(DEADLINE_EXTEND)
request_correction_action = service_action(CORRECTION_REQUEST)


PERSONAL_DEADLINE_REVOKE = ServiceAction(
    service=personal_deadline_revoke,
    target="personal_deadline",
    description=_("Revoke"),
    done=_("Revoked: %(objects)s"),
    needs_reason=True,
)
MEMBER_REMOVE = ServiceAction(
    service=member_remove,
    target="membership",
    description=_("Remove from the startup"),
    done=_("Removed: %(objects)s"),
    needs_reason=True,
)
MEMBER_MAKE_OWNER = ServiceAction(
    service=member_make_owner,
    target="membership",
    description=_("Make owner"),
    done=_("Now the owner: %(objects)s"),
    needs_reason=True,
)


@admin.register(PersonalDeadline)
class PersonalDeadlineAdmin(ServiceActionsMixin, ModelAdmin):
    list_display = ("application", "kind", "until", "created_by", "created_at", "revoked_at", "resubmitted_at")
    list_filter = ("kind", "application__program")
    search_fields = ("application__receipt_number", "application__startup__name_ko", "reason")
    list_select_related = ("application__startup", "application__program", "created_by")
    readonly_fields = (
        "application",
        "kind",
        "until",
        "reason",
        "created_by",
        "created_at",
        "revoked_at",
        "resubmitted_at",
    )
    actions = (service_action(PERSONAL_DEADLINE_REVOKE),)

    def has_add_permission(self, request):
        return False  # granted from the applications' actions, through the services

    def has_delete_permission(self, request, obj=None):
        return False


def personal_deadline_display(application: Application) -> str:
    """The application admin's line for the personal deadline in force (or a dash)."""
    if application.pk is None:
        return "-"
    personal = personal_deadline_in_force(application)
    if personal is None:
        return "-"
    return format_html(
        '<a href="{}">{}</a> · {} · {}',
        admin_change_url(personal),
        personal.get_kind_display(),
        date_format(localtime(personal.until), "DATETIME_FORMAT"),
        personal.reason,
    )
