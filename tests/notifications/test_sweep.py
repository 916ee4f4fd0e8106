"""The sweep: rows whose worker died while sending, and queued rows whose job was lost, are handed
back to the queue; rows someone is still looking after are left alone."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notifications_sweep

pytestmark = pytest.mark.django_db
S = Notification.Status
E = Notification.Event

TIMEOUTS = {
    "sending_timeout": dt.timedelta(minutes=15),
    "requeue_after": dt.timedelta(minutes=15),
    "grace": dt.timedelta(seconds=60),
}


def _set(notification: Notification, **fields) -> None:
    Notification.objects.filter(pk=notification.pk).update(**fields)


def _ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def test_a_message_stuck_in_sending_past_the_timeout_is_queued_again_and_delivered(receipt):
    _set(receipt, status=S.SENDING, claimed_at=_ago(minutes=20), attempts=1, enqueued_at=_ago(minutes=20))

    report = notifications_sweep(**TIMEOUTS)

    assert (report.stuck, report.handed_over) == (1, 1)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_message_its_worker_is_sending_right_now_is_left_alone(receipt):
    _set(receipt, status=S.SENDING, claimed_at=_ago(seconds=10), attempts=1, enqueued_at=_ago(seconds=11))

    report = notifications_sweep(**TIMEOUTS)

    assert (report.stuck, report.handed_over) == (0, 0)
    receipt.refresh_from_db()
    assert (receipt.status, receipt.attempts) == (S.SENDING, 1)
    assert mail.outbox == []


def test_a_queued_message_never_handed_to_the_queue_is_handed_over_after_the_grace(receipt):
    _set(receipt, updated_at=_ago(minutes=2))

    report = notifications_sweep(**TIMEOUTS)

    assert (report.stuck, report.handed_over) == (0, 1)
    receipt.refresh_from_db()
    assert receipt.status == S.SENT
    assert len(mail.outbox) == 1


def test_a_queued_message_created_just_now_is_left_to_its_own_hand_off(receipt):
    report = notifications_sweep(**TIMEOUTS)

    assert report.handed_over == 0
    receipt.refresh_from_db()
    assert (receipt.status, receipt.enqueued_at) == (S.QUEUED, None)
    assert mail.outbox == []


def test_a_queued_message_not_due_yet_is_not_handed_over(receipt):
    _set(receipt, updated_at=_ago(minutes=2), not_before=timezone.now() + dt.timedelta(minutes=5))

    report = notifications_sweep(**TIMEOUTS)

    assert report.handed_over == 0
    receipt.refresh_from_db()
    assert (receipt.status, receipt.enqueued_at) == (S.QUEUED, None)
    assert mail.outbox == []


def test_a_message_handed_over_before_it_was_due_is_handed_over_again_once_due(receipt):
    # Its job ran early, found it not yet due and was dropped; nothing else would pick it up.
    _set(receipt, updated_at=_ago(minutes=5), enqueued_at=_ago(minutes=5), not_before=_ago(minutes=1))

    report = notifications_sweep(**TIMEOUTS)

    assert report.handed_over == 1
    receipt.refresh_from_db()
    assert receipt.status == S.SENT
    assert len(mail.outbox) == 1
