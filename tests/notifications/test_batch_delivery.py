"""Delivery in batches: one claim, one connection and one record for many messages, with every
guarantee of the single message — sent once, failures retried or failed per row, cancelled and
not-yet-due rows left alone."""

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.services import (
    batch_size,
    notification_retry,
    notifications_deliver,
    notifications_enqueue,
    notifications_sweep,
)
from notifications.tasks import deliver_notifications
from tests import factories

pytestmark = pytest.mark.django_db
S = Notification.Status
E = Notification.Event
BACKENDS = "tests.notifications.test_batch_delivery"


class CountingBackend(locmem.EmailBackend):
    """The test outbox, counting the connections opened to it."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return True


class RefusingBackend(CountingBackend):
    """Answers 451 (try later) to addresses starting with "busy" and 550 to "nobody"."""

    def send_messages(self, messages):
        for message in messages:
            local_part = message.to[0].partition("@")[0]
            if local_part.startswith("busy"):
                raise smtplib.SMTPDataError(451, b"4.3.0 Mailbox busy, try again later")
            if local_part.startswith("nobody"):
                raise smtplib.SMTPDataError(550, b"5.1.1 No such user here")
        return super().send_messages(messages)


class WitnessBackend(CountingBackend):
    """Notes, as each message goes out, how many messages are already recorded as sent."""

    recorded_before_each: list[int] = []

    def send_messages(self, messages):
        WitnessBackend.recorded_before_each.append(Notification.objects.filter(status=S.SENT).count())
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def counting_backend(settings):
    settings.EMAIL_BACKEND = f"{BACKENDS}.CountingBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 6
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    CountingBackend.opened = 0


@pytest.fixture
def invitations(db):
    """`invitations(count, emails=None)`: evaluator invitations queued in bulk (not handed to the
    queue); their wording needs no query beyond the claim's."""
    program = factories.ProgramFactory()

    def make(count: int, emails: list[str] | None = None) -> list[int]:
        start = User.objects.count()
        emails = emails or [f"evaluator{start + i}@example.com" for i in range(count)]
        users = User.objects.bulk_create(
            [
                User(email=email, name=f"Evaluator {i}", preferred_language=("en", "ko")[i % 2])
                for i, email in enumerate(emails)
            ]
        )
        rows = Notification.objects.bulk_create(
            [
                Notification(
                    event=E.EVALUATOR_INVITED,
                    recipient=user,
                    email=user.email,
                    language=user.preferred_language,
                    program=program,
                    context={"round": "Document review", "invited_by": "Program office"},
                    idempotency_key=f"invited:{user.pk}",
                )
                for user in users
            ]
        )
        return [row.pk for row in rows]

    return make


def _statuses(ids: list[int]) -> dict[int, str]:
    return dict(Notification.objects.filter(pk__in=ids).values_list("pk", "status"))


def _sent_ids() -> list[int]:
    return [int(message.extra_headers["X-Matchday-Notification"]) for message in mail.outbox]


def test_a_batch_of_50_is_sent_as_50_emails_over_one_connection(invitations):
    ids = invitations(50)

    batch = notifications_deliver(ids=ids)

    assert batch.counts() == {"sent": 50}
    assert sorted(_sent_ids()) == sorted(ids)
    assert CountingBackend.opened == 1
    assert set(_statuses(ids).values()) == {S.SENT}


def test_each_row_is_recorded_with_the_subject_and_body_it_was_sent_with(invitations):
    ids = invitations(3)

    notifications_deliver(ids=ids)

    sent = {int(m.extra_headers["X-Matchday-Notification"]): (m.subject, m.body) for m in mail.outbox}
    recorded = {n.pk: (n.subject, n.body) for n in Notification.objects.filter(pk__in=ids)}
    assert recorded == sent
    assert all(n.sent_at and n.attempts == 1 and n.claimed_at is None for n in Notification.objects.all())


@pytest.mark.parametrize("size", [5, 40])
def test_a_batch_takes_the_same_number_of_queries_whatever_its_size(size, invitations, django_assert_num_queries):
    ids = invitations(size)

    # Claim (select, update), the wordings, the record; and a savepoint around the claim and the record.
    with django_assert_num_queries(8):
        batch = notifications_deliver(ids=ids)

    assert batch.counts() == {"sent": size}


