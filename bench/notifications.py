"""Sending a round's results: 10,000 notifications through one real Celery worker.

The script builds its own database, times `notify_each` creating the rows in one transaction,
then lets ONE `celery worker` (prefork, one process per core, queue `notifications`, no rate
limit, Django's file e-mail backend, delivery jobs of NOTIFICATION_BATCH_SIZE messages) take the
jobs from Redis, and measures until every row is sent. It counts the e-mails written per
notification, so a message sent twice (or lost) shows:

    .venv/bin/python bench/notifications.py
    .venv/bin/python bench/notifications.py --count 2000 --keep
    .venv/bin/python bench/notifications.py --count 2000 --batch-size 1   # one message per job

Messages per second are the sent rows over the time from the commit that queued them to the last
one recorded as sent ("commit → all sent"), and over the first to the last `sent_at`.

Queries per message: the worker runs as `bench/notifications_worker.py`, the project's Celery app
plus a Django execute wrapper in each pool process that counts every SQL statement the worker
sends (the fan-out job's and every delivery job's, retries included; BEGIN/COMMIT are not counted,
an executemany counts once). Each process writes its total after every job; the bench adds them up
once the worker has stopped and divides by the messages sent. Before batching (one job per
message) it was 6: claim, mark sending, the application, the round, the wording, mark sent.

Exit status: 0 every notification sent exactly once; 1 something lost (not sent, or recorded as
sent without an e-mail) or sent twice; 3 the bench could not run. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from benchlib import (
    BASE_DIR,
    STARTED,
    BenchAborted,
    analyze,
    close_connections,
    drop_database,
    log,
    migrate,
    parse_database_url,
    recreate_database,
    require_local,
    run_bench,
    setup_django,
    stop_process_group,
    tail,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matchday_bench_notifications"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUE = "notifications"
HEADER = re.compile(rb"^X-Matchday-Notification: (\d+)\r?$", re.MULTILINE)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Time creating and sending a batch of notifications.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help=f"the broker, default {DEFAULT_REDIS_URL}")
    parser.add_argument("--count", type=int, default=10_000, help="notifications (10000)")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="worker processes (one per core)")
    parser.add_argument(
        "--batch-size", type=int, default=None, help="messages per delivery job (default: NOTIFICATION_BATCH_SIZE)"
    )
    parser.add_argument("--time-limit", type=float, default=600, help="seconds to wait for the worker (600)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the worker's log")
    return parser.parse_args(argv)


def check_redis(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise BenchAborted(f"--redis-url must be a redis:// URL, not {url!r}")
    require_local(parts.hostname, "--redis-url")
    try:
        with socket.create_connection(("127.0.0.1", parts.port or 6379), timeout=2):
            pass
    except OSError as error:
        raise BenchAborted(f"Redis is not reachable at {url}: {error}") from error


def build(count: int) -> list[tuple]:
    """One program and round, `count` applicants each with an application in review, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from matching.models import EvaluationRound, Program, Track
    from notifications.models import MessageTemplate, Notification
    from startups.models import Application, Startup

    now = timezone.now()
    with transaction.atomic():
        program = Program.objects.create(
            name_ko="알림 벤치마크",
            name_en="Notification bench",
            slug="bench-notifications",
            host="중소벤처기업부",
            opens_at=now - dt.timedelta(days=30),
            closes_at=now - dt.timedelta(days=20),
            receipt_prefix="BENCH",
            status=Program.Status.REVIEWING,
        )
        track = Track.objects.create(program=program, code="api", name_ko="API", order=1)
        evaluation_round = EvaluationRound.objects.create(
            program=program,
            order=1,
            name_ko="서면평가",
            name_en="Document review",
            opens_at=now - dt.timedelta(days=10),
            closes_at=now - dt.timedelta(days=1),
            evaluators_per_application=3,
            advance_count=40,
            status=EvaluationRound.Status.CLOSED,
        )
        # Fixed wording, so the figures do not move with edits to the shipped defaults.
        for language in ("ko", "en"):
            MessageTemplate.objects.update_or_create(
                event=Notification.Event.ROUND_RESULT,
                language=language,
                defaults={
                    "subject": "[{{ program }}] {{ round }}: {{ receipt_number }}",
                    "body": "{{ recipient_name }},\n{{ startup }}: "
                    "{% if advanced %}advanced{% else %}not advanced{% endif %}\n{{ application_url }}",
                },
            )
        users = User.objects.bulk_create(
            [
                User(
                    email=f"founder{i:05d}@bench.matchday.local",
                    name=f"대표 {i}",
                    preferred_language=("ko", "en")[i % 2],
                )
                for i in range(count)
            ],
            batch_size=2000,
        )
        startups = Startup.objects.bulk_create(
            [Startup(name_ko=f"벤치 {i:05d}", ceo_name="대표") for i in range(count)], batch_size=2000
        )
        applications = Application.objects.bulk_create(
            [
                Application(
                    program=program,
                    startup=startup,
                    track=track,
                    status=Application.Status.IN_REVIEW,
                    receipt_number=f"BENCH-{i + 1:05d}",
                    first_submitted_at=now,
                    submitted_at=now,
                )
                for i, startup in enumerate(startups)
            ],
            batch_size=2000,
        )
    return [
        (user, application, {"round_id": evaluation_round.pk, "advanced": i % 4 == 0})
        for i, (user, application) in enumerate(zip(users, applications, strict=True))
    ]


