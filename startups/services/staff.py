"""Staff-side application changes. The applicant's own actions (submit, withdraw) live here too
as they are built."""

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


def application_mark_ineligible(*, application: Application, by: User, reason: str) -> Application:
    """Staff exclude an application; the reason is shown to staff and kept in the audit trail."""
    if not reason.strip():
        raise DomainError(_("Say why the application is ineligible."), code="reason_required")
    reasons = [*application.ineligible_reasons, reason.strip()]  # staff see every reason given
    return transition(application, to=A.INELIGIBLE, by=by, reason=reason, extra_fields={"ineligible_reasons": reasons})


def application_reinstate(*, application: Application, by: User, reason: str) -> Application:
    """Undo an exclusion made in error: the application counts as submitted again."""
    if not reason.strip():
        raise DomainError(_("Say why the application is reinstated."), code="reason_required")
    if application.first_submitted_at is None:
        raise DomainError(
            _("Only an application that was submitted at least once can be reinstated."), code="never_submitted"
        )
    return transition(application, to=A.SUBMITTED, by=by, reason=reason, extra_fields={"ineligible_reasons": []})


@transaction.atomic
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    """Withdraw an application; possible from every state until the selection is final.

    A selected application's place goes to the first reserve at once, in the same transaction
    (DESIGN.md rule 7); a withdrawn reserve leaves the reserve and those behind it move up.
    """
    from matching.services.selection import selection_release  # matching imports startups

    current = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
    in_selection = current in (A.SELECTED, A.RESERVE)
    if in_selection:  # lock order: the program, then the application (as the selection services)
        Program.objects.select_for_update().get(pk=application.program_id)
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status in (A.SELECTED, A.RESERVE) and not in_selection:  # finalised meanwhile
        Program.objects.select_for_update().get(pk=application.program_id)
    previous = locked.status
    withdrawn = transition(locked, to=A.WITHDRAWN, by=by, reason=reason, extra_fields={"withdrawn_at": timezone.now()})
    application.status, application.withdrawn_at = withdrawn.status, withdrawn.withdrawn_at
    webhooks_emit(
        event="application.withdrawn", obj=withdrawn, payload={"previous_status": previous}, program=withdrawn.program
    )
    if previous in (A.SELECTED, A.RESERVE):
        selection_release(application=withdrawn, by=by, reason=reason)
    return withdrawn
