"""Criteria limited to tracks: a review's total uses only the criteria of its application's track."""

import dataclasses
from decimal import Decimal as D
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given

from matching.models import Assignment, EvaluationRound, RoundResult, Score
from matching.scoring import ApplicationSpec, CriterionSpec, RoundSpec, compute_round
from matching.services.reviews import ReviewInvalid, review_save
from matching.services.score_import import ScoreSheetInvalid, score_sheet_template, scores_import
from matching.services.scoring import criteria_for_track, results_compute
from tests import factories
from tests.matching.test_properties import FAST, rounds

TECH, SOCIAL = 1, 2
ROUND = RoundSpec(id=1, advance_count=5)
CRITERIA = [
    CriterionSpec(id=1, code="idea", weight=D("30"), max_score=D("10"), order=1),
    CriterionSpec(id=2, code="tech", weight=D("20"), max_score=D("7"), order=2, tracks=frozenset({TECH})),
]


def without_fingerprint(computation):
    return [dataclasses.astuple(result) for result in computation.results]


@FAST
@given(rounds())
def test_criteria_that_apply_to_every_track_give_the_same_results_as_criteria_without_tracks(case):
    every_track = frozenset({a.track_id for a in case["applications"]})
    limited = {**case, "criteria": [dataclasses.replace(c, tracks=every_track) for c in case["criteria"]]}
    assert without_fingerprint(compute_round(**limited)) == without_fingerprint(compute_round(**case))


def test_a_track_only_criterion_counts_for_its_track_and_is_ignored_for_the_other():
    applications = [ApplicationSpec(id=10, track_id=TECH), ApplicationSpec(id=20, track_id=SOCIAL)]
    scores = [
        (1, 10, 7, 1, "7"),
        (1, 10, 7, 2, "5"),
        (2, 20, 7, 1, "7"),
        (2, 20, 7, 2, "3"),  # a stray score of a criterion the social track does not have
    ]
    results = {r.application_id: r for r in compute_round(ROUND, CRITERIA, applications, scores).results}

    # tech: 100 · (30·7/10 + 20·5/7) / (30 + 20); social: 100 · (30·7/10) / 30
    assert results[10].final_score == Fraction(100) * (Fraction(21) + Fraction(100, 7)) / 50 == Fraction(494, 7)
    assert results[20].final_score == Fraction(70)


def test_each_track_breaks_ties_on_its_own_highest_weight_criterion():
    heavy_tech = dataclasses.replace(CRITERIA[1], weight=D("60"))
    applications = [ApplicationSpec(id=10, track_id=TECH), ApplicationSpec(id=20, track_id=SOCIAL)]
    scores = [(1, 10, 7, 1, "7"), (1, 10, 7, 2, "4.9"), (2, 20, 7, 1, "7")]
    results = {
        r.application_id: r for r in compute_round(ROUND, [CRITERIA[0], heavy_tech], applications, scores).results
    }
    assert results[10].tie_value == Fraction(7, 10)  # tech/7 on the tech track
    assert results[20].tie_value == Fraction(7, 10)  # idea/10 on the social track, which has no tech


def test_the_fingerprint_of_a_round_without_track_criteria_ignores_the_new_field():
    applications = [ApplicationSpec(id=10, track_id=TECH)]
    scores = [(1, 10, 7, 1, "7")]
    plain = compute_round(ROUND, CRITERIA[:1], applications, scores)
    limited = compute_round(ROUND, [dataclasses.replace(CRITERIA[0], tracks=frozenset({TECH}))], applications, scores)
    assert plain.fingerprint != limited.fingerprint
    assert plain.results == limited.results


# -- on the database


def two_track_round(*, limit: bool = True):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.CLOSED)
    program = evaluation_round.program
    tech, social = factories.TrackFactory(program=program), factories.TrackFactory(program=program)
    idea = factories.CriterionFactory(round=evaluation_round, code="idea", weight=D("30"), max_score=D("10"), order=1)
    tech_only = factories.CriterionFactory(
        round=evaluation_round, code="tech", weight=D("20"), max_score=D("7"), order=2
    )
    if limit:
        tech_only.tracks.add(tech)
    evaluator = factories.EvaluatorFactory()
    applications = {}
    for track, values in ((tech, {idea: 7, tech_only: 5}), (social, {idea: 7})):
        application = factories.ApplicationFactory(program=program, track=track, in_review=True)
        assignment = factories.AssignmentFactory(
            round=evaluation_round, application=application, evaluator=evaluator, status=Assignment.Status.SUBMITTED
        )
        review = factories.ReviewFactory(assignment=assignment, submitted_at=timezone.now())
        Score.objects.bulk_create(
            Score(review=review, criterion=c, round=evaluation_round, value=v, max_score=c.max_score)
            for c, v in values.items()
        )
        applications[track.pk] = application
    return evaluation_round, (tech, social), (idea, tech_only), applications


@pytest.mark.django_db
def test_computed_totals_equal_the_hand_computed_exact_fractions(staff_user):
    evaluation_round, (tech, social), _criteria, applications = two_track_round()

    results_compute(round=evaluation_round, by=staff_user)

    exact = dict(RoundResult.objects.filter(round=evaluation_round).values_list("application_id", "exact"))
    assert Fraction(exact[applications[tech.pk].pk]["final"]) == Fraction(100) * (21 + Fraction(100, 7)) / 50
    assert exact[applications[social.pk].pk]["final"] == "70"


