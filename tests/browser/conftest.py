"""A real browser (Debian's chromium, driven by playwright) against a live server.

Screenshots of the key pages are written to var/test-artifacts/screenshots/ for people to look at.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# themselves (fixtures, assertions) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


def _new_page(browser, live_server, *, locale: str, width: int, height: int):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A desktop page in a Korean browser."""
    context, page = _new_page(browser, live_server, locale="ko-KR", width=1280, height=900)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, page = _new_page(browser, live_server, locale="ko-KR", width=375, height=812)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves a full-page PNG under var/test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def fresh_totp_code(secret: str) -> str:
    """The current code, at least 3 s before its period ends (allauth takes only the current period's
    code: one typed at the very end would arrive in the next period and be refused)."""
    import time

    from allauth.mfa import app_settings

    from tests.factories import totp_code

    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 3:
        time.sleep(left + 0.1)
    return totp_code(secret)


def sign_in_to_admin(page, user, password: str, *, secret: str | None = None, next_url: str = "/admin/") -> None:
    """Sign in as staff the way a person does: the admin sends them to the site's sign-in page, then
    asks for the code of their authenticator app, computed here from the TOTP secret (the factories'
    TEST_TOTP_SECRET unless given) with allauth's own functions."""
    from allauth.account.models import EmailAddress

    from tests.factories import TEST_TOTP_SECRET

    # allauth signs in only people with a confirmed address (staff made in the admin have none yet).
    EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    page.fill("input[name=code]", fresh_totp_code(secret or TEST_TOTP_SECRET))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
