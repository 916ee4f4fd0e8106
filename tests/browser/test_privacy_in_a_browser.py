"""Personal data in a real browser: the consent box at submission and the "my data" page."""

import pytest
from playwright.sync_api import expect

from jobs.models import Job
from privacy.models import Consent
from startups.models import Application
from tests.browser.applicants import browser_page, complete_draft, log_in, make_founder, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_submitting_asks_for_consent_to_the_programs_statement_and_stores_it(phone_page, live_server, screenshot):
    program = make_program(receipt_prefix="PRV2025")
    founder = make_founder()
    application = complete_draft(program, founder)
    page = phone_page
    log_in(page, founder, live_server)
    page.goto(f"/applications/{application.pk}/review/")

    consent = page.locator(".consent")
    expect(consent).to_contain_text("개인정보")
    expect(consent).to_contain_text("36개월")
    expect(consent).to_contain_text("OpenAI Korea")
    consent.scroll_into_view_if_needed()
    screenshot(page, "consent-ko-375")

    # The browser itself refuses the form until the box is ticked.
    page.get_by_role("button", name="신청서 제출").click()
    assert page.url.endswith(f"/applications/{application.pk}/review/")
    page.locator("#id_privacy_consent").check()
    page.get_by_role("button", name="신청서 제출").click()

    page.wait_for_url(f"**/applications/{application.pk}/")
    expect(page.locator(".receipt-number")).to_have_text("PRV2025-0001")
    assert Consent.objects.get().version == 1
    assert Application.objects.get(pk=application.pk).status == Application.Status.SUBMITTED


def test_the_consent_box_in_english_at_1280(browser, live_server, screenshot):
    program = make_program()
    founder = make_founder(language="en")
    application = complete_draft(program, founder)
    with browser_page(browser, live_server, locale="en-GB") as page:
        log_in(page, founder, live_server)
        page.goto(f"/applications/{application.pk}/review/")
        expect(page.locator(".consent")).to_contain_text(
            "I agree to the program's personal-data statement (version 1)."
        )
        screenshot(page, "consent-en-1280")


def test_the_my_data_page_prepares_a_download_of_ones_own_data(page, live_server, screenshot):
    program = make_program()
    founder = make_founder()
    complete_draft(program, founder)
    log_in(page, founder, live_server)
    page.goto("/")

    page.get_by_role("link", name="내 정보", exact=True).click()
    page.wait_for_url("**/account/my-data/")
    page.get_by_role("button", name="내려받을 파일 만들기").click()

    page.wait_for_url("**/account/my-data/")
    link = page.get_by_role("link", name="zip 파일 내려받기")
    expect(link).to_be_visible()
    screenshot(page, "my-data-ko-1280")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "matchday-my-data.zip"
    assert Job.objects.get(kind=Job.Kind.PERSONAL_DATA_EXPORT).created_by == founder


def test_the_my_data_page_on_a_phone(phone_page, live_server, screenshot):
    founder = make_founder()
    log_in(phone_page, founder, live_server)

    phone_page.goto("/account/my-data/")

    expect(phone_page.locator("h1")).to_have_text("내 정보")
    screenshot(phone_page, "my-data-ko-375")
