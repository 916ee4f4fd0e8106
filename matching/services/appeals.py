"""Appeals (이의신청): an applicant who did not advance in a published round files one appeal in the
round's window; staff answer it (upheld or dismissed). An upheld appeal changes nothing by itself:
staff take the next step beside the decision in the admin — `appeal_reinstate` lets the application
advance after all (the round's result overridden, the application back in play), or, while a round's
results are not yet published, the existing override and recomputation.
"""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError, InvalidInput
from core.lifecycle import transition
from matching.models import Appeal, EvaluationRound, Program, RoundResult, SelectionEntry
from matching.services.selection import (
    _is_last_round,
    _lock_program,
    _override_advancement,
    _program_context,
    _round_context,
)
from notifications.models import Notification
from notifications.services import notify_many
from notifications.webhooks import webhooks_emit
from startups.models import Application
from startups.selectors import active_members_by_startup, applications_changeable_by
from startups.services.attachments import ACCEPTED, check_upload

E = Notification.Event
REASON_MAX = 5000


def appeal_window_open(evaluation_round: EvaluationRound, *, now=None) -> bool:
    """The round is published, has an appeal window, and it has not closed."""
    now = now or timezone.now()
    return (
        evaluation_round.status == EvaluationRound.Status.PUBLISHED
        and evaluation_round.appeal_days > 0
        and evaluation_round.appeals_close_at is not None
        and now < evaluation_round.appeals_close_at
    )


def did_not_advance(*, application: Application, round: EvaluationRound) -> bool:  # noqa: A002
    """Whether the application took part in the round and did not go on from it: its result there is
    not `advanced`; in the program's last round, once the selection is final, its entry is not `selected`
    (a reserve or not selected)."""
    result = RoundResult.objects.filter(round=round, application=application).only("advanced").first()
    if result is None:
        return False
    last = _is_last_round(round)
    outcome = (
        SelectionEntry.objects.filter(application=application).values_list("outcome", flat=True).first()
        if last
        else None
    )
    return not_advanced(advanced=result.advanced, last_round=last, outcome=outcome)


def not_advanced(*, advanced: bool, last_round: bool, outcome: str | None) -> bool:
    """`did_not_advance` on facts already read (for pages that read them for several rounds at once):
    the result's `advanced`, whether the round is the program's last, the selection entry's outcome."""
    if last_round and outcome is not None:
        return outcome != SelectionEntry.Outcome.SELECTED
    return not advanced


def appeal_can_file(*, application: Application, round: EvaluationRound, now=None) -> bool:  # noqa: A002
    """For pages: whether the form is offered (window open, did not advance, no appeal yet)."""
    return (
        appeal_window_open(round, now=now)
        and not Appeal.objects.filter(round=round, application=application).exists()
        and did_not_advance(application=application, round=round)
    )


def _members(application: Application) -> list[Any]:
    return active_members_by_startup({application.startup_id})[application.startup_id]


def _context(appeal: Appeal) -> dict[str, Any]:
    return {"appeal_id": appeal.pk, "round_id": appeal.round_id}


