"""What the e-mail outbox and the webhook outbox share: finding the rows that would otherwise wait
forever. Both models have `status` (queued/sending/…), `claimed_at`, `enqueued_at`, `updated_at`,
`created_at` and a field holding when the next attempt is due."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

# A row this long untouched that was never handed to the queue lost its hand-off.
HAND_OFF_GRACE = dt.timedelta(seconds=60)


def seconds_or(value: dt.timedelta | None, default_seconds: int) -> dt.timedelta:
    """`value`, or the setting's number of seconds when it is None (a zero timedelta is a value)."""
    return dt.timedelta(seconds=default_seconds) if value is None else value


@dataclasses.dataclass(frozen=True)
class SweepReport:
    stuck: int
    handed_over: int


def outbox_sweep(
    model: type[models.Model],
    *,
    due_field: str,
    enqueue: Callable[[list[int]], None],
    stuck_message: str,
    sending_timeout: dt.timedelta,
    requeue_after: dt.timedelta,
    grace: dt.timedelta = HAND_OFF_GRACE,
    limit: int = 5000,
) -> SweepReport:
    """Queue again rows "sending" for longer than `sending_timeout` (their worker died between claiming
    and recording: the one case where the side effect may happen twice), and hand to the queue the due
    queued rows never handed over (`grace` after their last change), handed over before they were due,
    or handed over longer than `requeue_after` ago (the broker lost the job)."""
    now = timezone.now()
    stuck = list(
        model.objects.filter(status="sending", claimed_at__lte=now - sending_timeout).values_list("pk", flat=True)[
            :limit
        ]
    )
    model.objects.filter(pk__in=stuck, status="sending").update(
        status="queued", claimed_at=None, enqueued_at=None, last_error=stuck_message, updated_at=now
    )
    due = Q(**{f"{due_field}__isnull": True}) | Q(**{f"{due_field}__lte": now})
    lost = (
        Q(enqueued_at__isnull=True, updated_at__lte=now - grace)
        | Q(enqueued_at__lte=now - requeue_after)
        | Q(enqueued_at__lt=F(due_field))
    )
    waiting = model.objects.filter(due, lost, status="queued").exclude(pk__in=stuck)
    ids = stuck + list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[: limit - len(stuck)])
    enqueue(ids)
    return SweepReport(stuck=len(stuck), handed_over=len(ids))
