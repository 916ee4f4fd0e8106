"""A partner member in a real browser: signs in, reads the finalists in English (the partner pages'
default, even in a Korean browser), and submits a ranking without JavaScript; at 1280 and 375 px."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import PartnerRanking
from startups.models import Application
from tests import factories
from tests.browser.applicants import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def partner_world():
    program = factories.ProgramFactory(
        status="reviewing",
        name_en="K-Startup & OpenAI Matching Day",
        english_for_partners=True,
        ranking_deadline=timezone.now() + dt.timedelta(days=3),
    )
    partner = factories.PartnerFactory(name="OpenAI")
    factories.ProgramPartnerFactory(program=program, partner=partner, seats=2)
    factories.QuestionFactory(program=program, code="problem", label_en="Problem", shown_to_partners=True)
    member = factories.PartnerMembershipFactory(partner=partner, user__email="partner@openai.example").user
    finalists = []
    for n, (name, english) in enumerate(
        [("보이스랩", "Voice agents for clinics"), ("칩웍스", "Edge chips for robots"), ("러닝메이트", "AI tutors")]
    ):
        application = factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.ADVANCED)
        factories.SubmissionFactory(
            application=application,
            number=1,
            snapshot={
                "title": english,
                "summary": f"{name}의 한국어 요약",
                "summary_en": f"{english}: the English summary",
                "startup": {"name_ko": name, "name_en": f"Startup {n}"},
                "answers": {"problem": "한국어 답변"},
                "answers_en": {"problem": f"Problem of {english}"},
                "attachments": [],
            },
        )
        finalists.append(application)
    return program, partner, member, finalists


def sign_in(page, user, live_server):
    """Signed in the way the other browser tests are (a session made by Django's test client)."""
    log_in(page, user, live_server)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_partner_signs_in_reads_the_finalists_in_english_and_submits_a_ranking(
    size, page, phone_page, live_server, screenshot
):
    tab = page if size == "desktop" else phone_page
    program, partner, member, (a, b, c) = partner_world()

    sign_in(tab, member, live_server)
    tab.goto("/partner/")
    expect(tab.locator("h1")).to_have_text("My programs")
    expect(tab.get_by_text("K-Startup & OpenAI Matching Day")).to_be_visible()
    screenshot(tab, f"partner-home-{size}")

    tab.get_by_role("link", name="Read the finalists").click()
    expect(tab.get_by_text("Voice agents for clinics: the English summary")).to_be_visible()
    expect(tab.get_by_text("Problem of Edge chips for robots")).to_be_visible()
    screenshot(tab, f"partner-finalists-{size}")

    tab.get_by_role("link", name="Ranking", exact=True).click()
    tab.fill(f"#rank-{a.pk}", "1")
    tab.fill(f"#rank-{b.pk}", "1")
    tab.check(f'input[name="not-{c.pk}"]')
    tab.get_by_role("button", name="Submit ranking").click()
    expect(tab.locator("#error-summary")).to_be_visible()
    expect(tab.locator(f"#rank-{b.pk}")).to_have_value("1")
    screenshot(tab, f"partner-ranking-refused-{size}")
    assert not PartnerRanking.objects.exists()

    tab.fill(f"#rank-{b.pk}", "2")
    tab.get_by_role("button", name="Submit ranking").click()
    expect(tab.get_by_text("Ranking submitted.")).to_be_visible()
    screenshot(tab, f"partner-ranking-submitted-{size}")

    ranking = PartnerRanking.objects.get(program=program, partner=partner)
    entries = {e.application_id: e.rank or "x" for e in ranking.entries.all()}
    assert (ranking.status, entries) == ("submitted", {a.pk: 1, b.pk: 2, c.pk: "x"})


def test_a_startup_sees_its_partner_once_the_matching_is_published(page, live_server, screenshot):
    from matching.models import MatchingRun, SelectionEntry

    program, partner, _member, _finalists = partner_world()
    owner = factories.StartupMemberFactory()
    application = factories.ApplicationFactory(
        program=program, startup=owner.startup, in_review=True, status=Application.Status.SELECTED
    )
    factories.SelectionEntryFactory(
        program=program, application=application, partner=partner, outcome=SelectionEntry.Outcome.SELECTED
    )
    run = MatchingRun.objects.create(program=program, fingerprint="0" * 64)
    log_in(page, owner.user, live_server)

    page.goto(f"/applications/{application.pk}/")
    expect(page.locator(".matched-partner")).to_have_count(0)

    run.published_at = timezone.now()
    run.save(update_fields=["published_at"])
    page.reload()
    expect(page.locator(".matched-partner")).to_contain_text("OpenAI")
    screenshot(page, "startup-matched-partner-ko")


def test_a_partner_gives_its_availability_in_the_venue_time_on_a_phone(phone_page, live_server, screenshot):
    from matching.models import Availability, MeetingEvent

    program, partner, member, _finalists = partner_world()
    event = MeetingEvent.objects.create(
        program=program,
        name_ko="매칭데이",
        name_en="K-Startup & OpenAI Matching Day in US",
        venue="OpenAI HQ, San Francisco",
        time_zone="America/Los_Angeles",
        starts_on=dt.date(2027, 3, 14),
        ends_on=dt.date(2027, 3, 14),
        day_starts=dt.time(9),
        day_ends=dt.time(17),
    )
    log_in(phone_page, member, live_server)

    phone_page.goto("/partner/")
    phone_page.get_by_role("link", name="Give your availability").click()
    phone_page.fill('input[name="starts-0"]', "10:00")
    phone_page.fill('input[name="ends-0"]', "12:30")
    phone_page.get_by_role("button", name="Save availability").click()

    expect(phone_page.get_by_text("Availability saved.")).to_be_visible()
    expect(phone_page.get_by_text("KST", exact=False).first).to_be_visible()
    screenshot(phone_page, "partner-availability-phone")
    window = Availability.objects.get(event=event, partner=partner)
    assert window.starts_at == dt.datetime(2027, 3, 14, 17, 0, tzinfo=dt.UTC)  # 10:00 PDT


def test_an_applicant_gives_english_answers_where_the_program_asks_for_them(page, live_server, screenshot):
    program, partner, _member, _finalists = partner_world()
    program.status, program.closes_at = "open", timezone.now() + dt.timedelta(days=3)
    program.save(update_fields=["status", "closes_at"])
    owner = factories.StartupMemberFactory()
    application = factories.ApplicationFactory(program=program, startup=owner.startup, track=None)
    log_in(page, owner.user, live_server)

    page.goto(f"/applications/{application.pk}/edit/")
    page.fill("#id_summary_en", "Voice agents that answer clinic calls")
    page.fill("#id_q_problem", "병원 전화 응대가 밀립니다.")
    page.fill("#id_qen_problem", "Clinics miss calls.")
    screenshot(page, "applicant-english-answers-ko")
    with page.expect_navigation():
        page.locator('button.btn[name="action"][value="save"]').click()

    application.refresh_from_db()
    answer = application.answers.get(question__code="problem")
    assert (application.summary_en, answer.value, answer.value_en) == (
        "Voice agents that answer clinic calls",
        "병원 전화 응대가 밀립니다.",
        "Clinics miss calls.",
    )
