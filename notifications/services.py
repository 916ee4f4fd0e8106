"""The outbox: queue a message inside the caller's transaction, deliver it after commit, once.

- `notify` / `notify_many` / `notify_each` create rows with a unique idempotency key and hand
  them to the delivery queue when the transaction commits (never before, never after a rollback).
- `notification_deliver` (the Celery task's body) claims a queued row under a lock, renders it in
  the recipient's language, sends it outside the transaction and records the outcome: sent; queued
  again with exponential backoff after a temporary SMTP error; failed after the last attempt or a
  permanent error; cancelled when the message no longer applies.
- `notifications_sweep` (every minute, from beat) queues again rows stuck in "sending" whose worker
  died, and rows whose hand-off to the queue was lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from audit.services import audit_record
from core.errors import InvalidInput
from core.lifecycle import transition
from notifications.defaults import default_template
from notifications.events import EVENTS, Obsolete
from notifications.models import MessageTemplate, Notification
from notifications.outbox import HAND_OFF_GRACE, SweepReport, outbox_enqueue, outbox_record, outbox_sweep
from notifications.rendering import RenderedMessage, render_message, template_problems

logger = logging.getLogger(__name__)
S = Notification.Status

# notify_each hands large batches to the queue through fan-out jobs of this many ids.
FAN_OUT_CHUNK = 500


# --- queueing ---------------------------------------------------------------------------------------


def notification_key(*, event: str, recipient_id: int, obj: models.Model, scope: str = "") -> str:
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    key = f"{event}:{recipient_id}:{content_type.app_label}.{content_type.model}:{obj.pk}"
    return f"{key}:{scope}" if scope else key


def notify(
    *,
    event: str,
    recipient: Any,
    obj: models.Model,
    context: dict[str, Any] | None = None,
    scope: str = "",
    program: Any = None,
) -> Notification:
    """Queue one message for one person about one object, inside the caller's transaction.

    The idempotency key (event, recipient, object and `scope`, e.g. a round or a submission
    number) is unique: asking twice leaves one row, and a rolled-back transaction leaves none.
    Delivery is handed to the queue when the transaction commits.
    """
    key = notification_key(event=event, recipient_id=recipient.pk, obj=obj, scope=scope)
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                idempotency_key=key,
                defaults={
                    "event": event,
                    "recipient": recipient,
                    "email": recipient.email,
                    "language": recipient.preferred_language,
                    "content_type": ContentType.objects.get_for_model(obj, for_concrete_model=False),
                    "object_id": str(obj.pk),
                    "program": program,
                    "context": context or {},
                },
            )
    except IntegrityError:  # a concurrent transaction queued it first, and hands it over itself
        return Notification.objects.get(idempotency_key=key)
    if created:
        transaction.on_commit(lambda: notifications_enqueue(ids=[notification.pk]))
    return notification


def notify_many(
    *,
    event: str,
    recipients: list[Any],
    obj: models.Model,
    context: dict[str, Any] | None = None,
    scope: str = "",
    program: Any = None,
) -> int:
    """`notify` for many people about one object, in one insert; rows that exist already are kept
    as they are (same idempotency key). Returns how many rows the insert was given."""
    return notify_each(
        event=event, messages=[(r, obj, context or {}) for r in recipients], scope=scope, program=program
    )


def notify_each(
    *,
    event: str,
    messages: list[tuple[Any, models.Model, dict[str, Any]]],
    scope: str = "",
    program: Any = None,
) -> int:
    """`notify` for many (recipient, object, context) triples — each person about their own
    object — in one insert; rows that exist already are kept (same idempotency key). The new rows
    are handed to the queue after commit by fan-out jobs, so a request publishing 10,000 results
    does not publish 10,000 jobs itself. Returns how many rows the insert was given."""
    if not messages:
        return 0
    rows = [
        Notification(
            event=event,
            recipient=recipient,
            email=recipient.email,
            language=recipient.preferred_language,
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            program=program,
            context=context or {},
            idempotency_key=notification_key(event=event, recipient_id=recipient.pk, obj=obj, scope=scope),
        )
        for recipient, obj, context in messages
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    keys = [row.idempotency_key for row in rows]
    ids: list[int] = []
    for start in range(0, len(keys), 2000):
        ids += Notification.objects.filter(
            idempotency_key__in=keys[start : start + 2000], status=S.QUEUED, enqueued_at__isnull=True
        ).values_list("pk", flat=True)
    if ids:
        transaction.on_commit(lambda: notifications_fan_out(ids=ids))
    return len(rows)


def notifications_fan_out(*, ids: list[int]) -> None:
    from notifications.tasks import enqueue_notifications

    for start in range(0, len(ids), FAN_OUT_CHUNK):
        chunk = ids[start : start + FAN_OUT_CHUNK]
        try:
            enqueue_notifications.delay(chunk)
        except Exception:  # the broker is down: the rows stay unstamped and the sweep hands them over
            logger.warning("Could not queue %d notifications; the sweep will.", len(ids) - start, exc_info=True)
            return


def notifications_enqueue(*, ids: list[int]) -> None:
    """Hand queued rows to the delivery queue (see `outbox_enqueue`)."""
    from notifications.tasks import deliver_notification

    outbox_enqueue(Notification, ids=ids, task=deliver_notification, what="notifications")


# --- rendering ----------------------------------------------------------------------------------------


def message_template(*, event: str, language: str) -> tuple[str, str]:
    """(subject, body) staff set for the event and language, or the shipped default."""
    row = MessageTemplate.objects.filter(event=event, language=language).values_list("subject", "body").first()
    return row if row else default_template(event, language)


def notification_render(*, notification: Notification) -> RenderedMessage:
    """The message as it would be sent now, in the recipient's language. Raises `Obsolete` when it
    no longer applies."""
    with translation.override(notification.language):
        values = EVENTS[notification.event].values(notification)
        subject, body = message_template(event=notification.event, language=notification.language)
        return render_message(subject=subject, body=body, values=values)


def notification_attachments(*, notification: Notification) -> list[tuple[str, bytes, str]]:
    """The files the event sends with the message (e.g. a meeting's `.ics`), made now, in the
    recipient's language."""
    make = EVENTS[notification.event].attachments
    if make is None:
        return []
    with translation.override(notification.language):
        return make(notification)


def _email(notification: Notification, message: RenderedMessage) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "matchday.local"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[notification.email],
        headers={
            "Message-ID": make_msgid(idstring=f"notification-{notification.pk}", domain=domain),
            "X-Matchday-Notification": str(notification.pk),
            "Auto-Submitted": "auto-generated",
        },
    )
    html = format_html(
        '<!doctype html><html lang="{}"><body style="font-family:sans-serif;line-height:1.6">{}</body></html>',
        notification.language,
        mark_safe(message.html),  # noqa: S308 — render_message escaped every character of it
    )
    email.attach_alternative(html, "text/html")
    return email


