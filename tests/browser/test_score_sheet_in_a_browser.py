"""The evaluator's score sheet in a real browser: a refused submission of a submitted review keeps it
submitted with its scores, shows every error beside its field and keeps what was typed."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from matching.models import Assignment, EvaluationRound
from tests import factories
from tests.browser.applicants import log_in
from tests.reviews import review_state, submitted_review_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submitted_review():
    """A submitted review of two criteria (기술성 7 of 10, 시장성 15 of 30), with a comment."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING, name_ko="서면 평가")
    technology = factories.CriterionFactory(
        round=evaluation_round, code="technology", label_ko="기술성", max_score=Decimal("10"), order=1
    )
    market = factories.CriterionFactory(
        round=evaluation_round, code="market", label_ko="시장성", max_score=Decimal("30"), order=2
    )
    assignment = factories.AssignmentFactory(round=evaluation_round)
    factories.SubmissionFactory(
        application=assignment.application,
        number=1,
        snapshot={"title": "AI 상담 자동화", "summary": "중소기업 고객센터의 반복 문의를 줄입니다.", "answers": {}},
    )
    submitted_review_of(assignment, {technology: "7", market: "15"}, comment="기술 완성도가 높음")
    return assignment, technology, market


def test_clearing_a_score_of_a_submitted_review_and_submitting_is_refused_and_changes_nothing(
    page, live_server, screenshot
):
    assignment, technology, market = submitted_review()
    before = review_state(assignment)
    log_in(page, assignment.evaluator.user, live_server)
    page.goto(f"/evaluate/assignments/{assignment.pk}/")
    expect(page.locator(".page-header .badge")).to_have_text("제출 완료")

    page.fill(f"#score-{technology.pk}", "")
    page.get_by_role("button", name="평가표 제출").click()

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator(f"#score-{technology.pk}_error")).to_have_text("점수를 입력하세요.")
    expect(page.locator(f"#score-{technology.pk}")).to_have_value("")
    expect(page.locator(f"#score-{market.pk}")).to_have_value("15")
    expect(page.locator(".page-header .badge")).to_have_text("제출 완료")
    screenshot(page, "score-sheet-refused-submit-ko")
    after = review_state(assignment)
    assert after == before
    assert (after["status"], after["scores"]) == (
        Assignment.Status.SUBMITTED,
        {"technology": Decimal("7"), "market": Decimal("15")},
    )


def test_on_a_phone_every_error_shows_beside_its_field_and_the_typed_values_stay(phone_page, live_server, screenshot):
    assignment, technology, market = submitted_review()
    before = review_state(assignment)
    log_in(phone_page, assignment.evaluator.user, live_server)
    phone_page.goto(f"/evaluate/assignments/{assignment.pk}/")

    phone_page.fill(f"#score-{technology.pk}", "")
    phone_page.fill(f"#score-{market.pk}", "31")
    phone_page.fill("#comment", "시장 규모 근거가 부족함")
    phone_page.get_by_role("button", name="평가표 제출").click()

    expect(phone_page.locator(".error-summary__list li")).to_have_count(2)
    expect(phone_page.locator(f"#score-{technology.pk}_error")).to_have_text("점수를 입력하세요.")
    expect(phone_page.locator(f"#score-{market.pk}_error")).to_have_text("0부터 30 사이의 점수를 입력하세요.")
    expect(phone_page.locator(f"#score-{market.pk}")).to_have_value("31")
    expect(phone_page.locator("#comment")).to_have_value("시장 규모 근거가 부족함")
    widths = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"wider than the 375 px screen: {widths}"
    screenshot(phone_page, "score-sheet-refused-submit-phone-ko")
    assert review_state(assignment) == before


def test_a_double_click_on_submit_sends_one_request(page, live_server):
    assignment, technology, _market = submitted_review()
    log_in(page, assignment.evaluator.user, live_server)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"/evaluate/assignments/{assignment.pk}/")

    page.fill(f"#score-{technology.pk}", "8")
    page.get_by_role("button", name="평가표 제출").dblclick()

    page.wait_for_url("**/evaluate/")
    assert len(posts) == 1
    state = review_state(assignment)
    assert (state["status"], state["scores"]["technology"]) == (Assignment.Status.SUBMITTED, Decimal("8"))