def test_a_row_refused_for_now_in_the_middle_of_a_batch_is_queued_to_try_again_and_the_others_are_sent(
    invitations, settings
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.RefusingBackend"
    ids = invitations(
        5, emails=["a@example.com", "b@example.com", "busy@example.com", "d@example.com", "e@example.com"]
    )
    busy = ids[2]

    before = timezone.now()
    batch = notifications_deliver(ids=ids)

    assert batch.deliveries[busy].outcome == "retry"
    assert batch.retries() == {60: [busy]}
    assert sorted(_sent_ids()) == sorted(set(ids) - {busy})
    row = Notification.objects.get(pk=busy)
    assert (row.status, row.attempts, row.claimed_at) == (S.QUEUED, 1, None)
    assert "451" in row.last_error
    assert row.not_before >= before + dt.timedelta(seconds=60)
    assert row.enqueued_at == row.not_before
    assert CountingBackend.opened == 2  # opened again after the refusal


def test_a_row_refused_for_good_in_a_batch_is_failed_and_staff_can_send_it_again(
    invitations, settings, staff_user, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{BACKENDS}.RefusingBackend"
    ids = invitations(3, emails=["a@example.com", "nobody@example.com", "c@example.com"])

    batch = notifications_deliver(ids=ids)

    assert batch.counts() == {"sent": 2, "failed": 1}
    row = Notification.objects.get(pk=ids[1])
    assert (row.status, row.attempts) == (S.FAILED, 1)
    assert "550" in row.last_error

    settings.EMAIL_BACKEND = f"{BACKENDS}.CountingBackend"  # the address works again
    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(notification=row, by=staff_user, reason="the mailbox exists again")

    row.refresh_from_db()
    assert (row.status, row.attempts) == (S.SENT, 1)
    assert sorted(_sent_ids()) == sorted(ids)


def test_cancelled_and_not_yet_due_rows_in_a_batch_are_not_sent(invitations):
    ids = invitations(4)
    cancelled, later = ids[0], ids[1]
    Notification.objects.filter(pk=cancelled).update(status=S.CANCELLED)
    Notification.objects.filter(pk=later).update(not_before=timezone.now() + dt.timedelta(hours=1))

    batch = notifications_deliver(ids=ids)

    assert batch.deliveries[cancelled].outcome == batch.deliveries[later].outcome == "skipped"
    assert sorted(_sent_ids()) == sorted(ids[2:])
    assert Notification.objects.get(pk=cancelled).status == S.CANCELLED
    assert Notification.objects.filter(pk=later).values_list("status", "attempts").get() == (S.QUEUED, 0)


def test_a_message_that_no_longer_applies_is_cancelled_while_the_rest_of_its_batch_is_sent(invitations):
    ids = invitations(2)
    reminder = factories.ApplicationFactory(submitted=True)  # a deadline reminder for a submitted draft
    obsolete = Notification.objects.create(
        event=E.DEADLINE_REMINDER,
        recipient=factories.UserFactory(),
        email="founder@example.com",
        language="en",
        object_id=str(reminder.pk),
        context={"days": 1},
        idempotency_key="reminder:obsolete",
    )

    batch = notifications_deliver(ids=[*ids, obsolete.pk])

    assert batch.counts() == {"sent": 2, "cancelled": 1}
    obsolete.refresh_from_db()
    assert obsolete.status == S.CANCELLED
    assert "no longer a draft" in obsolete.last_error
    assert sorted(_sent_ids()) == sorted(ids)


def test_a_batch_run_again_after_its_worker_died_sends_nothing_twice(invitations):
    ids = invitations(6)
    notifications_deliver(ids=ids[:3])  # sent and recorded before the worker died
    # The rest were claimed by the dead worker, not sent: "sending" until the sweep takes them back.
    Notification.objects.filter(pk__in=ids[3:]).update(
        status=S.SENDING, attempts=1, claimed_at=timezone.now() - dt.timedelta(minutes=20)
    )

    again = notifications_deliver(ids=ids)  # the broker hands the job (acks_late) to another worker

    assert again.counts() == {"skipped": 6}
    assert sorted(_sent_ids()) == sorted(ids[:3])

    report = notifications_sweep(sending_timeout=dt.timedelta(minutes=15))

    assert report.stuck == 3
    assert sorted(_sent_ids()) == sorted(ids)
    assert set(_statuses(ids).values()) == {S.SENT}


def test_a_batch_sending_quickly_records_its_messages_once_at_the_end(invitations, settings):
    settings.EMAIL_BACKEND = f"{BACKENDS}.WitnessBackend"
    WitnessBackend.recorded_before_each = []
    ids = invitations(4)

    notifications_deliver(ids=ids)

    assert WitnessBackend.recorded_before_each == [0, 0, 0, 0]
    assert set(_statuses(ids).values()) == {S.SENT}


def test_a_batch_sending_slowly_records_what_it_has_sent_as_it_goes(invitations, settings):
    settings.EMAIL_BACKEND = f"{BACKENDS}.WitnessBackend"
    settings.NOTIFICATION_RECORD_SECONDS = 0  # every message counts as slow
    WitnessBackend.recorded_before_each = []
    ids = invitations(4)

    notifications_deliver(ids=ids)

    # A worker dying before the 4th message would leave only that one to send again.
    assert WitnessBackend.recorded_before_each == [0, 1, 2, 3]
    assert set(_statuses(ids).values()) == {S.SENT}
    assert CountingBackend.opened == 4  # closed before each record: the file backend writes then


def test_queued_rows_are_handed_to_the_queue_in_jobs_of_the_batch_size(invitations, settings, monkeypatch):
    settings.NOTIFICATION_BATCH_SIZE = 2
    ids = invitations(5)
    jobs = []
    monkeypatch.setattr(deliver_notifications, "delay", jobs.append)

    notifications_enqueue(ids=ids)

    assert jobs == [ids[0:2], ids[2:4], ids[4:5]]
    assert Notification.objects.filter(pk__in=ids, enqueued_at__isnull=True).count() == 0


def test_a_slow_rate_limit_makes_batches_that_last_at_most_a_minute(settings):
    settings.NOTIFICATION_BATCH_SIZE = 100
    settings.NOTIFICATION_RATE_LIMIT = "30/m"

    assert batch_size() == 30


def test_the_rate_limit_paces_the_messages_of_a_batch(invitations):
    ids = invitations(3)

    started = timezone.now()
    notifications_deliver(ids=ids, rate=20.0)

    assert timezone.now() - started >= dt.timedelta(seconds=0.1)  # three messages, 50 ms apart
    assert len(mail.outbox) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_batch_at_once_send_each_message_once(invitations):
    ids = invitations(60)
    ready = threading.Barrier(2)
    outcomes = []

    def worker() -> None:
        try:
            ready.wait()
            outcomes.append(notifications_deliver(ids=ids).counts())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(_sent_ids()) == sorted(ids)
    assert sum(counts.get("sent", 0) for counts in outcomes) == 60
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", "attempts")) == {(S.SENT, 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_another_worker_is_claiming_are_skipped_without_waiting_and_sent_by_it(invitations):
    ids = invitations(4)
    held, free = ids[:2], ids[2:]
    outcomes = []

    def other_worker() -> None:
        try:
            outcomes.append(notifications_deliver(ids=ids).deliveries)
        finally:
            connection.close()

    with transaction.atomic():  # this test's connection holds two rows as a claim in progress does
        list(Notification.objects.select_for_update().filter(pk__in=held))
        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the other worker waited for the rows held"

    [deliveries] = outcomes
    assert {pk: deliveries[pk].outcome for pk in ids} == {
        **dict.fromkeys(held, "skipped"),
        **dict.fromkeys(free, "sent"),
    }
    assert sorted(_sent_ids()) == sorted(free)
    assert notifications_deliver(ids=held).counts() == {"sent": 2}


@pytest.mark.parametrize("size", [3, 12])
def test_a_batch_of_round_results_reads_applications_and_rounds_once_whatever_its_size(size, django_assert_num_queries):
    evaluation_round = factories.EvaluationRoundFactory()
    applications = [factories.ApplicationFactory(program=evaluation_round.program, submitted=True) for _ in range(size)]
    founders = [factories.UserFactory(preferred_language="en") for _ in range(size)]
    rows = Notification.objects.bulk_create(
        [
            Notification(
                event=E.ROUND_RESULT,
                recipient=founder,
                email=founder.email,
                language="en",
                object_id=str(application.pk),
                context={"round_id": evaluation_round.pk, "advanced": True},
                idempotency_key=f"result:{application.pk}",
            )
            for founder, application in zip(founders, applications, strict=True)
        ]
    )

    # The batch's 8, plus one read of the applications and one of the rounds.
    with django_assert_num_queries(10):
        batch = notifications_deliver(ids=[row.pk for row in rows])

    assert batch.counts() == {"sent": size}
