"""The outbox: queue a message inside the caller's transaction, deliver it after commit, once.

- `notify` / `notify_many` / `notify_each` create rows with a unique idempotency key and hand
  them to the delivery queue when the transaction commits (never before, never after a rollback).
- `notifications_deliver` (the Celery task's body) claims a batch of queued rows in one
  transaction (rows another worker holds are skipped), renders them in each recipient's language,
  sends them outside any transaction over one connection and records the outcomes in one
  transaction: sent; queued again with exponential backoff after a temporary SMTP error; failed
  after the last attempt or a permanent error; cancelled when the message no longer applies.
  `notification_deliver` is a batch of one. A worker that dies between sending and recording leaves
  its batch "sending": the sweep queues it again, and those messages (at most a batch) may go twice.
- `notifications_sweep` (every minute, from beat) queues again rows stuck in "sending" whose worker
  died, and rows whose hand-off to the queue was lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import time
from collections import Counter
from collections.abc import Callable
from email.utils import make_msgid
from typing import Any

from celery.utils.time import rate as celery_rate
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connections, models, transaction
from django.db.models import Case, F, Q, Value, When
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
from notifications.outbox import HAND_OFF_GRACE, SweepReport, outbox_enqueue, outbox_sweep
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
    """Hand queued rows to the delivery queue, `batch_size()` ids per job (see `outbox_enqueue`)."""
    from notifications.tasks import deliver_notifications

    outbox_enqueue(Notification, ids=ids, task=deliver_notifications, what="notifications", batch=batch_size())


# --- rendering ----------------------------------------------------------------------------------------


def message_template(*, event: str, language: str) -> tuple[str, str]:
    """(subject, body) staff set for the event and language, or the shipped default."""
    row = MessageTemplate.objects.filter(event=event, language=language).values_list("subject", "body").first()
    return row if row else default_template(event, language)


def message_templates(*, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """`message_template` for several (event, language) pairs in one query (a batch's wordings)."""
    if not pairs:
        return {}
    stored = MessageTemplate.objects.filter(
        event__in={event for event, _language in pairs}, language__in={language for _event, language in pairs}
    ).values_list("event", "language", "subject", "body")
    found = {(event, language): (subject, body) for event, language, subject, body in stored}
    return {pair: found.get(pair) or default_template(*pair) for pair in pairs}


def notification_render(
    *, notification: Notification, templates: dict[tuple[str, str], tuple[str, str]] | None = None
) -> RenderedMessage:
    """The message as it would be sent now, in the recipient's language. Raises `Obsolete` when it
    no longer applies. `templates` (from `message_templates`) saves a batch reading the wording
    once per message."""
    with translation.override(notification.language):
        values = EVENTS[notification.event].values(notification)
        pair = (notification.event, notification.language)
        if templates is not None and pair in templates:
            subject, body = templates[pair]
        else:
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


@dataclasses.dataclass(frozen=True)
class BatchDelivery:
    """What one batch did with each id it was given: skipped when the row was not queued, not yet
    due, or held by another worker claiming it at the same moment."""

    deliveries: dict[int, Delivery]

    def counts(self) -> dict[str, int]:
        return dict(Counter(delivery.outcome for delivery in self.deliveries.values()))

    def retries(self) -> dict[int, list[int]]:
        """Seconds to wait → the ids to try again then."""
        waits: dict[int, list[int]] = {}
        for pk, delivery in self.deliveries.items():
            if delivery.retry_in is not None:
                waits.setdefault(delivery.retry_in, []).append(pk)
        return waits


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


def sending_rate() -> float | None:
    """NOTIFICATION_RATE_LIMIT ("20/s", "600/m") in messages per second per worker process, or None."""
    limit = settings.NOTIFICATION_RATE_LIMIT
    return (celery_rate(limit) or None) if limit else None


def batch_size() -> int:
    """How many ids one delivery job takes: NOTIFICATION_BATCH_SIZE, fewer when the rate limit would
    make a batch last longer than a minute (a job must end well within the task time limit)."""
    rate = sending_rate()
    size = settings.NOTIFICATION_BATCH_SIZE
    return max(1, min(size, int(rate * 60))) if rate else max(1, size)


def _claim(ids: list[int]) -> list[Notification]:
    """Take the queued, due rows among `ids` for this worker, in one transaction committed before
    anything is sent: each becomes "sending" with one attempt more, so a worker that dies from here
    on leaves rows the sweep finds. Rows another worker has locked are skipped, not waited for:
    whoever holds them is claiming (or cancelling) them."""
    now = timezone.now()
    due = Q(not_before__isnull=True) | Q(not_before__lte=now + dt.timedelta(seconds=1))
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "program")
            .filter(due, pk__in=ids, status=S.QUEUED)
            .order_by("pk")
        )
        if rows:
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
            )
    for row in rows:
        row.status, row.claimed_at, row.attempts = S.SENDING, now, row.attempts + 1
    return rows


