"""Evaluation round lifecycle: setup → assigning → scoring → closed → results_computed → published.

Computing and publishing results belong to the scoring service; here are the moves staff make
by hand, and the jobs they start (assigning evaluators, computing results), which return the `Job`
whose page staff then watch.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError
from core.lifecycle import transition
from jobs.models import Job
from jobs.services import job_start
from matching.models import EvaluationRound
from matching.services.assignment import ASSIGNABLE_STATUSES, assignments_start
from matching.services.scoring import results_compute_check, round_validate_configuration

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
    round_validate_configuration(round=round)  # weights, maxima, carry-over summing to 1, N and T
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


def round_assign_check(*, round: EvaluationRound) -> None:  # noqa: A002
    """Evaluators are assigned only while a round is assigning or scoring."""
    if round.status not in ASSIGNABLE_STATUSES:
        raise DomainError(
            _("Evaluators are assigned while a round is assigning or scoring."), code="round_not_assigning"
        )


def round_assign_evaluators(*, round: EvaluationRound, by: User, reason: str = "", seed: int = 0) -> Job:  # noqa: A002
    """Start the job that gives every application its k evaluators (the same seed, the same assignment).
    A round that cannot be served is refused whole; the job says why, and so does the round's audit trail."""
    round_assign_check(round=round)
    return assignments_start(round=round, by=by, seed=seed)


def round_compute_results(
    *,
    round: EvaluationRound,  # noqa: A002
    by: User,
    reason: str = "",
    allow_missing: bool = False,
) -> Job:
    """Start the results computation; refused at once while reviews are missing, unless `allow_missing`
    (computing with the reviews submitted so far, a choice the audit trail keeps)."""
    results_compute_check(round=round, allow_missing=allow_missing)
    return job_start(
        kind=Job.Kind.COMPUTE,
        params={"round_id": round.pk, "allow_missing": allow_missing},
        by=by,
        program=round.program,
    )


def round_compute_results_with_submitted(*, round: EvaluationRound, by: User, reason: str = "") -> Job:  # noqa: A002
    """Start the computation with the reviews submitted so far."""
    return round_compute_results(round=round, by=by, reason=reason, allow_missing=True)
