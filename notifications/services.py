from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from notifications.models import Notification


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
    """
    key = notification_key(event=event, recipient_id=recipient.pk, obj=obj, scope=scope)
    try:
        with transaction.atomic():
            notification, _created = Notification.objects.get_or_create(
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
    except IntegrityError:  # a concurrent transaction queued it first
        notification = Notification.objects.get(idempotency_key=key)
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
    object — in one insert; rows that exist already are kept (same idempotency key).
    Returns how many rows the insert was given."""
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
    return len(rows)