@pytest.mark.django_db
def test_track_criteria_add_no_query_to_the_computation(staff_user, django_assert_num_queries):
    plain, *_ = two_track_round(limit=False)
    with CaptureQueriesContext(connection) as baseline:
        results_compute(round=plain, by=staff_user)
    limited, *_ = two_track_round(limit=True)
    with django_assert_num_queries(len(baseline.captured_queries)):
        results_compute(round=limited, by=staff_user)


@pytest.mark.django_db
def test_the_criteria_of_a_track_are_its_own_and_those_for_every_track():
    evaluation_round, (tech, social), (idea, tech_only), _applications = two_track_round()
    assert list(criteria_for_track(round_id=evaluation_round.pk, track_id=tech.pk)) == [idea, tech_only]
    assert list(criteria_for_track(round_id=evaluation_round.pk, track_id=social.pk)) == [idea]
    assert list(criteria_for_track(round_id=evaluation_round.pk, track_id=None)) == [idea]


def scoring_sheet(*, on_tech_track: bool):
    """An assignment in a scoring round with `idea` for every track and `tech` for the tech track only."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    tech, social = (
        factories.TrackFactory(program=evaluation_round.program),
        factories.TrackFactory(program=evaluation_round.program),
    )
    idea = factories.CriterionFactory(round=evaluation_round, code="idea", max_score=D("10"), order=1)
    tech_only = factories.CriterionFactory(round=evaluation_round, code="tech", max_score=D("10"), order=2)
    tech_only.tracks.add(tech)
    application = factories.ApplicationFactory(
        program=evaluation_round.program, track=tech if on_tech_track else social, in_review=True
    )
    assignment = factories.AssignmentFactory(round=evaluation_round, application=application)
    return assignment, idea, tech_only


@pytest.mark.django_db
def test_a_review_of_another_track_is_submitted_without_the_track_only_criterion():
    assignment, idea, _tech_only = scoring_sheet(on_tech_track=False)

    review_save(assignment=assignment, by=assignment.evaluator.user, scores={idea.pk: "7"}, submit=True)

    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.SUBMITTED


@pytest.mark.django_db
def test_a_review_of_the_track_needs_the_track_only_criterion_to_be_submitted():
    assignment, idea, tech_only = scoring_sheet(on_tech_track=True)

    with pytest.raises(ReviewInvalid) as refused:
        review_save(assignment=assignment, by=assignment.evaluator.user, scores={idea.pk: "7"}, submit=True)

    assert list(refused.value.problems) == ["criterion:tech"]


@pytest.mark.django_db
def test_a_score_for_a_criterion_of_another_track_is_refused():
    assignment, idea, tech_only = scoring_sheet(on_tech_track=False)

    with pytest.raises(ReviewInvalid) as refused:
        review_save(assignment=assignment, by=assignment.evaluator.user, scores={idea.pk: "7", tech_only.pk: "5"})

    assert "scores" in refused.value.problems
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_the_score_sheet_shows_only_the_criteria_of_the_application_s_track(client):
    assignment, idea, _tech_only = scoring_sheet(on_tech_track=False)
    factories.SubmissionFactory(application=assignment.application, number=1)
    client.force_login(assignment.evaluator.user)

    response = client.get(reverse("evaluator:detail", args=[assignment.pk]))

    assert [row["criterion"] for row in response.context["rows"]] == [idea]


def import_rows(assignment, values):
    email = assignment.evaluator.user.email
    receipt = assignment.application.receipt_number
    return [
        {"receipt_number": receipt, "evaluator_email": email, "criterion_code": code, "score": score}
        for code, score in values.items()
    ]


@pytest.mark.django_db
def test_an_offline_score_for_a_criterion_of_another_track_is_refused():
    assignment, _idea, _tech_only = scoring_sheet(on_tech_track=False)
    staff = factories.UserFactory(staff=True)

    with pytest.raises(ScoreSheetInvalid) as refused, translation.override("en"):
        scores_import(
            round=assignment.round, by=staff, rows=import_rows(assignment, {"idea": "7", "tech": "5"}), source_name="x"
        )

    assert [line for line, _message in refused.value.problems] == [3]
    assert "not scored in the track" in refused.value.problems[0][1]
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_an_offline_sheet_completes_a_review_with_the_criteria_of_its_track():
    assignment, _idea, _tech_only = scoring_sheet(on_tech_track=False)
    staff = factories.UserFactory(staff=True)

    scores_import(round=assignment.round, by=staff, rows=import_rows(assignment, {"idea": "7"}), source_name="x")

    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.SUBMITTED


@pytest.mark.django_db
def test_the_offline_sheet_template_lists_only_the_criteria_of_each_application_s_track():
    assignment, _idea, _tech_only = scoring_sheet(on_tech_track=False)

    _header, rows = score_sheet_template(round=assignment.round)

    assert [row[2] for row in rows] == ["idea"]