# --- delivery -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Delivery:
    outcome: str  # sent, retry, failed, cancelled, skipped
    retry_in: int | None = None


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts − 1), capped."""
    return min(settings.NOTIFICATION_RETRY_MAX_SECONDS, settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def is_temporary(error: Exception) -> bool:
    """A 4xx reply, a dropped or refused connection, a timeout: worth trying again. A 5xx reply or a
    malformed message is not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, OSError)  # SMTPServerDisconnected, ConnectionError, TimeoutError …


@transaction.atomic
def _claim(notification_id: int) -> Notification | Delivery:
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient", "program")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.status != S.QUEUED:
        return Delivery("skipped")  # sent, being sent by another worker, failed or cancelled
    now = timezone.now()
    if notification.not_before and notification.not_before > now + dt.timedelta(seconds=1):
        return Delivery("skipped")  # not due yet: the sweep hands it over when it is
    notification.status, notification.claimed_at = S.SENDING, now
    notification.attempts += 1
    notification.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return notification


def notification_deliver(*, notification_id: int) -> Delivery:
    """Send one queued message at most once per claim (see the module docstring). Safe to run twice:
    a row that is not queued is skipped."""
    claimed = _claim(notification_id)
    if isinstance(claimed, Delivery):
        return claimed
    notification = claimed
    try:
        message = notification_render(notification=notification)
        files = notification_attachments(notification=notification)
    except Obsolete as reason:
        outbox_record(notification, status=S.CANCELLED, last_error=str(reason))
        return Delivery("cancelled")
    except Exception as error:  # a template or data problem: trying again will not help
        logger.exception("Notification %s could not be rendered", notification.pk)
        outbox_record(notification, status=S.FAILED, last_error=f"{type(error).__name__}: {error}")
        return Delivery("failed")

    try:
        email = _email(notification, message)
        for name, content, mimetype in files:
            email.attach(name, content, mimetype)
        email.send()
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        if is_temporary(error) and notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            delay = retry_delay(notification.attempts)
            due = timezone.now() + dt.timedelta(seconds=delay)
            outbox_record(notification, status=S.QUEUED, last_error=reason, not_before=due, enqueued_at=due)
            return Delivery("retry", retry_in=delay)
        logger.warning("Notification %s failed after %d attempts: %s", notification.pk, notification.attempts, reason)
        outbox_record(notification, status=S.FAILED, last_error=reason)
        return Delivery("failed")

    Notification.objects.filter(pk=notification.pk).exclude(status=S.SENT).update(
        status=S.SENT,
        sent_at=timezone.now(),
        subject=message.subject[:300],
        body=message.text,
        last_error="",
        claimed_at=None,
        updated_at=timezone.now(),
    )
    return Delivery("sent")


