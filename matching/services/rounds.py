"""Evaluation round lifecycle: setup → assigning → scoring → closed → results_computed → published.

Computing and publishing results belong to the scoring service; here are the moves staff make
by hand.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.lifecycle import transition
from matching.models import EvaluationRound

R = EvaluationRound.Status


def _locked(evaluation_round: EvaluationRound) -> EvaluationRound:
    # Preconditions are checked under the row lock the transition then reuses.
    return EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)


@transaction.atomic
def round_start_assigning(*, round: EvaluationRound, by: User, reason: str = "") -> EvaluationRound:  # noqa: A002
    """Freeze the configuration and begin assigning evaluators. A round needs criteria and a pool."""
    round = _locked(round)  # noqa: A001
    if not round.criteria.exists():
        raise DomainError(_("Add at least one criterion before assigning evaluators."), code="round_without_criteria")
    if not round.evaluators.exists():
        raise DomainError(_("Add evaluators to the round's pool first."), code="round_without_evaluators")
    return transition(round, to=R.ASSIGNING, by=by, reason=reason)


def round_back_to_setup(*, round: EvaluationRound, by: User, reason: str = "") -> EvaluationRound:  # noqa: A002
    return transition(round, to=R.SETUP, by=by, reason=reason)


@transaction.atomic
def round_open(*, round: EvaluationRound, by: User, reason: str = "") -> EvaluationRound:  # noqa: A002
    """Open scoring: evaluators can now save and submit reviews."""
    round = _locked(round)  # noqa: A001
    if not round.assignments.exists():
        raise DomainError(
            _("Assign evaluators before opening the round for scoring."), code="round_without_assignments"
        )
    return transition(round, to=R.SCORING, by=by, reason=reason)


def round_close(*, round: EvaluationRound, by: User, reason: str = "") -> EvaluationRound:  # noqa: A002
    """Close scoring: from now on reviews are locked."""
    return transition(round, to=R.CLOSED, by=by, reason=reason)


def round_reopen(*, round: EvaluationRound, by: User, reason: str) -> EvaluationRound:  # noqa: A002
    if not reason.strip():
        raise DomainError(_("Say why the round is reopened."), code="reason_required")
    return transition(round, to=R.SCORING, by=by, reason=reason)
