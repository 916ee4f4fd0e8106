"""A new staff member's first sign-in in a real browser: sent to enrol, enrols an authenticator app with a
code computed here from the secret the page shows, sees the recovery codes, signs out, and signs in again
with password and code (a wrong code refused first). Screenshots: mfa-enrol-ko-1280, mfa-code-en-375."""

import re
import time

import pytest
from allauth.mfa import app_settings
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import fresh_totp_code
from tests.factories import TEST_PASSWORD, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_password(page, email: str) -> None:
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


def next_period_code(secret: str) -> str:
    """A code the enrolment has not used: allauth takes each code once, so wait for the next period."""
    time.sleep(app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD + 0.2)
    return totp_code(secret)


def test_a_new_staff_member_enrols_then_signs_in_with_a_code(page, browser, live_server, screenshot):
    staff = factories.EmailAddressFactory(
        user=factories.UserFactory(staff=True, authenticator=False, email="new-ops@example.com")
    ).user

    sign_in_with_password(page, staff.email)
    # allauth asks for the password again before a factor is added (a borrowed session cannot add one).
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.locator("body")).to_contain_text("관리자 화면을 열려면 먼저 2단계 로그인")
    page.fill("input[name=password]", TEST_PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    screenshot(page, "mfa-enrol-ko-1280")

    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", fresh_totp_code(secret))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert len(re.findall(r"\b\d{8}\b", page.locator("#recovery_codes").input_value())) == 10

    page.goto("/accounts/logout/")
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()

    english = browser.new_context(locale="en-US", viewport={"width": 375, "height": 812}, base_url=live_server.url)
    phone = english.new_page()
    phone.set_default_timeout(15_000)
    sign_in_with_password(phone, staff.email)
    phone.wait_for_url("**/accounts/2fa/authenticate/")

    phone.fill("input[name=code]", totp_code(secret, offset=7))
    with phone.expect_navigation():
        phone.press("input[name=code]", "Enter")
    expect(phone.locator("main")).to_contain_text("Incorrect code")
    screenshot(phone, "mfa-code-en-375")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0

    phone.fill("input[name=code]", next_period_code(secret))
    with phone.expect_navigation():
        phone.press("input[name=code]", "Enter")
    phone.wait_for_url("**/admin/")
    expect(phone.locator("#content h1")).to_be_visible()
    english.close()
