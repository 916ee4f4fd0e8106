"""Registering a startup whose business registration number is taken: the offer to ask to join comes
with only the number typed, on a phone, in Korean and in English."""

import pytest
from playwright.sync_api import expect

from startups.models import StartupMember
from tests import factories
from tests.browser.applicants import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_taken_number_alone_offers_to_ask_to_join_and_the_button_sends_the_request(
    phone_page, live_server, screenshot
):
    existing = factories.StartupFactory(brn="1248100998", name_ko="주식회사 선점")
    newcomer = factories.UserFactory(preferred_language="ko")
    log_in(phone_page, newcomer, live_server)
    phone_page.goto("/startup/")

    phone_page.fill("input[name=brn]", "124-81-00998")
    phone_page.locator("form.form button[type=submit]").click()

    offer = phone_page.locator("#startup-exists")
    expect(offer.get_by_role("button", name="주식회사 선점")).to_be_visible()
    expect(phone_page.locator(".errorlist")).to_have_count(0)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "taken-brn-offer-ko-375")

    phone_page.click(".lang-switcher button[value=en]")
    phone_page.wait_for_selector("html[lang=en]")
    phone_page.fill("input[name=brn]", "124-81-00998")
    phone_page.locator("form.form button[type=submit]").click()
    expect(offer.get_by_role("button", name="Ask to join 주식회사 선점")).to_be_visible()
    screenshot(phone_page, "taken-brn-offer-en-375")

    offer.get_by_role("button", name="Ask to join 주식회사 선점").click()

    expect(phone_page.get_by_text("Waiting for 주식회사 선점 to approve you")).to_be_visible()
    membership = StartupMember.objects.get(user=newcomer)
    assert (membership.startup, membership.status) == (existing, StartupMember.Status.REQUESTED)
