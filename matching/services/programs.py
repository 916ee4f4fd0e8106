"""Program lifecycle: draft → open → closed → reviewing → finalised → archived."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record_many
from core.errors import DomainError
from core.lifecycle import transition
from matching.models import Program
from startups.models import Application

P = Program.Status


@transaction.atomic
def program_open(*, program: Program, by: User, reason: str = "") -> Program:
    """Open the call. A program needs at least one track, partner seats that add up to its quota and a
    published personal-data statement."""
    program = Program.objects.select_for_update().get(pk=program.pk)  # the checks hold until commit
    if not program.tracks.exists():
        raise DomainError(_("Add at least one track before opening the program."), code="program_without_tracks")
    seats = sum(program.partnerships.values_list("seats", flat=True))
    if seats and seats != program.quota:
        raise DomainError(
            _("The partners' seats (%(seats)s) must add up to the quota (%(quota)s).")
            % {"seats": seats, "quota": program.quota},
            code="seats_do_not_match_quota",
        )
    if not program.privacy_statements.filter(published_at__isnull=False).exists():
        raise DomainError(
            _("Publish the program's personal-data statement before opening it: applicants must agree to it."),
            code="program_without_privacy_statement",
        )
    return transition(program, to=P.OPEN, by=by, reason=reason)


def program_close(*, program: Program, by: User, reason: str = "") -> Program:
    """Stop taking applications (the deadline itself is enforced on every submission regardless)."""
    return transition(program, to=P.CLOSED, by=by, reason=reason)


def program_reopen(*, program: Program, by: User, reason: str) -> Program:
    if not reason.strip():
        raise DomainError(_("Say why the program is reopened."), code="reason_required")
    return transition(program, to=P.OPEN, by=by, reason=reason)


@transaction.atomic
def program_start_review(*, program: Program, by: User, reason: str = "") -> Program:
    """Begin evaluation: every submitted application moves to "in review", in one statement."""
    program = transition(program, to=P.REVIEWING, by=by, reason=reason)
    # The lock order of every service that moves applications: the program row (above), then them by pk.
    submitted = list(
        Application.objects.select_for_update(of=("self",))
        .select_related("startup")
        .filter(program=program, status=Application.Status.SUBMITTED)
        .order_by("pk")
    )
    Application.objects.filter(pk__in=[a.pk for a in submitted]).update(status=Application.Status.IN_REVIEW)
    audit_record_many(
        actor=by,
        objects=submitted,
        verb="status_changed",
        from_state=Application.Status.SUBMITTED,
        to_state=Application.Status.IN_REVIEW,
        reason=_("Program review started"),
    )
    return program


def program_archive(*, program: Program, by: User, reason: str = "") -> Program:
    return transition(program, to=P.ARCHIVED, by=by, reason=reason)
