"""The applicant pages in English through the header switcher, and on a phone-sized screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.applicants import complete_draft, log_in, make_founder, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_language_switcher_shows_the_same_applicant_pages_in_english(page, live_server, screenshot):
    program = make_program()
    founder = make_founder(language="ko")
    application = complete_draft(program, founder)
    log_in(page, founder, live_server)
    page.goto(f"/applications/{application.pk}/edit/")
    expect(page.locator("h1")).to_have_text("신청서 작성")

    page.click(".lang-switcher button[value=en]")

    page.wait_for_selector("html[lang=en]")
    assert page.url.endswith(f"/applications/{application.pk}/edit/")  # the same page, now in English
    expect(page.locator("h1")).to_have_text("Application form")
    expect(page.locator(".save-panel").get_by_role("button", name="Save draft")).to_be_visible()
    expect(page.get_by_role("button", name="Save and review")).to_be_visible()
    expect(page.locator("label[for=id_q_product]")).to_contain_text("Product or service name")
    expect(page.locator(".eyebrow")).to_have_text(program.name_en)
    screenshot(page, "english-edit-form")

    page.get_by_role("button", name="Save and review").click()
    page.wait_for_url(f"**/applications/{application.pk}/review/")
    expect(page.locator("h1")).to_have_text("Review your application")
    expect(page.get_by_role("button", name="Submit application")).to_be_visible()
    screenshot(page, "english-review")

    page.get_by_role("link", name="Open calls").first.click()
    expect(page.locator("#hero-title")).to_have_text("Grow with global companies")
    page.get_by_role("link", name=program.name_en, exact=True).click()
    expect(page.locator("h1")).to_have_text(program.name_en)
    expect(page.locator(".apply-box").get_by_role("link", name="Apply")).to_be_visible()
    expect(page.locator("#documents-title")).to_have_text("Documents required")
    screenshot(page, "english-program")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_applicant_pages_fit_a_phone_screen_without_sideways_scrolling(
    phone_page, live_server, screenshot, language
):
    program = make_program()
    founder = make_founder(language=language)
    application = complete_draft(program, founder)
    log_in(phone_page, founder, live_server)
    pages = {
        "home": "/",
        "program": f"/programs/{program.slug}/",
        "startup": "/startup/",
        "edit": f"/applications/{application.pk}/edit/",
        "review": f"/applications/{application.pk}/review/",
        "status": f"/applications/{application.pk}/",
    }
    too_wide = {}
    for name, path in pages.items():
        phone_page.goto(path)
        expect(phone_page.locator("html")).to_have_attribute("lang", language)
        widths = phone_page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            too_wide[name] = widths
        if name in ("edit", "review"):
            screenshot(phone_page, f"phone-{name}-{language}")

    assert too_wide == {}, f"pages wider than the 375 px screen (scrollWidth, innerWidth): {too_wide}"
