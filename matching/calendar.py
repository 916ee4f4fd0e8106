"""Meetings as iCalendar (RFC 5545 / 5546), with the `icalendar` library.

`meetings_ics` writes one calendar for a set of meetings, in the active language (summary, location
and description), with each meeting's stable `UID` and its `SEQUENCE`, times with the venue's TZID
and the VTIMEZONE it names. The method is REQUEST (an invitation or its update), CANCEL with
`STATUS:CANCELLED` when every meeting in it is cancelled (the invitation of a cancelled meeting), or
PUBLISH for a calendar feed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import localized
from matching.models import Meeting

PRODID = "-//Matchday//Matching Day//EN"
REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"


def _organizer() -> str:
    address = settings.DEFAULT_FROM_EMAIL
    if "<" in address:
        address = address.rpartition("<")[2].strip("> ")
    return f"mailto:{address}"


def meeting_summary(meeting: Meeting) -> str:
    from matching.services.meetings import partner_name

    startup = localized(meeting.application.startup, "name")
    if meeting.partner_id is None:
        return _("Pitch: %(startup)s") % {"startup": startup}
    return _("%(partner)s × %(startup)s") % {"partner": partner_name(meeting.partner), "startup": startup}


def meeting_location(meeting: Meeting) -> str:
    return f"{meeting.event.venue} · {meeting.table.name}"


def meeting_description(meeting: Meeting) -> str:
    from matching.services.meetings import partner_name

    lines = [
        meeting.event.name,
        _("Startup: %(startup)s") % {"startup": localized(meeting.application.startup, "name")},
        _("With: %(host)s") % {"host": partner_name(meeting.partner)},
        _("Room or table: %(table)s") % {"table": meeting.table.name},
    ]
    if meeting.status == Meeting.Status.CANCELLED:
        lines.insert(0, _("This meeting is cancelled."))
    return "\n".join(lines)


def meetings_ics(meetings: Iterable[Meeting], *, method: str | None = None, attendees: Iterable[str] = ()) -> bytes:
    """The calendar of `meetings` (select_related event, table, partner, application__startup). Method:
    CANCEL when every meeting is cancelled, REQUEST otherwise, unless given (PUBLISH for a feed)."""
    meetings = list(meetings)
    if method is None:
        every_cancelled = bool(meetings) and all(m.status == Meeting.Status.CANCELLED for m in meetings)
        method = CANCEL if every_cancelled else REQUEST
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    for meeting in meetings:
        zone = ZoneInfo(meeting.event.time_zone)
        item = icalendar.Event()
        item.add("uid", f"{meeting.uid}@matchday")
        item.add("sequence", meeting.sequence)
        item.add("dtstamp", stamp)
        item.add("dtstart", meeting.starts_at.astimezone(zone))
        item.add("dtend", meeting.ends_at.astimezone(zone))
        item.add("summary", meeting_summary(meeting))
        item.add("location", meeting_location(meeting))
        item.add("description", meeting_description(meeting))
        cancelled = meeting.status == Meeting.Status.CANCELLED
        item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if method in (REQUEST, CANCEL):
            item.add("organizer", _organizer())
            for address in attendees:
                item.add("attendee", f"mailto:{address}", parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_filename(name: str) -> str:
    return f"{name}.ics"
