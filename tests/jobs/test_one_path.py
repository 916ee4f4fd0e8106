"""The admin and the API start background work through the same services, which return the Job; the
runners record progress as they go (at the ends of their phases, not a query per row)."""

import pytest
from rest_framework.test import APIClient

from jobs.models import Job
from jobs.services import job_run, progress_reporter
from matching.models import EvaluationRound
from tests import factories
from tests.admin.conftest import post_action
from tests.jobs.conftest import closed_round, job_of

pytestmark = pytest.mark.django_db


def started(job: Job) -> tuple:
    return job.kind, job.params, job.program_id, job.created_by_id


def test_the_api_and_the_admin_start_the_same_compute_job(staff, staff_user):
    evaluation_round = closed_round(2)
    api = APIClient()
    api.force_login(staff_user)

    post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])
    api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")

    from_admin, from_api = Job.objects.order_by("pk")
    assert started(from_admin) == started(from_api)
    assert started(from_api) == (
        Job.Kind.COMPUTE,
        {"round_id": evaluation_round.pk, "allow_missing": False},
        evaluation_round.program_id,
        staff_user.pk,
    )


def test_the_api_and_the_admin_start_the_same_assign_job(staff, staff_user):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.ASSIGNING, evaluators_per_application=1
    )
    evaluation_round.evaluators.add(factories.EvaluatorFactory())
    factories.ApplicationFactory(program=evaluation_round.program, in_review=True)
    api = APIClient()
    api.force_login(staff_user)

    post_action(staff, EvaluationRound, "round_assign_evaluators", [evaluation_round])
    api.post(f"/api/v1/rounds/{evaluation_round.pk}/assign/")

    from_admin, from_api = Job.objects.order_by("pk")
    assert (from_admin.kind, from_admin.params, from_admin.program_id) == (
        from_api.kind,
        from_api.params,
        from_api.program_id,
    )
    assert from_api.params == {"round_id": evaluation_round.pk, "seed": 0}


def test_computing_records_how_many_applications_it_has_done(staff, django_capture_on_commit_callbacks):
    evaluation_round = closed_round(3)

    with django_capture_on_commit_callbacks(execute=True):
        post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])

    job = Job.objects.get()
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)


def test_assigning_records_how_many_applications_it_has_done(staff, django_capture_on_commit_callbacks):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.ASSIGNING, evaluators_per_application=1
    )
    evaluation_round.evaluators.add(factories.EvaluatorFactory())
    factories.ApplicationFactory.create_batch(4, program=evaluation_round.program, in_review=True)

    with django_capture_on_commit_callbacks(execute=True):
        post_action(staff, EvaluationRound, "round_assign_evaluators", [evaluation_round])

    job = Job.objects.get()
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.SUCCEEDED, 4, 4)


def test_progress_is_written_at_most_every_half_second_and_always_at_the_end():
    job = job_of(status=Job.Status.RUNNING)
    report = progress_reporter(job)

    report(1, 10)
    report(2, 10)  # too soon after the first: not written
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (1, 10)
    report(10, 10)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (10, 10)


def test_a_refused_assignment_fails_the_job_with_the_applications_it_cannot_serve(staff_user):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.ASSIGNING, evaluators_per_application=2
    )
    evaluation_round.evaluators.add(factories.EvaluatorFactory())
    application = factories.ApplicationFactory(program=evaluation_round.program, in_review=True, submitted=True)
    job = job_of(Job.Kind.ASSIGN, params={"round_id": evaluation_round.pk}, created_by=staff_user)

    job = job_run(job_id=job.pk)

    assert (job.status, job.result["code"]) == (Job.Status.FAILED, "assignment_impossible")
    assert application.receipt_number in job.error
    assert [problem["application_id"] for problem in job.result["problems"]] == [application.pk]
