"""Issue 12 end to end in a real browser: a partner ranks the finalists, staff run and publish the
matching in the admin, the startup sees its partner, and the Matching Day agenda downloads as an
.ics that parses with `icalendar` in the venue's time zone. Screenshots at 1280 and 375 px.

One journey test: each step needs the state the one before left (a ranking, a run, a publication)."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from matching.models import MatchingRun, Meeting, PartnerRanking, Program, SelectionEntry
from matching.services.meetings import meetings_schedule
from matching.services.rankings import ranking_save
from notifications.models import Notification
from startups.models import Application
from tests import factories
from tests.browser.applicants import log_in
from tests.browser.conftest import sign_in_to_admin
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LA = ZoneInfo("America/Los_Angeles")
KST = ZoneInfo("Asia/Seoul")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def finalised_program():
    """A finalised program, OpenAI and Google with one seat each (one current member each, English),
    and three selected startups that all want OpenAI first, then Google."""
    program = factories.ProgramFactory(
        status=Program.Status.FINALISED, name_en="K-Startup & OpenAI Matching Day", english_for_partners=True
    )
    partners, members = {}, {}
    for name, name_ko in (("OpenAI", "오픈AI"), ("Google", "구글")):
        partner = factories.PartnerFactory(name=name, name_ko=name_ko)
        factories.ProgramPartnerFactory(program=program, partner=partner, seats=1)
        members[name] = factories.PartnerMembershipFactory(
            partner=partner, user__email=f"member@{name.lower()}.example", user__preferred_language="en"
        ).user
        partners[name] = partner
    startups = []
    for i, (name_ko, name_en, title) in enumerate(
        [
            ("보이스랩", "VoiceLab", "Voice agents for clinics"),
            ("칩웍스", "ChipWorks", "Edge chips for robots"),
            ("러닝메이트", "LearningMate", "AI tutors"),
        ]
    ):
        application = factories.ApplicationFactory(
            program=program,
            in_review=True,
            status=Application.Status.SELECTED,
            startup__name_ko=name_ko,
            startup__name_en=name_en,
        )
        factories.SubmissionFactory(
            application=application,
            number=1,
            snapshot={
                "title": title,
                "summary": f"{name_ko}의 한국어 요약",
                "summary_en": f"{title}: the English summary",
                "startup": {"name_ko": name_ko, "name_en": name_en},
                "answers": {},
                "answers_en": {},
                "attachments": [],
            },
        )
        factories.SelectionEntryFactory(program=program, application=application, position=i + 1)
        for rank, partner_name in enumerate(("OpenAI", "Google"), 1):
            factories.PartnerPreferenceFactory(application=application, partner=partners[partner_name], rank=rank)
        factories.StartupMemberFactory(startup=application.startup, user__email=f"founder{i}@startup.example")
        startups.append(application)
    return program, partners, members, startups


def text(page) -> str:
    return re.sub(r"\s+", " ", page.locator("body").inner_text())


def at_both_widths(page, screenshot, name: str) -> None:
    """Full-page screenshots at 1280 px and at 375 px; nothing may overflow sideways on the phone."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-375")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name} is {overflow}px wider than a 375px phone"


