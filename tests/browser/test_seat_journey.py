"""Acceptance and agreement in a real browser: from a finalised program, a selected startup declines
its seat on its status page; the first reserve is promoted, accepts, uploads its agreement document;
staff approve it in the admin; the startup sees the agreement approved. Screenshots ko/en, 1280/375 px."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from matching.models import AgreementDocument, SelectionEntry
from startups.models import StartupMember
from tests import factories
from tests.browser.applicants import PDF, log_in
from tests.browser.conftest import sign_in_to_admin
from tests.factories import TEST_PASSWORD
from tests.matching.test_selection import finalised_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits(browser_page) -> None:
    scroll = browser_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll[0] <= scroll[1], f"wider than the screen: {scroll}"


def _english(browser_page, live_server) -> None:
    browser_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])


def _member(application):
    return StartupMember.objects.active().filter(startup=application.startup).first().user


def test_a_selected_startup_declines_the_reserve_accepts_uploads_its_agreement_and_staff_approve_it(
    browser, page, phone_page, live_server, screenshot, tmp_path
):
    program, applications = finalised_program()
    factories.AgreementRequirementFactory(program=program, label_ko="협약서 (서명본)", label_en="Signed agreement")
    declining, reserve = applications[0], applications[2]

    # The selected startup sees its offer with the deadline, in Korean at both widths, and declines.
    log_in(page, _member(declining), live_server)
    log_in(phone_page, _member(declining), live_server)
    page.goto(f"/applications/{declining.pk}/")
    seat = page.locator("#seat")
    expect(seat.get_by_role("heading", name="프로그램 선정 수락")).to_be_visible()
    expect(seat).to_contain_text("KST")
    seat.scroll_into_view_if_needed()
    screenshot(page, "seat-offer-ko-1280")
    phone_page.goto(f"/applications/{declining.pk}/")
    phone_page.locator("#seat").scroll_into_view_if_needed()
    _fits(phone_page)
    screenshot(phone_page, "seat-offer-ko-375")
    seat.get_by_text("선정 포기").first.click()
    page.get_by_label("포기하는 사유").fill("해외 법인 설립 일정과 겹칩니다.")
    page.get_by_label("포기한 선정은 다음 예비 기업에 넘어가며").check()
    page.locator("#seat form.form button[type=submit]").click()
    expect(page.get_by_role("status").filter(has_text="선정을 포기했습니다.")).to_be_visible()
    assert SelectionEntry.objects.get(application=declining).acceptance == SelectionEntry.Acceptance.DECLINED

    # The first reserve was promoted: it accepts, in English, and uploads its agreement.
    promoted = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    reserve_page = promoted.new_page()
    reserve_page.set_default_timeout(15_000)
    log_in(reserve_page, _member(reserve), live_server)
    _english(reserve_page, live_server)
    reserve_page.goto(f"/applications/{reserve.pk}/")
    reserve_page.locator("#seat").get_by_role("button", name="Accept the seat").click()
    expect(reserve_page.get_by_role("status").filter(has_text="You accepted the seat.")).to_be_visible()
    signed = tmp_path / "signed-agreement.pdf"
    signed.write_bytes(PDF)
    reserve_page.locator("#seat input[type=file]").set_input_files(str(signed))
    reserve_page.locator("#seat").get_by_role("button", name="Upload").click()
    expect(reserve_page.locator("#seat")).to_contain_text("signed-agreement.pdf")
    reserve_page.locator("#seat").scroll_into_view_if_needed()
    screenshot(reserve_page, "seat-agreement-uploaded-en-1280")
    document = AgreementDocument.objects.get()

    # Staff approve it in the admin, through the confirmation page.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    staff_page = context.new_page()
    staff_page.set_default_timeout(15_000)
    _english(staff_page, live_server)
    staff = factories.UserFactory(staff=True)
    sign_in_to_admin(staff_page, staff, TEST_PASSWORD, next_url="/admin/matching/agreementdocument/")
    staff_page.goto("/admin/matching/agreementdocument/?status__exact=submitted")
    staff_page.locator(f"input[name=_selected_action][value='{document.pk}']").check()
    staff_page.select_option("select[name=action]", "agreement_approve")
    staff_page.locator("button[name=index]").click()
    expect(staff_page.get_by_text("once every document is approved")).to_be_visible()
    screenshot(staff_page, "seat-admin-approve-en-1280")
    staff_page.locator("input[type=submit]").click()
    expect(staff_page.get_by_text("Approved:")).to_be_visible()
    context.close()

    # The promoted startup sees its agreement approved, in English at both widths.
    reserve_page.goto(f"/applications/{reserve.pk}/")
    expect(reserve_page.locator("#seat")).to_contain_text("approved")
    reserve_page.locator("#seat").scroll_into_view_if_needed()
    screenshot(reserve_page, "seat-approved-en-1280")
    log_in(phone_page, _member(reserve), live_server)
    _english(phone_page, live_server)
    phone_page.goto(f"/applications/{reserve.pk}/")
    phone_page.locator("#seat").scroll_into_view_if_needed()
    _fits(phone_page)
    screenshot(phone_page, "seat-approved-en-375")
    promoted.close()
    assert SelectionEntry.objects.get(application=reserve).agreement == SelectionEntry.Agreement.APPROVED
