"""Delivery through Django's real SMTP backend to a real SMTP server on 127.0.0.1 that answers as
told: 250 accepts, 451 refuses for now (try again later), 550 refuses for good."""

import datetime as dt
import email
import socket
from collections import deque

import pytest
from aiosmtpd.controller import Controller
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from notifications.services import notification_cancel, notification_deliver, notification_retry

pytestmark = pytest.mark.django_db
S = Notification.Status
E = Notification.Event

ACCEPT = "250 2.0.0 OK: queued"
LATER = "451 4.3.0 Mailbox busy, try again later"
NEVER = "550 5.1.1 No such user here"


class AnsweringHandler:
    """Answers each message's DATA with the next reply queued in `replies` (250 once they run out)
    and keeps the messages it accepted."""

    def __init__(self) -> None:
        self.replies: deque[str] = deque()
        self.accepted: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 — aiosmtpd's hook name
        reply = self.replies.popleft() if self.replies else ACCEPT
        if reply.startswith("250"):
            self.accepted.append(email.message_from_bytes(envelope.content))
        return reply


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600
    return settings


@pytest.fixture
def smtp_server(smtp_settings):
    handler = AnsweringHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_settings.EMAIL_PORT)
    controller.start()
    yield handler
    controller.stop()


def _make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(not_before=timezone.now() - dt.timedelta(seconds=1))


def _audit_events(notification: Notification) -> list[tuple[str, str, str]]:
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Notification), object_id=str(notification.pk)
    ).order_by("id")
    return [(event.from_state, event.to_state, event.actor_label) for event in events]


def _assert_due_in(notification: Notification, seconds: int, *, before: dt.datetime, after: dt.datetime) -> None:
    assert before + dt.timedelta(seconds=seconds) <= notification.not_before <= after + dt.timedelta(seconds=seconds)


def test_a_temporary_refusal_leaves_the_message_queued_to_try_again_after_the_base_delay(smtp_server, receipt):
    smtp_server.replies.append(LATER)

    before = timezone.now()
    delivery = notification_deliver(notification_id=receipt.pk)
    after = timezone.now()

    assert (delivery.outcome, delivery.retry_in) == ("retry", 60)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.QUEUED, 1)
    assert "451" in receipt.last_error
    _assert_due_in(receipt, 60, before=before, after=after)
    assert smtp_server.accepted == []


def test_each_further_temporary_refusal_waits_twice_as_long(smtp_server, receipt):
    smtp_server.replies.extend([LATER, LATER])
    notification_deliver(notification_id=receipt.pk)
    _make_due(receipt)

    before = timezone.now()
    delivery = notification_deliver(notification_id=receipt.pk)
    after = timezone.now()

    assert (delivery.outcome, delivery.retry_in) == ("retry", 120)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.QUEUED, 2)
    _assert_due_in(receipt, 120, before=before, after=after)


def test_a_temporary_refusal_on_the_last_allowed_attempt_fails_the_message(smtp_server, receipt):
    Notification.objects.filter(pk=receipt.pk).update(attempts=5)  # NOTIFICATION_MAX_ATTEMPTS is 6
    smtp_server.replies.append(LATER)

    assert notification_deliver(notification_id=receipt.pk).outcome == "failed"

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.FAILED, 6)
    assert "451" in receipt.last_error


def test_a_permanent_refusal_fails_the_message_at_once_without_a_retry(smtp_server, receipt):
    smtp_server.replies.append(NEVER)

    delivery = notification_deliver(notification_id=receipt.pk)

    assert (delivery.outcome, delivery.retry_in) == ("failed", None)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts, receipt.not_before) == (S.FAILED, 1, None)
    assert "550" in receipt.last_error
    assert smtp_server.accepted == []


def test_a_message_refused_for_now_is_delivered_on_the_retry_and_arrives_once(smtp_server, receipt):
    smtp_server.replies.append(LATER)
    assert notification_deliver(notification_id=receipt.pk).outcome == "retry"
    _make_due(receipt)

    assert notification_deliver(notification_id=receipt.pk).outcome == "sent"

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts, receipt.last_error) == (S.SENT, 2, "")
    assert [m["X-Matchday-Notification"] for m in smtp_server.accepted] == [str(receipt.pk)]
    assert smtp_server.accepted[0]["To"] == receipt.email


def test_a_refused_connection_is_a_temporary_error(smtp_settings, receipt):
    # Nothing listens on EMAIL_PORT: the server is down, not the address wrong.
    delivery = notification_deliver(notification_id=receipt.pk)

    assert delivery.outcome == "retry"
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.QUEUED, 1)
    assert "ConnectionRefusedError" in receipt.last_error


def test_staff_retrying_a_failed_message_queues_it_with_fresh_attempts_and_it_is_sent(
    smtp_server, receipt, staff_user, django_capture_on_commit_callbacks
):
    smtp_server.replies.append(NEVER)
    notification_deliver(notification_id=receipt.pk)

    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(notification=receipt, by=staff_user, reason="the mailbox exists again")

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.SENT, 1)
    assert [m["X-Matchday-Notification"] for m in smtp_server.accepted] == [str(receipt.pk)]
    assert _audit_events(receipt) == [(S.FAILED, S.QUEUED, staff_user.email)]


def test_staff_cancelling_a_queued_message_means_it_is_never_sent(
    smtp_server, receipt, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification_cancel(notification=receipt, by=staff_user, reason="sent by hand")

    assert notification_deliver(notification_id=receipt.pk).outcome == "skipped"

    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.CANCELLED, 0)
    assert smtp_server.accepted == []
    assert _audit_events(receipt) == [(S.QUEUED, S.CANCELLED, staff_user.email)]
