"""D-3 and D-1 reminders to startups whose application to an open program is still a draft."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from matching.models import Program
from notifications.models import Notification
from notifications.services import notify_each
from startups.models import Application
from startups.selectors import active_members_by_startup
from startups.services.deadlines import personal_deadlines_in_force

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
    """Remind the active members of every startup whose application is still a draft that its
    deadline is near: the program's, or the personal deadline in force for it (a staff extension,
    `startups.services.deadlines`), whichever the application goes by.

    By the program's deadline: the program is open (status OPEN, opens_at <= now < closes_at), closes
    within 3 days, and the draft has no personal deadline in force. By a personal deadline: it is in
    force and ends within 3 days, whatever the program's status (scopes name the personal deadline,
    so a new extension is reminded afresh). With at most 1 day left the reminder is D-1 (context
    {"days": 1}, scope "d-1"), otherwise D-3 (scope "d-3"): one message per draft application (the
    object) and active member of its startup. A draft first seen with 20 hours left gets D-1 only;
    one reminded at D-3 gets D-1 as well. Running again queues nothing new (the idempotency key holds
    the scope). Queries: two, plus two per program and scope with drafts to remind — never per draft.
    Returns how many messages were asked for.
    """
    last_day = DEADLINE_REMINDERS[-1][0]
    in_force = personal_deadlines_in_force(at=now).filter(application=OuterRef("pk"))
    drafts = list(
        Application.objects.filter(status=Application.Status.DRAFT)
        .annotate(
            personal_id=Subquery(in_force.values("pk")[:1]),
            personal_until=Subquery(in_force.values("until")[:1]),
        )
        .filter(
            Q(
                personal_id__isnull=True,
                program__status=Program.Status.OPEN,
                program__opens_at__lte=now,
                program__closes_at__gt=now,
                program__closes_at__lte=now + last_day,
            )
            | Q(personal_id__isnull=False, personal_until__lte=now + last_day)
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
        deadline = application.personal_until or program.closes_at
        days, scope = _reminder_for(deadline - now)
        context: dict[str, Any] = {"days": days}
        if application.personal_id is not None:
            scope = f"personal-{application.personal_id}-{scope}"
            context["deadline"] = deadline.isoformat()
        programs[program.pk] = program
        batches[(program.pk, scope)] += [
            (user, application, context) for user in members.get(application.startup_id, []) if user.is_active
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
