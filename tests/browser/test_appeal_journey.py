"""Feedback and an appeal in a real browser: an applicant who did not advance reads what the round
shares (score and band, criterion means, a comment for them), files an appeal with a reason; staff
uphold it in the admin with an answer; the applicant reads the answer. Screenshots ko/en, 1280/375 px."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Appeal, Assignment, EvaluationRound
from tests import factories
from tests.browser.applicants import log_in
from tests.browser.conftest import sign_in_to_admin
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(browser_page) -> None:
    scroll = browser_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], f"wider than the screen: {scroll}"


def _english(browser_page, live_server) -> None:
    browser_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


def test_an_applicant_reads_feedback_files_an_appeal_and_reads_the_staff_answer(
    browser, page, phone_page, live_server, screenshot
):
    evaluation_round = factories.EvaluationRoundFactory(
        program=factories.ProgramFactory(reviewing=True),
        name_ko="서면평가",
        name_en="Document review",
        status=EvaluationRound.Status.PUBLISHED,
        appeal_days=3,
        appeals_close_at=timezone.now() + dt.timedelta(days=2),
        feedback_score=True,
        feedback_criterion_means=True,
        feedback_comments=True,
    )
    technology = factories.CriterionFactory(round=evaluation_round, label_ko="기술성", label_en="Technology", order=1)
    market = factories.CriterionFactory(round=evaluation_round, label_ko="시장성", label_en="Market", order=2)
    result = factories.RoundResultFactory(round=evaluation_round, rank=4, final_score=Decimal("68.25"), advanced=False)
    for rank in (1, 2, 3, 5, 6, 7, 8, 9, 10):
        factories.RoundResultFactory(round=evaluation_round, rank=rank)
    application = result.application
    for value, comment in (("7", "시장 검증 자료를 보완하면 좋겠습니다."), ("8", "기술 차별성이 분명합니다.")):
        review = factories.ReviewFactory(
            assignment__round=evaluation_round,
            assignment__application=application,
            assignment__status=Assignment.Status.SUBMITTED,
            submitted_at=timezone.now(),
            comment_for_applicant=comment,
        )
        factories.ScoreFactory(review=review, criterion=technology, value=Decimal(value))
        factories.ScoreFactory(review=review, criterion=market, value=Decimal("6.5"))
    founder = factories.StartupMemberFactory(startup=application.startup).user
    staff = factories.UserFactory(staff=True)
    log_in(page, founder, live_server)
    log_in(phone_page, founder, live_server)
    detail = f"/applications/{application.pk}/"

    # The feedback the round shares, in Korean at both widths.
    page.goto(detail)
    section = page.locator("#after-publication")
    expect(section.get_by_role("heading", name="평가 피드백 및 이의신청")).to_be_visible()
    expect(section).to_contain_text("68.25")
    expect(section).to_contain_text("상위 31–50%")
    expect(section).to_contain_text("7.50")
    expect(section).to_contain_text("기술 차별성이 분명합니다.")
    section.scroll_into_view_if_needed()
    screenshot(page, "appeal-feedback-ko-1280")
    phone_page.goto(detail)
    _fits(phone_page)
    screenshot(phone_page, "appeal-feedback-ko-375")

    # The applicant files an appeal with a reason.
    page.get_by_role("link", name="이의신청하기").click()
    expect(page.get_by_role("heading", name="이의신청하기")).to_be_visible()
    screenshot(page, "appeal-form-ko-1280")
    page.get_by_role("button", name="이의신청 제출").click()  # empty: refused with a clear message
    expect(page.get_by_text("이의신청 사유를 작성해 주세요.")).to_be_visible()
    page.get_by_label("이의신청 사유").fill("시장성 항목에 체결한 공급 계약 2건이 반영되지 않았습니다.")
    page.get_by_role("button", name="이의신청 제출").click()
    expect(page.locator("#after-publication")).to_contain_text("공급 계약 2건")
    appeal = Appeal.objects.get()
    assert (appeal.status, appeal.filed_by) == (Appeal.Status.FILED, founder)

    # Staff uphold it in the admin, in English, with the answer on the confirmation page.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    staff_page = context.new_page()
    staff_page.set_default_timeout(15_000)
    _english(staff_page, live_server)
    sign_in_to_admin(staff_page, staff, TEST_PASSWORD, next_url="/admin/matching/appeal/")
    staff_page.goto("/admin/matching/appeal/?status__exact=filed")
    staff_page.locator(f"input[name=_selected_action][value='{appeal.pk}']").check()
    staff_page.select_option("select[name=action]", "appeal_uphold")
    staff_page.locator("button[name=index]").click()
    expect(staff_page.get_by_text("Nothing else changes by itself")).to_be_visible()
    staff_page.fill("textarea[name=reason]", "The supply contracts were missed; the market criterion is reassessed.")
    screenshot(staff_page, "appeal-admin-confirm-en-1280")
    staff_page.locator("input[type=submit]").click()
    staff_page.goto(f"/admin/matching/appeal/{appeal.pk}/change/")
    expect(staff_page.get_by_text("Let the application advance after the appeal")).to_be_visible()
    screenshot(staff_page, "appeal-admin-upheld-en-1280")
    context.close()

    # The applicant reads the answer, in English at both widths.
    _english(page, live_server)
    _english(phone_page, live_server)
    page.goto(detail)
    section = page.locator("#after-publication")
    expect(section).to_contain_text("upheld")
    expect(section).to_contain_text("The supply contracts were missed")
    expect(section).to_contain_text("top 31–50%")
    section.scroll_into_view_if_needed()
    screenshot(page, "appeal-answer-en-1280")
    phone_page.goto(detail)
    _fits(phone_page)
    screenshot(phone_page, "appeal-answer-en-375")