def appeal_file(
    *,
    application: Application,
    round: EvaluationRound,  # noqa: A002
    by: Any,
    reason: str,
    upload: UploadedFile | None = None,
) -> Appeal:
    """File the application's appeal against the round's result.

    Only an active member of the applicant startup, only for an application that did not advance in
    the round (`did_not_advance`), only while the round's window is open (published, `appeals_close_at`
    not passed), one per application and round (a second, even at the same moment, is refused). The
    reason is required; a file is optional and checked by its content like application files. Every
    active member gets an APPEAL_FILED receipt."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Write the reason for your appeal.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput({"reason": [_("Keep the reason within %(max)d characters.") % {"max": REASON_MAX}]})
    if not applications_changeable_by(actor=by).filter(pk=application.pk).exists():
        raise DomainError(_("Only the startup's members can appeal its results."), code="not_a_member")
    if round.program_id != application.program_id:
        raise DomainError(_("The application did not take part in this round."), code="not_in_round")
    if not appeal_window_open(round):
        raise DomainError(_("The appeal window of this round is not open."), code="appeal_window_closed")
    if Appeal.objects.filter(round=round, application=application).exists():
        raise DomainError(_("An appeal against this round's result has already been filed."), code="appeal_exists")
    if not did_not_advance(application=application, round=round):
        raise DomainError(
            _("Only an application that did not advance in the round can appeal its result."), code="advanced"
        )
    appeal = Appeal(round=round, application=application, filed_by=by, reason=reason)
    if upload is not None:
        kind, name, _sha256 = check_upload(upload)
        appeal.file_name, appeal.file_content_type, appeal.file_size = name, ACCEPTED[kind].content_type, upload.size
    try:
        with transaction.atomic():
            if upload is not None:
                appeal.file.save(name, upload, save=False)
            appeal.save()
            audit_record(
                actor=by,
                obj=appeal,
                verb="appeal_filed",
                reason=reason,
                data={"application": application.pk, "round": round.pk, "file": appeal.file_name},
            )
            notify_many(
                event=E.APPEAL_FILED,
                recipients=_members(application),
                obj=application,
                context=_context(appeal),
                scope=f"appeal-{appeal.pk}",
                program=application.program,
            )
    except IntegrityError:
        # Two requests at the same moment: the unique constraint lets one through.
        raise DomainError(
            _("An appeal against this round's result has already been filed."), code="appeal_exists"
        ) from None
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, by: Any, upheld: bool, answer: str) -> Appeal:
    """Answer a filed appeal: upheld or dismissed, with a written answer the applicant receives
    (APPEAL_DECIDED to the startup's active members, webhook `appeal.decided`). Once only."""
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput({"answer": [_("Write the answer the applicant will receive.")]})
    to = Appeal.Status.UPHELD if upheld else Appeal.Status.DISMISSED
    decided = transition(
        appeal,
        to=to,
        by=by,
        reason=answer,
        extra_fields={"answer": answer, "decided_by": by, "decided_at": timezone.now()},
        data={"application": appeal.application_id, "round": appeal.round_id},
    )
    application = Application.objects.select_related("program").get(pk=decided.application_id)
    notify_many(
        event=E.APPEAL_DECIDED,
        recipients=_members(application),
        obj=application,
        context={**_context(decided), "upheld": upheld},
        scope=f"appeal-{decided.pk}",
        program=application.program,
    )
    # The resource is the application (receivers fetch it through the API); the appeal's facts ride along.
    webhooks_emit(
        event="appeal.decided",
        obj=application,
        payload={
            "appeal_id": decided.pk,
            "round_id": decided.round_id,
            "appeal_status": decided.status,
            "decided_at": decided.decided_at.isoformat(),
        },
        program=application.program,
    )
    return decided


REINSTATABLE_NEXT_ROUND = (
    EvaluationRound.Status.SETUP,
    EvaluationRound.Status.ASSIGNING,
    EvaluationRound.Status.SCORING,
    EvaluationRound.Status.CLOSED,
)


@transaction.atomic
def appeal_reinstate(*, appeal: Appeal, by: Any, reason: str = "") -> RoundResult:
    """Act on an upheld appeal: the application advances from the round after all.

    The round's result is overridden to advanced, with the appeal named in the override's reason. In a
    round before the last, the application (not selected by the publication) becomes `advanced` again
    and takes part in the next round — allowed until that round's results are computed; a round already
    scoring needs evaluators assigned to it (the auto-assignment fills missing slots). In the last round
    the override makes the application a candidate of the final selection — only before the selection
    is final. Locks (DESIGN "Safety"): the program row, then the next round (its results computation
    locks that row, not the program's, so the check below cannot race it), then the application and the
    result, re-checked. Audited; the startup's members get the round's result notice again, now
    advanced."""
    program = _lock_program(appeal.round.program_id)
    locked = Appeal.objects.select_for_update().select_related("round").get(pk=appeal.pk)
    if locked.status != Appeal.Status.UPHELD:
        raise DomainError(_("Only an upheld appeal lets the application advance."), code="appeal_not_upheld")
    evaluation_round = locked.round
    following = (
        EvaluationRound.objects.select_for_update()
        .filter(program_id=program.pk, order__gt=evaluation_round.order)
        .order_by("order")
        .first()
    )
    application = Application.objects.select_for_update().select_related("startup").get(pk=locked.application_id)
    result = (
        RoundResult.objects.select_for_update()
        .filter(round=evaluation_round, application_id=locked.application_id)
        .first()
    )
    if result is None:
        raise DomainError(_("The application has no result in this round."), code="no_result")
    if result.advanced:
        raise DomainError(_("The application already advances from this round."), code="no_change")
    last = following is None
    if last:
        if program.status == Program.Status.FINALISED or SelectionEntry.objects.filter(program=program).exists():
            raise DomainError(
                _(
                    "The program's selection is already final: an appeal against its last round can no longer "
                    "change who is selected."
                ),
                code="selection_final",
            )
    else:
        if following.status not in REINSTATABLE_NEXT_ROUND:
            raise DomainError(
                _("The results of %(round)s are already computed: the application can no longer join that round.")
                % {"round": following},
                code="next_round_computed",
            )
        if application.status != Application.Status.NOT_SELECTED:
            raise DomainError(
                _("The application is %(status)s, so it cannot be let through.")
                % {"status": application.get_status_display()},
                code="not_reinstatable",
            )
    why = (reason or "").strip() or locked.answer
    override = _("Appeal upheld: %(answer)s") % {"answer": why}
    _override_advancement(result, by=by, advanced=True, reason=override, data={"appeal": locked.pk})
    if not last:
        transition(application, to=Application.Status.ADVANCED, by=by, reason=override, data={"appeal": locked.pk})
    notify_many(
        event=E.ROUND_RESULT,
        recipients=_members(application),
        obj=application,
        context={**_round_context(evaluation_round), **_program_context(program), "advanced": True},
        scope=f"appeal-{locked.pk}-reinstated",
        program=program,
    )
    return result
