"""Feedback after publication: what each round shares with applicants, and nothing more."""

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from matching.feedback import after_publication_for, feedback_for, rank_band
from matching.models import Assignment, EvaluationRound, Review
from tests import factories

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def round_with(*, program=None, order=1, status=R.PUBLISHED, **shares) -> EvaluationRound:
    return factories.EvaluationRoundFactory(
        program=program or factories.ProgramFactory(reviewing=True), order=order, status=status, **shares
    )


def reviewed(evaluation_round, application, scores: list[list[str]], comments: list[str], *, submitted=True):
    """One review per row of scores (one score per criterion of the round, in order) with its comment."""
    criteria = list(evaluation_round.criteria.order_by("order", "pk"))
    for values, comment in zip(scores, comments, strict=True):
        review = factories.ReviewFactory(
            assignment__round=evaluation_round,
            assignment__application=application,
            assignment__status=Assignment.Status.SUBMITTED if submitted else Assignment.Status.IN_PROGRESS,
            comment="evaluators only",
            comment_for_applicant=comment,
            submitted_at=timezone.now() if submitted else None,
        )
        for criterion, value in zip(criteria, values, strict=True):
            factories.ScoreFactory(review=review, criterion=criterion, value=Decimal(value))


def setup(*, ranked=10, rank=3, **shares):
    evaluation_round = round_with(**shares)
    factories.CriterionFactory(round=evaluation_round, order=1, label_en="Technology")
    factories.CriterionFactory(round=evaluation_round, order=2, label_en="Market")
    result = factories.RoundResultFactory(round=evaluation_round, rank=rank, final_score=Decimal("71.23456"))
    for other in range(1, ranked + 1):
        if other != rank:
            factories.RoundResultFactory(round=evaluation_round, rank=other)
    founder = factories.StartupMemberFactory(startup=result.application.startup).user
    reviewed(evaluation_round, result.application, [["7", "8"], ["8", "6"], ["8", "6"]], ["좋습니다", "", "보완 필요"])
    return evaluation_round, result.application, founder


ALL = {"feedback_score": True, "feedback_criterion_means": True, "feedback_comments": True}


@pytest.mark.parametrize(
    ("rank", "ranked", "band"),
    [
        (1, 10, "top 10%"),
        (2, 10, "top 11–30%"),
        (3, 10, "top 11–30%"),
        (4, 10, "top 31–50%"),
        (5, 10, "top 31–50%"),
        (6, 10, "bottom 50%"),
        (10, 10, "bottom 50%"),
        (1, 3, "top 31–50%"),
        (None, 10, None),
    ],
)
def test_rank_bands_are_read_from_the_rank_among_the_rounds_ranked_results(rank, ranked, band):
    assert rank_band(rank, ranked) == band


def test_a_round_sharing_everything_shows_score_band_exact_means_and_comments_for_the_applicant():
    evaluation_round, application, founder = setup(**ALL)

    (feedback,) = feedback_for(application=application, actor=founder)

    assert (feedback.round, feedback.final_score, feedback.band) == (evaluation_round, Decimal("71.23"), "top 11–30%")
    assert [(m.label_en, m.mean, m.shown) for m in feedback.criterion_means] == [
        ("Technology", Fraction(23, 3), Decimal("7.67")),
        ("Market", Fraction(20, 3), Decimal("6.67")),
    ]
    assert feedback.comments == ["보완 필요", "좋습니다"]


def test_a_round_shares_only_what_its_settings_say():
    _round, application, founder = setup(feedback_comments=True)

    (feedback,) = feedback_for(application=application, actor=founder)

    assert (feedback.final_score, feedback.band, feedback.criterion_means) == (None, None, [])
    assert feedback.comments == ["보완 필요", "좋습니다"]


def test_a_round_that_shares_nothing_gives_no_feedback():
    _round, application, founder = setup()

    assert feedback_for(application=application, actor=founder) == []


def test_nothing_is_shared_before_publication():
    evaluation_round, application, founder = setup(**ALL)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.RESULTS_COMPUTED)

    assert feedback_for(application=application, actor=founder) == []


def test_reviews_not_submitted_add_neither_scores_nor_comments():
    evaluation_round, application, founder = setup(**ALL)
    reviewed(evaluation_round, application, [["0", "0"]], ["초안 의견"], submitted=False)

    (feedback,) = feedback_for(application=application, actor=founder)

    assert [m.mean for m in feedback.criterion_means] == [Fraction(23, 3), Fraction(20, 3)]
    assert "초안 의견" not in feedback.comments


