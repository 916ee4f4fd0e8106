"""A worker killed in the middle of a batch: the sweep hands back what it held, every message is
sent, and only a message caught between sending and recording its outcome can go out twice."""

import datetime as dt
import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import MessageTemplate, Notification
from notifications.services import notifications_sweep, notify_each
from startups.models import Application, Startup
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.postgres]
S = Notification.Status
E = Notification.Event

BATCH = 1_000
KILL_AFTER = 300
# Delivery waits on PostgreSQL half the time: more processes than cores keep both cores busy.
WORKER_PROCESSES = 4
HEADER = re.compile(rb"^X-Matchday-Notification: (\d+)\r?$", re.MULTILINE)


def _round_results(count: int) -> list[tuple[User, Application, dict]]:
    """`count` applicants, each with their own application in review, made in bulk."""
    evaluation_round = factories.EvaluationRoundFactory()
    program = evaluation_round.program
    track = factories.TrackFactory(program=program)
    for language in ("en", "ko"):
        MessageTemplate.objects.update_or_create(
            event=E.ROUND_RESULT,
            language=language,
            defaults={
                "subject": "[{{ program }}] {{ round }}: {{ receipt_number }}",
                "body": "{{ recipient_name }}, {{ startup }}: "
                "{% if advanced %}advanced{% else %}not advanced{% endif %}\n{{ application_url }}",
            },
        )
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=f"crash{i:04d}@example.com", name=f"Founder {i}", preferred_language=("en", "ko")[i % 2])
            for i in range(count)
        ]
    )
    startups = Startup.objects.bulk_create([Startup(name_ko=f"스타트업 {i}", ceo_name="대표") for i in range(count)])
    applications = Application.objects.bulk_create(
        [
            Application(
                program=program,
                startup=startup,
                track=track,
                status=Application.Status.IN_REVIEW,
                receipt_number=f"CRASH-{i:05d}",
                first_submitted_at=now,
                submitted_at=now,
            )
            for i, startup in enumerate(startups)
        ]
    )
    return [
        (user, application, {"round_id": evaluation_round.pk, "advanced": i % 3 == 0})
        for i, (user, application) in enumerate(zip(users, applications, strict=True))
    ]


def _sent() -> int:
    return Notification.objects.filter(status=S.SENT).count()


def _waiting_in_broker(queue: str = "notifications") -> int:
    from config.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(queue=queue).message_count


def _wait_until(condition, *, seconds: float, what: str, worker, celery_worker) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            statuses = dict(Counter(Notification.objects.values_list("status", flat=True)))
            pytest.fail(
                f"{what} did not happen within {seconds:.0f} s; rows by status: {statuses}\n"
                f"worker log (tail):\n{celery_worker.log(worker)[-3000:]}"
            )
        time.sleep(0.1)


def _busy_since(moment) -> bool:
    """A row claimed since `moment` is still being sent (a batch is recorded when it is all sent)."""
    return Notification.objects.filter(status=S.SENDING, claimed_at__gte=moment).exists()


def _wait_until_idle(*, seconds: float, worker, celery_worker, restarted, quiet: float = 2.0) -> None:
    """No job left in the broker's queue, no row the restarted worker claimed still sending, and no
    row sent for `quiet` seconds."""
    deadline = time.monotonic() + seconds
    last, since = _sent(), time.monotonic()
    while time.monotonic() - since < quiet or _waiting_in_broker() or _busy_since(restarted):
        if time.monotonic() > deadline:
            pytest.fail(
                f"the restarted worker did not settle within {seconds:.0f} s ({_sent()} sent, "
                f"{_waiting_in_broker()} jobs waiting)\nworker log (tail):\n{celery_worker.log(worker)[-3000:]}"
            )
        time.sleep(0.2)
        now_sent = _sent()
        if now_sent != last:
            last, since = now_sent, time.monotonic()


def _emails_per_notification(mail_dir: Path) -> Counter:
    counts: Counter = Counter()
    for path in mail_dir.iterdir():
        counts.update(int(pk) for pk in HEADER.findall(path.read_bytes()))
    return counts


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_only_what_it_was_sending(celery_worker, tmp_path, request):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    # Four slashes: django-environ reads `filemail:///x` as the relative path "x".
    env = {"EMAIL_URL": f"filemail:///{mail_dir}", "NOTIFICATION_RATE_LIMIT": ""}
    worker = celery_worker(env=env, queues="notifications", pool="prefork", concurrency=WORKER_PROCESSES)
    messages = _round_results(BATCH)

    started = time.monotonic()
    with transaction.atomic():
        notify_each(event=E.ROUND_RESULT, messages=messages, scope="round-1")
    ids = set(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == BATCH

    _wait_until(
        lambda: _sent() >= KILL_AFTER, seconds=30, what=f"{KILL_AFTER} sent", worker=worker, celery_worker=celery_worker
    )
    # The whole worker at once, pool processes included, as when its machine goes down.
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    killed_after = time.monotonic() - started
    sent_at_kill = _sent()
    sending_at_kill = Notification.objects.filter(status=S.SENDING).count()
    assert sent_at_kill < BATCH, "the worker finished before it was killed; nothing was tested"

    restarted = timezone.now()
    worker = celery_worker(env=env, queues="notifications", pool="prefork", concurrency=WORKER_PROCESSES)
    _wait_until_idle(seconds=30, worker=worker, celery_worker=celery_worker, restarted=restarted)
    sent_before_sweep = _sent()
    report = notifications_sweep(sending_timeout=dt.timedelta(0), requeue_after=dt.timedelta(0), grace=dt.timedelta(0))
    _wait_until(lambda: _sent() == BATCH, seconds=20, what="all sent", worker=worker, celery_worker=celery_worker)

    all_sent_after = time.monotonic() - started
    emails = _emails_per_notification(mail_dir)
    doubled = {pk: n for pk, n in emails.items() if n > 1}
    figures = {
        "seconds to the kill": round(killed_after, 1),
        "seconds until all sent": round(all_sent_after, 1),
        "sent at the kill": sent_at_kill,
        "sending at the kill": sending_at_kill,
        "sent before the sweep": sent_before_sweep,
        "stuck rows the sweep queued again": report.stuck,
        "rows the sweep handed over": report.handed_over,
        "e-mails written": sum(emails.values()),
        "notifications e-mailed more than once": len(doubled),
    }
    request.node.user_properties.extend(figures.items())
    print("\n" + "\n".join(f"  {label}: {value}" for label, value in figures.items()))
    assert set(Notification.objects.values_list("status", flat=True)) == {S.SENT}
    assert ids - set(emails) == set(), "notifications sent without an e-mail in the mail folder"
    assert set(emails) - ids == set()
    assert len(doubled) <= sending_at_kill, f"more doubled than were sending at the kill: {doubled}"
