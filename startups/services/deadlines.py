"""Per-applicant deadlines (PersonalDeadline): staff extend one application's deadline (a documented
outage, an accessibility need) or ask for a correction (보완 요청), which reopens a submitted
application for its applicant only. The newest one not revoked and not yet past is in force; while
it is, the application may be edited and submitted although the program has closed
(`startups.services.applications.ensure_editable` asks `personal_deadline_in_force`).

Decision: a correction is asked only of a submitted (or ineligible) application — once the
application is in review, evaluators score the submitted version and it no longer changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from notifications.models import Notification
from notifications.services import notify_many
from startups.models import Application, PersonalDeadline
from startups.selectors import active_members_by_startup

A = Application.Status
PD = PersonalDeadline
EXTENDABLE = {A.DRAFT, A.SUBMITTED, A.INELIGIBLE}
CORRECTABLE = {A.SUBMITTED, A.INELIGIBLE}


def personal_deadlines_in_force(at: dt.datetime | None = None) -> QuerySet[PersonalDeadline]:
    """Personal deadlines in force at `at` (default: now, by the database clock): not revoked, not yet
    past; the newest first — of an application's, the first is the one it goes by."""
    return PD.objects.filter(revoked_at__isnull=True, until__gt=Now() if at is None else at).order_by(
        "-created_at", "-pk"
    )


def personal_deadline_in_force(application: Application) -> PersonalDeadline | None:
    """The personal deadline in force for the application (the newest), or None."""
    return personal_deadlines_in_force().filter(application_id=application.pk).first()


@dataclass(frozen=True)
class ApplicationDeadline:
    """The personal deadline in force (or None) and until when the application may be edited and
    submitted: the program's deadline, or a later personal one (`own`)."""

    personal: PersonalDeadline | None
    until: dt.datetime
    own: bool


def application_deadline(application: Application) -> ApplicationDeadline:
    """`ensure_editable` lets an application through while its program's window is open, and after it
    while a personal deadline is in force: the later of the two is the application's deadline."""
    personal = personal_deadline_in_force(application)
    closes_at = application.program.closes_at
    if personal is not None and personal.until > closes_at:
        return ApplicationDeadline(personal=personal, until=personal.until, own=True)
    return ApplicationDeadline(personal=personal, until=closes_at, own=False)


def effective_deadline(application: Application) -> dt.datetime:
    """Until when the application may be edited and submitted (see `application_deadline`)."""
    return application_deadline(application).until


def _ensure_staff(by: User) -> None:
    if not by.is_staff:
        raise DomainError(_("Only the program's staff can do this."), code="staff_only")


def _ensure_future(until: dt.datetime) -> None:
    if until is None or timezone.is_naive(until) or until <= timezone.now():
        raise DomainError(_("The new deadline must be in the future."), code="deadline_in_past")


# What each kind of personal deadline is granted to, and how it is audited and told.
GRANTS = {
    PD.Kind.EXTENSION: (EXTENDABLE, "deadline_extended", Notification.Event.DEADLINE_EXTENDED),
    PD.Kind.CORRECTION: (CORRECTABLE, "correction_requested", Notification.Event.CORRECTION_REQUESTED),
}


@transaction.atomic
def _grant(*, application: Application, kind: str, until: dt.datetime, reason: str, by: User) -> PersonalDeadline:
    allowed, verb, event = GRANTS[kind]
    _ensure_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason: the applicant reads it."), code="reason_required")
    _ensure_future(until)
    application = Application.objects.select_for_update(of=("self",)).select_related("program").get(pk=application.pk)
    if application.status not in allowed:
        raise DomainError(
            _("This application is %(status)s: its deadline cannot be changed.")
            % {"status": application.get_status_display()},
            code="not_editable",
        )
    personal = PD.objects.create(application=application, kind=kind, until=until, reason=reason, created_by=by)
    audit_record(
        actor=by,
        obj=application,
        verb=verb,
        reason=reason,
        data={"personal_deadline": personal.pk, "until": until.isoformat()},
    )
    members = active_members_by_startup({application.startup_id}).get(application.startup_id, [])
    notify_many(
        event=event,
        recipients=[user for user in members if user.is_active],
        obj=application,
        context={"personal_deadline_id": personal.pk},
        scope=f"personal-deadline-{personal.pk}",
        program=application.program,
    )
    return personal


def deadline_extend(*, application: Application, until: dt.datetime, reason: str, by: User) -> PersonalDeadline:
    """Staff let a draft or submitted application be edited and submitted until `until`, although the
    program closed. The startup's members are told (DEADLINE_EXTENDED)."""
    return _grant(application=application, kind=PD.Kind.EXTENSION, until=until, reason=reason, by=by)


def correction_request(*, application: Application, until: dt.datetime, message: str, by: User) -> PersonalDeadline:
    """보완 요청: a submitted application reopens for its applicant only until `until`, with the staff
    message shown on its pages. The resubmission is a new Submission version (history kept) and sets
    `resubmitted_at`. The startup's members are told (CORRECTION_REQUESTED)."""
    return _grant(application=application, kind=PD.Kind.CORRECTION, until=until, reason=message, by=by)


@transaction.atomic
def personal_deadline_revoke(*, personal_deadline: PersonalDeadline, by: User, reason: str = "") -> PersonalDeadline:
    """Staff withdraw a personal deadline: the program's deadline applies again at once."""
    _ensure_staff(by)
    personal = PD.objects.select_for_update().get(pk=personal_deadline.pk)
    if personal.revoked_at is not None:
        raise DomainError(_("This personal deadline was already revoked."), code="already_revoked")
    personal.revoked_at = timezone.now()
    personal.save(update_fields=["revoked_at"])
    audit_record(
        actor=by,
        obj=personal.application,
        verb="personal_deadline_revoked",
        reason=reason.strip(),
        data={"personal_deadline": personal.pk, "kind": personal.kind},
    )
    return personal


def personal_deadline_resubmitted(*, application: Application, at: dt.datetime) -> int:
    """Called by `application_submit`: a submission while a correction is in force answers it."""
    return (
        personal_deadlines_in_force()
        .filter(application_id=application.pk, kind=PD.Kind.CORRECTION, resubmitted_at__isnull=True)
        .update(resubmitted_at=at)
    )


def personal_deadline_counts(*, program=None) -> dict[str, int]:
    """For the dashboard: applications with a personal deadline in force, and corrections awaiting
    resubmission (of one program, or of all). One query."""
    current = personal_deadlines_in_force()
    if program is not None:
        current = current.filter(application__program=program)
    awaiting = Q(kind=PD.Kind.CORRECTION, resubmitted_at__isnull=True)
    return current.aggregate(
        personal_deadlines=Count("application_id", distinct=True),
        corrections_awaiting=Count("application_id", distinct=True, filter=awaiting),
    )
