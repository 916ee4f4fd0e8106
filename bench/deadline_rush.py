"""Deadline rush: hundreds of applicants submit in the last minute before a program closes.

DESIGN.md budget: "500 concurrent submissions in the last minute, none lost, none doubled,
each receipt sent once". The script builds its own PostgreSQL database, fills it in bulk, fires
the rush (plus double clicks and submissions just after the deadline), then checks the rows:

    .venv/bin/python bench/deadline_rush.py                    # over HTTP, through gunicorn
    .venv/bin/python bench/deadline_rush.py --target services  # application_submit from threads

Exit status: 0 pass; 1 something was lost or doubled; 2 other failures (errors, an on-time
submission refused, a late one accepted, a late draft changed); 3 the bench could not run.
Only 127.0.0.1 is contacted; the run stops by itself (see --time-limit).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import http.client
import os
import platform
import queue
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchlib import (
    BASE_DIR,
    BenchAborted,
    BenchDatabase,
    collect_static,
    could_not_run,
    cpu_busy,
    cpu_times,
    create_application_form,
    create_startups_with_owners,
    free_port,
    log,
    migrate,
    parse_database_url,
    percentile,
    postgres_version,
    production_environment,
    recreate_database,
    setup_django,
    start_gunicorn,
    tail,
    tear_down,
    wait_until_serving,
    warm_up,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matchday_bench"
BUDGET_CORES = 2
RECEIPT_PREFIX = "RUSH"
FINAL_MINUTE = 60.0
REQUEST_TIMEOUT = 30.0  # seconds one HTTP request may take before it counts as an error
RUSH_TIMEOUT = 100.0  # seconds the whole rush may take before outstanding requests count as errors
LATE_TIMEOUT = 40.0

SUCCESS, REFUSED, ERROR = "success", "refused", "error"


class TimeLimitReached(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Options and environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Deadline rush benchmark: N concurrent submissions in the final minute, then verify the rows.",
    )
    parser.add_argument("--count", type=int, default=500, help="applications submitted in the rush (500)")
    parser.add_argument("--double-share", type=float, default=0.1, help="share of them clicked twice at once (0.1)")
    parser.add_argument("--late", type=int, default=20, help="further drafts submitted just after the deadline (20)")
    parser.add_argument("--target", choices=["http", "services"], default="http", help="http (default) or services")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="concurrent clients: HTTP client threads (default 100) or service threads with a DB connection each "
        "(default 40, capped by PostgreSQL's free connections)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database (and gunicorn's log) afterwards")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--closes-in", type=float, default=65.0, help="closes_at, seconds after the program is made")
    parser.add_argument(
        "--rush-at",
        type=float,
        default=FINAL_MINUTE - 0.5,
        help="seconds before closes_at the rush is released (59.5); a few seconds shows what happens to "
        "requests still queued when the deadline passes",
    )
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2024, help="shuffles the order of the rush")
    parser.add_argument("--time-limit", type=int, default=240, help="hard stop, seconds (240)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.late < 0 or not 0 <= args.double_share <= 1:
        parser.error("--count ≥ 1, --late ≥ 0 and 0 ≤ --double-share ≤ 1")
    if args.count + args.late > 99_999:
        parser.error("at most 99,999 applications")
    if not 30 <= args.closes_in <= 120:
        parser.error("--closes-in between 30 and 120 seconds")
    if not 0.5 <= args.rush_at <= FINAL_MINUTE - 0.5 or args.rush_at > args.closes_in:
        parser.error("--rush-at between 0.5 and 59.5 seconds (the rush is in the final minute), at most --closes-in")
    if args.workers is None:
        args.workers = 100 if args.target == "http" else 40
    if args.workers < 1:
        parser.error("--workers ≥ 1")
    return args


# What this process takes from production_environment() (besides DATABASE_URL and DJANGO_SETTINGS_MODULE).
DJANGO_SETTINGS_FROM_ENV = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "STATIC_ROOT",
    "PRIVATE_MEDIA_ROOT",
)


def submit_path_or_abort(pk: int = 1) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        path = reverse("applications:submit", args=[pk])
    except NoReverseMatch as error:
        raise BenchAborted(
            "--target http: the submit view is not there yet — the URL name 'applications:submit' does not "
            f"resolve ({error}). Run with --target services now, and over HTTP once the view lands "
            "(startups/urls.py with a 'submit' route)."
        ) from None
    if path != f"/applications/{pk}/submit/":
        log(f"note: applications:submit resolves to {path} (expected /applications/{pk}/submit/)")
    return path


# --------------------------------------------------------------------------------------------
# Data


@dataclass
class Applicant:
    application_id: int
    user_id: int
    email: str
    session_key: str = ""
    csrf_token: str = ""


@dataclass
class Scenario:
    program_id: int
    closes_at: dt.datetime
    rush: list[Applicant]
    late: list[Applicant]


def create_scenario(*, count: int, late: int, closes_in: float, with_sessions: bool) -> Scenario:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from matching.models import Partner, Program, ProgramPartner, Track
    from startups.models import Answer, Application, DeclarationAnswer

    total = count + late
    with transaction.atomic():
        unusable = make_password(None)  # nobody logs in with a password: sessions are made directly
        users = User.objects.bulk_create(
            [
                User(email=f"rush{i:05d}@bench.matchday.local", name=f"벤치 지원자 {i}", password=unusable)
                for i in range(total)
            ],
            batch_size=1000,
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=1000
        )
        startups = create_startups_with_owners(users, name_ko="주식회사 러시", name_en="Rush", brn_prefix="2208")
        now = timezone.now()
        program = Program.objects.create(
            name_ko="마감 러시 벤치마크 프로그램",
            name_en="Deadline rush benchmark program",
            slug="bench-deadline-rush",
            host="중소벤처기업부",
            opens_at=now - dt.timedelta(days=14),
            closes_at=now + dt.timedelta(seconds=closes_in),
            max_company_age_years=10,
            quota=10,
            reserve_size=4,
            receipt_prefix=RECEIPT_PREFIX,
            status=Program.Status.OPEN,
        )
        partner = Partner.objects.create(name="OpenAI", name_ko="오픈AI", slug="bench-openai")
        ProgramPartner.objects.create(program=program, partner=partner, seats=10)
        track = Track.objects.create(program=program, code="api", name_ko="API 활용", name_en="Building on the API")
        questions, declarations = create_application_form(program, with_demo=True)
        applications = Application.objects.bulk_create(
            [
                Application(
                    program=program,
                    startup=s,
                    track=track,
                    created_by=u,
                    title=f"생성형 AI 상담 자동화 {i}",
                    summary="중소기업 고객 문의의 70%를 자동으로 답합니다.",
                )
                for i, (s, u) in enumerate(zip(startups, users, strict=True))
            ],
            batch_size=1000,
        )
        problem, stage, team, _demo = questions
        Answer.objects.bulk_create(
            [
                Answer(application=a, question=q, value=v)
                for i, a in enumerate(applications)
                for q, v in (
                    (problem, f"고객 문의의 70%가 반복 질문입니다. ({i})"),
                    (stage, "mvp" if i % 2 else "revenue"),
                    (team, str(3 + i % 20)),
                )
            ],
            batch_size=2000,
        )
        DeclarationAnswer.objects.bulk_create(
            [DeclarationAnswer(application=a, declaration=d, answer=False) for a in applications for d in declarations],
            batch_size=2000,
        )
    applicants = [
        Applicant(application_id=a.pk, user_id=u.pk, email=u.email) for a, u in zip(applications, users, strict=True)
    ]
    if with_sessions:
        create_sessions(applicants, {u.pk: u for u in users})
    return Scenario(
        program_id=program.pk, closes_at=program.closes_at, rush=applicants[:count], late=applicants[count:]
    )


def create_sessions(applicants: list[Applicant], users: dict[int, Any]) -> None:
    """Signed in without the (rate-limited) login page: a session row per applicant, as login() leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    backend = settings.AUTHENTICATION_BACKENDS[0]
    for applicant in applicants:
        user = users[applicant.user_id]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        applicant.session_key = session.session_key
        applicant.csrf_token = _get_new_csrf_string()


