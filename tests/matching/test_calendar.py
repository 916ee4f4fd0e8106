"""Meetings as iCalendar: the file parses with `icalendar`, has the venue's zone and the right instant,
a stable UID, the sequence, the recipient's language, and CANCEL for a cancelled meeting."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import translation

from matching.calendar import PUBLISH, meetings_ics
from matching.models import Meeting
from matching.services.meetings import meetings_schedule
from tests.matching.test_meetings_service import build_world

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


def _meetings(world):
    return list(
        Meeting.objects.filter(event=world.event)
        .select_related("event", "table", "partner", "application__startup")
        .order_by("starts_at", "table_id")
    )


def _events(content: bytes):
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, list(calendar.walk("VEVENT"))


def test_the_ics_parses_and_starts_in_the_venue_zone_at_the_right_instant():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = _meetings(world)[0]
    calendar, events = _events(meetings_ics([meeting]))
    start = events[0].decoded("dtstart")
    assert str(events[0]["dtstart"].params["TZID"]) == "America/Los_Angeles"
    assert start.utcoffset() == dt.timedelta(hours=-8)  # daylight time starts on 14 March 2027
    assert start == meeting.starts_at
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC)
    assert (start.hour, start.minute) == (9, 0)
    assert [c["tzid"] for c in calendar.walk("VTIMEZONE")] == ["America/Los_Angeles"]


def test_an_invitation_is_a_request_with_the_meetings_uid_and_sequence():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = _meetings(world)[0]
    meeting.sequence = 3
    calendar, events = _events(meetings_ics([meeting]))
    assert calendar["method"] == "REQUEST"
    assert str(events[0]["uid"]) == f"{meeting.uid}@matchday"
    assert events[0]["sequence"] == 3
    assert events[0]["status"] == "CONFIRMED"


def test_a_cancelled_meeting_is_a_cancel():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = _meetings(world)[0]
    meeting.status = Meeting.Status.CANCELLED
    calendar, events = _events(meetings_ics([meeting]))
    assert calendar["method"] == "CANCEL"
    assert events[0]["status"] == "CANCELLED"


def test_the_texts_are_in_the_recipients_language():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = next(m for m in _meetings(world) if m.partner_id == world.openai.pk)
    with translation.override("ko"):
        _calendar, ko = _events(meetings_ics([meeting]))
    with translation.override("en"):
        _calendar, en = _events(meetings_ics([meeting]))
    assert "오픈AI" in str(ko[0]["summary"]) and meeting.application.startup.name_ko in str(ko[0]["summary"])
    assert "OpenAI" in str(en[0]["summary"]) and meeting.application.startup.name_en in str(en[0]["summary"])
    assert "San Francisco" in str(en[0]["location"]) and meeting.table.name in str(en[0]["location"])


def test_a_feed_publishes_every_meeting():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meetings = _meetings(world)
    calendar, events = _events(meetings_ics(meetings, method=PUBLISH))
    assert calendar["method"] == "PUBLISH"
    assert len(events) == len(meetings) == 4
    assert "organizer" not in events[0]
