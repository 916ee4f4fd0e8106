"""D-3 and D-1 reminders to startups whose application to an open program is still a draft."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction

from matching.models import Program
from notifications.models import Notification
from notifications.services import notify_each
from startups.models import Application
from startups.selectors import active_members_by_startup

# (time left at most, days in the message, idempotency scope), the nearest deadline first.
DEADLINE_REMINDERS = (
    (dt.timedelta(days=1), 1, "d-1"),
    (dt.timedelta(days=3), 3, "d-3"),
)


def _reminder_for(time_left: dt.timedelta) -> tuple[int, str]:
    """(days, scope) of the nearest reminder; only called for deadlines within the last window."""
    return next((days, scope) for at_most, days, scope in DEADLINE_REMINDERS if time_left <= at_most)


@transaction.atomic
def deadline_reminders_queue(*, now: dt.datetime) -> int:
    """Remind the active members of every startup whose application is still a draft that the
    program's deadline is near.

    A program counts when it is open (status OPEN, opens_at <= now < closes_at) and closes within
    3 days. With at most 1 day left the reminder is D-1 (context {"days": 1}, scope "d-1"),
    otherwise D-3 (context {"days": 3}, scope "d-3"): one message per draft application (the object)
    and active member of its startup. A draft first seen with 20 hours left gets D-1 only; one
    reminded at D-3 gets D-1 as well. Running again queues nothing new (the idempotency key holds
    the scope). Queries: two, plus two per program with drafts to remind — never per draft.
    Returns how many messages were asked for.
    """
    last_day = DEADLINE_REMINDERS[-1][0]
    drafts = list(
        Application.objects.filter(
            status=Application.Status.DRAFT,
            program__status=Program.Status.OPEN,
            program__opens_at__lte=now,
            program__closes_at__gt=now,
            program__closes_at__lte=now + last_day,
        )
        .select_related("program")
        .order_by("program_id", "pk")
    )
    if not drafts:
        return 0
    members = active_members_by_startup({a.startup_id for a in drafts})
    batches: dict[tuple[int, str], list[tuple[Any, Application, dict[str, Any]]]] = defaultdict(list)
    programs: dict[int, Program] = {}
    for application in drafts:
        program = application.program
        days, scope = _reminder_for(program.closes_at - now)
        programs[program.pk] = program
        batches[(program.pk, scope)] += [
            (user, application, {"days": days}) for user in members.get(application.startup_id, []) if user.is_active
        ]
    return sum(
        notify_each(
            event=Notification.Event.DEADLINE_REMINDER,
            messages=messages,
            scope=scope,
            program=programs[program_id],
        )
        for (program_id, scope), messages in batches.items()
    )