def purge_queue() -> int:
    from config.celery import app

    with app.connection_for_write() as connection:
        return connection.default_channel.queue_purge(QUEUE) or 0


def start_worker(
    args: argparse.Namespace, mail_dir: Path, count_dir: Path, log_path: Path, hostname: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        # Four slashes: django-environ reads `filemail:///x` as the relative path "x".
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "NOTIFICATION_RATE_LIMIT": "",
        "LOG_LEVEL": "WARNING",
        "BENCH_QUERY_COUNT_DIR": str(count_dir),
    }
    if args.batch_size is not None:
        env["NOTIFICATION_BATCH_SIZE"] = str(args.batch_size)
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.notifications_worker",
            "worker",
            "--pool=prefork",
            f"--concurrency={args.concurrency}",
            "-Q",
            QUEUE,
            "--without-gossip",
            "--without-mingle",
            # WARNING: two INFO lines per job would be part of what is measured.
            "--loglevel=WARNING",
            f"--logfile={log_path}",
            f"--hostname={hostname}",
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_ready(process: subprocess.Popen, hostname: str, log_path: Path, timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchAborted(f"the worker exited with {process.returncode}:\n{tail(log_path)}")
        if app.control.ping(destination=[hostname], timeout=1.0):
            return
    raise BenchAborted(f"the worker did not answer within {timeout:.0f} s:\n{tail(log_path)}")


def worker_statements(count_dir: Path) -> int:
    """The SQL statements the worker's processes ran (see bench/notifications_worker.py)."""
    return sum(int(path.read_text() or 0) for path in count_dir.iterdir())


def emails_per_notification(mail_dir: Path) -> Counter:
    counts: Counter = Counter()
    for path in mail_dir.iterdir():
        counts.update(int(pk) for pk in HEADER.findall(path.read_bytes()))
    return counts


def wait_until_sent(count: int, process: subprocess.Popen, log_path: Path, time_limit: float) -> tuple[float, bool]:
    """Seconds until `count` rows are sent, and whether they all were before the limit, the worker
    died, or nothing moved for a minute."""
    from django.db.models import Count

    from notifications.models import Notification

    started = time.monotonic()
    last, moved = -1, started
    while True:
        by_status = dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by())
        settled = by_status.get("sent", 0) + by_status.get("failed", 0) + by_status.get("cancelled", 0)
        now = time.monotonic()
        if by_status.get("sent", 0) == count:
            return now - started, True
        if settled != last:
            last, moved = settled, now
        if settled == count or now - started > time_limit or now - moved > 60 or process.poll() is not None:
            log(f"stopped waiting: {by_status}; worker log:\n{tail(log_path)}")
            return now - started, False
        time.sleep(0.25)