def _close_quietly(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # the server went away: its messages were answered (or not) already
        logger.warning("Could not close the e-mail connection", exc_info=True)


def _send_all(
    emails: list[tuple[int, EmailMultiAlternatives]],
    *,
    rate: float | None,
    checkpoint: Callable[[list[int]], None],
) -> dict[int, Exception]:
    """Send over one connection opened once, at most `rate` messages a second; the errors of the
    messages whose sending raised, by id. After an error the connection is opened again for the next
    message; when it cannot be opened, the rest of the batch takes that error (and is retried later)
    instead of trying a connection per message.

    A batch still sending NOTIFICATION_RECORD_SECONDS after its last record (a slow server, a rate
    limit) closes the connection and hands the ids sent since to `checkpoint` to be recorded, so a
    worker dying mid-batch can send again only what it sent in the last such interval. The
    connection is closed before ids are recorded: the file backend writes its messages then, and
    only then may they be recorded as sent."""
    errors: dict[int, Exception] = {}
    if not emails:
        return errors
    connection = get_connection()
    is_open, next_at = False, time.monotonic()
    unrecorded: list[int] = []
    record_at = time.monotonic() + settings.NOTIFICATION_RECORD_SECONDS
    for position, (pk, email) in enumerate(emails):
        if unrecorded and time.monotonic() >= record_at:
            if is_open:
                _close_quietly(connection)
                is_open = False
            checkpoint(unrecorded)
            unrecorded, record_at = [], time.monotonic() + settings.NOTIFICATION_RECORD_SECONDS
        if not is_open:
            try:
                connection.open()
            except Exception as error:
                errors.update(dict.fromkeys((rest for rest, _email in emails[position:]), error))
                break
            is_open = True
        if rate:
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic()) + 1 / rate
        try:
            connection.send_messages([email])
        except Exception as error:
            errors[pk] = error
            _close_quietly(connection)
            is_open = False
        else:
            unrecorded.append(pk)
    if is_open:
        _close_quietly(connection)
    return errors


def _per_row(values: dict[int, Any], field: models.Field, name: str) -> Case:
    """One column set to a different value per row, in one UPDATE; other rows keep theirs."""
    whens = [When(pk=pk, then=Value(value, output_field=field)) for pk, value in values.items()]
    return Case(*whens, default=F(name), output_field=field)


def _record_sent(sent: dict[int, RenderedMessage], now: dt.datetime) -> None:
    """Mark the sent rows sent, each with the subject and body it was sent with, in one UPDATE joined
    to a VALUES list (a CASE per row costs Django more to compile than PostgreSQL to run). Recorded
    even if the sweep took the row back meanwhile: it was sent."""
    connection = connections[Notification.objects.db]
    table, q = Notification._meta.db_table, connection.ops.quote_name
    rows = ", ".join(["(%s, %s, %s)"] * len(sent))
    when = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"WITH sent_now (id, subject, body) AS (VALUES {rows}) "  # noqa: S608 — names from the model; values bound
        f"UPDATE {q(table)} SET status = %s, sent_at = %s, subject = sent_now.subject, body = sent_now.body, "
        f"last_error = '', claimed_at = NULL, updated_at = %s "
        f"FROM sent_now WHERE {q(table)}.{q('id')} = sent_now.id AND {q(table)}.status <> %s"
    )
    params = [value for pk, message in sent.items() for value in (pk, message.subject[:300], message.text)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, S.SENT, when, when, S.SENT])


def _record(*, claimed_at: dt.datetime, sent: dict[int, RenderedMessage], settled: dict[int, tuple]) -> None:
    """The outcomes of one batch in one transaction: one UPDATE for the sent rows, one for the rest —
    cancelled, failed, or queued again with its time to try — left alone if the sweep took them back."""
    now = timezone.now()
    with transaction.atomic():
        if sent:
            _record_sent(sent, now)
        if settled:
            changes: dict[str, Any] = {
                "status": _per_row({pk: s[0] for pk, s in settled.items()}, models.CharField(), "status"),
                "last_error": _per_row({pk: s[1] for pk, s in settled.items()}, models.TextField(), "last_error"),
            }
            due = {pk: s[2] for pk, s in settled.items() if s[2] is not None}
            if due:
                changes["not_before"] = _per_row(due, models.DateTimeField(), "not_before")
                changes["enqueued_at"] = _per_row(due, models.DateTimeField(), "enqueued_at")
            Notification.objects.filter(pk__in=list(settled), status=S.SENDING, claimed_at=claimed_at).update(
                **changes, claimed_at=None, updated_at=now
            )


