"""Drafts and submission in a real browser: the deadline, a double click, no JavaScript, autosave."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Program
from notifications.models import Notification
from startups.models import Application, Attachment, Submission
from startups.services import application_start
from tests.browser.applicants import (
    PDF,
    agree_to_privacy,
    browser_page,
    complete_draft,
    log_in,
    make_founder,
    make_program,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def review_url(application: Application) -> str:
    return f"/applications/{application.pk}/review/"


def edit_url(application: Application) -> str:
    return f"/applications/{application.pk}/edit/"


def test_a_submission_after_the_deadline_is_refused_and_the_draft_is_kept(page, live_server, screenshot):
    program = make_program()
    founder = make_founder()
    application = complete_draft(program, founder)
    answers = dict(application.answers.values_list("question__code", "value"))
    log_in(page, founder, live_server)
    page.goto(review_url(application))
    submit = page.get_by_role("button", name="신청서 제출")
    expect(submit).to_be_enabled()
    agree_to_privacy(page)

    # The deadline passes while the founder reads the review page.
    Program.objects.filter(pk=program.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    submit.click()

    expect(page.locator(".messages [role=alert]")).to_contain_text("지나 제출하거나 수정할 수 없습니다")
    expect(page.locator(".messages")).to_contain_text("저장한 내용은 그대로 남아 있습니다")
    expect(page.get_by_role("button", name="신청서 제출")).to_have_count(0)
    assert page.url.endswith(review_url(application))
    screenshot(page, "late-submission-refused-ko")
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert not application.receipt_number
    assert not Submission.objects.filter(application=application).exists()
    assert dict(application.answers.values_list("question__code", "value")) == answers
    assert application.title == "생성형 AI 고객 상담 자동화"
    assert Attachment.objects.filter(application=application, detached_at=None).count() == 1


def test_a_double_click_on_submit_gives_one_submission_and_one_receipt_number(page, live_server):
    program = make_program(receipt_prefix="DBL2025")
    founder = make_founder()
    application = complete_draft(program, founder)
    log_in(page, founder, live_server)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/submit/" in r.url else None)
    page.goto(review_url(application))
    agree_to_privacy(page)

    page.get_by_role("button", name="신청서 제출").dblclick()

    page.wait_for_url(f"**/applications/{application.pk}/")
    expect(page.locator(".receipt-number")).to_have_text("DBL2025-0001")
    assert len(posts) == 1  # the button is disabled after the first click
    application.refresh_from_db()
    assert application.receipt_number == "DBL2025-0001"
    assert Submission.objects.filter(application=application).count() == 1
    assert Notification.objects.filter(event=Notification.Event.APPLICATION_SUBMITTED).count() == 1


# Two writers at once need a real database: SQLite's shared in-memory test database refuses the
# second one at once ("database table is locked") instead of making it wait.
@pytest.mark.postgres
def test_submitting_from_two_tabs_at_once_gives_one_submission_and_the_same_receipt_number_in_both(page, live_server):
    program = make_program(receipt_prefix="TAB2025")
    founder = make_founder()
    application = complete_draft(program, founder)
    log_in(page, founder, live_server)
    page.goto(review_url(application))
    with page.context.expect_page() as opened:
        page.evaluate("url => { window.otherTab = window.open(url); }", review_url(application))
    other_tab = opened.value
    other_tab.wait_for_load_state()
    for tab in (page, other_tab):
        agree_to_privacy(tab)
    posts = []
    for tab in (page, other_tab):
        tab.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    # Both review pages send their form in the same instant, as two tabs would at the last second.
    page.evaluate(
        "() => { for (const w of [window.otherTab, window]) "
        "w.document.querySelector('form[data-submit-once]').requestSubmit(); }"
    )

    for tab in (page, other_tab):
        tab.wait_for_url(f"**/applications/{application.pk}/")
        expect(tab.locator(".receipt-number")).to_have_text("TAB2025-0001")
    assert len(posts) == 2
    assert Submission.objects.filter(application=application).count() == 1
    assert Notification.objects.filter(event=Notification.Event.APPLICATION_SUBMITTED).count() == 1
    program.refresh_from_db()
    assert program.receipt_counter == 1


def test_without_javascript_a_founder_can_save_a_draft_upload_and_submit(browser, live_server, tmp_path):
    program = make_program(receipt_prefix="NOJS2025")
    founder = make_founder()
    application = application_start(program=program, by=founder)
    deck = tmp_path / "deck.pdf"
    deck.write_bytes(PDF)
    with browser_page(browser, live_server, javascript=False) as page:
        log_in(page, founder, live_server)
        page.goto(edit_url(application))
        page.fill("#id_title", "자바스크립트 없이 쓴 신청서")
        page.fill("#id_summary", "스크립트를 끈 브라우저에서도 신청할 수 있어야 합니다.")
        page.get_by_label("API 활용").check()
        page.fill("#id_q_product", "매치봇")
        page.set_input_files("#id_q_deck", str(deck))
        page.locator(".save-panel").get_by_role("button", name="임시저장").click()

        expect(page.locator(".messages")).to_contain_text("임시저장했습니다")
        expect(page.locator(".file-current__name")).to_contain_text("deck.pdf")
        application.refresh_from_db()
        assert application.title == "자바스크립트 없이 쓴 신청서"
        assert application.track.code == "api"

        page.fill("#id_q_problem", "고객 문의의 70%가 반복 질문입니다.")
        page.get_by_label("정식 출시").check()
        page.locator("#id_q_abroad_1").check()
        page.locator("#id_d_tax_arrears_1").check()
        page.get_by_role("button", name="저장하고 검토").click()
        page.wait_for_url(f"**{review_url(application)}")
        agree_to_privacy(page)
        page.get_by_role("button", name="신청서 제출").click()

        page.wait_for_url(f"**/applications/{application.pk}/")
        expect(page.locator(".receipt-number")).to_have_text("NOJS2025-0001")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert Submission.objects.filter(application=application).count() == 1


def test_with_javascript_typed_answers_are_autosaved_without_clicking_anything(page, live_server):
    program = make_program()
    founder = make_founder()
    application = application_start(program=program, by=founder)
    log_in(page, founder, live_server)
    page.goto(edit_url(application))

    page.fill("#id_title", "자동 저장되는 과제명")
    page.fill("#id_q_problem", "입력만 하고 아무 버튼도 누르지 않았습니다.")
    # About five seconds after typing, the form saves itself and says so.
    expect(page.locator("#autosave-status")).to_contain_text("임시저장됨", timeout=10_000)

    application.refresh_from_db()
    assert application.title == "자동 저장되는 과제명"
    page.reload()
    expect(page.locator("#id_title")).to_have_value("자동 저장되는 과제명")
    expect(page.locator("#id_q_problem")).to_have_value("입력만 하고 아무 버튼도 누르지 않았습니다.")
