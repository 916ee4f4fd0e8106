"""An evaluator's review: every field checked before anything is written, so a refused save or
submission changes nothing; submission needs every criterion; reviews lock when scoring closes."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import DomainError, InvalidInput
from matching.models import Assignment, EvaluationRound, Review
from matching.services.reviews import ReviewIncomplete, review_save, review_submit
from tests import factories
from tests.reviews import review_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet():
    """An assignment in a round that is scoring, with two criteria (max 10 and 20)."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    technology = factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    market = factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    assignment = factories.AssignmentFactory(round=evaluation_round)
    return assignment, technology, market


@pytest.fixture
def submitted(sheet):
    """The sheet's review submitted with 7 and 15 and a comment."""
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"}, comment="좋음")
    review_submit(assignment=assignment, by=user)
    return sheet


def test_saving_scores_starts_the_review(sheet):
    assignment, technology, _market = sheet

    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7.5"})

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
    assert assignment.review.scores.get().value == Decimal("7.5")


@pytest.mark.parametrize(
    ("scores", "submit"),
    [
        pytest.param({"technology": "", "market": "15"}, True, id="a score cleared, then submit"),
        pytest.param({"technology": "7", "market": "21"}, False, id="above the maximum, save"),
        pytest.param({"technology": "7", "market": "21"}, True, id="above the maximum, submit"),
        pytest.param({"technology": "12.3", "market": "abc"}, False, id="one changed and one not a number, save"),
        pytest.param({"technology": "8", "market": ""}, True, id="one changed and one cleared, submit"),
    ],
)
def test_a_refused_save_of_a_submitted_review_changes_nothing(submitted, scores, submit):
    assignment, technology, market = submitted
    ids = {"technology": technology.pk, "market": market.pk}
    before = review_state(assignment)

    with pytest.raises(InvalidInput):
        review_save(
            assignment=assignment,
            by=assignment.evaluator.user,
            scores={ids[code]: raw for code, raw in scores.items()},
            comment="의견을 바꿈",
            submit=submit,
        )

    assert review_state(assignment) == before
    assert before["status"] == Assignment.Status.SUBMITTED
    assert before["scores"] == {"technology": Decimal("7"), "market": Decimal("15")}


def test_a_bad_value_in_one_field_and_a_good_one_in_another_saves_neither(sheet):
    assignment, technology, market = sheet
    before = review_state(assignment)

    with pytest.raises(InvalidInput) as refused:
        review_save(
            assignment=assignment,
            by=assignment.evaluator.user,
            scores={technology.pk: "8", market.pk: "abc"},
            comment="메모",
        )

    assert list(refused.value.problems) == ["criterion:market"]
    assert review_state(assignment) == before
    assert not Review.objects.filter(assignment=assignment).exists()  # not even an empty review


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("11", "Enter a score from 0 to 10."),
        ("-1", "Enter a score from 0 to 10."),
        ("NaN", "Enter a score from 0 to 10."),
        ("abc", "Enter a number."),
        ("7.125", "Use at most two decimal places."),
    ],
)
def test_an_invalid_score_is_refused_with_its_message(sheet, raw, message):
    assignment, technology, _market = sheet

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: raw})

    assert refused.value.problems == {"criterion:technology": [message]}
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.parametrize("raw", ["7,5", " 7.5 ", "7.50"])
def test_a_score_typed_with_a_comma_or_spaces_is_read_as_a_number(sheet, raw):
    assignment, technology, _market = sheet

    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: raw})

    assert assignment.review.scores.get().value == Decimal("7.5")


def test_every_problem_is_reported_at_once(sheet):
    assignment, technology, market = sheet
    third = factories.CriterionFactory(round=assignment.round, code="team", max_score=Decimal("30"), order=3)

    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        review_save(
            assignment=assignment,
            by=assignment.evaluator.user,
            scores={technology.pk: "11", market.pk: "", third.pk: "1.001"},
            comment="가" * 5001,
            submit=True,
        )

    assert refused.value.problems == {
        "criterion:technology": ["Enter a score from 0 to 10."],
        "criterion:market": ["Give a score."],
        "criterion:team": ["Use at most two decimal places."],
        "comment": ["Keep the comment to 5,000 characters or fewer (it has 5,001)."],
    }
    assert refused.value.code == "invalid_scores"


def test_submitting_needs_a_score_for_every_criterion(sheet):
    assignment, technology, _market = sheet
    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7"})

    with pytest.raises(ReviewIncomplete) as refused:
        review_submit(assignment=assignment, by=assignment.evaluator.user)

    assert list(refused.value.problems) == ["criterion:market"]


def test_submitting_a_submitted_review_with_a_score_cleared_is_refused_with_give_a_score(submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    with translation.override("en"), pytest.raises(ReviewIncomplete) as refused:
        review_save(
            assignment=assignment,
            by=assignment.evaluator.user,
            scores={technology.pk: "", market.pk: "15"},
            submit=True,
        )

    assert refused.value.problems == {"criterion:technology": ["Give a score."]}
    assert review_state(assignment) == before


def test_a_complete_review_is_submitted_with_its_time(sheet):
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"}, comment="좋음")

    review_submit(assignment=assignment, by=user)

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert assignment.review.submitted_at is not None and assignment.review.comment == "좋음"


def test_scores_and_submission_in_one_step(sheet):
    assignment, technology, market = sheet

    submitted = review_save(
        assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7", market.pk: "15"}, submit=True
    )

    assert submitted.status == Assignment.Status.SUBMITTED
    assert review_state(assignment)["scores"] == {"technology": Decimal("7"), "market": Decimal("15")}


def test_submitting_twice_changes_nothing_the_second_time(submitted):
    assignment, technology, market = submitted
    user = assignment.evaluator.user
    before = review_state(assignment)

    review_save(
        assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"}, comment="좋음", submit=True
    )
    review_submit(assignment=assignment, by=user)

    assert review_state(assignment) == before


def test_changed_scores_submitted_again_keep_the_review_submitted_with_the_new_scores(submitted):
    assignment, technology, market = submitted

    review_save(
        assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "8", market.pk: "15"}, submit=True
    )

    after = review_state(assignment)
    assert after["status"] == Assignment.Status.SUBMITTED
    assert after["scores"] == {"technology": Decimal("8"), "market": Decimal("15")}
    assert assignment.review.submitted_at is not None


def test_changing_a_submitted_review_as_a_draft_needs_a_new_submit(submitted):
    assignment, technology, _market = submitted

    saved = review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "8"})

    assert saved.status == Assignment.Status.IN_PROGRESS
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS
    assert assignment.review.submitted_at is None


def test_a_draft_save_with_an_empty_field_clears_that_score(sheet):
    assignment, technology, market = sheet
    user = assignment.evaluator.user
    review_save(assignment=assignment, by=user, scores={technology.pk: "7", market.pk: "15"})

    review_save(assignment=assignment, by=user, scores={technology.pk: "", market.pk: "15"})

    assert review_state(assignment)["scores"] == {"market": Decimal("15")}


def test_saving_the_same_values_again_leaves_a_submitted_review_submitted(submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    review_save(assignment=assignment, by=assignment.evaluator.user, scores={technology.pk: "7.00", market.pk: "15"})

    assert review_state(assignment) == before


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
