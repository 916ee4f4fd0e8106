"""Meeting events and meetings through the API: who reads which rows (the permission matrix), and staff's
writes (schedule → 202 job, move, lock, cancel with a reason) calling the same services as the admin."""

import pytest

from api.models import ApiKey
from matching.models import Meeting
from matching.services.meetings import meeting_move_options, meetings_schedule
from tests import factories as f
from tests.matching.test_meetings_service import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    world.staff = f.UserFactory(staff=True)
    world.stranger = f.UserFactory()
    world.other_event = f.MeetingEventFactory()  # another program's event: nobody here has meetings there
    return world


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def _meetings(world, **filters) -> set[int]:
    return set(Meeting.objects.filter(**filters).values_list("pk", flat=True))


ROLES = ("staff", "founder", "openai", "acme", "stranger")


def _user(world, role):
    return {
        "staff": world.staff,
        "founder": world.founders[1],
        "openai": world.partner_people[world.openai.pk],
        "acme": world.partner_people[world.acme.pk],
        "stranger": world.stranger,
    }[role]


def _expected(world, role) -> set[int]:
    return {
        "staff": _meetings(world),
        "founder": _meetings(world, application=world.applications[1]),
        "openai": _meetings(world, partner=world.openai),
        "acme": _meetings(world, partner=world.acme),
        "stranger": set(),
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_exactly_the_meetings_it_may_see(role, world, session_client):
    assert _ids(session_client(_user(world, role)).get("/api/v1/meetings/")) == _expected(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_its_meetings_and_gets_404_for_the_others(role, world, session_client):
    client = session_client(_user(world, role))
    mine = _expected(world, role)
    for pk in _meetings(world):
        assert client.get(f"/api/v1/meetings/{pk}/").status_code == (200 if pk in mine else 404)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_events_it_has_meetings_at(role, world, session_client):
    expected = (
        {world.event.pk, world.other_event.pk}
        if role == "staff"
        else ({world.event.pk} if role != "stranger" else set())
    )
    assert _ids(session_client(_user(world, role)).get("/api/v1/meeting-events/")) == expected


def test_a_partners_key_reads_only_its_partners_meetings(world, key_client):
    user = world.partner_people[world.openai.pk]
    client = key_client(user, scopes=[ApiKey.Scope.APPLICATIONS_READ], partner=world.openai)
    assert _ids(client.get("/api/v1/meetings/")) == _meetings(world, partner=world.openai)


def test_anonymous_callers_get_401(world, api_client):
    assert api_client.get("/api/v1/meetings/").status_code == 401
    assert api_client.get("/api/v1/meeting-events/").status_code == 401


@pytest.mark.parametrize("role", ("founder", "openai", "stranger"))
def test_only_staff_write(role, world, session_client):
    client = session_client(_user(world, role))
    meeting = Meeting.objects.filter(partner=world.openai).first()
    visible = meeting.pk in _expected(world, role)
    for path, body in (
        (f"/api/v1/meetings/{meeting.pk}/lock/", {"locked": True}),
        (f"/api/v1/meetings/{meeting.pk}/cancel/", {"reason": "no"}),
        (f"/api/v1/meeting-events/{world.event.pk}/schedule/", {}),
    ):
        assert client.post(path, body, format="json").status_code == 403, (path, visible)
    meeting.refresh_from_db()
    assert meeting.status == "scheduled" and not meeting.locked


def test_staff_schedule_through_a_job(world, session_client, django_capture_on_commit_callbacks):
    client = session_client(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/meeting-events/{world.event.pk}/schedule/")
    assert response.status_code == 202
    job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded"
    assert job["result"]["placed"] == 4 and job["result"]["created"] == 0


def test_staff_move_a_meeting_and_a_conflict_is_refused_in_words(world, session_client):
    client = session_client(world.staff)
    first, second = Meeting.objects.filter(partner=world.openai).order_by("starts_at")[:2]
    refused = client.post(
        f"/api/v1/meetings/{second.pk}/move/",
        {"starts_at": first.starts_at.isoformat(), "table": first.table_id},
        format="json",
    )
    assert refused.status_code == 409
    assert "이미 다른 미팅이 있습니다" in refused.json()["detail"]  # Korean by default
    options = client.get(f"/api/v1/meetings/{second.pk}/move-options/").json()
    assert len(options) == len(meeting_move_options(meeting=second))
    moved = client.post(
        f"/api/v1/meetings/{second.pk}/move/",
        {"starts_at": options[0]["starts_at"], "table": options[0]["table"]},
        format="json",
    )
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1


def test_staff_cancel_with_a_reason(world, session_client):
    client = session_client(world.staff)
    meeting = Meeting.objects.first()
    assert client.post(f"/api/v1/meetings/{meeting.pk}/cancel/", {}, format="json").status_code in (400, 422)
    response = client.post(f"/api/v1/meetings/{meeting.pk}/cancel/", {"reason": "Flight cancelled."}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_staff_lock_a_meeting(world, session_client):
    meeting = Meeting.objects.first()
    response = session_client(world.staff).post(f"/api/v1/meetings/{meeting.pk}/lock/", {"locked": True}, format="json")
    assert response.status_code == 200 and response.json()["locked"] is True


def test_a_meeting_shows_its_time_in_the_venue_zone(world, session_client):
    meeting = Meeting.objects.order_by("starts_at").first()
    row = session_client(world.staff).get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert row["time_zone"] == "America/Los_Angeles"
    assert row["starts_at_venue"].endswith("-08:00")


@pytest.mark.parametrize("role", ("staff", "openai"))
def test_the_meetings_list_reads_as_many_queries_for_one_row_as_for_all(role, world, session_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session_client(_user(world, role))
    client.get("/api/v1/meetings/?page_size=1")  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/meetings/?page_size=1").status_code == 200
    with CaptureQueriesContext(connection) as every:
        response = client.get("/api/v1/meetings/?page_size=200")
    assert len(_ids(response)) > 1
    assert len(every) == len(one)


@pytest.mark.parametrize("role", ("staff", "openai"))
def test_the_events_list_reads_as_many_queries_for_one_row_as_for_all(role, world, session_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = session_client(_user(world, role))
    client.get("/api/v1/meeting-events/?page_size=1")
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/meeting-events/?page_size=1").status_code == 200
    with CaptureQueriesContext(connection) as every:
        assert client.get("/api/v1/meeting-events/?page_size=200").status_code == 200
    assert len(every) == len(one)
