"""A founder's whole journey in a Korean browser, from the open calls to the receipt number."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from notifications.models import Notification
from startups.models import Application, Attachment, Submission
from tests.browser.applicants import PDF, agree_to_privacy, make_program
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = TEST_PASSWORD + " 2025"


def confirmation_path() -> str:
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", body)
    assert match, f"no confirmation link in:\n{body}"
    return match.group(1)


def test_a_founder_signs_up_registers_the_startup_drafts_uploads_and_submits_in_korean(
    page, live_server, screenshot, settings, tmp_path
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    program = make_program(receipt_prefix="GAI2025")

    # The open calls, then the call itself with its deadline in Korea time.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#hero-title")).to_have_text("글로벌 기업과 함께 성장하세요")
    page.get_by_role("link", name=program.name_ko, exact=True).click()
    page.wait_for_url(f"**/programs/{program.slug}/")
    expect(page.locator("h1")).to_have_text(program.name_ko)
    expect(page.locator(".apply-box .deadline")).to_contain_text("KST")
    expect(page.locator("#time-left")).to_contain_text(re.compile(r"마감까지 \d+일"))
    expect(page.locator("#documents-title")).to_be_visible()
    screenshot(page, "journey-01-program-ko")

    # Sign up, in Korean.
    page.get_by_role("link", name="회원가입").first.click()
    page.wait_for_url("**/accounts/signup/**")
    expect(page.locator("h1")).to_have_text("회원가입")
    page.fill("#id_name", "김민지")
    page.fill("#id_email", "Minji@Example.com")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    expect(page.locator("#id_preferred_language")).to_have_value("ko")
    page.check("#id_terms_consent")
    screenshot(page, "journey-02-signup-ko")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/accounts/confirm-email/")

    # The confirmation mail arrives; its link opens in the browser and confirms the address.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["minji@example.com"]
    page.goto(confirmation_path())
    page.get_by_role("button", name="확인").click()
    page.wait_for_url("**/accounts/login/**")

    # Log in, then apply: the startup comes first.
    page.fill("#id_login", "minji@example.com")
    page.fill("#id_password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name=program.name_ko, exact=True).click()
    page.locator(".apply-box").get_by_role("link", name="신청하기").click()
    page.wait_for_url("**/startup/?next=*")
    expect(page.locator("h1")).to_have_text("기업 정보 등록")
    page.fill("#id_name_ko", "주식회사 매치데이랩")
    page.fill("#id_name_en", "Matchday Lab Inc.")
    page.fill("#id_brn", "124-81-00998")
    page.fill("#id_founded_on", "2021-03-15")
    page.fill("#id_ceo_name", "김민지")
    page.fill("#id_employees", "12")
    page.fill("#id_annual_revenue_krw", "350,000,000")
    page.fill("#id_description", "중소기업 고객센터를 위한 AI 상담 자동화 서비스를 만듭니다.")
    screenshot(page, "journey-03-startup-profile-ko")
    page.get_by_role("button", name="기업 등록").click()

    # The application form: a partial draft first.
    page.wait_for_url("**/applications/*/edit/")
    application = Application.objects.get()
    assert application.startup.brn == "1248100998"
    expect(page.locator("h1")).to_have_text("신청서 작성")
    page.fill("#id_title", "생성형 AI 고객 상담 자동화")
    page.fill("#id_summary", "중소기업 고객센터의 반복 문의를 AI 상담원이 처리합니다.")
    page.get_by_label("API 활용").check()
    page.fill("#id_q_product", "매치봇")
    page.fill("#id_q_problem", "고객 문의의 70%가 같은 질문의 반복입니다.")
    page.locator(".save-panel").get_by_role("button", name="임시저장").click()
    expect(page.locator(".messages")).to_contain_text("임시저장했습니다")

    # Leave, come back through "내 신청서": everything typed is there.
    page.get_by_role("link", name="공고 목록").first.click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="내 신청서").first.click()
    page.wait_for_url("**/applications/")
    page.get_by_role("link", name="이어서 작성").click()
    page.wait_for_url(f"**/applications/{application.pk}/edit/")
    expect(page.locator("#id_title")).to_have_value("생성형 AI 고객 상담 자동화")
    expect(page.locator("#id_summary")).to_have_value("중소기업 고객센터의 반복 문의를 AI 상담원이 처리합니다.")
    expect(page.get_by_label("API 활용")).to_be_checked()
    expect(page.locator("#id_q_product")).to_have_value("매치봇")
    expect(page.locator("#id_q_problem")).to_have_value("고객 문의의 70%가 같은 질문의 반복입니다.")

    # The pitch deck goes up with a save and is shown by name.
    deck = tmp_path / "매치봇-피치덱.pdf"
    deck.write_bytes(PDF)
    page.set_input_files("#id_q_deck", str(deck))
    page.locator(".save-panel").get_by_role("button", name="임시저장").click()
    expect(page.locator(".messages")).to_contain_text("임시저장했습니다")
    expect(page.locator(".file-current__name")).to_contain_text("피치덱.pdf")
    assert Attachment.objects.filter(application=application, detached_at=None).count() == 1

    # The rest of the answers, then the review page.
    page.get_by_label("정식 출시").check()
    page.locator("#id_q_abroad_1").check()
    page.locator("#id_d_tax_arrears_1").check()
    screenshot(page, "journey-04-edit-form-ko")
    page.get_by_role("button", name="저장하고 검토").click()
    page.wait_for_url(f"**/applications/{application.pk}/review/")
    expect(page.locator("h1")).to_have_text("신청서 검토")
    expect(page.locator("#error-summary")).to_have_count(0)
    expect(page.locator(".review-section")).to_contain_text(["주식회사 매치데이랩", "생성형 AI 고객 상담 자동화"])
    screenshot(page, "journey-05-review-ko")

    # Submit: the status page shows the receipt number.
    agree_to_privacy(page)
    page.get_by_role("button", name="신청서 제출").click()
    page.wait_for_url(f"**/applications/{application.pk}/")
    expect(page.locator(".receipt-number")).to_have_text("GAI2025-0001")
    expect(page.locator(".messages")).to_contain_text("GAI2025-0001")
    screenshot(page, "journey-06-status-ko")

    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.receipt_number == "GAI2025-0001"
    assert Submission.objects.filter(application=application).count() == 1
    assert Notification.objects.filter(event=Notification.Event.APPLICATION_SUBMITTED).count() == 1