def run(args: argparse.Namespace) -> int:
    db = parse_database_url(args.database_url)
    check_redis(args.redis_url)
    if args.count < 1:
        raise BenchAborted("--count must be at least 1")
    log(f"recreating database {db.name}")
    recreate_database(db)
    work_dir = Path(tempfile.mkdtemp(prefix="matchday-bench-notifications-"))
    mail_dir, count_dir, log_path = work_dir / "mail", work_dir / "queries", work_dir / "worker.log"
    mail_dir.mkdir()
    count_dir.mkdir()
    worker = None
    try:
        # The real broker: jobs are published to Redis, not run in-process.
        setup_django(db.url, redis_url=args.redis_url)
        from django.conf import settings
        from django.db import transaction
        from django.db.models import Count, Max, Min

        from notifications.models import Notification
        from notifications.services import notify_each

        migrate()
        log(f"migrated; building {args.count} applicants and applications")
        messages = build(args.count)
        analyze()
        purged = purge_queue()
        log(f"built; purged {purged} old jobs from the {QUEUE!r} queue; starting the worker")

        hostname = f"bench-notifications-{os.getpid()}@%h".replace("%h", socket.gethostname())
        worker = start_worker(args, mail_dir, count_dir, log_path, hostname)
        wait_until_ready(worker, hostname, log_path)
        log(f"worker ready ({args.concurrency} processes); creating {args.count} notifications in one transaction")

        started = time.perf_counter()
        with transaction.atomic():
            created = notify_each(event=Notification.Event.ROUND_RESULT, messages=messages, scope="round-1")
        create_seconds = time.perf_counter() - started  # includes the commit and the fan-out hand-off
        log(f"created {created} rows in {create_seconds:.2f} s; the worker is sending")

        send_seconds, all_sent = wait_until_sent(args.count, worker, log_path, args.time_limit)
        stop_process_group(worker, timeout=20)
        by_status = dict(Notification.objects.values_list("status").annotate(n=Count("pk")).order_by())
        span = Notification.objects.filter(status="sent").aggregate(first=Min("sent_at"), last=Max("sent_at"))
        emails = emails_per_notification(mail_dir)
        statements = worker_statements(count_dir)
        ids = set(Notification.objects.values_list("pk", flat=True))
        doubled = sum(1 for n in emails.values() if n > 1)
        missing = len(ids - set(emails))
        not_sent = args.count - by_status.get("sent", 0)
        steady = (span["last"] - span["first"]).total_seconds() if span["first"] else 0.0

        print()
        print(f"machine: {os.cpu_count()} cores; PostgreSQL and Redis on 127.0.0.1")
        print(f"notifications           : {args.count} (round results, one per applicant)")
        print(f"notify_each, one tx     : {create_seconds:7.2f} s  = {args.count / create_seconds:8.0f} rows/s")
        batch = args.batch_size if args.batch_size is not None else settings.NOTIFICATION_BATCH_SIZE
        print(
            f"worker                  : 1 × prefork, {args.concurrency} processes, queue {QUEUE!r}, "
            f"no rate limit, file e-mail backend, {batch} messages per job"
        )
        sent = by_status.get("sent", 0)
        print(f"commit → all sent       : {send_seconds:7.2f} s  = {sent / send_seconds:8.1f} e-mails/s")
        if steady > 0:
            print(f"first → last e-mail     : {steady:7.2f} s  = {sent / steady:8.1f} e-mails/s")
        print(f"total run time          : {time.monotonic() - STARTED:7.1f} s")
        print(f"rows by status          : {by_status}")
        print(f"e-mails written         : {sum(emails.values())}")
        if sent:
            print(f"worker's SQL statements : {statements}  = {statements / sent:.2f} per message sent")
        lost = max(not_sent, missing)
        print(f"lost {lost} (not sent {not_sent}, without an e-mail {missing}), doubled {doubled}")
        ok = all_sent and lost == 0 and doubled == 0
        print(f"result: {'PASS' if ok else 'FAIL'}")
        if args.keep:
            print(f"kept: database {db.name}, worker log and mail in {work_dir}")
        return 0 if ok else 1
    finally:
        stop_process_group(worker, timeout=20)
        close_connections()
        if not args.keep:
            drop_database(db)
            for path in sorted(work_dir.rglob("*"), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            work_dir.rmdir()


def main(argv: list[str] | None = None) -> int:
    return run_bench(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
