"""Per-applicant deadlines and members in the admin: thin, through the services.

Applications get two actions, "Extend the deadline" and "Request a correction (보완 요청)": both lead
to a confirmation page with the selected applications, what will happen, and a form (until, reason)
whose post calls `deadline_extend` / `correction_request` for each. Personal deadlines are listed and
revoked (with a reason) here; startup members are removed or made owner through `member_remove` /
`member_make_owner`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ModelAdmin, ServiceAction, ServiceActionsMixin, admin_change_url, service_action
from core.errors import DomainError
from startups.models import Application, PersonalDeadline
from startups.services.deadlines import (
    CORRECTABLE,
    EXTENDABLE,
    correction_request,
    deadline_extend,
    personal_deadline_revoke,
)
from startups.services.members import member_make_owner, member_remove

KINDS = {
    PersonalDeadline.Kind.EXTENSION: {
        "title": _("Extend the deadline"),
        "allowed": EXTENDABLE,
        "explain": _(
            "Each application below may be edited and submitted until the new deadline although the program has "
            "closed; other applicants are not affected. Its members are told by e-mail with your reason."
        ),
    },
    PersonalDeadline.Kind.CORRECTION: {
        "title": _("Request a correction (보완 요청)"),
        "allowed": CORRECTABLE,
        "explain": _(
            "Each submitted application below reopens for its applicant only until the deadline, with your message "
            "shown on its pages and sent by e-mail. The resubmission becomes a new version; earlier versions are kept. "
            "Applications already in review cannot be reopened."
        ),
    },
}


class GrantForm(forms.Form):
    until = forms.SplitDateTimeField(label=_("new deadline"), widget=AdminSplitDateTime)
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("The applicant reads it: for a correction, say what to correct."),
    )


def _grant_action(kind: str):
    def action(modeladmin, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:100])
        url = reverse("admin:startups_personaldeadline_grant", args=[kind])
        return HttpResponseRedirect(f"{url}?{urlencode({'ids': ids})}")

    action.__name__ = f"personal_deadline_{kind}"
    return admin.action(description=KINDS[kind]["title"], permissions=["change"])(action)


extend_deadline_action = _grant_action(PersonalDeadline.Kind.EXTENSION)
request_correction_action = _grant_action(PersonalDeadline.Kind.CORRECTION)


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

    def get_urls(self):
        return [
            path(
                "grant/<slug:kind>/",
                self.admin_site.admin_view(self.grant_view),
                name="startups_personaldeadline_grant",
            ),
            *super().get_urls(),
        ]

    def grant_view(self, request, kind: str):
        if kind not in KINDS:
            raise PermissionDenied
        if not request.user.has_perm("startups.change_application"):
            raise PermissionDenied
        spec = KINDS[kind]
        ids = [part for part in request.GET.get("ids", "").split(",") if part.strip().isdigit()]
        applications = list(Application.objects.filter(pk__in=ids).select_related("startup", "program"))
        back = reverse("admin:startups_application_changelist")
        if not applications:
            self.message_user(request, gettext("None of the selected items exist any more."), messages.WARNING)
            return HttpResponseRedirect(back)
        form = GrantForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            until, reason = form.cleaned_data["until"], form.cleaned_data["reason"]
            done = []
            for application in applications:
                try:
                    if kind == PersonalDeadline.Kind.EXTENSION:
                        deadline_extend(application=application, until=until, reason=reason, by=request.user)
                    else:
                        correction_request(application=application, until=until, message=reason, by=request.user)
                except DomainError as error:
                    self.message_user(
                        request,
                        gettext("%(object)s: %(error)s") % {"object": application, "error": error.message},
                        messages.ERROR,
                    )
                else:
                    done.append(str(application))
            if done:
                self.message_user(
                    request, gettext("Done: %(objects)s") % {"objects": ", ".join(done)}, messages.SUCCESS
                )
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": spec["title"],
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "explain": spec["explain"],
            "selected": [
                (a, admin_change_url(a), a.get_status_display(), a.status in spec["allowed"]) for a in applications
            ],
            "changelist_url": back,
        }
        return TemplateResponse(request, "admin/startups/personaldeadline/grant.html", context)


def personal_deadline_display(application: Application) -> str:
    """The application admin's line for the personal deadline in force (or a dash)."""
    from django.utils.formats import date_format
    from django.utils.html import format_html
    from django.utils.timezone import localtime

    from startups.services.deadlines import personal_deadline_in_force

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