def check_complete(scenario: Scenario) -> None:
    """Abort unless sample drafts are complete and eligible: the rush must measure submission, not refusal."""
    from startups.models import Application
    from startups.services.applications import application_eligibility, application_problems

    everyone = scenario.rush + scenario.late
    sample_ids = {a.application_id for a in [*everyone[:3], everyone[len(everyone) // 2], everyone[-1]]}
    for application in Application.objects.filter(pk__in=sample_ids).select_related("program", "startup", "track"):
        problems = application_problems(application)
        if problems:
            raise BenchAborted(f"draft {application.pk} is not complete, application_problems says: {problems}")
        reasons = application_eligibility(application)
        if reasons:
            raise BenchAborted(f"draft {application.pk} would be ineligible: {reasons}")


# --------------------------------------------------------------------------------------------
# Firing requests


@dataclass
class Job:
    applicant: Applicant
    phase: str  # "rush" or "late"
    second_click: bool = False
    outcome: str = ""
    detail: str = ""
    started: float = 0.0
    ended: float = 0.0
    user: Any = None  # services: the acting User, loaded for this request

    @property
    def latency_ms(self) -> float:
        return (self.ended - self.started) * 1000


class ServiceClient:
    """Calls application_submit in this process; every thread has its own database connection."""

    name = "services"

    def __init__(self) -> None:
        from accounts.models import User

        self.user_model = User

    def open(self) -> dict[str, Any]:
        return {}

    def close(self, state: dict[str, Any]) -> None:
        from django.db import connections

        connections.close_all()  # this thread's connections only: Django keeps them per thread

    def prepare(self, jobs: list[Job]) -> None:
        # Each job gets its own User instance (a double click is two requests, each loading the user).
        ids = [job.applicant.user_id for job in jobs]
        first = self.user_model.objects.in_bulk(ids)
        again = self.user_model.objects.in_bulk([job.applicant.user_id for job in jobs if job.second_click])
        for job in jobs:
            job.user = (again if job.second_click else first)[job.applicant.user_id]

    def __call__(self, state: dict[str, Any], job: Job) -> None:
        from core.errors import DomainError
        from startups.services.applications import application_submit

        job.started = time.perf_counter()
        try:
            application_submit(application_id=job.applicant.application_id, by=job.user)
            job.outcome = SUCCESS
        except DomainError as error:
            job.outcome, job.detail = REFUSED, error.code
        except Exception as error:  # noqa: BLE001 - every other failure is a result to report
            job.outcome, job.detail = ERROR, f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
        job.ended = time.perf_counter()


class HttpClient:
    """POSTs to the submit view like a browser: session cookie, CSRF cookie and form field, keep-alive."""

    name = "http"

    def __init__(self, port: int, submit_path_of, login_path: str) -> None:
        from django.conf import settings

        self.port = port
        self.submit_path_of = submit_path_of
        self.login_path = login_path
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.csrf_cookie = settings.CSRF_COOKIE_NAME

    def open(self) -> dict[str, Any]:
        return {"conn": None}

    def close(self, state: dict[str, Any]) -> None:
        if state["conn"] is not None:
            state["conn"].close()

    def prepare(self, jobs: list[Job]) -> None:
        pass

    def __call__(self, state: dict[str, Any], job: Job) -> None:
        applicant = job.applicant
        body = urlencode({"csrfmiddlewaretoken": applicant.csrf_token})
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{self.session_cookie}={applicant.session_key}; {self.csrf_cookie}={applicant.csrf_token}",
            "User-Agent": "matchday-bench/deadline-rush",
        }
        path = self.submit_path_of(applicant.application_id)
        job.started = time.perf_counter()
        try:
            if state["conn"] is None:
                state["conn"] = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            conn = state["conn"]
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            job.ended = time.perf_counter()
            if response.will_close:
                conn.close()
                state["conn"] = None
            self.classify(job, response.status, response.getheader("Location") or "", content)
        except (OSError, http.client.HTTPException) as error:
            job.ended = time.perf_counter()
            job.outcome, job.detail = ERROR, f"{type(error).__name__}: {error}"[:160]
            if state["conn"] is not None:
                state["conn"].close()
            state["conn"] = None

    def classify(self, job: Job, status: int, location: str, content: bytes) -> None:
        target = urlsplit(location).path
        if status in (301, 302, 303) and target == f"/applications/{job.applicant.application_id}/":
            job.outcome = SUCCESS
        elif status in (301, 302, 303) and target.startswith(self.login_path):
            job.outcome, job.detail = ERROR, f"{status} → login page (session not accepted)"
        elif status in (301, 302, 303):
            job.outcome, job.detail = REFUSED, f"{status} → {re.sub(r'/[0-9]+/', '/<pk>/', target)}"
        elif status == 200:
            job.outcome, job.detail = REFUSED, "200 (page shown again)"
        else:
            snippet = content[:120].decode("utf-8", "replace").replace("\n", " ")
            job.outcome, job.detail = ERROR, f"HTTP {status}: {snippet}"


def fire(jobs: list[Job], client, workers: int, timeout: float) -> tuple[float, float]:
    """Run every job from `workers` threads released at once; return (epoch at release, wall seconds)."""
    client.prepare(jobs)
    pending: queue.SimpleQueue[Job] = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)
    go = threading.Event()

    def work() -> None:
        state = client.open()
        try:
            go.wait()
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                client(state, job)
        finally:
            client.close(state)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(jobs)))]
    for thread in threads:
        thread.start()
    released_epoch, released = time.time(), time.perf_counter()
    go.set()
    for thread in threads:
        thread.join(max(0.0, released + timeout - time.perf_counter()))
    for job in jobs:
        if not job.outcome:
            job.outcome, job.detail = ERROR, f"no answer within {timeout:.0f} s"
    ended = max((job.ended for job in jobs if job.ended), default=released)
    return released_epoch, ended - released


