"""The pledge in a real browser: an evaluator opens an assignment, is shown the round's pledge, accepts
it, declares no conflict of interest, then scores. Screenshots of the pledge page ko/en at 1280 and 375 px."""

from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from matching.models import EvaluationRound, PledgeAcceptance, Review
from matching.services.pledges import DEFAULT_PLEDGE_EN, DEFAULT_PLEDGE_KO, pledge_create
from tests import factories
from tests.browser.applicants import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_evaluator_accepts_the_pledge_declares_no_conflict_and_then_scores(
    page, phone_page, live_server, screenshot
):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING, name_ko="서면 평가", name_en="Document review"
    )
    criterion = factories.CriterionFactory(
        round=evaluation_round, code="technology", label_ko="기술성", label_en="Technology", max_score=Decimal(10)
    )
    assignment = factories.AssignmentFactory(round=evaluation_round)
    evaluation_round.evaluators.add(assignment.evaluator)
    pledge_create(round=evaluation_round, text_ko=DEFAULT_PLEDGE_KO, text_en=DEFAULT_PLEDGE_EN, by=None)
    log_in(page, assignment.evaluator.user, live_server)
    log_in(phone_page, assignment.evaluator.user, live_server)

    page.goto(f"/evaluate/assignments/{assignment.pk}/")  # the score sheet sends them to the pledge first
    expect(page.get_by_role("heading", name="청렴·비밀유지 서약")).to_be_visible()
    expect(page.get_by_text("서약문 (제1판)")).to_be_visible()
    screenshot(page, "pledge-ko-1280")
    phone_page.goto(f"/evaluate/assignments/{assignment.pk}/pledge/")
    screenshot(phone_page, "pledge-ko-375")
    for browser_page in (page, phone_page):
        browser_page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
        )
    page.goto(f"/evaluate/assignments/{assignment.pk}/pledge/")
    expect(page.get_by_text("1. Fairness:")).to_be_visible()
    screenshot(page, "pledge-en-1280")
    phone_page.goto(f"/evaluate/assignments/{assignment.pk}/pledge/")
    scroll = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], f"wider than the 375 px screen: {scroll}"
    screenshot(phone_page, "pledge-en-375")

    page.get_by_role("button", name="I accept the pledge").click()

    expect(page.get_by_role("heading", name="Conflict of interest")).to_be_visible()
    assert PledgeAcceptance.objects.get().language == "en"
    page.get_by_label("I have no conflict of interest with this application.").check()
    page.get_by_role("button", name="Declare no conflict").click()
    expect(page.get_by_role("heading", name="Conflict of interest")).to_have_count(0)
    page.fill(f"#score-{criterion.pk}", "8")
    page.locator("button[name=action][value=save]").click()

    expect(page.locator("[data-saved-total]")).to_contain_text("/ 100")
    assert Review.objects.get(assignment=assignment).scores.get().value == Decimal(8)
