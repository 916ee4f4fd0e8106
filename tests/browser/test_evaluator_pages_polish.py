"""Evaluator pages in a real browser: the live total equals what the server saves, the menu has no
applicant items for an evaluator, and at 375 px the assignment list is stacked cards, not columns
squeezed to one character per line. Screenshots ko/en at 1280 and 375 px."""

from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from matching.models import EvaluationRound
from tests import factories
from tests.browser.applicants import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scoring_evaluator(assignments=1):
    """An evaluator (no startup) with `assignments` applications to score in a round of three criteria of
    different weights and maxima; the answers are in Korean."""
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.SCORING, name_ko="서면 평가", name_en="Document review"
    )
    criteria = [
        factories.CriterionFactory(
            round=evaluation_round,
            code=code,
            label_ko=ko,
            label_en=en,
            weight=Decimal(weight),
            max_score=Decimal(max_score),
            order=order,
        )
        for order, (code, ko, en, weight, max_score) in enumerate(
            [
                ("technology", "기술성", "Technology", "3", "10"),
                ("market", "시장성", "Market", "1.25", "7.5"),
                ("team", "팀 역량", "Team", "2", "30"),
            ]
        )
    ]
    factories.QuestionFactory(program=evaluation_round.program, code="problem", kind="short_text")
    evaluator = factories.EvaluatorFactory(user__preferred_language="ko")
    made = []
    for number in range(assignments):
        application = factories.ApplicationFactory(
            in_review=True, program=evaluation_round.program, title=f"AI 고객상담 자동화 서비스 {number + 1}"
        )
        factories.SubmissionFactory(
            application=application,
            number=1,
            snapshot={
                "title": application.title,
                "summary": "중소기업 고객센터의 반복 문의를 줄입니다.",
                "answers": {"problem": "고객센터 상담원의 업무 70%가 반복 문의입니다."},
            },
        )
        made.append(factories.AssignmentFactory(round=evaluation_round, application=application, evaluator=evaluator))
    return evaluator, made, criteria


def in_english(page, live_server):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


def test_the_live_total_equals_the_saved_total_and_the_menu_has_no_applicant_items(page, live_server, screenshot):
    evaluator, (assignment,), (technology, market, team) = scoring_evaluator()
    log_in(page, evaluator.user, live_server)

    page.goto("/evaluate/")
    nav = page.locator("nav.site-nav")
    expect(nav.get_by_role("link", name="내 평가 배정")).to_be_visible()
    expect(nav.get_by_role("link", name="내 스타트업")).to_have_count(0)
    expect(nav.get_by_role("link", name="내 신청서")).to_have_count(0)
    screenshot(page, "evaluator-list-ko-1280")

    page.goto(f"/evaluate/assignments/{assignment.pk}/")
    live = page.locator("[data-live-total]")
    expect(live).to_be_hidden()  # nothing typed yet: the saved total is the server's
    page.fill(f"#score-{technology.pk}", "7,25")  # a decimal comma reads as a point, as on the server
    page.fill(f"#score-{market.pk}", "4.5")
    expect(page.locator("[data-live-total-incomplete]")).to_be_visible()  # the team score is missing
    page.fill(f"#score-{team.pk}", "31")  # above the maximum
    expect(page.locator("[data-live-total-incomplete]")).to_be_visible()
    page.fill(f"#score-{team.pk}", "13")
    # 100 · (3·7.25/10 + 1.25·4.5/7.5 + 2·13/30) / 6.25 = 60.666…, shown half-up to 60.67
    expect(page.locator("[data-live-total-value]")).to_have_text("60.67 / 100")
    expect(page.locator("[data-live-total-incomplete]")).to_be_hidden()
    screenshot(page, "score-sheet-live-total-ko-1280")

    page.locator("button[name=action][value=save]").click()

    expect(page.locator("[data-saved-total]")).to_contain_text("60.67 / 100")

    in_english(page, live_server)
    page.goto("/evaluate/")
    expect(page.locator("nav.site-nav").get_by_role("link", name="My applications")).to_have_count(0)
    screenshot(page, "evaluator-list-en-1280")
    page.goto(f"/evaluate/assignments/{assignment.pk}/")
    expect(page.get_by_text("Answers are shown as the applicant wrote them, in Korean.")).to_be_visible()
    page.fill(f"#score-{market.pk}", "5")
    expect(page.locator("[data-live-total-value]")).to_have_text("62.00 / 100")
    screenshot(page, "score-sheet-live-total-en-1280")


def test_on_a_phone_the_assignment_list_is_stacked_cards(phone_page, live_server, screenshot):
    evaluator, made, _criteria = scoring_evaluator(assignments=3)
    log_in(phone_page, evaluator.user, live_server)

    for language in ("ko", "en"):
        if language == "en":
            in_english(phone_page, live_server)
        phone_page.goto("/evaluate/")
        cells = phone_page.locator("table.table--stack tbody td")
        expect(cells).to_have_count(12)
        widths = [cells.nth(i).bounding_box()["width"] for i in range(12)]
        assert min(widths) > 100, f"a cell is squeezed: {widths}"
        scroll = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"wider than the 375 px screen: {scroll}"
        screenshot(phone_page, f"evaluator-list-{language}-375")
        phone_page.goto(f"/evaluate/assignments/{made[0].pk}/")
        screenshot(phone_page, f"score-sheet-{language}-375")
