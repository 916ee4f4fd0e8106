"""Assignment and computing results as jobs: 202 with the job's address, checked at once where it can
be, run after commit, polled through `/jobs/{id}/` until it has succeeded or failed."""

import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEvent
from jobs.models import Job
from jobs.services import job_run
from matching.models import Assignment, EvaluationRound, RoundResult
from tests import factories

pytestmark = pytest.mark.django_db

R = EvaluationRound.Status


def closed_round(applications=2, *, submitted=True):
    """A closed round with one criterion and one evaluator per application, every review scored."""
    evaluation_round = factories.EvaluationRoundFactory(status=R.CLOSED, evaluators_per_application=1)
    criterion = factories.CriterionFactory(round=evaluation_round)
    status = Assignment.Status.SUBMITTED if submitted else Assignment.Status.PENDING
    for value in range(applications):
        assignment = factories.AssignmentFactory(round=evaluation_round, status=status)
        review = factories.ReviewFactory(assignment=assignment, submitted_at=timezone.now() if submitted else None)
        factories.ScoreFactory(review=review, criterion=criterion, value=value + 5)
    return evaluation_round


def assigning_round(applications=3, *, evaluators=2, k=2):
    evaluation_round = factories.EvaluationRoundFactory(status=R.ASSIGNING, evaluators_per_application=k)
    evaluation_round.evaluators.add(*factories.EvaluatorFactory.create_batch(evaluators))
    factories.ApplicationFactory.create_batch(applications, program=evaluation_round.program, in_review=True)
    return evaluation_round


def round_events(evaluation_round, verb):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(EvaluationRound), object_id=str(evaluation_round.pk), verb=verb
    )


def test_computing_answers_202_with_the_queued_job_and_its_address(staff_api, staff_user):
    evaluation_round = closed_round()

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")

    job = Job.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/jobs/{job.pk}/"
    assert response.json()["status"] == Job.Status.QUEUED
    assert (job.kind, job.params, job.created_by) == (
        Job.Kind.COMPUTE,
        {"round_id": evaluation_round.pk, "allow_missing": False},
        staff_user,
    )


def test_a_compute_job_runs_after_commit_and_its_resource_shows_the_result(
    staff_api, staff_user, django_capture_on_commit_callbacks
):
    evaluation_round = closed_round(applications=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")
    job = staff_api.get(response["Location"]).json()

    assert job["status"] == Job.Status.SUCCEEDED
    assert (job["result"]["applications"], job["error"]) == (2, "")
    assert job["started_at"] and job["finished_at"]
    assert RoundResult.objects.filter(round=evaluation_round).count() == 2
    assert round_events(evaluation_round, "results_computed").get().actor == staff_user


def test_computing_a_round_not_closed_is_refused_at_once_without_a_job(staff_api):
    evaluation_round = factories.EvaluationRoundFactory(status=R.SCORING)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")

    assert (response.status_code, response.json()["code"]) == (409, "round_not_closed")
    assert not Job.objects.exists()


def test_computing_with_reviews_missing_is_refused_unless_allowed(staff_api, django_capture_on_commit_callbacks):
    evaluation_round = closed_round(applications=1, submitted=False)
    refused = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")

    with django_capture_on_commit_callbacks(execute=True):
        allowed = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/", {"allow_missing": True})

    assert (refused.status_code, refused.json()["code"]) == (409, "reviews_missing")
    assert allowed.status_code == 202
    job = Job.objects.get()
    assert (job.status, job.params["allow_missing"], job.result["missing_reviews"]) == (Job.Status.SUCCEEDED, True, 1)


def test_a_compute_job_refused_when_it_runs_fails_with_the_message(
    staff_api, staff_user, django_capture_on_commit_callbacks
):
    evaluation_round = closed_round()
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/", HTTP_ACCEPT_LANGUAGE="en")
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.SCORING)  # reopened meanwhile

    for callback in callbacks:
        callback()
    job = staff_api.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").json()

    assert job["status"] == Job.Status.FAILED
    assert job["error"]
    assert job["result"] == {"code": "round_not_closed"}
    assert round_events(evaluation_round, "results_compute_refused").get().actor == staff_user
    assert not RoundResult.objects.exists()


def test_a_job_run_twice_runs_once(staff_api, django_capture_on_commit_callbacks):
    evaluation_round = closed_round()
    with django_capture_on_commit_callbacks() as callbacks:
        staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")

    for callback in callbacks * 2:
        callback()
    job_run(job_id=Job.objects.get().pk)

    assert Job.objects.get().status == Job.Status.SUCCEEDED
    assert round_events(evaluation_round, "results_computed").count() == 1