def rush_jobs(applicants: list[Applicant], double_share: float, seed: int) -> list[Job]:
    rng = random.Random(seed)
    order = list(applicants)
    rng.shuffle(order)
    doubled = {a.application_id for a in rng.sample(order, round(len(order) * double_share))}
    jobs = []
    for applicant in order:
        jobs.append(Job(applicant, "rush"))
        if applicant.application_id in doubled:
            # Queued right behind the first click: two threads pick them up within microseconds.
            jobs.append(Job(applicant, "rush", second_click=True))
    return jobs


class RushMonitor:
    """Samples, while the rush runs, how busy the machine's cores are (/proc/stat) and what PostgreSQL's
    backends do (pg_stat_activity): running, or waiting for a row lock, and on which statement."""

    def __init__(self, db: BenchDatabase, interval: float = 0.2) -> None:
        self.db, self.interval = db, interval
        self.samples: list[tuple[int, int, int]] = []  # (active, waiting for the receipt counter, other lock waits)
        self.cpu_busy: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RushMonitor:
        self.load_before = os.getloadavg()[0]  # other work on the machine skews the figures: say so
        self._cpu_start = cpu_times()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.cpu_busy = cpu_busy(self._cpu_start, cpu_times())

    def _run(self) -> None:
        import psycopg

        query = """
            SELECT count(*) FILTER (WHERE state = 'active'),
                   count(*) FILTER (WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE "matching_program"%'),
                   count(*) FILTER (WHERE wait_event_type = 'Lock' AND query NOT LIKE 'UPDATE "matching_program"%')
            FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
        """
        try:
            conn = psycopg.connect(**self.db.connect_kwargs(), autocommit=True, connect_timeout=5)
        except psycopg.Error:
            return
        with conn:
            while not self._stop.wait(self.interval):
                try:
                    self.samples.append(tuple(conn.execute(query).fetchone()))
                except psycopg.Error:
                    return

    def summary(self) -> str:
        parts = [f"load average before {self.load_before:.2f}"]
        if self.cpu_busy is not None:
            parts.append(f"CPU busy {self.cpu_busy:.0%} of {os.cpu_count()} cores")
        if self.samples:
            n = len(self.samples)
            active = sum(s[0] for s in self.samples) / n
            receipt = sum(s[1] for s in self.samples) / n
            other = sum(s[2] for s in self.samples) / n
            parts.append(
                f"PostgreSQL backends on average {active:.1f} active, {receipt:.1f} waiting for the receipt counter "
                f"(program row lock, max {max(s[1] for s in self.samples)}), {other:.1f} waiting for other row locks"
            )
        return "; ".join(parts) or "no samples"


