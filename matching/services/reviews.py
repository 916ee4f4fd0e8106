"""An evaluator's review of one assignment: scores per criterion, a comment, submission.

Reviews can change only while their round is scoring; closing the round locks them.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError, InvalidInput
from core.lifecycle import transition
from core.rows import rows_sync
from matching.models import Assignment, Criterion, EvaluationRound, Review, Score
from matching.services.reminders import round_reviews_complete_notify_on_commit

S = Assignment.Status


class ReviewIncomplete(InvalidInput):
    """Submission refused: `problems` maps `criterion:<code>` to messages."""

    code = "review_incomplete"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems, _("Score every criterion before submitting."))


def review_editable(assignment: Assignment) -> bool:
    """A review can be changed while its round is scoring, unless the evaluator recused themselves
    (`review_save` refuses the other cases, each with its own message)."""
    return assignment.round.status == EvaluationRound.Status.SCORING and assignment.status != S.RECUSED


def _locked_assignment(assignment_id: int, by: User) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("round", "evaluator__user")
        .get(pk=assignment_id)
    )
    if assignment.evaluator.user_id != by.pk:
        raise DomainError(_("This application is not assigned to you."), code="not_assigned")
    if assignment.status == S.RECUSED:
        raise DomainError(_("You have recused yourself from this application."), code="recused")
    if assignment.round.status != EvaluationRound.Status.SCORING:
        raise DomainError(
            _("Scoring for %(round)s is closed: reviews can no longer be changed.") % {"round": assignment.round.name},
            code="round_not_scoring",
        )
    return assignment


def parse_score(raw: Any, criterion: Criterion) -> Decimal | None:
    """A score typed by a person: empty → None; otherwise a number from 0 to the criterion's maximum,
    in steps of 0.5 at most (two decimals are stored)."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(_("Enter a number."), code="not_a_number") from None
    if not value.is_finite() or value < 0 or value > criterion.max_score:
        raise DomainError(
            # format "f": a maximum of 10.00 from the database reads "10", not "1E+1"
            _("Enter a score from 0 to %(max)s.") % {"max": format(criterion.max_score.normalize(), "f")},
            code="out_of_range",
        )
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most two decimal places."), code="too_precise")
    return value


@transaction.atomic
def review_save(
    *, assignment: Assignment, by: User, scores: dict[int, Any], comment: str | None = None
) -> dict[str, list[str]]:
    """Save the scores and comment given; a score that cannot be stored is reported under
    `criterion:<code>` and leaves the saved one as it was. A submitted review that is changed goes
    back to "in progress" and must be submitted again."""
    assignment = _locked_assignment(assignment.pk, by)
    review, _created = Review.objects.get_or_create(assignment=assignment)
    criteria = {c.pk: c for c in Criterion.objects.filter(round_id=assignment.round_id)}
    errors: dict[str, list[str]] = {}
    wanted = {}
    for criterion_id, raw in scores.items():
        criterion = criteria.get(int(criterion_id))
        if criterion is None:
            continue
        try:
            wanted[criterion.pk] = parse_score(raw, criterion)
        except DomainError as error:
            errors[f"criterion:{criterion.code}"] = [error.message]
    changed = rows_sync(
        Score,
        existing={score.criterion_id: score for score in review.scores.all()},
        wanted=wanted,
        field="value",
        build=lambda criterion_id, value: Score(
            review=review,
            criterion=criteria[criterion_id],
            round_id=assignment.round_id,
            value=value,
            max_score=criteria[criterion_id].max_score,
        ),
    )
    if comment is not None and comment.strip() != review.comment:
        review.comment = comment.strip()
        review.save(update_fields=["comment", "updated_at"])
        changed = True
    if changed:
        if assignment.status == S.SUBMITTED:
            review.submitted_at = None
            review.save(update_fields=["submitted_at", "updated_at"])
            transition(assignment, to=S.IN_PROGRESS, by=by, reason=_("Changed after submission"))
        elif assignment.status == S.PENDING:
            transition(assignment, to=S.IN_PROGRESS, by=by)
    return errors


def review_problems(review: Review | None, criteria: list[Criterion]) -> dict[str, list[str]]:
    scored = {s.criterion_id for s in review.scores.all()} if review else set()
    return {f"criterion:{c.code}": [_("Give a score.")] for c in criteria if c.pk not in scored}


@transaction.atomic
def review_submit(*, assignment: Assignment, by: User) -> Assignment:
    """Submit a review with a score for every criterion. Submitting again changes nothing."""
    assignment = _locked_assignment(assignment.pk, by)
    if assignment.status == S.SUBMITTED:
        return assignment
    review = Review.objects.filter(assignment=assignment).prefetch_related("scores").first()
    problems = review_problems(review, list(Criterion.objects.filter(round_id=assignment.round_id)))
    if problems:
        raise ReviewIncomplete(problems)
    review.submitted_at = timezone.now()
    review.save(update_fields=["submitted_at", "updated_at"])
    submitted = transition(assignment, to=S.SUBMITTED, by=by)
    round_reviews_complete_notify_on_commit(round_id=submitted.round_id)  # the last review tells staff
    return submitted
