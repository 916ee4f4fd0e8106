"""Delivery: a queued message is rendered in the recipient's language and sent once, after commit."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_deliver, notifications_enqueue, notify
from notifications.tasks import deliver_notification, deliver_notifications
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db
S = Notification.Status
E = Notification.Event


def test_a_queued_notification_is_sent_once_and_recorded_as_sent(queue_receipt):
    notification = queue_receipt()

    assert notification_deliver(notification_id=notification.pk).outcome == "sent"

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (S.SENT, 1)
    assert notification.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [notification.email]
    assert notification.subject == mail.outbox[0].subject


def test_the_message_reads_the_receipt_number_from_the_application_when_it_is_sent(queue_receipt):
    notification = queue_receipt(receipt_number="GECP-2026-0007")

    notification_deliver(notification_id=notification.pk)

    assert mail.outbox[0].subject.endswith("Received: GECP-2026-0007")


def test_the_recipients_language_chooses_the_wording(queue_receipt):
    notification = queue_receipt(language="ko")

    notification_deliver(notification_id=notification.pk)

    assert "접수 완료" in mail.outbox[0].subject
    assert mail.outbox[0].body.startswith("Kim Minji님,")


def test_delivering_the_same_notification_twice_sends_one_email(queue_receipt):
    notification = queue_receipt()

    deliver_notification.delay(notification.pk)
    deliver_notification.delay(notification.pk)

    assert len(mail.outbox) == 1


def test_a_notification_is_handed_to_the_queue_when_the_transaction_commits(
    queue_receipt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = queue_receipt()
        assert mail.outbox == []

    notification.refresh_from_db()
    assert notification.status == S.SENT
    assert len(mail.outbox) == 1


def test_notifying_twice_in_one_transaction_sends_one_email(queue_receipt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_receipt()
        again = notify(
            event=first.event,
            recipient=first.recipient,
            obj=Application.objects.get(pk=first.object_id),
            scope="submission-1",
        )

    assert again.pk == first.pk
    assert Notification.objects.filter(event=E.APPLICATION_SUBMITTED, object_id=first.object_id).count() == 1
    assert len(mail.outbox) == 1


def test_a_notification_in_a_transaction_that_rolls_back_is_never_sent(
    queue_receipt, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_receipt()
        raise RuntimeError("the submission failed after queueing its receipt")

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_the_html_part_escapes_what_applicants_wrote_and_the_text_part_keeps_it(queue_receipt):
    notification = queue_receipt(startup_name="<script>alert(1)</script> & Co")

    notification_deliver(notification_id=notification.pk)

    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "<script>" not in html
    assert "<script>alert(1)</script> & Co applied." in message.body


def test_a_name_written_like_a_placeholder_is_not_rendered_as_one(queue_receipt):
    notification = queue_receipt(startup_name="{{ recipient_name }} {% if 1 %}x{% endif %}")

    notification_deliver(notification_id=notification.pk)

    assert "{{ recipient_name }} {% if 1 %}x{% endif %} applied." in mail.outbox[0].body


def test_a_reminder_for_a_draft_already_submitted_is_cancelled_instead_of_sent():
    founder = factories.UserFactory(preferred_language="en")
    application = factories.ApplicationFactory(submitted=True)
    notification = notify(
        event=E.DEADLINE_REMINDER, recipient=founder, obj=application, scope="d-1", context={"days": 1}
    )

    assert notification_deliver(notification_id=notification.pk).outcome == "cancelled"

    notification.refresh_from_db()
    assert notification.status == S.CANCELLED
    assert "no longer a draft" in notification.last_error
    assert mail.outbox == []


def test_a_message_not_due_yet_is_left_queued(queue_receipt):
    notification = queue_receipt()
    Notification.objects.filter(pk=notification.pk).update(not_before=timezone.now() + dt.timedelta(hours=1))

    assert notification_deliver(notification_id=notification.pk).outcome == "skipped"

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (S.QUEUED, 0)
    assert mail.outbox == []


def test_a_cancelled_message_is_not_sent(queue_receipt):
    notification = queue_receipt()
    Notification.objects.filter(pk=notification.pk).update(status=S.CANCELLED)

    assert notification_deliver(notification_id=notification.pk).outcome == "skipped"
    assert mail.outbox == []


def test_messages_the_broker_refused_stay_unstamped_for_the_sweep(queue_receipt, monkeypatch, settings):
    settings.NOTIFICATION_BATCH_SIZE = 1
    first, second = queue_receipt(), queue_receipt()
    handed_over = []

    def delay(ids):
        if handed_over:
            raise ConnectionError("the broker is down")
        handed_over.append(ids)

    monkeypatch.setattr(deliver_notifications, "delay", delay)

    notifications_enqueue(ids=[first.pk, second.pk])

    first.refresh_from_db()
    second.refresh_from_db()
    assert handed_over == [[first.pk]]
    assert first.enqueued_at is not None
    assert second.enqueued_at is None