# --------------------------------------------------------------------------------------------
# Clock


def database_offset() -> float:
    """Seconds the database clock is ahead of this machine's clock (the deadline is on the database clock)."""
    from django.db import connection

    with connection.cursor() as cursor:
        before = time.time()
        cursor.execute("SELECT extract(epoch FROM clock_timestamp())")
        (db_epoch,) = cursor.fetchone()
        after = time.time()
    return float(db_epoch) - (before + after) / 2


def seconds_left(closes_at: dt.datetime, offset: float) -> float:
    return closes_at.timestamp() - (time.time() + offset)


def wait_for_rush(program_id: int, closes_at: dt.datetime, offset: float, lead: float) -> dt.datetime:
    """Sleep until `lead` seconds before the deadline. If the setup took so long that less than half of
    that is left, the deadline is moved to `lead` seconds from now (said on the console)."""
    from django.db.models.functions import Now

    from matching.models import Program

    left = seconds_left(closes_at, offset)
    if left >= lead:
        time.sleep(left - lead)
    elif left < lead / 2:
        log(f"setup was slow ({left:.1f} s left): closes_at moved to {lead:.1f} s from now")
        Program.objects.filter(pk=program_id).update(closes_at=Now() + dt.timedelta(seconds=lead))
        closes_at = Program.objects.values_list("closes_at", flat=True).get(pk=program_id)
    return closes_at


