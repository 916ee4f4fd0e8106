"""Reads of the outbox for the people it writes to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from notifications.models import Notification


def notifications_visible_to(*, user: Any) -> QuerySet[Notification]:
    """The messages sent to the person, newest first: their own rows of the outbox, as sent."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user, status=Notification.Status.SENT)
        .only("id", "event", "subject", "body", "sent_at", "created_at")
        .order_by("-sent_at", "-id")
    )
