"""The staff home and the demo program's dashboard in a real browser: the funnel's numbers are the ones
the applications and results lists show in the same browser, in Korean at 1280 px and in English on a
375 px phone, with screenshots to look at."""

import re

import pytest
from django.conf import settings

from accounts.demo import DEMO_TOTP_SECRET
from accounts.models import User
from matching.demo import STAFF_EMAIL, demo_load
from matching.models import EvaluationRound, Track
from tests.browser.conftest import sign_in_to_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    return demo_load(password=settings.MATCHDAY_DEMO_PASSWORD).program


def sign_in(page) -> None:
    staff = User.objects.get(email=STAFF_EMAIL)
    sign_in_to_admin(page, staff, settings.MATCHDAY_DEMO_PASSWORD, secret=DEMO_TOTP_SECRET)
    page.wait_for_url("**/admin/")


def funnel_cell(page, row: int, column: int) -> int:
    """A number of the funnel's table: `row` counted from the first stage, `column` from the first track
    (-1: the total)."""
    cells = page.locator("#chart-funnel tbody tr").nth(row).locator("td")
    text = cells.nth(column if column >= 0 else cells.count() - 1).inner_text()
    return int(text.replace(",", ""))


def listed(page, url: str) -> int:
    """How many rows an admin list finds (its paginator's count)."""
    page.goto(url)
    numbers = re.findall(r"\d[\d,]*", page.locator("p.paginator").inner_text())
    return int(numbers[-1].replace(",", ""))  # page numbers come first, the count last


def test_staff_read_the_demo_dashboard_and_its_funnel_matches_the_lists(page, screenshot, demo):
    sign_in(page)
    assert page.locator(".staff-home").is_visible()
    assert page.locator(".staff-home").get_by_text(demo.name_ko).first.is_visible()
    screenshot(page, "staff-home-ko-1280")

    page.click(f'.staff-home a[href="/admin/programs/{demo.pk}/dashboard/"] >> nth=0')
    page.wait_for_url(f"**/admin/programs/{demo.pk}/dashboard/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#chart-funnel svg[role=img]").is_visible()
    started, eligible = funnel_cell(page, 0, -1), funnel_cell(page, 2, -1)
    tracks = list(Track.objects.filter(program=demo).order_by("order", "pk"))
    per_track = [funnel_cell(page, 0, index) for index in range(len(tracks))]
    first_round = EvaluationRound.objects.get(program=demo, order=1)
    drafts = int(re.search(r"[\d,]+", page.locator(".dashboard-drafts a").inner_text()).group().replace(",", ""))
    screenshot(page, "dashboard-ko-1280")

    applications = f"/admin/startups/application/?program__id__exact={demo.pk}"
    assert started == listed(page, applications) > 0
    assert per_track == [listed(page, f"{applications}&track__id__exact={t.pk}") for t in tracks]
    assert drafts == listed(page, f"{applications}&status__exact=draft")
    in_play = ("submitted", "in_review", "advanced", "selected", "reserve", "not_selected")
    assert eligible == sum(listed(page, f"{applications}&status__exact={status}") for status in in_play)
    progress = page.goto(f"/admin/programs/{demo.pk}/dashboard/")
    assert progress.ok
    shown = page.locator(f"#round-{first_round.order} .dashboard-progress a").inner_text()
    page.goto(f"/admin/matching/evaluationround/?program__id__exact={demo.pk}")
    row = page.locator("#result_list tbody tr", has_text=first_round.name_ko)
    listed_progress = row.locator("td.field-review_progress").inner_text()
    submitted, assigned = (int(n) for n in listed_progress.split(" / "))
    assert f"{assigned:,}" in shown and f"{submitted:,}" in shown


def test_the_dashboard_reads_on_a_phone_in_english(phone_page, screenshot, demo):
    sign_in(phone_page)
    phone_page.click("#language-switcher button[value=en]")
    phone_page.wait_for_selector("html[lang=en]")

    phone_page.goto(f"/admin/programs/{demo.pk}/dashboard/")

    assert phone_page.locator("#content h1").inner_text().startswith("Dashboard")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width} px"
    for chart in phone_page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    screenshot(phone_page, "dashboard-en-375")