def wait_past_deadline(program_id: int, closes_at: dt.datetime, offset: float) -> None:
    from django.db.models.functions import Now

    from matching.models import Program

    left = seconds_left(closes_at, offset)
    if left > -0.3:
        time.sleep(left + 0.3)
    for _ in range(50):  # confirmed on the database clock, which decides
        if Program.objects.filter(pk=program_id, closes_at__lte=Now()).exists():
            return
        time.sleep(0.1)
    raise BenchAborted("the database clock never passed closes_at")


# --------------------------------------------------------------------------------------------
# Verification


@dataclass
class Verdict:
    submitted: int = 0
    rush_with_receipt: int = 0
    late_refused: int = 0
    late_accepted: list[int] = field(default_factory=list)
    late_changed: list[int] = field(default_factory=list)
    on_time_refused: collections.Counter = field(default_factory=collections.Counter)
    lost: dict[int, str] = field(default_factory=dict)
    duplicated: dict[int, str] = field(default_factory=dict)
    receipt_problems: list[str] = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)
    not_submitted_status: collections.Counter = field(default_factory=collections.Counter)
    processed_despite_error: int = 0
    stamped_after_deadline: int = 0
    latest_stamp_after: float = 0.0
    receipt_counter: int = 0
    first_receipt: str = ""
    last_receipt: str = ""
    receipt_notifications: int = 0


def late_fingerprints(applicants: list[Applicant]) -> dict[int, tuple]:
    from django.db.models import Count

    from startups.models import Application

    rows = (
        Application.objects.filter(pk__in=[a.application_id for a in applicants])
        .annotate(n_submissions=Count("submissions", distinct=True), n_answers=Count("answers", distinct=True))
        .values_list(
            "pk",
            "status",
            "receipt_number",
            "first_submitted_at",
            "submitted_at",
            "updated_at",
            "title",
            "n_submissions",
            "n_answers",
        )
    )
    return {row[0]: row[1:] for row in rows}


