"""Partner pages: who gets in, what partners read of the finalists (English first), the ranking form,
availability, and the English answers applicants give when a program asks for them."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import Availability, MatchingRun, MeetingEvent, PartnerRanking, Question
from startups.models import Application
from startups.services.applications import ApplicationIncomplete, application_save_draft, application_submit
from tests import factories

pytestmark = pytest.mark.django_db
ADVANCED = Application.Status.ADVANCED


@pytest.fixture
def world():
    program = factories.ProgramFactory(
        status="reviewing", english_for_partners=True, ranking_deadline=timezone.now() + dt.timedelta(days=2)
    )
    partner = factories.PartnerFactory(name="OpenAI")
    factories.ProgramPartnerFactory(program=program, partner=partner, seats=3)
    shown = factories.QuestionFactory(program=program, code="problem", label_en="Problem", shown_to_partners=True)
    hidden = factories.QuestionFactory(program=program, code="finance", label_en="Finance", shown_to_partners=False)
    member = factories.PartnerMembershipFactory(partner=partner).user
    return {"program": program, "partner": partner, "shown": shown, "hidden": hidden, "member": member}


def finalist(program, *, status=ADVANCED, title="Voice agents for clinics"):
    application = factories.ApplicationFactory(program=program, in_review=True, status=status, title=title)
    factories.SubmissionFactory(
        application=application,
        number=1,
        snapshot={
            "title": title,
            "summary": "병원용 음성 상담",
            "summary_en": "Voice agents that answer clinic calls",
            "startup": {"name_ko": "보이스랩", "name_en": "VoiceLab", "brn": "1234567890", "flags": ["women_owned"]},
            "answers": {"problem": "전화 응대가 밀립니다", "finance": "매출 12억"},
            "answers_en": {"problem": "Clinics miss calls", "finance": "Revenue 1.2bn"},
            "declarations": {"arrears": False},
            "preferences": [1],
            "attachments": [],
        },
    )
    return application


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/partner/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_signed_in_person_who_is_not_a_partner_member_is_refused(client):
    client.force_login(factories.UserFactory())

    response = client.get("/partner/")

    assert response.status_code == 403
    assert "partner members" in response.content.decode()


def test_a_former_member_whose_account_is_deactivated_is_refused(client, world):
    world["member"].is_active = False
    world["member"].save(update_fields=["is_active"])
    client.force_login(world["member"])

    assert client.get("/partner/").status_code in (302, 403)


def test_the_home_lists_the_program_with_its_deadline_and_matching_day_in_english(client, world):
    program = world["program"]
    program.ranking_deadline = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
    program.save(update_fields=["ranking_deadline"])
    MeetingEvent.objects.create(
        program=program,
        name_ko="매칭데이",
        name_en="Matching Day in SF",
        venue="OpenAI HQ",
        time_zone="America/Los_Angeles",
        starts_on=dt.date(2027, 3, 14),
        ends_on=dt.date(2027, 3, 14),
        day_starts=dt.time(9),
        day_ends=dt.time(17),
    )
    client.force_login(world["member"])

    page = client.get("/partner/").content.decode()

    assert program.name_en in page
    assert "Sat 2 Jan 2027, 18:00 KST" in page
    assert "Matching Day in SF" in page and "America/Los_Angeles" in page
    assert '<html lang="en">' in page


def test_the_switcher_choice_of_korean_wins(client, world, settings):
    client.force_login(world["member"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"

    page = client.get("/partner/").content.decode()

    assert '<html lang="ko">' in page


def test_the_partner_reads_its_finalists_in_english_first_and_only_questions_shown_to_partners(client, world):
    finalist(world["program"])
    client.force_login(world["member"])

    page = client.get(f"/partner/programs/{world['program'].pk}/finalists/").content.decode()

    assert page.index("Voice agents that answer clinic calls") < page.index("병원용 음성 상담")
    assert page.index("Clinics miss calls") < page.index("전화 응대가 밀립니다")
    assert "VoiceLab" in page
    for secret in ("Revenue 1.2bn", "매출 12억", "1234567890", "women_owned", "arrears"):
        assert secret not in page


def test_the_partner_sees_only_finalists_not_other_applications(client, world):
    finalist(world["program"], title="Chosen one")
    finalist(world["program"], status=Application.Status.IN_REVIEW, title="Still in review")
    client.force_login(world["member"])

    page = client.get(f"/partner/programs/{world['program'].pk}/finalists/").content.decode()

    assert "Chosen one" in page and "Still in review" not in page


def test_a_program_of_another_partner_is_a_404(client, world):
    other = factories.ProgramFactory(status="reviewing")
    factories.ProgramPartnerFactory(program=other)
    finalist(other)
    client.force_login(world["member"])

    assert client.get(f"/partner/programs/{other.pk}/finalists/").status_code == 404
    assert client.get(f"/partner/programs/{other.pk}/ranking/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_finalists_page_reads_a_fixed_number_of_queries(client, world, size, django_assert_num_queries):
    for n in range(size):
        finalist(world["program"], title=f"Startup {n}")
    client.force_login(world["member"])
    url = f"/partner/programs/{world['program'].pk}/finalists/"
    client.get(url)

    with django_assert_num_queries(10):
        client.get(url)


@pytest.mark.parametrize("size", [3, 30])
def test_the_ranking_page_reads_a_fixed_number_of_queries(client, world, size, django_assert_num_queries):
    for n in range(size):
        finalist(world["program"], title=f"Startup {n}")
    client.force_login(world["member"])
    url = f"/partner/programs/{world['program'].pk}/ranking/"
    client.get(url)

    with django_assert_num_queries(8):
        client.get(url)


def ranking_of(world):
    ranking = PartnerRanking.objects.filter(program=world["program"], partner=world["partner"]).first()
    return ranking and (ranking.status, {e.application_id: e.rank or "x" for e in ranking.entries.all()})


def test_the_ranking_form_saves_a_draft_then_submits(client, world):
    a, b = finalist(world["program"]), finalist(world["program"])
    client.force_login(world["member"])
    url = f"/partner/programs/{world['program'].pk}/ranking/"

    client.post(url, {f"rank-{a.pk}": "1", "action": "save"})
    assert ranking_of(world) == ("draft", {a.pk: 1})

    response = client.post(url, {f"rank-{a.pk}": "2", f"not-{b.pk}": "1", "action": "submit"}, follow=True)
    assert ranking_of(world) == ("submitted", {a.pk: 2, b.pk: "x"})
    assert "Ranking submitted" in response.content.decode()


def test_a_refused_ranking_changes_nothing_and_keeps_what_was_typed_beside_the_field(client, world):
    a, b = finalist(world["program"]), finalist(world["program"])
    client.force_login(world["member"])
    url = f"/partner/programs/{world['program'].pk}/ranking/"
    client.post(url, {f"rank-{a.pk}": "1", f"rank-{b.pk}": "2", "action": "submit"})

    response = client.post(url, {f"rank-{a.pk}": "3", f"rank-{b.pk}": "3", "action": "submit"})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in page and page.count('value="3"') == 2
    assert "give each rank once" in page
    assert ranking_of(world) == ("submitted", {a.pk: 1, b.pk: 2})


def test_after_the_deadline_the_ranking_is_read_only(client, world):
    a = finalist(world["program"])
    client.force_login(world["member"])
    url = f"/partner/programs/{world['program'].pk}/ranking/"
    client.post(url, {f"rank-{a.pk}": "1", "action": "submit"})
    world["program"].ranking_deadline = timezone.now() - dt.timedelta(hours=1)
    world["program"].save(update_fields=["ranking_deadline"])

    client.post(url, {f"rank-{a.pk}": "", f"not-{a.pk}": "1", "action": "submit"})
    page = client.get(url).content.decode()

    assert ranking_of(world) == ("submitted", {a.pk: 1})
    assert "The ranking deadline has passed" in page and "disabled" in page


def test_an_imported_sheet_with_a_bad_row_reports_its_line(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    a = finalist(world["program"])
    client.force_login(world["member"])
    sheet = SimpleUploadedFile("ranking.csv", f"접수번호,순위\n{a.receipt_number},one\n".encode())

    response = client.post(f"/partner/programs/{world['program'].pk}/ranking/", {"action": "import", "sheet": sheet})

    assert response.status_code == 400
    assert "Line 2, column rank" in response.content.decode()
    assert ranking_of(world) is None


def matching_day(program, **kwargs):
    values = {
        "program": program,
        "name_ko": "매칭데이",
        "name_en": "Matching Day",
        "venue": "OpenAI HQ",
        "time_zone": "America/Los_Angeles",
        "starts_on": dt.date(2027, 3, 14),
        "ends_on": dt.date(2027, 3, 14),
        "day_starts": dt.time(9),
        "day_ends": dt.time(17),
    }
    return MeetingEvent.objects.create(**{**values, **kwargs})


def test_availability_is_saved_in_the_venue_time_and_shown_with_korea_time(client, world):
    event = matching_day(world["program"])
    client.force_login(world["member"])
    url = f"/partner/events/{event.pk}/availability/"

    response = client.post(
        url, {"rows": "2", "day-0": "2027-03-14", "starts-0": "09:00", "ends-0": "12:00", "day-1": "2027-03-14"}
    )

    window = Availability.objects.get(event=event, partner=world["partner"])
    assert response.status_code == 302
    assert window.starts_at == dt.datetime(2027, 3, 14, 16, 0, tzinfo=dt.UTC)  # 09:00 PDT
    assert "KST" in client.get(url).content.decode()


def test_availability_outside_the_event_hours_is_refused_and_nothing_saved(client, world):
    event = matching_day(world["program"])
    client.force_login(world["member"])

    response = client.post(
        f"/partner/events/{event.pk}/availability/",
        {
            "rows": "2",
            "day-0": "2027-03-14",
            "starts-0": "10:00",
            "ends-0": "11:00",
            "day-1": "2027-03-14",
            "starts-1": "07:00",
            "ends-1": "08:00",
        },
    )

    assert response.status_code == 400 and "within the event" in response.content.decode()
    assert not Availability.objects.filter(event=event).exists()


def test_the_home_links_the_agenda_only_when_the_agenda_pages_exist(client, world):
    from django.urls import NoReverseMatch, reverse

    client.force_login(world["member"])
    page = client.get("/partner/").content.decode()
    try:
        agenda = reverse("meetings:agenda")
    except NoReverseMatch:
        agenda = None

    assert (agenda is not None and f'href="{agenda}"' in page) or (agenda is None and "agenda" not in page.lower())


# --- English answers, from the applicant's side ----------------------------------------------------


@pytest.fixture
def applicant_draft(world):
    program = world["program"]
    program.status, program.opens_at = "open", timezone.now() - dt.timedelta(days=1)
    program.closes_at = timezone.now() + dt.timedelta(days=1)
    program.save()
    program.questions.filter(code="finance").update(required=False)
    member = factories.StartupMemberFactory()
    application = factories.ApplicationFactory(program=program, startup=member.startup, track=None)
    return application, member.user


def test_a_program_asking_for_english_refuses_a_submission_without_the_english_texts(applicant_draft, world):
    application, user = applicant_draft
    application_save_draft(application=application, by=user, answers={world["shown"].pk: "문제가 큽니다"})

    with pytest.raises(ApplicationIncomplete) as refused:
        application_submit(application_id=application.pk, by=user)

    assert {"summary_en", "question_en:problem"} <= set(refused.value.problems)


def test_the_english_texts_are_kept_in_the_submitted_version(applicant_draft, world):
    application, user = applicant_draft
    application_save_draft(
        application=application,
        by=user,
        summary_en="Voice agents for clinics",
        answers={world["shown"].pk: "문제가 큽니다"},
        answers_en={world["shown"].pk: "The problem is big", world["hidden"].pk: "ignored"},
    )

    submitted = application_submit(application_id=application.pk, by=user)

    snapshot = submitted.submissions.get().snapshot
    assert snapshot["summary_en"] == "Voice agents for clinics"
    assert snapshot["answers_en"] == {"problem": "The problem is big"}


def test_the_applicant_form_asks_for_the_english_texts(client, applicant_draft, world):
    application, user = applicant_draft
    client.force_login(user)

    page = client.get(f"/applications/{application.pk}/edit/").content.decode()

    assert 'name="summary_en"' in page and 'name="qen_problem"' in page and 'name="qen_finance"' not in page


def test_a_program_without_english_answers_keeps_the_snapshot_shape(applicant_draft, world):
    application, user = applicant_draft
    world["program"].english_for_partners = False
    world["program"].save(update_fields=["english_for_partners"])
    application_save_draft(application=application, by=user, answers={world["shown"].pk: "문제"})

    submitted = application_submit(application_id=application.pk, by=user)

    assert "answers_en" not in submitted.submissions.get().snapshot


def test_questions_offer_shown_to_partners_as_data():
    assert "shown_to_partners" in {f.name for f in Question._meta.get_fields()}


# --- the startup's side: its partner, once the matching is published ------------------------------


@pytest.fixture
def selected(world):
    from matching.models import SelectionEntry

    member = factories.StartupMemberFactory()
    application = factories.ApplicationFactory(
        program=world["program"], startup=member.startup, in_review=True, status=Application.Status.SELECTED
    )
    factories.SelectionEntryFactory(
        program=world["program"],
        application=application,
        partner=world["partner"],
        outcome=SelectionEntry.Outcome.SELECTED,
    )
    return application, member.user


def test_before_the_matching_is_published_the_startup_sees_no_partner(client, world, selected):
    from matching.models import MatchingRun

    application, user = selected
    MatchingRun.objects.create(program=world["program"], fingerprint="x")  # run, not published
    client.force_login(user)

    page = client.get(f"/applications/{application.pk}/").content.decode()

    assert "matched-partner" not in page


def test_after_the_matching_is_published_the_startup_sees_its_partner(client, world, selected):
    from matching.models import MatchingRun

    application, user = selected
    MatchingRun.objects.create(program=world["program"], fingerprint="x", published_at=timezone.now())
    client.force_login(user)

    page = client.get(f"/applications/{application.pk}/").content.decode()

    assert "matched-partner" in page and "OpenAI" in page


@pytest.mark.parametrize("size", [3, 30])
def test_the_home_reads_a_fixed_number_of_queries(client, world, size, django_assert_num_queries):
    for _ in range(size):
        program = factories.ProgramFactory(status="reviewing", ranking_deadline=timezone.now())
        factories.ProgramPartnerFactory(program=program, partner=world["partner"])
        matching_day(program)
        factories.PartnerRankingFactory(program=program, partner=world["partner"])
        application = finalist(program, status=Application.Status.SELECTED)
        assignment = {str(application.pk): world["partner"].pk}
        now = timezone.now()
        MatchingRun.objects.create(program=program, fingerprint="f" * 64, assignment=assignment, published_at=now)
    client.force_login(world["member"])
    client.get("/partner/")

    with django_assert_num_queries(9):
        client.get("/partner/")


def published_run(world, assignment, *, published=True):
    return MatchingRun.objects.create(
        program=world["program"],
        fingerprint="f" * 64,
        assignment={str(application.pk): partner.pk for application, partner in assignment},
        published_at=timezone.now() if published else None,
    )


def test_the_home_names_the_startups_matched_to_the_partner_once_the_matching_is_published(client, world):
    application = finalist(world["program"], status=Application.Status.SELECTED)
    application.startup.name_en = "VoiceLab"
    application.startup.save(update_fields=["name_en"])
    published_run(world, [(application, world["partner"])])
    client.force_login(world["member"])

    page = client.get("/partner/").content.decode()

    assert "Matched startups" in page and "VoiceLab" in page


def test_the_home_says_nothing_of_a_matching_not_yet_published(client, world):
    application = finalist(world["program"], status=Application.Status.SELECTED)
    published_run(world, [(application, world["partner"])], published=False)
    client.force_login(world["member"])

    assert "Matched startups" not in client.get("/partner/").content.decode()


def test_the_home_never_names_startups_matched_to_another_partner(client, world):
    other = factories.PartnerFactory(name="Google")
    factories.ProgramPartnerFactory(program=world["program"], partner=other, seats=1)
    application = finalist(world["program"], status=Application.Status.SELECTED)
    application.startup.name_en = "ChipWorks"
    application.startup.save(update_fields=["name_en"])
    published_run(world, [(application, other)])
    client.force_login(world["member"])

    page = client.get("/partner/").content.decode()

    assert "Matched startups" in page and "ChipWorks" not in page


def test_a_partner_member_finds_the_partner_pages_in_the_menu(client, world):
    client.force_login(world["member"])

    assert 'href="/partner/"' in client.get("/").content.decode()


def test_someone_who_is_no_partner_member_has_no_partner_menu(client):
    client.force_login(factories.UserFactory())

    assert 'href="/partner/"' not in client.get("/").content.decode()
