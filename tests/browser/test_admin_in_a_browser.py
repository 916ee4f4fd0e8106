import pytest

from tests import factories
from tests.browser.conftest import sign_in_to_admin
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_log_in_to_the_admin_in_korean_and_switch_to_english(page, screenshot):
    staff = factories.UserFactory(staff=True, email="ops@example.com")

    page.goto("/admin/login/")
    assert page.locator("html").get_attribute("lang") == "ko"
    sign_in_to_admin(page, staff, TEST_PASSWORD)
    page.wait_for_url("**/admin/")
    screenshot(page, "admin-index-ko")

    page.click("#language-switcher button[value=en]")

    page.wait_for_selector("html[lang=en]")
    assert page.locator("#content h1").inner_text() == "Program administration"
