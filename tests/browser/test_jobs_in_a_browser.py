"""Staff start "compute results" from the admin, land on the job's page, and read what it did; a running
job's page follows along by reloading itself. Screenshots: job-page-{ko,en}-{1280,375}, job-page-running-ko-*."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from jobs.models import Job
from matching.models import RoundResult
from tests import factories
from tests.browser.conftest import sign_in_to_admin
from tests.factories import TEST_PASSWORD
from tests.jobs.conftest import closed_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def at_both_widths(page, screenshot, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-375")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name} is {overflow}px wider than a 375px phone"


def log_in_to_the_admin(page, email: str) -> None:
    sign_in_to_admin(page, User.objects.get(email=email), TEST_PASSWORD)


def test_staff_compute_results_from_the_admin_and_read_the_outcome_on_the_job_page(page, screenshot):
    program = factories.ProgramFactory(name_ko="2027 예비창업패키지", name_en="Pre-Startup Package 2027")
    evaluation_round = closed_round(12, program=program)
    factories.UserFactory(staff=True, email="ops@example.com")
    log_in_to_the_admin(page, "ops@example.com")

    page.goto(reverse("admin:matching_evaluationround_changelist"))
    page.check(f'input[name="_selected_action"][value="{evaluation_round.pk}"]')
    page.select_option('select[name="action"]', "round_compute_results")
    page.locator('button[name="index"]').click()

    job = Job.objects.get()
    page.wait_for_url(f"**{reverse('admin:jobs_job_change', args=[job.pk])}")
    results = RoundResult.objects.filter(round=evaluation_round)
    advanced, failed = results.filter(advanced=True).count(), results.filter(failed=True).count()
    expect(page.locator(".job-summary")).to_have_text(
        f"결과 산출 완료: 신청서 12건, 진출 {advanced}건, 과락 {failed}건"
    )
    expect(page.locator(".job-facts")).to_contain_text("2027 예비창업패키지")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    at_both_widths(page, screenshot, "job-page-ko")

    page.click("#language-switcher button[value=en]")
    page.wait_for_selector("html[lang=en]")
    expect(page.locator(".job-summary")).to_have_text(
        f"Results computed: 12 applications, {advanced} advancing, {failed} failing."
    )
    at_both_widths(page, screenshot, "job-page-en")

    page.get_by_role("link", name="The round's results").click()
    page.wait_for_url(re.compile(rf"round__id__exact={evaluation_round.pk}"))

    page.goto(reverse("admin:jobs_job_changelist"))
    expect(page.locator("#result_list")).to_contain_text("Pre-Startup Package 2027")
    expect(page.locator("#result_list")).to_contain_text("12 / 12")
    at_both_widths(page, screenshot, "job-list-en")


def test_a_running_job_page_shows_its_progress_and_follows_along(page, screenshot):
    program = factories.ProgramFactory(name_ko="2027 예비창업패키지")
    staff = factories.UserFactory(staff=True, email="ops@example.com", name="김운영")
    job = Job.objects.create(
        kind=Job.Kind.ASSIGN,
        params={"round_id": 1},
        program=program,
        created_by=staff,
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        progress_done=1234,
        progress_total=10000,
    )
    log_in_to_the_admin(page, "ops@example.com")

    page.goto(reverse("admin:jobs_job_change", args=[job.pk]))

    expect(page.locator(".job-progress-text")).to_have_text("1,234 / 10,000 (12%)")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    at_both_widths(page, screenshot, "job-page-running-ko")
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now(),
        progress_done=10000,
        result={"applications": 10000, "created": 30000, "load_min": 149, "load_max": 151},
    )
    expect(page.locator(".job-summary")).to_be_visible(timeout=6000)  # the page reloaded itself


def test_a_failed_job_page_says_why_in_words_and_links_back_to_the_round(page, screenshot):
    evaluation_round = closed_round(1)
    staff = factories.UserFactory(staff=True, email="ops@example.com")
    job = Job.objects.create(
        kind=Job.Kind.COMPUTE,
        params={"round_id": evaluation_round.pk, "allow_missing": False},
        program=evaluation_round.program,
        created_by=staff,
        status=Job.Status.FAILED,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        error="결과는 평가 단계가 마감된 뒤에만 산출할 수 있습니다.",
        result={"code": "round_not_closed"},
    )
    log_in_to_the_admin(page, "ops@example.com")

    page.goto(reverse("admin:jobs_job_change", args=[job.pk]))

    expect(page.locator(".job-failure")).to_contain_text("평가 단계가 마감된 뒤에만")
    at_both_widths(page, screenshot, "job-page-failed-ko")
    page.locator("#content-main").get_by_role("link", name="평가 단계 페이지").click()
    page.wait_for_url(f"**{reverse('admin:matching_evaluationround_change', args=[evaluation_round.pk])}")
