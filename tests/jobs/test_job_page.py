"""The job's page staff land on from the admin's actions: progress while it runs (the page reloads
itself), then what the job did with the real numbers and links, or why it failed."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from jobs.models import Job
from jobs.services import job_run
from matching.models import EvaluationRound, RoundResult
from tests import factories
from tests.admin.conftest import admin_url, messages_of, post_action
from tests.jobs.conftest import closed_round, job_of

pytestmark = pytest.mark.django_db

REFRESH = '<meta http-equiv="refresh" content="2">'


def job_page(job) -> str:
    return reverse("admin:jobs_job_change", args=[job.pk])


def test_computing_results_from_the_admin_lands_on_the_job_page_with_the_real_numbers(
    staff, django_capture_on_commit_callbacks
):
    evaluation_round = closed_round(3)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])
    job = Job.objects.get()
    page = staff.get(response["Location"]).content.decode()

    assert response["Location"] == job_page(job)
    results = RoundResult.objects.filter(round=evaluation_round)
    advanced, failed = results.filter(advanced=True).count(), results.filter(failed=True).count()
    assert f"Results computed: 3 applications, {advanced} advancing, {failed} failing." in page
    assert f"?round__id__exact={evaluation_round.pk}" in page  # the round's results
    assert reverse("admin:matching_evaluationround_change", args=[evaluation_round.pk]) in page


def test_a_queued_or_running_job_page_reloads_itself_and_a_finished_one_does_not(staff):
    queued = job_of()
    running = job_of(status=Job.Status.RUNNING, started_at=timezone.now(), progress_done=1234, progress_total=10000)
    finished = job_of(status=Job.Status.SUCCEEDED, finished_at=timezone.now(), result={"applications": 1})

    assert REFRESH in staff.get(job_page(queued)).content.decode()
    running_page = staff.get(job_page(running)).content.decode()
    assert REFRESH in running_page
    assert '<progress max="10000" value="1234"' in running_page
    assert "1,234 / 10,000 (12%)" in running_page
    assert REFRESH not in staff.get(job_page(finished)).content.decode()


def test_a_refused_job_shows_the_refusal_in_words_with_a_link_back_to_the_round(
    staff, django_capture_on_commit_callbacks
):
    evaluation_round = closed_round(2)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=EvaluationRound.Status.SCORING)
    for callback in callbacks:
        callback()

    page = staff.get(response["Location"]).content.decode()

    assert "The job failed." in page
    assert "Results can be computed only once the round is closed." in page
    assert reverse("admin:matching_evaluationround_change", args=[evaluation_round.pk]) in page
    assert "round__id__exact" not in page  # no results to link to


def test_an_unexpected_error_reads_as_a_sentence_with_its_detail_apart(staff):
    job = job_of(status=Job.Status.FAILED, error="KeyError: 'round_id'", finished_at=timezone.now())

    page = staff.get(job_page(job)).content.decode()

    assert "The job stopped on an unexpected error." in page
    assert "<code>KeyError: &#x27;round_id&#x27;</code>" in page


def test_the_job_page_reads_in_korean(staff_client, django_capture_on_commit_callbacks):
    staff_client.cookies["django_language"] = "ko"
    evaluation_round = closed_round(2)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff_client, EvaluationRound, "round_compute_results", [evaluation_round])

    page = staff_client.get(response["Location"]).content.decode()

    assert "결과 산출 완료: 신청서 2건" in page
    assert "작업 목록" in page


def test_people_who_are_not_staff_cannot_open_a_job_page(client):
    job = job_of()
    client.force_login(factories.UserFactory())

    response = client.get(job_page(job))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_view_permission_are_refused_the_job_page(client):
    job = job_of()
    client.force_login(factories.UserFactory(is_staff=True))

    assert client.get(job_page(job)).status_code == 403


def test_staff_see_the_jobs_others_started(client):
    job = job_of(created_by=factories.UserFactory(staff=True))
    colleague = factories.UserFactory(is_staff=True)
    colleague.user_permissions.add(Permission.objects.get(codename="view_job"))
    client.force_login(colleague)

    assert client.get(job_page(job)).status_code == 200


def test_the_job_page_queries_do_not_grow(staff, staff_user, django_assert_num_queries):
    program = factories.ProgramFactory()
    few = job_of(Job.Kind.SCHEDULING, params={"event_id": 1}, program=program, created_by=staff_user)
    few.status, few.result = Job.Status.SUCCEEDED, {"requests": 2, "placed": 1, "unplaced": [{"reason": "x"}]}
    few.save()
    many = job_of(Job.Kind.SCHEDULING, params={"event_id": 1}, program=program, created_by=staff_user)
    many.status, many.result = Job.Status.SUCCEEDED, {"requests": 90, "placed": 50, "unplaced": [{}] * 40}
    many.save()
    staff.get(job_page(few))  # the session's first read

    with django_assert_num_queries(3):
        assert "1 of 2 requests placed" in staff.get(job_page(few)).content.decode()
    with django_assert_num_queries(3):
        assert "50 of 90 requests placed" in staff.get(job_page(many)).content.decode()


def test_the_job_list_shows_kind_program_state_and_progress(staff, staff_user):
    program = factories.ProgramFactory(name_en="Seed 2027")
    job_of(program=program, created_by=staff_user, status=Job.Status.RUNNING, progress_done=5, progress_total=20)

    page = staff.get(admin_url(Job, "changelist")).content.decode()

    assert "Compute results" in page
    assert "Seed 2027" in page
    assert "5 / 20 (25%)" in page
    assert staff_user.name in page


def test_the_job_list_queries_do_not_grow(staff, staff_user, django_assert_num_queries):
    program = factories.ProgramFactory()
    for _ in range(2):
        job_of(program=program, created_by=staff_user)
    staff.get(admin_url(Job, "changelist"))
    with django_assert_num_queries(8):
        staff.get(admin_url(Job, "changelist"))
    for _ in range(20):
        job_of(program=factories.ProgramFactory(), created_by=factories.UserFactory())
    with django_assert_num_queries(8):
        staff.get(admin_url(Job, "changelist"))


def test_computing_several_rounds_lands_on_the_list_of_their_jobs(staff, django_capture_on_commit_callbacks):
    rounds = [closed_round(1), closed_round(1)]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff, EvaluationRound, "round_compute_results", rounds)
    listed = staff.get(response["Location"])

    assert response["Location"].startswith(admin_url(Job, "changelist") + "?id__in=")
    assert listed.status_code == 200
    assert listed.context["cl"].result_count == 2
    assert [level for level, _text in messages_of(response)] == ["success"]


def test_a_refused_round_stays_on_the_round_list_with_the_reason(staff):
    evaluation_round = closed_round(1, submitted=False)

    response = post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])

    assert response["Location"].startswith(admin_url(EvaluationRound, "changelist"))
    assert not Job.objects.exists()


def test_a_job_run_twice_from_the_admin_runs_once(staff, django_capture_on_commit_callbacks):
    evaluation_round = closed_round(2)
    with django_capture_on_commit_callbacks() as callbacks:
        post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])

    for callback in callbacks * 2:
        callback()
    job = job_run(job_id=Job.objects.get().pk)

    assert job.status == Job.Status.SUCCEEDED
    assert AuditEvent.objects.filter(object_id=str(evaluation_round.pk), verb="results_computed").count() == 1