def verify(scenario: Scenario, rush: list[Job], late: list[Job], late_before: dict[int, tuple]) -> Verdict:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count, Max

    from matching.models import Program
    from notifications.models import Notification
    from startups.models import Application, Submission

    verdict = Verdict()
    rush_ids = {a.application_id for a in scenario.rush}
    late_ids = {a.application_id for a in scenario.late}
    apps = {
        row["pk"]: row
        for row in Application.objects.filter(program_id=scenario.program_id).values(
            "pk", "status", "receipt_number", "first_submitted_at"
        )
    }
    submissions = collections.Counter(
        dict(
            Submission.objects.filter(application__program_id=scenario.program_id)
            .values_list("application_id")
            .annotate(n=Count("id"))
            .values_list("application_id", "n")
        )
    )
    content_type = ContentType.objects.get_for_model(Application)
    receipts_sent = collections.Counter(
        {
            int(object_id): n
            # Sent, not merely queued: submissions deliver their receipt in-process after commit.
            for object_id, n in Notification.objects.filter(
                event=Notification.Event.APPLICATION_SUBMITTED,
                content_type=content_type,
                status=Notification.Status.SENT,
            )
            .values_list("object_id")
            .annotate(n=Count("id"))
            .values_list("object_id", "n")
        }
    )
    verdict.receipt_notifications = sum(receipts_sent.values())
    program = Program.objects.get(pk=scenario.program_id)
    verdict.receipt_counter = program.receipt_counter
    stamped_late = Submission.objects.filter(
        application__program_id=scenario.program_id, submitted_at__gte=program.closes_at
    ).aggregate(n=Count("id"), latest=Max("submitted_at"))
    verdict.stamped_after_deadline = stamped_late["n"]
    if stamped_late["latest"]:
        verdict.latest_stamp_after = (stamped_late["latest"] - program.closes_at).total_seconds()

    with_receipt = {pk: row["receipt_number"] for pk, row in apps.items() if row["receipt_number"]}
    verdict.submitted = len(with_receipt)
    verdict.rush_with_receipt = len(rush_ids & with_receipt.keys())
    for pk in rush_ids:
        if apps[pk]["status"] != "submitted":
            verdict.not_submitted_status[apps[pk]["status"]] += 1

    # Lost: the applicant was told "submitted" but the rows do not say so.
    told_submitted = {job.applicant.application_id for job in rush if job.outcome == SUCCESS}
    for pk in sorted(told_submitted):
        missing = []
        if pk not in with_receipt:
            missing.append("no receipt number")
        if submissions[pk] == 0:
            missing.append("no Submission row")
        if receipts_sent[pk] == 0:
            missing.append("no receipt sent")
        if missing:
            verdict.lost[pk] = ", ".join(missing)
    # Submitted without a clear yes (a client error or timeout): not lost, but worth knowing.
    answered = {job.applicant.application_id for job in rush if job.outcome != ERROR}
    verdict.processed_despite_error = len((with_receipt.keys() & rush_ids) - answered)

    # Doubled: more than one of anything that must exist once.
    for pk in apps:
        reasons = []
        if submissions[pk] > 1:
            reasons.append(f"{submissions[pk]} Submission rows")
        if receipts_sent[pk] > 1:
            reasons.append(f"{receipts_sent[pk]} receipts sent")
        if pk in with_receipt and (submissions[pk] == 0 or receipts_sent[pk] == 0) and pk not in verdict.lost:
            verdict.lost[pk] = "receipt number without " + (
                "a Submission row" if submissions[pk] == 0 else "a receipt sent"
            )
        if reasons:
            verdict.duplicated[pk] = ", ".join(reasons)
    numbers = list(with_receipt.values())
    repeated = [n for n, c in collections.Counter(numbers).items() if c > 1]
    if repeated:
        verdict.receipt_problems.append(f"receipt numbers issued twice: {repeated[:10]}")
    try:
        counters = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    except (IndexError, ValueError):
        counters = []
        verdict.receipt_problems.append("receipt numbers not in PREFIX-NNNN form")
    if counters and counters != list(range(1, len(counters) + 1)):
        gaps = sorted(set(range(1, max(counters) + 1)) - set(counters))
        verdict.receipt_problems.append(f"receipt numbers not 1..{len(counters)}: missing {gaps[:10]}")
    if verdict.receipt_counter != len(numbers):
        verdict.receipt_problems.append(
            f"program.receipt_counter is {verdict.receipt_counter}, {len(numbers)} receipt numbers exist"
        )
    if numbers:
        ordered = sorted(numbers, key=lambda n: int(n.rsplit("-", 1)[1]) if n.rsplit("-", 1)[-1].isdigit() else 0)
        verdict.first_receipt, verdict.last_receipt = ordered[0], ordered[-1]

    # Late: refused, and the draft exactly as it was.
    late_after = late_fingerprints(scenario.late)
    for job in late:
        pk = job.applicant.application_id
        if job.outcome == REFUSED:
            verdict.late_refused += 1
        elif job.outcome == SUCCESS:
            verdict.late_accepted.append(pk)
    for pk in sorted(late_ids):
        if pk in with_receipt and pk not in verdict.late_accepted:
            verdict.late_accepted.append(pk)
        if late_before.get(pk) != late_after.get(pk):
            verdict.late_changed.append(pk)

    for job in rush:
        if job.outcome == REFUSED:
            verdict.on_time_refused[job.detail] += 1
    for job in [*rush, *late]:
        if job.outcome == ERROR:
            verdict.errors[job.detail] += 1
    return verdict


# --------------------------------------------------------------------------------------------
# Report


def t_mark(seconds: float) -> str:
    """A moment relative to the deadline T: T-12.3 s, T+0.4 s."""
    return f"T{seconds:+.1f} s"


