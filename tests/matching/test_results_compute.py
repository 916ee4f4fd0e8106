"""Computing a round's results through the service, the job and a real worker."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.errors import DomainError
from jobs.models import Job
from jobs.services import job_run
from jobs.tasks import run_job
from matching.models import Assignment, EvaluationRound, RoundResult, Score
from matching.services.rounds import round_compute_results
from matching.services.scoring import results_compute, round_validate_configuration
from tests import factories

pytestmark = pytest.mark.django_db

RESULT_FIELDS = [
    "application_id",
    "review_count",
    "mean",
    "trimmed_mean",
    "zscore",
    "aggregate",
    "bonus",
    "round_score",
    "final_score",
    "rank",
    "failed",
    "fail_reasons",
    "advanced",
    "fingerprint",
]


def make_round(applications: int = 3, *, evaluators: int = 2, **round_fields) -> EvaluationRound:
    """A closed round: tech (30, max 10), market (30, max 10), team (40, max 20); every review submitted.

    A review's total is 3·tech + 3·market + 2·team.
    """
    round_fields.setdefault("status", EvaluationRound.Status.CLOSED)
    evaluation_round = factories.EvaluationRoundFactory(**round_fields)
    criteria = [
        factories.CriterionFactory(round=evaluation_round, code=code, weight=D(w), max_score=D(m), order=order)
        for order, (code, w, m) in enumerate((("tech", "30", "10"), ("market", "30", "10"), ("team", "40", "20")))
    ]
    panel = factories.EvaluatorFactory.create_batch(evaluators)
    track = factories.TrackFactory(program=evaluation_round.program)
    for i in range(applications):
        add_application(evaluation_round, criteria, panel, track, values=[(i + j) % 11 for j in range(len(panel))])
    return evaluation_round


def add_application(evaluation_round, criteria, panel, track, *, values, status=Assignment.Status.SUBMITTED):
    application = factories.ApplicationFactory(program=evaluation_round.program, track=track, in_review=True)
    scores = []
    for evaluator, tech in zip(panel, values, strict=True):
        assignment = factories.AssignmentFactory(
            round=evaluation_round, application=application, evaluator=evaluator, status=status
        )
        review = factories.ReviewFactory(assignment=assignment, submitted_at=timezone.now())
        for criterion, value in zip(criteria, (tech, 5, 10), strict=True):
            scores.append(
                Score(
                    review=review,
                    criterion=criterion,
                    round=evaluation_round,
                    value=value,
                    max_score=criterion.max_score,
                )
            )
    Score.objects.bulk_create(scores)
    return application


def result_rows(evaluation_round):
    return list(RoundResult.objects.filter(round=evaluation_round).order_by("rank").values_list(*RESULT_FIELDS))


def test_results_are_refused_while_an_assignment_is_not_submitted(staff_user):
    evaluation_round = make_round(2)
    in_progress = Assignment.objects.filter(round=evaluation_round).first()
    Assignment.objects.filter(pk=in_progress.pk).update(status=Assignment.Status.IN_PROGRESS)

    with pytest.raises(DomainError) as refused, translation.override("en"):
        results_compute(round=evaluation_round, by=staff_user)

    assert refused.value.code == "reviews_missing"
    assert "1 assignment is not submitted" in refused.value.message
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.CLOSED
    assert not RoundResult.objects.filter(round=evaluation_round).exists()


def test_computing_with_the_reviews_submitted_is_recorded_in_the_audit_trail(staff_user):
    evaluation_round = make_round(2)
    pending = Assignment.objects.filter(round=evaluation_round).first()
    Assignment.objects.filter(pk=pending.pk).update(status=Assignment.Status.PENDING)

    with translation.override("en"):
        report = results_compute(round=evaluation_round, by=staff_user, allow_missing=True)

    assert report.missing_reviews == 1
    event = AuditEvent.objects.get(verb="results_computed", object_id=str(evaluation_round.pk))
    assert event.actor == staff_user
    assert event.data["allow_missing"] is True and event.data["missing_reviews"] == 1
    assert "1 assignment was not submitted" in event.reason
    assert RoundResult.objects.get(round=evaluation_round, application=pending.application).review_count == 1


def test_recused_assignments_do_not_count_as_missing(staff_user):
    evaluation_round = make_round(2)
    Assignment.objects.filter(pk=Assignment.objects.filter(round=evaluation_round).first().pk).update(
        status=Assignment.Status.RECUSED
    )

    assert results_compute(round=evaluation_round, by=staff_user).missing_reviews == 0


def test_each_application_gets_one_result_with_ranks_1_to_n_and_the_round_moves_on(staff_user):
    evaluation_round = make_round(5, advance_count=2)

    report = results_compute(round=evaluation_round, by=staff_user)

    rows = RoundResult.objects.filter(round=evaluation_round).order_by("rank")
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
    assert len({r.application_id for r in rows}) == 5
    assert [r.advanced for r in rows] == [True, True, False, False, False]
    assert all(r.review_count == 2 and r.fingerprint == report.fingerprint and r.computed_at for r in rows)
    assert report.applications == 5 and report.reviews == 10 and report.advanced == 2
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.RESULTS_COMPUTED
    assert AuditEvent.objects.filter(
        object_id=str(evaluation_round.pk), verb="status_changed", to_state="results_computed"
    ).exists()


def test_stored_scores_follow_the_design_formulas(staff_user):
    evaluation_round = make_round(0)
    criteria = list(evaluation_round.criteria.order_by("order"))
    panel = factories.EvaluatorFactory.create_batch(3)
    track = factories.TrackFactory(program=evaluation_round.program)
    # tech 8, 2, 5 with market 5 and team 10: totals 3·tech + 15 + 20 = 59, 41, 50
    application = add_application(evaluation_round, criteria, panel, track, values=[8, 2, 5])
    startup = application.startup
    startup.women_owned = True
    startup.save(update_fields=["women_owned"])
    factories.BonusRuleFactory(round=evaluation_round, flag="women_owned", points=D("3"))
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(bonus_cap=D("2"), aggregation="trimmed")

    results_compute(round=evaluation_round, by=staff_user)

    result = RoundResult.objects.get(round=evaluation_round, application=application)
    assert result.mean == D("50.0000")  # (59 + 41 + 50) / 3
    assert result.trimmed_mean == D("50.0000")  # the middle one
    assert result.aggregate == D("50.0000")
    assert result.bonus == D("2.00")  # 3 points capped at 2
    assert result.round_score == result.final_score == D("52.0000")


def test_carry_over_reads_the_earlier_round_score(staff_user):
    earlier = factories.EvaluationRoundFactory(status=EvaluationRound.Status.PUBLISHED)
    evaluation_round = make_round(2, program=earlier.program)
    applications = sorted(set(evaluation_round.assignments.values_list("application_id", flat=True)))
    factories.RoundResultFactory(round=earlier, application_id=applications[0], round_score=D("80"))
    factories.CarryOverWeightFactory(round=evaluation_round, source_round=earlier, weight=D("0.3"))
    factories.CarryOverWeightFactory(round=evaluation_round, source_round=evaluation_round, weight=D("0.7"))

    results_compute(round=evaluation_round, by=staff_user)

    with_score = RoundResult.objects.get(round=evaluation_round, application_id=applications[0])
    assert with_score.final_score == (D("0.3") * 80 + D("0.7") * with_score.round_score).quantize(D("0.0001"))
    without = RoundResult.objects.get(round=evaluation_round, application_id=applications[1])
    assert without.failed and without.fail_reasons == [{"code": "no_earlier_score", "round": earlier.order}]


def test_running_twice_on_the_same_inputs_gives_identical_rows(staff_user):
    evaluation_round = make_round(6, evaluators=3, aggregation="zscore")
    results_compute(round=evaluation_round, by=staff_user)
    first = result_rows(evaluation_round)

    results_compute(round=evaluation_round, by=staff_user)

    assert result_rows(evaluation_round) == first


def test_results_cannot_be_computed_before_the_round_closes(staff_user):
    evaluation_round = make_round(1, status=EvaluationRound.Status.SCORING)

    with pytest.raises(DomainError) as refused:
        results_compute(round=evaluation_round, by=staff_user)

    assert refused.value.code == "round_not_closed"


def test_query_count_does_not_grow_with_the_number_of_applications(staff_user, django_assert_num_queries):
    small = make_round(2)
    with CaptureQueriesContext(connection) as baseline:
        results_compute(round=small, by=staff_user)
    expected = len(baseline.captured_queries)

    small_again = make_round(3)
    with django_assert_num_queries(expected):
        results_compute(round=small_again, by=staff_user)
    large = make_round(25, evaluators=3)
    with django_assert_num_queries(expected):
        results_compute(round=large, by=staff_user)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"advance_count": None}, "advance_count_missing"),
        ({"advancement_rule": "cutoff", "cutoff_score": None}, "cutoff_missing"),
    ],
)
def test_a_round_without_its_n_or_t_is_refused(change, code):
    evaluation_round = make_round(0)
    for name, value in change.items():
        setattr(evaluation_round, name, value)

    with pytest.raises(DomainError) as refused:
        round_validate_configuration(round=evaluation_round)

    assert refused.value.code == code


def test_carry_over_weights_must_add_up_to_exactly_one():
    evaluation_round = make_round(0)
    factories.CarryOverWeightFactory(round=evaluation_round, source_round=evaluation_round, weight=D("0.7"))
    earlier = factories.EvaluationRoundFactory(program=evaluation_round.program)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(order=earlier.order + 1)  # the later round
    evaluation_round.refresh_from_db()
    factories.CarryOverWeightFactory(round=evaluation_round, source_round=earlier, weight=D("0.299"))

    with pytest.raises(DomainError) as refused:
        round_validate_configuration(round=evaluation_round)

    assert refused.value.code == "carry_over_not_one"


def test_a_round_without_criteria_is_refused():
    with pytest.raises(DomainError) as refused:
        round_validate_configuration(round=factories.EvaluationRoundFactory())

    assert refused.value.code == "round_without_criteria"


def compute_job(evaluation_round, by, *, allow_missing=False) -> Job:
    return Job.objects.create(
        kind=Job.Kind.COMPUTE,
        params={"round_id": evaluation_round.pk, "allow_missing": allow_missing},
        created_by=by,
        program=evaluation_round.program,
    )


def test_computing_again_gives_the_same_rows_and_report(staff_user):
    evaluation_round = make_round(4)

    first = job_run(job_id=compute_job(evaluation_round, staff_user).pk)
    rows = result_rows(evaluation_round)
    second = job_run(job_id=compute_job(evaluation_round, staff_user).pk)

    assert first.result == second.result
    assert result_rows(evaluation_round) == rows
    assert RoundResult.objects.filter(round=evaluation_round).count() == 4


def test_starting_the_computation_runs_its_job_only_after_commit(staff_user, django_capture_on_commit_callbacks):
    evaluation_round = make_round(2)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = round_compute_results(round=evaluation_round, by=staff_user)
        assert not RoundResult.objects.filter(round=evaluation_round).exists()

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert RoundResult.objects.filter(round=evaluation_round).count() == 2


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_computes_the_results(celery_worker_process):
    evaluation_round = make_round(3)
    staff = factories.UserFactory(staff=True)

    job = compute_job(evaluation_round, staff)

    assert run_job.delay(job.pk).get(timeout=60) == Job.Status.SUCCEEDED
    job.refresh_from_db()
    assert job.result["applications"] == 3
    assert [r.rank for r in RoundResult.objects.filter(round=evaluation_round).order_by("rank")] == [1, 2, 3]
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.RESULTS_COMPUTED


def test_a_refused_computation_job_leaves_the_reason_in_the_rounds_audit_trail(staff_user):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)

    job = job_run(job_id=compute_job(evaluation_round, staff_user).pk)

    assert (job.status, job.result["code"]) == (Job.Status.FAILED, "round_not_closed")
    assert AuditEvent.objects.filter(object_id=str(evaluation_round.pk), verb="results_compute_refused").exists()


def test_computing_again_keeps_the_overrides_staff_made(staff_user):
    evaluation_round = make_round(3)
    results_compute(round=evaluation_round, by=staff_user)
    held_back = RoundResult.objects.filter(round=evaluation_round).order_by("rank").first()
    RoundResult.objects.filter(pk=held_back.pk).update(
        advanced=not held_back.advanced, override_reason="서류 보완 확인"
    )

    results_compute(round=evaluation_round, by=staff_user)

    again = RoundResult.objects.get(round=evaluation_round, application_id=held_back.application_id)
    assert (again.advanced, again.override_reason) == (not held_back.advanced, "서류 보완 확인")
