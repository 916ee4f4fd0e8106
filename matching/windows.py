"""Where a program's application window stands at a moment, written for people: shown on the
public pages and the applicant's pages alike."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from matching.models import Program

KOREA = ZoneInfo("Asia/Seoul")
URGENT = dt.timedelta(days=3)


def format_korea_time(moment: dt.datetime) -> str:
    """A moment in Korea time, written the way the active language writes dates."""
    # Translators: a PHP-style date format (Django's `date` filter); Korean: "Y년 n월 j일 (D) H:i".
    return dateformat.format(timezone.localtime(moment, KOREA), pgettext("program date format", "D j M Y, H:i"))


def format_duration(delta: dt.timedelta) -> str:
    """'3 days 4 hours', '5 hours 12 minutes', '40 minutes': the two largest units that matter."""
    minutes_total = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts) if parts else _("less than a minute")


@dataclass(frozen=True)
class ApplicationWindow:
    """Where a program's application window stands at a moment, ready to show."""

    state: str  # "upcoming", "open" or "closed"
    opens: str
    closes: str
    countdown: str
    urgent: bool

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def is_upcoming(self) -> bool:
        return self.state == "upcoming"

    @property
    def is_closed(self) -> bool:
        return self.state == "closed"


def application_window(program: Program, *, now: dt.datetime) -> ApplicationWindow:
    accepting = program.status == Program.Status.OPEN
    if accepting and now < program.opens_at:
        state = "upcoming"
        countdown = _("Opens in %(duration)s") % {"duration": format_duration(program.opens_at - now)}
    elif accepting and now < program.closes_at:
        state = "open"
        countdown = _("%(duration)s left") % {"duration": format_duration(program.closes_at - now)}
    else:
        state = "closed"
        countdown = _("Applications closed")
    return ApplicationWindow(
        state=state,
        opens=format_korea_time(program.opens_at),
        closes=format_korea_time(program.closes_at),
        countdown=countdown,
        urgent=state == "open" and program.closes_at - now <= URGENT,
    )
