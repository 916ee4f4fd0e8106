"""Staff-side application changes. The applicant's own actions (submit, withdraw) live here too
as they are built.

Every change of an application's status takes the program row lock first, then the application's
row, and re-checks the status under the lock (`transition`): the lock order of the selection
services (matching/services/selection.py), so none of them can undo another.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.lifecycle import transition
from matching.models import Program
from notifications.webhooks import webhooks_emit
from startups.models import Application

A = Application.Status


def _lock(application: Application) -> Application:
    """The program row, then the application's: returns the application as it is under its lock."""
    Program.objects.select_for_update().get(pk=application.program_id)
    return Application.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_mark_ineligible(*, application: Application, by: User, reason: str) -> Application:
    """Staff exclude an application; the reason is shown to staff and kept in the audit trail."""
    if not reason.strip():
        raise DomainError(_("Say why the application is ineligible."), code="reason_required")
    locked = _lock(application)
    reasons = [*locked.ineligible_reasons, reason.strip()]  # staff see every reason given
    excluded = transition(locked, to=A.INELIGIBLE, by=by, reason=reason, extra_fields={"ineligible_reasons": reasons})
    application.status, application.ineligible_reasons = excluded.status, excluded.ineligible_reasons
    return excluded


@transaction.atomic
def application_reinstate(*, application: Application, by: User, reason: str) -> Application:
    """Undo an exclusion made in error: the application counts as submitted again."""
    if not reason.strip():
        raise DomainError(_("Say why the application is reinstated."), code="reason_required")
    locked = _lock(application)
    if locked.first_submitted_at is None:
        raise DomainError(
            _("Only an application that was submitted at least once can be reinstated."), code="never_submitted"
        )
    reinstated = transition(locked, to=A.SUBMITTED, by=by, reason=reason, extra_fields={"ineligible_reasons": []})
    application.status, application.ineligible_reasons = reinstated.status, reinstated.ineligible_reasons
    return reinstated


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    """Withdraw an application; possible from every state until the selection is final.

    A selected application's place goes to the first reserve at once, in the same transaction
    (DESIGN.md rule 7); a withdrawn reserve leaves the reserve and those behind it move up.
    Whatever the status, the program is locked first, so a withdrawal and a publication or the
    final selection happen one after the other, never interleaved.
    """
    from matching.services.selection import selection_release  # matching imports startups

    locked = _lock(application)
    previous = locked.status
    withdrawn = transition(locked, to=A.WITHDRAWN, by=by, reason=reason, extra_fields={"withdrawn_at": timezone.now()})
    application.status, application.withdrawn_at = withdrawn.status, withdrawn.withdrawn_at
    webhooks_emit(
        event="application.withdrawn", obj=withdrawn, payload={"previous_status": previous}, program=withdrawn.program
    )
    if previous in (A.SELECTED, A.RESERVE):
        selection_release(application=withdrawn, by=by, reason=reason)
    return withdrawn
