"""Agendas: each person sees their own meetings (venue time and KST), downloads them as .ics, and can
subscribe through a secret feed address; staff print agendas per partner, startup and room."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jobs.models import Job
from matching.models import Availability, CalendarFeed, Meeting
from matching.selectors import meetings_visible_to
from matching.services.meetings import calendar_feed_create, meetings_schedule
from tests import factories as f
from tests.matching.test_meetings_service import build_world

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def world():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    return world


def _uids(content: bytes) -> set[str]:
    return {str(e["uid"]) for e in icalendar.Calendar.from_ical(content).walk("VEVENT")}


def test_a_founder_sees_their_startups_meetings_in_venue_time_and_kst(client, world):
    client.force_login(world.founders[0])
    response = client.get(reverse("meetings:agenda"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row["meeting"].application_id for row in rows} == {world.applications[0].pk}
    assert len(rows) == 2
    page = response.content.decode()
    assert "PST" in page and "KST" in page


def test_a_startup_never_sees_another_startups_meetings(world):
    seen = meetings_visible_to(actor=world.founders[1])
    assert set(seen.values_list("application_id", flat=True)) == {world.applications[1].pk}


def test_a_partner_member_sees_the_partners_meetings_only(world):
    seen = meetings_visible_to(actor=world.partner_people[world.acme.pk])
    assert set(seen.values_list("partner_id", flat=True)) == {world.acme.pk}


def test_someone_unconcerned_sees_no_meeting(world):
    assert not meetings_visible_to(actor=f.UserFactory()).exists()


def test_a_pitch_evaluator_sees_the_pitches_of_their_round():
    program = f.ProgramFactory()
    evaluation_round = f.EvaluationRoundFactory(program=program, kind="presentation")
    application = f.ApplicationFactory(program=program, in_review=True)
    assignment = f.AssignmentFactory(round=evaluation_round, application=application)
    event = f.MeetingEventFactory(program=program, kind="pitch", round=evaluation_round)
    f.MeetingTableFactory(event=event, name="Room A")
    meetings_schedule(event_id=event.pk, by="test")
    assert meetings_visible_to(actor=assignment.evaluator.user).count() == 1
    assert not meetings_visible_to(actor=f.EvaluatorFactory().user).exists()


def test_the_agenda_downloads_as_ics(client, world):
    client.force_login(world.founders[0])
    response = client.get(reverse("meetings:agenda_ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    mine = Meeting.objects.filter(application=world.applications[0])
    assert _uids(response.content) == {f"{m.uid}@matchday" for m in mine}


def test_the_agenda_needs_a_sign_in(client, world):
    response = client.get(reverse("meetings:agenda"))
    assert response.status_code == 302


def test_the_feed_opens_with_its_token_without_a_sign_in(client, world):
    token = calendar_feed_create(user=world.partner_people[world.openai.pk])
    response = client.get(reverse("meetings:feed", args=[token]))
    assert response.status_code == 200
    assert len(_uids(response.content)) == 3
    assert CalendarFeed.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_a_new_feed_revokes_the_old_one(client, world):
    user = world.partner_people[world.openai.pk]
    old = calendar_feed_create(user=user)
    new = calendar_feed_create(user=user)
    assert client.get(reverse("meetings:feed", args=[old])).status_code == 404
    assert client.get(reverse("meetings:feed", args=[new])).status_code == 200


def test_an_unknown_feed_token_is_not_found(client, world):
    assert client.get(reverse("meetings:feed", args=["nothing-here"])).status_code == 404


def test_the_feed_address_is_made_and_stopped_from_the_agenda(client, world):
    user = world.founders[0]
    client.force_login(user)
    response = client.post(reverse("meetings:feed_create"), follow=True)
    url = response.context["feed_url"]
    assert "/meetings/feed/" in url
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(reverse("meetings:feed", args=[token])).status_code == 200
    client.post(reverse("meetings:feed_revoke"))
    assert client.get(reverse("meetings:feed", args=[token])).status_code == 404


def test_staff_print_agendas_per_partner_startup_and_room(client, world):
    client.force_login(f.UserFactory(staff=True))
    table = world.tables["openai"][0]
    pages = [
        reverse("meetings:print_partner", args=[world.event.pk, world.openai.pk]),
        reverse("meetings:print_startup", args=[world.event.pk, world.applications[0].pk]),
        reverse("meetings:print_room", args=[world.event.pk, table.pk]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "css/meetings_print.css" in html and "<script" not in html  # the print style is a static file
    assert html.count("<tr>") == 1 + 3  # the header and OpenAI's three meetings


def test_printing_is_for_staff_only(client, world):
    client.force_login(world.founders[0])
    response = client.get(reverse("meetings:print_partner", args=[world.event.pk, world.openai.pk]))
    assert response.status_code == 302


def test_the_agenda_takes_as_many_queries_for_many_meetings_as_for_few(client):
    counts = []
    for startups in (1, 6):
        world = build_world(startups=startups, openai_tables=2)
        meetings_schedule(event_id=world.event.pk, by="test")
        client.force_login(world.partner_people[world.openai.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("meetings:agenda")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- admin ---------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    client.force_login(f.UserFactory(staff=True))
    return client


def test_staff_start_scheduling_from_the_event_list_and_read_the_report(
    staff_client, django_capture_on_commit_callbacks
):
    world = build_world(startups=4)
    Availability.objects.create(  # OpenAI: 9:00–10:00 only, three slots for four requests
        event=world.event,
        partner=world.openai,
        starts_at=dt.datetime(2027, 3, 10, 9, 0, tzinfo=LA),
        ends_at=dt.datetime(2027, 3, 10, 10, 0, tzinfo=LA),
    )
    url = reverse("admin:matching_meetingevent_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": "meetings_schedule_start", "_selected_action": [world.event.pk]})
    assert response.status_code == 302
    job = Job.objects.get(kind=Job.Kind.SCHEDULING)
    assert (job.progress_done, job.progress_total) == (5, 5)  # the requests
    assert response["Location"] == reverse("admin:jobs_job_change", args=[job.pk])  # staff land on the job's page
    job_page = staff_client.get(response["Location"]).content.decode()
    assert "미팅 배치 완료: 요청 5건 중 4건 배치" in job_page or "4 of 5 requests placed" in job_page
    assert Meeting.objects.filter(event=world.event, status="scheduled").count() == 4
    page = staff_client.get(reverse("admin:matching_meetingevent_change", args=[world.event.pk])).content.decode()
    assert "4 of 5 requests placed" in page or "5건 중 4건" in page
    assert "OpenAI" in page or "오픈AI" in page


def test_the_meeting_list_shows_venue_time_with_kst(staff_client, world):
    response = staff_client.get(reverse("admin:matching_meeting_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "PST" in page and "KST" in page


def test_the_move_form_offers_only_conflict_free_places_and_moves(staff_client, world):
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    url = reverse("admin:matching_meeting_move", args=[meeting.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    choices = [key for key, _label in response.context["form"].fields["place"].choices]
    busy = Meeting.objects.get(application=world.applications[0], partner=world.openai).starts_at.isoformat()
    assert choices and all(not key.startswith(busy) for key in choices)
    response = staff_client.post(url, {"place": choices[0]})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_staff_cancel_a_meeting_with_a_reason_on_the_confirmation_page(staff_client, world):
    meeting = Meeting.objects.filter(partner=world.openai).first()
    page = reverse("admin:matching_meeting_reason_action", args=["meeting_cancel"]) + f"?ids={meeting.pk}"
    assert staff_client.get(page).status_code == 200
    staff_client.post(page, {"reason": "The startup withdrew."})
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


def test_staff_lock_meetings_from_the_list(staff_client, world):
    meeting = Meeting.objects.first()
    staff_client.post(
        reverse("admin:matching_meeting_changelist"), {"action": "meeting_lock", "_selected_action": [meeting.pk]}
    )
    meeting.refresh_from_db()
    assert meeting.locked


def test_an_agenda_entry_reads_as_one_span_with_the_zone_after_the_end(client, world):
    client.force_login(world.founders[0])
    row = client.get(reverse("meetings:agenda")).context["rows"][0]
    meeting = row["meeting"]
    zone = ZoneInfo(meeting.event.time_zone)
    starts, ends = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)

    assert row["venue_span"].endswith(f"{starts:%H:%M}–{ends:%H:%M} {starts.tzname()}")


def test_the_move_page_in_english_names_the_startup_in_english(staff_client, world):
    meeting = Meeting.objects.select_related("application__startup").get(
        application=world.applications[0], partner=world.acme
    )
    staff_client.cookies["django_language"] = "en"
    page = staff_client.get(reverse("admin:matching_meeting_move", args=[meeting.pk])).content.decode()
    startup = meeting.application.startup
    assert f"{startup.name_en} now meets at" in page and startup.name_ko not in page