def _preload(notifications: list[Notification]) -> None:
    """Let each event read what its messages need for the whole batch at once, when it can
    (`EventSpec.preload`); a row it did not preload reads its own values when rendered."""
    by_event: dict[str, list[Notification]] = {}
    for notification in notifications:
        by_event.setdefault(notification.event, []).append(notification)
    for event, rows in by_event.items():
        preload = getattr(EVENTS.get(event), "preload", None)
        if preload is None:
            continue
        try:
            preload(rows)
        except Exception:  # each row then reads (and reports) its own values
            logger.exception("Could not preload %d %s notifications", len(rows), event)


def notifications_deliver(*, ids: list[int], rate: float | None = None) -> BatchDelivery:
    """Send a batch of queued messages, each at most once per claim (see the module docstring): claim
    the due ones in one transaction, render them (each (event, language) wording read once), send
    them over one connection, record the outcomes in one transaction. A message whose sending raised
    follows the single message's rules: queued again with backoff after a temporary error, failed
    after the last attempt or a permanent one. Safe to run twice: rows not queued are skipped.
    `rate` (messages a second, see `sending_rate`) paces the sending; the worker's job passes it."""
    deliveries = {pk: Delivery("skipped") for pk in ids}
    claimed = _claim(ids)
    if not claimed:
        return BatchDelivery(deliveries)
    templates = message_templates(pairs={(row.event, row.language) for row in claimed})
    _preload(claimed)
    settled: dict[int, tuple[str, str, dt.datetime | None]] = {}  # id → (status, last error, due)
    rendered: dict[int, RenderedMessage] = {}
    emails: list[tuple[int, EmailMultiAlternatives]] = []
    errors: dict[int, Exception] = {}
    for notification in claimed:
        pk = notification.pk
        try:
            message = notification_render(notification=notification, templates=templates)
            files = notification_attachments(notification=notification)
        except Obsolete as reason:
            settled[pk], deliveries[pk] = (S.CANCELLED, str(reason), None), Delivery("cancelled")
            continue
        except Exception as error:  # a template or data problem: trying again will not help
            logger.exception("Notification %s could not be rendered", pk)
            settled[pk], deliveries[pk] = (S.FAILED, f"{type(error).__name__}: {error}", None), Delivery("failed")
            continue
        rendered[pk] = message
        try:
            email = _email(notification, message)
            for name, content, mimetype in files:
                email.attach(name, content, mimetype)
        except Exception as error:
            errors[pk] = error
            continue
        emails.append((pk, email))

    claimed_at = claimed[0].claimed_at
    recorded: set[int] = set()

    def checkpoint(pks: list[int]) -> None:
        _record(claimed_at=claimed_at, sent={pk: rendered[pk] for pk in pks}, settled={})
        recorded.update(pks)

    errors.update(_send_all(emails, rate=rate, checkpoint=checkpoint))

    sent: dict[int, RenderedMessage] = {}
    for notification in claimed:
        pk = notification.pk
        if pk not in rendered:
            continue
        error = errors.get(pk)
        if error is None:
            if pk not in recorded:
                sent[pk] = rendered[pk]
            deliveries[pk] = Delivery("sent")
            continue
        reason = f"{type(error).__name__}: {error}"
        if is_temporary(error) and notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
            delay = retry_delay(notification.attempts)
            due = timezone.now() + dt.timedelta(seconds=delay)
            settled[pk], deliveries[pk] = (S.QUEUED, reason, due), Delivery("retry", retry_in=delay)
            continue
        logger.warning("Notification %s failed after %d attempts: %s", pk, notification.attempts, reason)
        settled[pk], deliveries[pk] = (S.FAILED, reason, None), Delivery("failed")
    _record(claimed_at=claimed_at, sent=sent, settled=settled)
    return BatchDelivery(deliveries)


def notification_deliver(*, notification_id: int) -> Delivery:
    """Send one queued message: a batch of one (see `notifications_deliver`)."""
    return notifications_deliver(ids=[notification_id]).deliveries[notification_id]


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