def notifications_sweep(
    *,
    sending_timeout: dt.timedelta | None = None,
    requeue_after: dt.timedelta | None = None,
    grace: dt.timedelta = HAND_OFF_GRACE,
    limit: int = 5000,
) -> SweepReport:
    """Queue again the messages that would otherwise wait forever (see `outbox_sweep`): stuck in
    "sending" because their worker died, or queued with their job lost."""
    return outbox_sweep(
        Notification,
        due_field="not_before",
        enqueue=lambda ids: notifications_enqueue(ids=ids),
        stuck_message=gettext("The worker sending this message stopped; it is queued again."),
        what="notifications",
        sending_timeout=sending_timeout,
        requeue_after=requeue_after,
        grace=grace,
        limit=limit,
    )


# --- staff actions ------------------------------------------------------------------------------------


@transaction.atomic
def notification_retry(*, notification: Notification, by: Any, reason: str = "") -> Notification:
    """A failed message is queued again, with a fresh count of attempts, and sent as soon as a worker
    takes it."""
    retried = transition(
        notification,
        to=S.QUEUED,
        by=by,
        reason=reason,
        extra_fields={"attempts": 0, "not_before": None, "enqueued_at": None},
    )
    transaction.on_commit(lambda: notifications_enqueue(ids=[retried.pk]))
    return retried


@transaction.atomic
def notification_cancel(*, notification: Notification, by: Any, reason: str = "") -> Notification:
    """A queued or failed message will not be sent."""
    return transition(notification, to=S.CANCELLED, by=by, reason=reason)


# --- message templates --------------------------------------------------------------------------------


class TemplateRefused(InvalidInput):
    code = "template_invalid"


def message_template_problems(*, event: str, subject: str, body: str) -> dict[str, list[str]]:
    """Per field, what keeps the wording from being saved: syntax, a tag that is not allowed, or a
    placeholder the event does not have."""
    problems = {"subject": template_problems(event, subject), "body": template_problems(event, body)}
    if "\n" in subject.strip():
        problems["subject"].append(gettext("The subject must be a single line."))
    return {field: messages for field, messages in problems.items() if messages}


def message_template_preview(*, event: str, language: str, subject: str, body: str) -> RenderedMessage:
    """The wording rendered on the event's sample values, in the template's language."""
    with translation.override(language):
        return render_message(subject=subject, body=body, values=EVENTS[event].sample())


@transaction.atomic
def message_template_update(*, template: MessageTemplate, subject: str, body: str, by: Any) -> MessageTemplate:
    """Staff change the wording of one event's message in one language. Refused (nothing saved) when
    it uses a placeholder the event does not have or a tag outside the allowed set."""
    problems = message_template_problems(event=template.event, subject=subject, body=body)
    if problems:
        raise TemplateRefused(problems)
    # The admin form has already copied the new text onto `template`: read what is stored.
    previous = MessageTemplate.objects.select_for_update().values("subject", "body").get(pk=template.pk)
    template.subject, template.body, template.updated_by = subject.strip(), body, by
    template.save()
    audit_record(actor=by, obj=template, verb="message_template_changed", data={"previous": previous})
    return template


def message_template_restore(*, template: MessageTemplate, by: Any, reason: str = "") -> MessageTemplate:
    """Back to the wording the project ships for this event and language."""
    subject, body = default_template(template.event, template.language)
    return message_template_update(template=template, subject=subject, body=body, by=by)
