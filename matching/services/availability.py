"""A partner's availability for a Matching Day: the time windows in which it can meet, given before
the day is scheduled. Someone with no window is available all day (`matching.models.Availability`)."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError, InvalidInput
from matching.models import Availability, MeetingEvent, Partner, ProgramPartner


@dataclass(frozen=True)
class Window:
    """A window as typed: a day of the event and two times, in the venue's time zone."""

    day: str
    starts: str
    ends: str


class AvailabilityInvalid(InvalidInput):
    """Windows refused whole: `problems` maps `window:<n>` (0-based, as given) to messages."""

    code = "availability_invalid"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems, _("Some time windows need fixing; nothing was saved."))


def event_days(event: MeetingEvent) -> list[dt.date]:
    return [event.starts_on + dt.timedelta(days=n) for n in range((event.ends_on - event.starts_on).days + 1)]


def _parse(window: Window, event: MeetingEvent) -> tuple[dt.datetime, dt.datetime]:
    try:
        day = dt.date.fromisoformat(window.day.strip())
    except ValueError:
        raise ValueError(_("Choose one of the event's days.")) from None
    if day not in event_days(event):
        raise ValueError(_("Choose one of the event's days."))
    try:
        starts, ends = dt.time.fromisoformat(window.starts.strip()), dt.time.fromisoformat(window.ends.strip())
    except ValueError:
        raise ValueError(_("Enter times as HH:MM, such as 09:30.")) from None
    if not starts < ends:
        raise ValueError(_("The window must end after it starts."))
    if starts < event.day_starts or ends > event.day_ends:
        raise ValueError(
            _("Keep the window within the event's hours, %(starts)s–%(ends)s (venue time).")
            % {"starts": event.day_starts.strftime("%H:%M"), "ends": event.day_ends.strftime("%H:%M")}
        )
    zone = ZoneInfo(event.time_zone)
    return dt.datetime.combine(day, starts, tzinfo=zone), dt.datetime.combine(day, ends, tzinfo=zone)


@transaction.atomic
def availability_set(*, event: MeetingEvent, partner: Partner, windows: list[Window], by: User) -> list[Availability]:
    """Replace the partner's windows at the event. Each window lies within one of the event's days and its
    hours (venue time) and ends after it starts; windows do not overlap. Refused whole otherwise, and once
    the event is scheduled. Blank rows (no times) are skipped; no window at all means "available all day"."""
    event = MeetingEvent.objects.select_for_update().get(pk=event.pk)
    if event.status != MeetingEvent.Status.PLANNING:
        raise DomainError(
            _("The meetings of this event are scheduled: ask the program staff to change your availability."),
            code="event_scheduled",
        )
    if not ProgramPartner.objects.filter(program_id=event.program_id, partner=partner).exists():
        raise DomainError(_("This partner does not take part in the program."), code="not_a_program_partner")
    problems: dict[str, list[str]] = {}
    parsed: list[tuple[int, dt.datetime, dt.datetime]] = []
    for index, window in enumerate(windows):
        if not window.starts.strip() and not window.ends.strip():
            continue
        try:
            starts, ends = _parse(window, event)
        except ValueError as error:
            problems[f"window:{index}"] = [str(error)]
            continue
        parsed.append((index, starts, ends))
    parsed.sort(key=lambda row: row[1])
    for (_i, _s, previous_end), (index, starts, _e) in zip(parsed, parsed[1:], strict=False):
        if starts < previous_end:
            problems.setdefault(f"window:{index}", []).append(_("This window overlaps another one."))
    if problems:
        raise AvailabilityInvalid(problems)
    Availability.objects.filter(event=event, partner=partner).delete()
    rows = Availability.objects.bulk_create(
        [Availability(event=event, partner=partner, starts_at=starts, ends_at=ends) for _i, starts, ends in parsed]
    )
    audit_record(actor=by, obj=event, verb="availability_set", data={"partner": partner.pk, "windows": len(rows)})
    return rows
