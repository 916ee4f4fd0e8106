"""Staff change a deadline on a program's page and read the change, old → new in words, in the trail at
the foot of the same page — in Korean and English, on a desktop and a phone."""

import pytest

from matching.models import Program
from tests import factories
from tests.admin.conftest import admin_url
from tests.browser.conftest import ARTIFACTS, sign_in_to_admin
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _edit_deadline(page, program: Program) -> None:
    page.goto(admin_url(Program, "change", program.pk))
    page.fill("#id_closes_at_0", "2027-01-05")
    with page.expect_navigation():
        page.click("input[name=_continue]")


def test_staff_see_a_deadline_change_in_the_trail_of_the_program(page, screenshot):
    staff = factories.UserFactory(staff=True, email="ops@example.com")
    program = factories.ProgramFactory()
    sign_in_to_admin(page, staff, TEST_PASSWORD)

    _edit_deadline(page, program)

    trail = page.locator("table.audit-trail")
    assert "2027년 1월 5일" in trail.inner_text()
    assert "→" in trail.locator("ul.audit-changes").first.inner_text()
    trail.scroll_into_view_if_needed()
    screenshot(page, "audit-trail-ko")
    trail.screenshot(path=str(ARTIFACTS / "audit-trail-ko-table.png"))
    with page.expect_navigation():
        page.click("#language-switcher button[value=en]")
    page.wait_for_load_state()
    assert "changed" in page.locator("table.audit-trail").inner_text().lower()
    screenshot(page, "audit-trail-en")

    with page.expect_navigation():
        page.click("#language-switcher button[value=ko]")
    page.wait_for_load_state()
    page.set_viewport_size({"width": 375, "height": 812})  # the same signed-in session, on a phone's width
    assert page.locator("table.audit-trail").count() == 1
    screenshot(page, "audit-trail-ko-375")
    page.locator("table.audit-trail").screenshot(path=str(ARTIFACTS / "audit-trail-ko-375-table.png"))