def report(
    *,
    args: argparse.Namespace,
    target_label: str,
    scenario: Scenario,
    rush: list[Job],
    late: list[Job],
    verdict: Verdict,
    rush_left: float,
    rush_wall: float,
    late_after: float,
    timings: dict[str, float],
    monitor: RushMonitor,
) -> int:
    import django

    latencies = sorted(job.latency_ms for job in rush if job.ended)
    doubles = [job for job in rush if job.second_click]
    firsts = {job.applicant.application_id: job for job in rush if not job.second_click}
    overlapped = sum(
        1
        for job in doubles
        if job.started < firsts[job.applicant.application_id].ended
        and firsts[job.applicant.application_id].started < job.ended
    )
    both_success = sum(
        1 for job in doubles if job.outcome == SUCCESS and firsts[job.applicant.application_id].outcome == SUCCESS
    )
    errors = sum(verdict.errors.values())
    lost, duplicated = len(verdict.lost), len(verdict.duplicated) + len(verdict.receipt_problems)
    requests_total = len(rush) + len(late)
    cores = os.cpu_count() or 0

    line = "─" * 78
    print()
    print(line)
    print(f"Deadline rush · target {target_label}")
    print(
        f"machine      {cores} cores ({platform.machine()}, Python {platform.python_version()}); the budget is "
        f"stated for {BUDGET_CORES} cores" + ("; client and server share them" if args.target == "http" else "")
    )
    print(f"             PostgreSQL {postgres_version()}, Django {django.get_version()}")
    print(
        f"setup        migrate {timings['migrate']:.1f} s, {len(scenario.rush) + len(scenario.late)} applicants with "
        f"complete drafts in {timings['data']:.1f} s"
    )
    print(
        f"rush         {len(rush)} requests = {len(scenario.rush)} applications + {len(doubles)} double clicks, "
        f"{min(args.workers, len(rush))} concurrent clients"
    )
    print(
        f"             fired at {t_mark(-rush_left)}, last answer at {t_mark(rush_wall - rush_left)} "
        f"(T = closes_at on the database clock)"
    )
    print(f"             wall {rush_wall:.2f} s, throughput {len(rush) / rush_wall if rush_wall else 0:.1f} requests/s")
    print(
        f"latency ms   p50 {percentile(latencies, 0.50):.0f} · p95 {percentile(latencies, 0.95):.0f} · "
        f"p99 {percentile(latencies, 0.99):.0f} · max {percentile(latencies, 1.0):.0f}   (rush requests)"
    )
    print(f"during rush  {monitor.summary()}")
    if late:
        late_details = collections.Counter(job.detail or job.outcome for job in late)
        print(
            f"late         {len(late)} requests at {t_mark(late_after)} → "
            + ", ".join(f"{n}× {d}" for d, n in late_details.most_common(3))
        )
    print(line)
    print(f"submitted          {verdict.rush_with_receipt:5d} / {len(scenario.rush)}  (with a receipt number)")
    print(f"refused (late)     {verdict.late_refused:5d} / {len(late)}")
    print(f"lost               {lost:5d}")
    print(f"duplicated         {duplicated:5d}")
    print(f"errors             {errors:5d}  (5xx, exceptions, timeouts)")
    print(f"requests total     {requests_total:5d}")
    print(line)
    print(
        f"receipts     {verdict.submitted} issued"
        + (f", {verdict.first_receipt} … {verdict.last_receipt}" if verdict.submitted else "")
        + f"; program.receipt_counter {verdict.receipt_counter}; "
        f"{verdict.receipt_notifications} receipts sent"
    )
    print(
        f"double click {len(doubles)} pairs, {overlapped} overlapped in flight, both answered success: {both_success}"
    )
    failures = 0
    for label, items in (
        ("LOST", verdict.lost),
        ("DUPLICATED", verdict.duplicated),
    ):
        if items:
            sample = "; ".join(f"application {pk}: {why}" for pk, why in list(items.items())[:5])
            print(f"{label:12s} {len(items)} applications — {sample}")
    for problem in verdict.receipt_problems:
        print(f"DUPLICATED   {problem}")
    if verdict.errors:
        failures += 1
        for detail, n in verdict.errors.most_common(5):
            print(f"ERROR        {n}× {detail}")
    if verdict.on_time_refused:
        failures += 1
        refused = ", ".join(f"{n}× {d}" for d, n in verdict.on_time_refused.most_common(5))
        print(f"REFUSED      on-time submissions refused: {refused}")
    if verdict.late_accepted:
        failures += 1
        print(f"LATE         {len(verdict.late_accepted)} submissions after the deadline were accepted")
    if verdict.late_changed:
        failures += 1
        print(f"LATE         {len(verdict.late_changed)} late drafts changed although refused")
    if verdict.not_submitted_status:
        print(f"note         rush applications not in status 'submitted': {dict(verdict.not_submitted_status)}")
    if verdict.processed_despite_error:
        print(
            f"note         {verdict.processed_despite_error} applications got a receipt though the client saw an error"
        )
    if verdict.stamped_after_deadline:
        print(
            f"note         {verdict.stamped_after_deadline} submissions accepted but stamped at or after closes_at "
            f"(the latest at T+{verdict.latest_stamp_after:.2f} s): they passed the window check, then waited"
        )
    if lost or duplicated:
        print("RESULT       FAIL — something was lost or doubled")
        return 1
    if failures:
        print("RESULT       FAIL — nothing lost or doubled, but see the lines above")
        return 2
    print("RESULT       PASS — none lost, none doubled, each receipt sent once")
    return 0


# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    db = parse_database_url(args.database_url)
    work_dir = BASE_DIR / "var" / "bench" / f"deadline-rush-{os.getpid()}"
    work_dir.mkdir(parents=True, exist_ok=True)
    env = production_environment(db, work_dir, secret_key=secrets.token_urlsafe(50))
    gunicorn: subprocess.Popen | None = None
    log_path = work_dir / "gunicorn.log"
    created = False
    try:
        setup_django(db.url, **{name: env[name] for name in DJANGO_SETTINGS_FROM_ENV})
        if args.target == "http":
            submit_path_or_abort()

        log(f"recreating database {db.name} on {db.host}:{db.port}")
        recreate_database(db)
        created = True
        timings = {"migrate": migrate()}

        client: Any
        port = 0
        if args.target == "http":
            from django.urls import reverse

            log("collecting static files for gunicorn (production mode serves the manifest)")
            collect_static(env)
            port = free_port()
            log(
                f"starting gunicorn on 127.0.0.1:{port} "
                f"({args.gunicorn_workers} workers × {args.gunicorn_threads} threads)"
            )
            gunicorn = start_gunicorn(env, port, args.gunicorn_workers, args.gunicorn_threads, log_path)
            client = HttpClient(port, lambda pk: reverse("applications:submit", args=[pk]), reverse("account_login"))
            target_label = f"http (gunicorn {args.gunicorn_workers} workers × {args.gunicorn_threads} threads)"
        else:
            args.workers = cap_service_workers(args.workers, late=args.late)
            client = ServiceClient()
            target_label = "services (application_submit from threads, one DB connection each)"

        log(f"creating {args.count + args.late} users, startups, memberships and complete drafts")
        started = time.monotonic()
        scenario = create_scenario(
            count=args.count, late=args.late, closes_in=args.closes_in, with_sessions=args.target == "http"
        )
        timings["data"] = time.monotonic() - started
        check_complete(scenario)
        if gunicorn is not None:
            wait_until_serving(gunicorn, port, log_path)
            warm_up(port, args.gunicorn_workers * args.gunicorn_threads * 2)
        offset = database_offset()

        closes_at = wait_for_rush(scenario.program_id, scenario.closes_at, offset, args.rush_at)
        scenario.closes_at = closes_at
        rush = rush_jobs(scenario.rush, args.double_share, args.seed)
        log(f"rush: {len(rush)} submissions, {seconds_left(closes_at, offset):.1f} s before the deadline")
        with RushMonitor(db) as monitor:
            released, rush_wall = fire(rush, client, args.workers, RUSH_TIMEOUT)
        rush_left = closes_at.timestamp() - (released + offset)
        log(f"rush answered in {rush_wall:.2f} s; waiting for the deadline ({seconds_left(closes_at, offset):.1f} s)")

        late_before = late_fingerprints(scenario.late)
        late_jobs = [Job(applicant, "late") for applicant in scenario.late]
        late_after = 0.0
        if late_jobs:
            wait_past_deadline(scenario.program_id, closes_at, offset)
            log(f"late: {len(late_jobs)} submissions after the deadline")
            released, _wall = fire(late_jobs, client, min(args.workers, len(late_jobs)), LATE_TIMEOUT)
            late_after = released + offset - closes_at.timestamp()

        log("verifying the rows")
        verdict = verify(scenario, rush, late_jobs, late_before)
        status = report(
            args=args,
            target_label=target_label,
            scenario=scenario,
            rush=rush,
            late=late_jobs,
            verdict=verdict,
            rush_left=rush_left,
            rush_wall=rush_wall,
            late_after=late_after,
            timings=timings,
            monitor=monitor,
        )
        if gunicorn is not None and status != 0:
            print(f"\ngunicorn log (last lines, {log_path}):\n{tail(log_path, 20)}")
        return status
    finally:
        tear_down(db, work_dir, created=created, keep=args.keep, server=gunicorn)


def cap_service_workers(workers: int, *, late: int) -> int:
    """Service threads hold a PostgreSQL connection each: stay clear of max_connections."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity)")
        max_connections, in_use = cursor.fetchone()
    room = max_connections - in_use - 10
    if workers > room:
        log(f"--workers {workers} capped to {max(room, 1)}: PostgreSQL has {max_connections - in_use} free connections")
        workers = max(room, 1)
    return workers


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def time_up(signum, frame):
        raise TimeLimitReached(f"stopped after --time-limit {args.time_limit} s")

    def terminated(signum, frame):
        raise SystemExit(3)

    signal.signal(signal.SIGALRM, time_up)
    signal.signal(signal.SIGTERM, terminated)
    signal.alarm(args.time_limit)
    try:
        return run(args)
    except (BenchAborted, TimeLimitReached) as error:
        return could_not_run(error)
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
