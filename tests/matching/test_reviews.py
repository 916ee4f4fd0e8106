"""An evaluator's review: scores within range, submission complete, locked when scoring closes."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from matching.models import Assignment, EvaluationRound
from matching.services.reviews import ReviewIncomplete, review_save, review_submit
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet():
    """An assignment in a round that is scoring, with two criteria (max 10 and 20)."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    technology = factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    market = factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    assignment = factories.AssignmentFactory(round=evaluation_round)
    return assignment, technology, market


def test_saving_scores_starts_the_review(sheet):
    assignment, technology, _market = sheet

    errors = review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7.5"})

    assert errors == {}
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
    assert assignment.review.scores.get().value == Decimal("7.5")


def test_a_score_above_the_maximum_is_reported_and_the_others_are_saved(sheet):
    assignment, technology, market = sheet

    errors = review_save(
        assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "11", market.pk: "15"}
    )

    assert list(errors) == ["criterion:technology"]
    assert [s.criterion_id for s in assignment.review.scores.all()] == [market.pk]


@pytest.mark.parametrize("raw", ["-1", "abc", "7.125", "NaN"])
def test_a_score_that_is_not_a_valid_number_is_reported(sheet, raw):
    assignment, technology, _market = sheet

    errors = review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: raw})

    assert list(errors) == ["criterion:technology"]


def test_submitting_needs_a_score_for_every_criterion(sheet):
    assignment, technology, _market = sheet
    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7"})

    with pytest.raises(ReviewIncomplete) as refused:
        review_submit(assignment=assignment, by=assignment.evaluator.user)

    assert list(refused.value.problems) == ["criterion:market"]


def test_a_complete_review_is_submitted_with_its_time(sheet):
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"}, comment="좋음")

    review_submit(assignment=assignment, by=user)

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert assignment.review.submitted_at is not None and assignment.review.comment == "좋음"


def test_changing_a_submitted_review_needs_a_new_submit(sheet):
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"})
    review_submit(assignment=assignment, by=user)

    review_save(assignment=assignment, by=user, scores={technology.pk: "8"})

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
    assert assignment.review.submitted_at is None


def test_reviews_lock_when_scoring_closes(sheet):
    assignment, technology, _market = sheet
    EvaluationRound.objects.filter(pk=assignment.round_id).update(status=EvaluationRound.Status.CLOSED)

    with pytest.raises(DomainError) as refused:
        review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7"})

    assert refused.value.code == "round_not_scoring"


def test_another_evaluator_cannot_score_this_assignment(sheet):
    assignment, technology, _market = sheet

    with pytest.raises(DomainError) as refused:
        review_save(assignment=assignment, by=factories.EvaluatorFactory().user, scores={technology.pk: "7"})

    assert refused.value.code == "not_assigned"
