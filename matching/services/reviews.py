"""An evaluator's review of one assignment: scores per criterion, a comment, submission.

Reviews can change only while their round is scoring; closing the round locks them.
"""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import Change, audit_record_edits
from core.errors import DomainError, InvalidInput
from core.lifecycle import transition
from core.rows import rows_sync
from matching.models import Assignment, Criterion, EvaluationRound, Review, Score
from matching.services.pledges import pledge_ensure_done
from matching.services.reminders import round_reviews_complete_notify_on_commit
from matching.services.scoring import criteria_for_track

S = Assignment.Status
# A score has as many decimal places as it is stored with (the score sheet's live total reads the same).
SCORE_PLACES = Score._meta.get_field("value").decimal_places
# Long enough for a page of reasons; refused, not cut, so nothing typed is lost silently.
COMMENT_MAX_LENGTH = 5000


class ReviewInvalid(InvalidInput):
    """A save or submission refused as a whole, before anything was written: `problems` maps
    `criterion:<code>` (and `comment`, `scores`) to messages, every problem of the request at once."""

    code = "invalid_scores"

    def __init__(self, problems: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(problems, message or _("Nothing was saved: some fields need attention."))


class ReviewIncomplete(ReviewInvalid):
    """Submission refused only because criteria have no score: `problems` names them."""

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
        .select_related("round", "evaluator__user", "application")
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
    pledge_ensure_done(assignment=assignment)  # a round with a pledge: accepted and no conflict declared
    return assignment


def parse_score(raw: Any, criterion: Criterion) -> Decimal | None:
    """A score typed by a person: empty → None; otherwise a number from 0 to the criterion's maximum
    with at most two decimal places (what is stored); a decimal comma reads as a point."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise DomainError(_("Enter a number."), code="not_a_number") from None
    score_range_check(value, criterion)
    if value != value.quantize(Decimal(1).scaleb(-SCORE_PLACES)):
        raise DomainError(_("Use at most two decimal places."), code="too_precise")
    return value


def score_range_check(value: Decimal, criterion: Criterion) -> None:
    """A score is a finite number from 0 to the criterion's maximum, however it was typed (a form or a
    sheet)."""
    if not value.is_finite() or value < 0 or value > criterion.max_score:
        raise DomainError(
            _("Enter a score from 0 to %(max)s.") % {"max": plain_decimal(criterion.max_score)}, code="out_of_range"
        )


def plain_decimal(value: Decimal) -> str:
    """10.00 → "10", 7.50 → "7.5" (format "f": normalize alone gives "1E+1")."""
    return format(value.normalize(), "f")


def review_input_clean(
    *,
    criteria: list[Criterion],
    saved: dict[int, Decimal],
    scores: dict[int, Any],
    comment: str | None,
    submit: bool,
    comment_for_applicant: str | None = None,
) -> tuple[dict[int, Decimal | None], str | None, str | None]:
    """Check a whole save before anything is written; return the scores to store by criterion id
    (None clears one), the comment and the comment for the applicant (stripped; None keeps each), or
    raise `ReviewInvalid` with every problem.

    `saved` are the scores already stored. A criterion left out of `scores` keeps its saved score;
    an empty one clears it. With `submit`, every criterion must end up with a score: an empty or a
    missing one is "Give a score." (`ReviewIncomplete` when that is the only kind of problem)."""
    by_id = {criterion.pk: criterion for criterion in criteria}
    given: dict[int, Any] = {}
    problems: dict[str, list[str]] = {}
    for key, raw in scores.items():
        criterion_id = int(key) if str(key).isdigit() else None
        if criterion_id not in by_id:
            problems["scores"] = [_("A score was given for a criterion that is not part of this round.")]
        else:
            given[criterion_id] = raw
    wanted: dict[int, Decimal | None] = {}
    missing = set()
    for criterion in criteria:
        field = f"criterion:{criterion.code}"
        if criterion.pk in given:
            try:
                wanted[criterion.pk] = parse_score(given[criterion.pk], criterion)
            except DomainError as error:
                problems[field] = [error.message]
                continue
        if submit and wanted.get(criterion.pk, saved.get(criterion.pk)) is None:
            problems[field] = [_("Give a score.")]
            missing.add(field)
    comment, comment_for_applicant = (
        text.strip() if text is not None else None for text in (comment, comment_for_applicant)
    )
    # The comment for the applicant (shown when the round shares comments) is checked the same way.
    for field, text in (("comment", comment), ("comment_for_applicant", comment_for_applicant)):
        if text is None:
            continue
        if "\x00" in text:
            problems[field] = [_("Null characters are not allowed.")]
        elif len(text) > COMMENT_MAX_LENGTH:
            problems[field] = [
                _("Keep the comment to %(max)s characters or fewer (it has %(count)s).")
                % {
                    "max": number_format(COMMENT_MAX_LENGTH, force_grouping=True),
                    "count": number_format(len(text), force_grouping=True),
                }
            ]
    if problems:
        raise ReviewIncomplete(problems) if set(problems) == missing else ReviewInvalid(problems)
    return wanted, comment, comment_for_applicant


@transaction.atomic
def review_save(
    *,
    assignment: Assignment,
    by: User,
    scores: dict[int, Any],
    comment: str | None = None,
    submit: bool = False,
    comment_for_applicant: str | None = None,
) -> Assignment:
    """Save the scores (by criterion id; an empty one clears the saved score), the comment and the
    comment for the applicant (None keeps each), and with `submit` submit the review, in one step that
    is taken whole or not at all: every field is checked first (`review_input_clean`), and a refusal writes nothing.

    A submitted review changed without `submit` goes back to "in progress" and must be submitted
    again; changed with `submit`, it is submitted again with the new scores. A save or a submission
    that changes nothing leaves the review as it is (submitting twice is harmless). Returns the
    locked assignment."""
    assignment = _locked_assignment(assignment.pk, by)
    criteria = list(criteria_for_track(round_id=assignment.round_id, track_id=assignment.application.track_id))
    review = Review.objects.filter(assignment=assignment).first()
    existing = {score.criterion_id: score for score in review.scores.all()} if review else {}
    wanted, comment, comment_for_applicant = review_input_clean(
        criteria=criteria,
        saved={criterion_id: score.value for criterion_id, score in existing.items()},
        scores=scores,
        comment=comment,
        submit=submit,
        comment_for_applicant=comment_for_applicant,
    )
    # Nothing below can be refused: from here on the request is written whole.
    by_id = {criterion.pk: criterion for criterion in criteria}
    before = {criterion_id: score.value for criterion_id, score in existing.items()}
    comment_before = review.comment if review is not None else ""
    for_applicant_before = review.comment_for_applicant if review is not None else ""
    if review is None and (
        any(value is not None for value in wanted.values()) or comment or comment_for_applicant or submit
    ):
        review = Review.objects.create(assignment=assignment)
    changed = review is not None and rows_sync(
        Score,
        existing=existing,
        wanted=wanted,
        field="value",
        build=lambda criterion_id, value: Score(
            review=review,
            criterion=by_id[criterion_id],
            round_id=assignment.round_id,
            value=value,
            max_score=by_id[criterion_id].max_score,
        ),
    )
    if comment is not None and review is not None and comment != review.comment:
        review.comment = comment
        review.save(update_fields=["comment", "updated_at"])
        changed = True
    if comment_for_applicant is not None and review is not None and comment_for_applicant != for_applicant_before:
        review.comment_for_applicant = comment_for_applicant
        review.save(update_fields=["comment_for_applicant", "updated_at"])
        changed = True
    if changed:
        _scores_change_record(
            review=review,
            by=by,
            criteria=by_id,
            before=before,
            wanted=wanted,
            comment=(comment_before, comment),
            for_applicant=(for_applicant_before, comment_for_applicant),
            object_repr=str(assignment),
        )
    if changed and assignment.status == S.SUBMITTED:
        review.submitted_at = None
        review.save(update_fields=["submitted_at", "updated_at"])
        assignment = transition(assignment, to=S.IN_PROGRESS, by=by, reason=_("Changed after submission"))
    if submit and assignment.status != S.SUBMITTED:
        review.submitted_at = timezone.now()
        review.save(update_fields=["submitted_at", "updated_at"])
        assignment = transition(assignment, to=S.SUBMITTED, by=by)
        round_reviews_complete_notify_on_commit(round_id=assignment.round_id)  # the last review tells staff
    elif changed and assignment.status == S.PENDING:
        assignment = transition(assignment, to=S.IN_PROGRESS, by=by)
    return assignment


def _scores_change_record(
    *,
    review: Review,
    by: User,
    criteria: dict[int, Criterion],
    before: dict[int, Decimal],
    wanted: dict[int, Decimal | None],
    comment: tuple[str, str | None],
    object_repr: str,
    for_applicant: tuple[str, str | None] = ("", None),
) -> None:
    """One audit event on the review for a save: each score changed, old → new, by criterion (and the
    comment, when it changed)."""
    changes = {
        f"criterion:{criteria[criterion_id].code}": {
            "from": score_shown(before.get(criterion_id)),
            "to": score_shown(value),
            "label": str(criteria[criterion_id]),
        }
        for criterion_id, value in wanted.items()
        if value != before.get(criterion_id)
    }
    old_comment, new_comment = comment
    if new_comment is not None and new_comment != old_comment:
        changes["comment"] = {"from": old_comment or "–", "to": new_comment or "–", "label": str(_("comment"))}
    old_text, new_text = for_applicant
    if new_text is not None and new_text != old_text:
        label = str(_("comment for the applicant"))
        changes["comment_for_applicant"] = {"from": old_text or "–", "to": new_text or "–", "label": label}
    if changes:
        audit_record_edits(
            actor=by,
            edits=[Change(obj=review, verb="scores_changed", changes=changes, object_repr=object_repr)],
        )


def score_shown(value: Decimal | None) -> str:
    """A score as the trail shows it: 7, 7.5, or – for none."""
    return "–" if value is None else plain_decimal(Decimal(value))


def review_submit(*, assignment: Assignment, by: User) -> Assignment:
    """Submit the review as saved: a score for every criterion (`ReviewIncomplete` names the missing
    ones). Submitting again changes nothing."""
    return review_save(assignment=assignment, by=by, scores={}, comment=None, submit=True)
