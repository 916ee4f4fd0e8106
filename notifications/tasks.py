"""Celery jobs of the outbox. Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    rate_limit=settings.NOTIFICATION_RATE_LIMIT,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_notification(self, notification_id: int) -> str:
    """Claim, render, send and record one notification (see `notification_deliver`). Jobs are handed
    out in batches now (`deliver_notifications`); this one stays for jobs already queued and callers
    with a single id."""
    from notifications.services import notification_deliver

    delivery = notification_deliver(notification_id=notification_id)
    # In-process (no broker) a retry waits for staff or the sweep instead of blocking the request.
    if delivery.retry_in is not None and not self.request.is_eager:
        deliver_notification.apply_async((notification_id,), countdown=delivery.retry_in)
    return delivery.outcome


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_notifications(self, notification_ids: list[int]) -> dict[str, int]:
    """Claim, render, send over one connection and record a batch (see `notifications_deliver`);
    NOTIFICATION_RATE_LIMIT paces the sending inside the batch."""
    from notifications.services import notifications_deliver, sending_rate

    # In-process (no broker) nothing is paced, as Celery's rate limits do not apply there either.
    batch = notifications_deliver(ids=notification_ids, rate=None if self.request.is_eager else sending_rate())
    # In-process (no broker) a retry waits for staff or the sweep instead of blocking the request.
    if not self.request.is_eager:
        for delay, ids in batch.retries().items():
            deliver_notifications.apply_async((ids,), countdown=delay)
    return batch.counts()


@shared_task(acks_late=True, ignore_result=True)
def enqueue_notifications(ids: list[int]) -> int:
    """Fan-out: delivery jobs of up to NOTIFICATION_BATCH_SIZE ids each (a batch queued by `notify_each`)."""
    from notifications.services import notifications_enqueue

    notifications_enqueue(ids=ids)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def sweep_notifications() -> dict:
    """Every minute: queue again rows stuck in "sending" and rows whose job was lost."""
    from notifications.services import notifications_sweep
    from notifications.webhooks import webhooks_sweep

    report = notifications_sweep()
    webhooks_sweep()  # webhook deliveries, likewise
    return {"stuck": report.stuck, "handed_over": report.handed_over}


@shared_task(acks_late=True)
def remind_draft_deadlines() -> int:
    """D-3 and D-1 reminders to the members of startups whose application is still a draft."""
    from startups.services.reminders import deadline_reminders_queue

    return deadline_reminders_queue(now=timezone.now())


@shared_task(acks_late=True)
def remind_reviews() -> int:
    """48 h and 24 h before a round closes, a reminder to each evaluator with unsubmitted reviews."""
    from matching.services.reminders import review_reminders_queue

    return review_reminders_queue(now=timezone.now())


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """Claim, POST (signed), log and record one webhook delivery (see `webhook_deliver`)."""
    from notifications.webhooks import webhook_deliver

    outcome = webhook_deliver(delivery_id=delivery_id)
    # In-process (no broker) a retry waits for the sweep or a redelivery instead of blocking the request.
    if outcome.retry_in is not None and not self.request.is_eager:
        deliver_webhook.apply_async((delivery_id,), countdown=outcome.retry_in)
    return outcome.outcome