def test_comments_come_sorted_by_their_text_not_in_the_order_evaluators_were_assigned():
    evaluation_round, application, founder = setup(feedback_comments=True)
    reviewed(evaluation_round, application, [["1", "1"]], ["가장 먼저 보일 의견"])

    (feedback,) = feedback_for(application=application, actor=founder)

    assert feedback.comments == ["가장 먼저 보일 의견", "보완 필요", "좋습니다"]


def test_people_other_than_members_and_staff_read_no_feedback():
    _round, application, _founder = setup(**ALL)
    evaluator = factories.EvaluatorFactory().user

    assert feedback_for(application=application, actor=factories.UserFactory()) == []
    assert feedback_for(application=application, actor=evaluator) == []
    assert len(feedback_for(application=application, actor=factories.UserFactory(staff=True))) == 1


def test_feedback_takes_the_same_queries_for_one_round_or_three(django_assert_num_queries):
    evaluation_round, application, founder = setup(**ALL)
    with django_assert_num_queries(5):
        feedback_for(application=application, actor=founder)

    program = evaluation_round.program
    for order in (2, 3):
        later = round_with(program=program, order=order, **ALL)
        factories.CriterionFactory(round=later)
        factories.RoundResultFactory(round=later, application=application, rank=1)
        reviewed(later, application, [["5"], ["6"], ["7"]], ["a", "b", "c"])
    with django_assert_num_queries(5):
        assert len(feedback_for(application=application, actor=founder)) == 3


def scoring_assignment():
    evaluation_round = round_with(status=R.SCORING)
    criterion = factories.CriterionFactory(round=evaluation_round, max_score=Decimal("10"))
    return factories.AssignmentFactory(round=evaluation_round), criterion


def test_the_score_sheet_keeps_the_comment_for_the_applicant_apart_from_the_staff_comment():
    from matching.services.reviews import review_save

    assignment, criterion = scoring_assignment()

    review_save(
        assignment=assignment,
        by=assignment.evaluator.user,
        scores={criterion.pk: "7"},
        comment="내부 의견",
        comment_for_applicant="  시장 검증 자료를 보완하면 좋겠습니다.  ",
    )

    review = assignment.review
    review.refresh_from_db()
    assert (review.comment, review.comment_for_applicant) == ("내부 의견", "시장 검증 자료를 보완하면 좋겠습니다.")


def test_an_over_long_comment_for_the_applicant_is_refused_with_the_scores_unsaved():
    from matching.services.reviews import COMMENT_MAX_LENGTH, ReviewInvalid, review_save

    assignment, criterion = scoring_assignment()

    with pytest.raises(ReviewInvalid) as refused:
        review_save(
            assignment=assignment,
            by=assignment.evaluator.user,
            scores={criterion.pk: "7"},
            comment_for_applicant="가" * (COMMENT_MAX_LENGTH + 1),
        )
    assert set(refused.value.problems) == {"comment_for_applicant"}
    assert not Review.objects.filter(assignment=assignment).exists()


def test_the_evaluator_page_saves_the_comment_for_the_applicant(client):
    assignment, criterion = scoring_assignment()
    client.force_login(assignment.evaluator.user)

    response = client.post(
        reverse("evaluator:detail", args=[assignment.pk]),
        {f"score-{criterion.pk}": "7", "comment": "", "comment_for_applicant": "좋은 발표였습니다", "action": "save"},
    )

    assert response.status_code == 302
    assert Review.objects.get(assignment=assignment).comment_for_applicant == "좋은 발표였습니다"


def test_the_status_page_reads_feedback_and_appeals_in_the_same_queries_for_one_open_window_or_three():
    window = {"appeal_days": 3, "appeals_close_at": timezone.now() + timedelta(days=2)}
    evaluation_round, application, founder = setup(**ALL)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(**window)
    application.round_results.filter(round=evaluation_round).update(advanced=False)
    with CaptureQueriesContext(connection) as one:
        rounds = after_publication_for(application=application, actor=founder)
    assert [r.can_appeal for r in rounds] == [True]

    for order in (2, 3):
        later = round_with(program=evaluation_round.program, order=order, **ALL, **window)
        factories.RoundResultFactory(round=later, application=application, rank=1, advanced=order == 2)
    with CaptureQueriesContext(connection) as three:
        rounds = after_publication_for(application=application, actor=founder)
    assert [r.can_appeal for r in rounds] == [True, False, True]
    assert len(three.captured_queries) == len(one.captured_queries)