def test_an_assign_job_gives_every_application_its_evaluators(
    staff_api, staff_user, django_capture_on_commit_callbacks
):
    evaluation_round = assigning_round(applications=3, evaluators=2, k=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/assign/", {"seed": 7})
    job = staff_api.get(response["Location"]).json()

    assert response.status_code == 202
    assert (job["kind"], job["status"], job["params"]) == (
        Job.Kind.ASSIGN,
        Job.Status.SUCCEEDED,
        {"round_id": evaluation_round.pk, "seed": 7},
    )
    assert job["result"]["created"] == 6 == evaluation_round.assignments.count()
    assert round_events(evaluation_round, "evaluators_assigned").get().actor == staff_user


def test_assigning_a_round_in_setup_is_refused_at_once_without_a_job(staff_api):
    evaluation_round = factories.EvaluationRoundFactory(status=R.SETUP)

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/assign/")

    assert (response.status_code, response.json()["code"]) == (409, "round_not_assigning")
    assert not Job.objects.exists()


def test_an_assignment_that_cannot_be_served_fails_the_job_with_the_reasons(
    staff_api, django_capture_on_commit_callbacks
):
    evaluation_round = assigning_round(applications=2, evaluators=1, k=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/assign/")
    job = staff_api.get(response["Location"]).json()

    assert job["status"] == Job.Status.FAILED
    assert job["error"]
    assert job["result"]["code"] == "assignment_impossible"
    assert len(job["result"]["problems"]) >= 1
    assert not evaluation_round.assignments.exists()
    assert round_events(evaluation_round, "evaluator_assignment_failed").exists()


def test_a_negative_seed_is_a_400(staff_api):
    evaluation_round = assigning_round()

    response = staff_api.post(f"/api/v1/rounds/{evaluation_round.pk}/assign/", {"seed": -1})

    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not Job.objects.exists()


# --- reading jobs ------------------------------------------------------------------------------------------


def job_of(user, kind=Job.Kind.COMPUTE):
    return Job.objects.create(kind=kind, params={"round_id": 1}, created_by=user)


def test_a_job_shows_every_documented_field(staff_api, staff_user):
    job = job_of(staff_user)

    body = staff_api.get(f"/api/v1/jobs/{job.pk}/").json()

    assert set(body) == {
        "id",
        "kind",
        "status",
        "program",
        "params",
        "progress",
        "result",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    }


def test_a_job_shows_its_progress_and_program(staff_api, staff_user):
    program = factories.ProgramFactory()
    job = Job.objects.create(
        kind=Job.Kind.COMPUTE, params={}, program=program, created_by=staff_user, progress_done=3, progress_total=10
    )

    body = staff_api.get(f"/api/v1/jobs/{job.pk}/").json()

    assert (body["program"], body["progress"]) == (program.pk, {"done": 3, "total": 10})


def test_someone_elses_job_is_a_404_for_a_non_staff_caller(key_client):
    mine, theirs = factories.UserFactory(), factories.UserFactory()
    client = key_client(mine)
    own, other = job_of(mine), job_of(theirs)

    assert client.get(f"/api/v1/jobs/{own.pk}/").status_code == 200
    assert client.get(f"/api/v1/jobs/{other.pk}/").status_code == 404
    assert [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]] == [own.pk]


def test_staff_see_every_job(staff_api, staff_user):
    other = job_of(factories.UserFactory())
    own = job_of(staff_user)

    assert [j["id"] for j in staff_api.get("/api/v1/jobs/").json()["results"]] == [own.pk, other.pk]
    assert staff_api.get(f"/api/v1/jobs/{other.pk}/").status_code == 200


def test_a_partner_key_held_by_staff_sees_only_the_jobs_its_user_started(key_client, staff_user):
    partner = factories.PartnerFactory()
    factories.PartnerMembershipFactory(partner=partner, user=staff_user)
    client = key_client(staff_user, partner=partner)
    other = job_of(factories.UserFactory())

    assert client.get(f"/api/v1/jobs/{other.pk}/").status_code == 404


def test_jobs_can_be_filtered_by_kind_and_status(staff_api, staff_user):
    job_of(staff_user, kind=Job.Kind.ASSIGN)
    compute = job_of(staff_user)

    body = staff_api.get("/api/v1/jobs/", {"kind": Job.Kind.COMPUTE, "status": Job.Status.QUEUED}).json()

    assert [j["id"] for j in body["results"]] == [compute.pk]


def test_reading_jobs_needs_the_rounds_manage_scope(key_client, staff_user):
    job = job_of(staff_user)
    client = key_client(staff_user, scopes=["programs:read"])

    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 403
    assert client.get("/api/v1/jobs/").status_code == 403


def test_an_unknown_job_is_a_404(staff_api):
    assert staff_api.get("/api/v1/jobs/999999/").status_code == 404


def test_the_job_list_queries_do_not_grow(staff_api, staff_user, django_assert_num_queries):
    staff_api.get("/api/v1/jobs/")  # the key's first use records it once
    for _ in range(2):
        job_of(staff_user)
    with django_assert_num_queries(3):
        assert staff_api.get("/api/v1/jobs/").json()["count"] == 2
    for _ in range(18):
        job_of(staff_user)
    with django_assert_num_queries(3):
        assert staff_api.get("/api/v1/jobs/").json()["count"] == 20


# --- with a real worker ------------------------------------------------------------------------------------


@pytest.mark.worker
def test_a_real_worker_runs_the_compute_job_and_the_poll_sees_it_succeed(transactional_db, celery_worker, key_client):
    staff = factories.UserFactory(staff=True)
    client = key_client(staff)
    evaluation_round = closed_round()
    celery_worker()

    response = client.post(f"/api/v1/rounds/{evaluation_round.pk}/compute/")
    assert response.status_code == 202
    deadline = time.monotonic() + 30
    while (job := client.get(response["Location"]).json())["status"] in (Job.Status.QUEUED, Job.Status.RUNNING):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)

    assert job["status"] == Job.Status.SUCCEEDED, job
    assert RoundResult.objects.filter(round=evaluation_round).count() == 2
