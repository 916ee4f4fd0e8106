"""What the e-mail outbox and the webhook outbox share: handing rows to the queue, settling a claim,
and finding the rows that would otherwise wait forever. Both models have `status` (queued/sending/…),
`claimed_at`, `enqueued_at`, `updated_at`, `created_at`, `last_error` and a field holding when the
next attempt is due."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

# A row this long untouched that was never handed to the queue lost its hand-off.
HAND_OFF_GRACE = dt.timedelta(seconds=60)


def outbox_enqueue(
    model: type[models.Model], *, ids: list[int], task: Any, what: str, batch: int | None = None
) -> None:
    """Hand queued rows to the queue: one `task` job per id, or with `batch`, one job per list of up
    to `batch` ids. Rows are stamped first; if the broker refuses, the stamp is taken back from the
    rest so the sweep hands them over within a minute."""
    if not ids:
        return
    model.objects.filter(pk__in=ids, status="queued").update(enqueued_at=timezone.now())
    step = max(1, batch or 1)
    for position in range(0, len(ids), step):
        try:
            task.delay(ids[position : position + step] if batch else ids[position])
        except Exception:
            logger.warning("Could not queue %d %s; the sweep will.", len(ids) - position, what, exc_info=True)
            model.objects.filter(pk__in=ids[position:], status="queued").update(enqueued_at=None)
            return


def outbox_record(row: models.Model, **changes: Any) -> None:
    """Settle the claim this worker holds on `row`; a row the sweep took back meanwhile is left alone."""
    type(row).objects.filter(pk=row.pk, status="sending", claimed_at=row.claimed_at).update(
        **changes, claimed_at=None, updated_at=timezone.now()
    )


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
    what: str,
    sending_timeout: dt.timedelta | None = None,
    requeue_after: dt.timedelta | None = None,
    grace: dt.timedelta = HAND_OFF_GRACE,
    limit: int = 5000,
) -> SweepReport:
    """Queue again rows "sending" for longer than `sending_timeout` (their worker died between claiming
    and recording: the one case where the side effect may happen twice), and hand to the queue the due
    queued rows never handed over (`grace` after their last change), handed over before they were due,
    or handed over longer than `requeue_after` ago (the broker lost the job). Times left as None come
    from the NOTIFICATION_SENDING_TIMEOUT_SECONDS and NOTIFICATION_REQUEUE_SECONDS settings."""
    if sending_timeout is None:
        sending_timeout = dt.timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    if requeue_after is None:
        requeue_after = dt.timedelta(seconds=settings.NOTIFICATION_REQUEUE_SECONDS)
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
    report = SweepReport(stuck=len(stuck), handed_over=len(ids))
    if report.handed_over:
        logger.info(
            "Sweep of %s: %d stuck rows queued again, %d handed to the queue", what, *dataclasses.astuple(report)
        )
    return report