def admin_action(page, changelist: str, pk: int, action: str) -> None:
    page.goto(changelist)
    page.check(f'input[name="_selected_action"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.locator('button[name="index"]').click()


def test_a_partner_ranks_staff_match_and_publish_and_the_startup_finds_its_partner_and_meetings_in_its_calendar(
    browser, live_server, screenshot
):
    program, partners, members, (voicelab, chipworks, learningmate) = finalised_program()

    # 1. OpenAI's member ranks the finalists in English through the form (a Korean browser).
    partner_context = browser.new_context(locale="ko-KR", viewport=DESKTOP, base_url=live_server.url)
    partner_page = partner_context.new_page()
    partner_page.set_default_timeout(15_000)
    log_in(partner_page, members["OpenAI"], live_server)
    partner_page.goto("/partner/")
    expect(partner_page.locator("h1")).to_have_text("My programs")
    expect(partner_page.get_by_text("K-Startup & OpenAI Matching Day")).to_be_visible()
    at_both_widths(partner_page, screenshot, "journey-partner-home")
    partner_page.get_by_role("link", name="Read the finalists").click()
    expect(partner_page.get_by_text("Voice agents for clinics: the English summary")).to_be_visible()
    partner_page.get_by_role("link", name="Ranking", exact=True).click()
    for application, rank in ((learningmate, 1), (voicelab, 2), (chipworks, 3)):
        partner_page.fill(f"#rank-{application.pk}", str(rank))
    partner_page.get_by_role("button", name="Submit ranking").click()
    expect(partner_page.get_by_text("Ranking submitted.")).to_be_visible()
    assert PartnerRanking.objects.get(partner=partners["OpenAI"]).status == PartnerRanking.Status.SUBMITTED

    # Google's member ranks through the service (the form is the same one, tested above).
    ranking_save(
        program=program,
        partner=partners["Google"],
        entries={voicelab.pk: 1, chipworks.pk: 2, learningmate.pk: 3},
        by=members["Google"],
        submit=True,
    )

    # 2. Staff sign in to the admin (Enter in the password field), run matching on the program.
    staff = factories.UserFactory(staff=True, email="ops@matchday.example")
    staff_context = browser.new_context(locale="en-US", viewport=DESKTOP, base_url=live_server.url)
    host = re.sub(r"^https?://|:\d+$", "", live_server.url)
    staff_context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])
    admin = staff_context.new_page()
    admin.set_default_timeout(15_000)
    sign_in_to_admin(admin, staff, TEST_PASSWORD)
    expect(admin.locator("#content h1")).to_have_text("Program administration")

    admin_action(admin, reverse("admin:matching_program_changelist"), program.pk, "matching_run_start")
    expect(admin.locator(".messagelist")).to_contain_text("Matching started")
    run = MatchingRun.objects.get(program=program)
    assert run.job is not None and run.job.status == "succeeded"

    # 3. The run's page: the pairs and the unmatched startup's reason in words.
    admin.goto(reverse("admin:matching_matchingrun_change", args=[run.pk]))
    page_text = text(admin)
    created = run.created_at.astimezone(KST)
    assert f"K-Startup & OpenAI Matching Day · {created:%a} {created.day} {created:%b %Y, %H:%M} KST" in page_text
    assert re.search(r"LearningMate.{0,40}OpenAI", page_text), page_text
    assert re.search(r"VoiceLab.{0,40}Google", page_text), page_text
    assert "OpenAI and Google filled their seats with startups they ranked higher." in page_text
    assert "No blocking pair" in page_text
    at_both_widths(admin, screenshot, "journey-admin-run-en")
    staff_context.add_cookies([{"name": "django_language", "value": "ko", "domain": host, "path": "/"}])
    admin.reload()
    expect(admin.get_by_text("파트너 오픈AI와 구글 모두 더 선호하는 스타트업으로 정원이 찼습니다.")).to_be_visible()
    screenshot(admin, "journey-admin-run-ko-1280")
    staff_context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])

    # 4. Publish through the confirmation page: refused without a reason, done with one.
    admin_action(admin, reverse("admin:matching_matchingrun_changelist"), run.pk, "matching_publish")
    expect(admin.get_by_text("1 selected startup stays without a partner.")).to_be_visible()
    screenshot(admin, "journey-admin-publish-confirm-1280")
    admin.locator('.submit-row input[type="submit"]').click()
    expect(admin.locator(".errorlist")).to_be_visible()
    run.refresh_from_db()
    assert run.published_at is None
    admin.fill('textarea[name="reason"]', "Matching committee confirmed the result")
    admin.locator('.submit-row input[type="submit"]').click()
    expect(admin.locator(".messagelist")).to_contain_text("Matching published")
    run.refresh_from_db()
    assert run.published_by == staff
    partner_of = dict(SelectionEntry.objects.filter(program=program).values_list("application_id", "partner__name"))
    assert partner_of == {learningmate.pk: "OpenAI", voicelab.pk: "Google", chipworks.pk: None}

    # 5. The partner hears of the result (a matching.published message); the startup sees its partner.
    message = Notification.objects.get(event="matching.published", recipient=members["OpenAI"])
    assert message.language == "en"
    assert (message.status, "LearningMate" in message.body) == ("sent", True), (message.status, message.body)
    founder = learningmate.startup.members.get().user
    founder_context = browser.new_context(locale="ko-KR", viewport=DESKTOP, base_url=live_server.url)
    founder_page = founder_context.new_page()
    founder_page.set_default_timeout(15_000)
    log_in(founder_page, founder, live_server)
    founder_page.goto(f"/applications/{learningmate.pk}/")
    expect(founder_page.locator(".matched-partner")).to_contain_text("OpenAI")
    screenshot(founder_page, "journey-startup-partner-ko-1280")

    # 6. A Matching Day in San Francisco, scheduled through the service.
    event = factories.MeetingEventFactory(
        program=program,
        kind="matching_day",
        name_ko="K-스타트업 매칭데이 SF",
        name_en="K-Startup Matching Day SF",
        venue="OpenAI HQ, San Francisco",
        time_zone="America/Los_Angeles",
        starts_on=dt.date(2027, 3, 10),
        day_starts=dt.time(9),
        day_ends=dt.time(12),
    )
    for name, partner in partners.items():
        factories.MeetingTableFactory(event=event, partner=partner, name=f"{name} table")
    meetings_schedule(event_id=event.pk, by=staff)
    mine = list(Meeting.objects.filter(application=learningmate, status="scheduled").order_by("starts_at"))
    assert {m.partner.name for m in mine} >= {"OpenAI"}

    # The founder's agenda: each meeting in venue time and in KST.
    founder_page.goto("/meetings/")
    agenda = text(founder_page)
    weekday_ko = "월화수목금토일"
    for meeting in mine:
        venue, korea = meeting.starts_at.astimezone(LA), meeting.starts_at.astimezone(KST)
        # The house format in Korean, once in the venue's zone and once in Korea's.
        venue_end, korea_end = meeting.ends_at.astimezone(LA), meeting.ends_at.astimezone(KST)
        assert f"2027년 3월 10일 ({weekday_ko[venue.weekday()]}) {venue:%H:%M}–{venue_end:%H:%M} PST" in agenda
        assert f"2027년 3월 11일 ({weekday_ko[korea.weekday()]}) {korea:%H:%M}–{korea_end:%H:%M} KST" in agenda
    at_both_widths(founder_page, screenshot, "journey-agenda-ko")

    with founder_page.expect_download() as download_info:
        founder_page.locator('a[href$="agenda.ics"]').click()
    calendar = icalendar.Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    assert str(calendar["method"]) == "REQUEST"
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    events = calendar.walk("VEVENT")
    assert len(events) == len(mine)
    for vevent, meeting in zip(sorted(events, key=lambda e: e["dtstart"].dt), mine, strict=True):
        assert str(vevent["uid"]) == f"{meeting.uid}@matchday"
        assert vevent["dtstart"].params["TZID"] == "America/Los_Angeles"
        assert vevent["dtstart"].dt.astimezone(dt.UTC) == meeting.starts_at.astimezone(dt.UTC)
        assert vevent["dtstart"].dt.astimezone(LA).date() == dt.date(2027, 3, 10)
        assert vevent["dtend"].dt - vevent["dtstart"].dt == dt.timedelta(minutes=20)
    # 9:00–12:00 PST (before the switch to summer time on 14 March) is 17:00–20:00 UTC.
    assert all(17 <= m.starts_at.astimezone(dt.UTC).hour < 20 for m in mine)

    # The partner reaches its agenda from the partner home and finds the matched startup there.
    partner_page.goto("/partner/")
    partner_page.get_by_role("link", name="My Matching Day agenda").click()
    expect(partner_page.get_by_text("LearningMate").first).to_be_visible()
    at_both_widths(partner_page, screenshot, "journey-partner-agenda-en")

    for context in (partner_context, staff_context, founder_context):
        context.close()
