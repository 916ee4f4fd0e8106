"""The read API under load: list and detail of applications through gunicorn and PostgreSQL.

Budget (issue): "list applications (page of 100) and detail under gunicorn with PostgreSQL, 20
concurrent clients on loopback for 30 s: requests/s and p50/p95/p99, beside a trivial Django view
measured the same way as the ceiling." DESIGN.md: API list pages keep a constant number of queries
whatever the page size.

    .venv/bin/python bench/api.py
    .venv/bin/python bench/api.py --seconds 10 --gunicorn-workers 2 --gunicorn-threads 2 --keep

It builds its own database (2,000 submitted applications by default), checks in-process that a list
page of 10 and one of 100 take the same number of queries, starts gunicorn and runs three phases of
`--clients` keep-alive clients for `--seconds` each: `/healthz` (the ceiling: one `SELECT 1`), the
list at `page_size=100` (pages 1..20 in turn) and the detail of random applications. It prints each
phase's requests/s as a share of the ceiling's beside its budget (list ≥ 15%, detail ≥ 40%).

Exit status: 0 every phase ran without an error and the query counts are equal; 1 errors or
unequal query counts; 3 the bench could not run (PostgreSQL unreachable, the endpoints missing or
failing). Only 127.0.0.1 is contacted.

This file shares its name with the project's `api` package: it only imports `api.…` after
`setup_django()`, which puts the project folder ahead of this one on `sys.path`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (
    BASE_DIR,
    BenchAborted,
    BenchDatabase,
    LoadResult,
    analyze,
    close_connections,
    create_application_form,
    create_startups_with_owners,
    free_port,
    http_load,
    log,
    migrate,
    parse_database_url,
    postgres_version,
    production_environment,
    recreate_database,
    run_bench,
    setup_django,
    start_gunicorn,
    tail,
    tear_down,
    wait_until_serving,
    warm_up,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matchday_bench_api"
LIST_PATH = "/api/v1/applications/"
CEILING_PATH = "/healthz"
PAGE_SIZE = 100
RECEIPT_PREFIX = "BAPI"
# Requests/s of each phase as a share of the ceiling's (issue 11): printed beside the measured ratio.
RATIO_BUDGETS = {f"list page_size={PAGE_SIZE}": 0.15, "detail": 0.40}

# What this process and gunicorn take from api_environment() besides DATABASE_URL and the settings module.
DJANGO_SETTINGS_FROM_ENV = (
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "API_THROTTLE_RATE",
    "LOG_LEVEL",
    "EMAIL_URL",
    "STATIC_ROOT",
    "PRIVATE_MEDIA_ROOT",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Requests/s and latency of the applications API under gunicorn.")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase (30)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent keep-alive clients (20)")
    parser.add_argument("--gunicorn-workers", type=int, default=4, help="gthread worker processes (4)")
    parser.add_argument("--gunicorn-threads", type=int, default=1, help="threads per worker (1)")
    parser.add_argument("--applications", type=int, default=2000, help="submitted applications (2000)")
    parser.add_argument("--seed", type=int, default=2024, help="the order of the detail requests")
    parser.add_argument("--keep", action="store_true", help="keep the database and gunicorn's log afterwards")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.clients < 1 or args.gunicorn_workers < 1 or args.gunicorn_threads < 1:
        parser.error("--seconds > 0, --clients ≥ 1, --gunicorn-workers ≥ 1 and --gunicorn-threads ≥ 1")
    if not PAGE_SIZE <= args.applications <= 99_999:
        parser.error(f"--applications between {PAGE_SIZE} and 99,999")
    return args


def api_environment(db: BenchDatabase, work_dir: Path) -> dict[str, str]:
    """The shared production settings, with throttling out of the way, quiet logs and a per-process
    cache (as without CACHE_URL). JSON only: nothing is collected into STATIC_ROOT, the folder just exists."""
    env = production_environment(
        db, work_dir, secret_key=secrets.token_urlsafe(50), API_THROTTLE_RATE="1000000/min", LOG_LEVEL="WARNING"
    )
    env.pop("CACHE_URL", None)
    return env


# --------------------------------------------------------------------------------------------
# Data


def build(count: int) -> tuple[list[int], str]:
    """One open program with two tracks, `count` submitted applications (startup, owner, three answers,
    two declarations, one submission with its snapshot each), a staff user and an API key for them.
    Returns the application ids and the key."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from api.keys import api_key_create
    from matching.models import Partner, Program, ProgramPartner, Track
    from startups.models import Answer, Application, DeclarationAnswer, Submission

    now = timezone.now()
    unusable = make_password(None)
    with transaction.atomic():
        staff = User.objects.create(
            email="staff@bench.matchday.local", name="벤치 운영자", is_staff=True, password=unusable
        )
        program = Program.objects.create(
            name_ko="API 벤치마크 프로그램",
            name_en="API benchmark program",
            slug="bench-api",
            host="중소벤처기업부",
            opens_at=now - dt.timedelta(days=14),
            closes_at=now + dt.timedelta(days=14),
            max_company_age_years=10,
            quota=10,
            reserve_size=4,
            receipt_prefix=RECEIPT_PREFIX,
            receipt_counter=count,
            status=Program.Status.OPEN,
        )
        partner = Partner.objects.create(name="OpenAI", name_ko="오픈AI", slug="bench-api-openai")
        ProgramPartner.objects.create(program=program, partner=partner, seats=10)
        tracks = [
            Track.objects.create(
                program=program, code="api", name_ko="API 활용", name_en="Building on the API", order=1
            ),
            Track.objects.create(
                program=program, code="collab", name_ko="공동 개발", name_en="Co-development", order=2
            ),
        ]
        (problem, stage, team), declarations = create_application_form(program)
        users = User.objects.bulk_create(
            [
                User(email=f"api{i:05d}@bench.matchday.local", name=f"벤치 지원자 {i}", password=unusable)
                for i in range(count)
            ],
            batch_size=1000,
        )
        startups = create_startups_with_owners(users, name_ko="주식회사 에이피아이", name_en="API", brn_prefix="2209")
        contents = []
        for i, startup in enumerate(startups):
            submitted_at = now - dt.timedelta(days=2, seconds=count - i)
            track = tracks[i % 2]
            answers = {
                "problem": f"고객 문의의 70%가 반복 질문입니다. 상담 인력은 그대로인데 문의는 해마다 늘어납니다. ({i})",
                "stage": "mvp" if i % 2 else "revenue",
                "team": 3 + i % 20,
            }
            contents.append((startup, track, submitted_at, answers))
        applications = Application.objects.bulk_create(
            [
                Application(
                    program=program,
                    startup=startup,
                    track=track,
                    created_by=user,
                    status=Application.Status.SUBMITTED,
                    receipt_number=f"{RECEIPT_PREFIX}-{i + 1:04d}",
                    title=f"생성형 AI 상담 자동화 {i}",
                    summary="중소기업 고객 문의의 70%를 자동으로 답합니다.",
                    first_submitted_at=submitted_at,
                    submitted_at=submitted_at,
                )
                for i, ((startup, track, submitted_at, _answers), user) in enumerate(zip(contents, users, strict=True))
            ],
            batch_size=1000,
        )
        Answer.objects.bulk_create(
            [
                Answer(application=a, question=q, value=answers[q.code])
                for a, (_s, _t, _at, answers) in zip(applications, contents, strict=True)
                for q in (problem, stage, team)
            ],
            batch_size=2000,
        )
        DeclarationAnswer.objects.bulk_create(
            [DeclarationAnswer(application=a, declaration=d, answer=False) for a in applications for d in declarations],
            batch_size=2000,
        )
        # The snapshot application_submit stores (application_snapshot), written directly.
        Submission.objects.bulk_create(
            [
                Submission(
                    application=a,
                    number=1,
                    submitted_at=submitted_at,
                    submitted_by=user,
                    snapshot={
                        "title": a.title,
                        "summary": a.summary,
                        "track": track.code,
                        "startup": {
                            "name_ko": startup.name_ko,
                            "name_en": startup.name_en,
                            "brn": startup.brn,
                            "founded_on": startup.founded_on.isoformat(),
                            "ceo_name": startup.ceo_name,
                            "employees": startup.employees,
                            "annual_revenue_krw": startup.annual_revenue_krw,
                            "website": startup.website,
                            "sectors": [],
                            "flags": [],
                        },
                        "answers": answers,
                        "declarations": {d.code: False for d in declarations},
                        "preferences": [partner.pk],
                        "attachments": [],
                    },
                )
                for a, user, (startup, track, submitted_at, answers) in zip(applications, users, contents, strict=True)
            ],
            batch_size=1000,
        )
        issued = api_key_create(name="bench api", user=staff, scopes=["applications:read", "programs:read"], by="bench")
    analyze()
    return [a.pk for a in applications], issued.secret


# --------------------------------------------------------------------------------------------
# In-process checks: the endpoints answer, and a list page's query count does not grow with its size


def check_in_process(key: str, application_id: int) -> dict[str, int]:
    """Query counts of one list request at page_size 10 and 100 and of one detail request, through
    django.test.Client with the key. `BenchAborted` when an endpoint is missing or fails."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Api-Key {key}")

    def get(path: str, expected_rows: int | None = None) -> int:
        try:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        except Exception as error:  # noqa: BLE001 - a view being written may fail in any way
            raise BenchAborted(f"GET {path} raised {type(error).__name__}: {error}") from error
        if response.status_code != 200:
            body = response.content[:300].decode("utf-8", "replace").replace("\n", " ")
            hint = " (is the endpoint there yet?)" if response.status_code == 404 else ""
            raise BenchAborted(f"GET {path} answered {response.status_code}{hint}: {body}")
        if expected_rows is not None:
            try:
                rows = len(response.json()["results"])
            except (ValueError, KeyError, TypeError) as error:
                raise BenchAborted(f"GET {path}: not a paginated list ({error})") from error
            if rows != expected_rows:
                raise BenchAborted(f"GET {path}: {rows} rows, expected {expected_rows}")
        return len(queries.captured_queries)

    get(f"{LIST_PATH}?page_size=10")  # the first use of the key records last_used_at: not counted
    return {
        "list 10": get(f"{LIST_PATH}?page_size=10", 10),
        f"list {PAGE_SIZE}": get(f"{LIST_PATH}?page_size={PAGE_SIZE}&page=2", PAGE_SIZE),
        "detail": get(f"{LIST_PATH}{application_id}/"),
    }


# --------------------------------------------------------------------------------------------
# Report


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def phase_line(label: str, result: LoadResult, ceiling: LoadResult) -> str:
    ratio = result.per_second / ceiling.per_second if ceiling.per_second else float("nan")
    cpu = f"{result.cpu_busy:4.0%}" if result.cpu_busy is not None else "   ?"
    return (
        f"{label:<26} {result.requests:8d} {result.per_second:8.1f} "
        f"{result.latency(0.50):7.1f} {result.latency(0.95):7.1f} {result.latency(0.99):7.1f} "
        f"{result.latency(1.0):7.1f} {result.error_count:6d}  {ratio:6.1%}  {cpu}  {result.load_before:5.2f}"
    )


# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    import django

    db = parse_database_url(args.database_url)
    work_dir = BASE_DIR / "var" / "bench" / f"api-{os.getpid()}"
    (work_dir / "static").mkdir(parents=True, exist_ok=True)
    env = api_environment(db, work_dir)
    log_path = work_dir / "gunicorn.log"
    gunicorn: subprocess.Popen | None = None
    created = False
    try:
        setup_django(db.url, **{name: env[name] for name in DJANGO_SETTINGS_FROM_ENV})
        log(f"recreating database {db.name} on {db.host}:{db.port}")
        recreate_database(db)
        created = True
        migrate_seconds = migrate()
        log(f"migrated in {migrate_seconds:.1f} s; creating {args.applications} submitted applications")
        started = time.monotonic()
        ids, key = build(args.applications)
        data_seconds = time.monotonic() - started
        log(f"data in {data_seconds:.1f} s; counting the queries of one list page in-process")
        queries = check_in_process(key, ids[len(ids) // 2])
        close_connections()

        port = free_port()
        server = f"gunicorn {args.gunicorn_workers} workers × {args.gunicorn_threads} thread" + (
            "s" if args.gunicorn_threads > 1 else ""
        )
        log(f"starting {server} (gthread) on 127.0.0.1:{port}")
        gunicorn = start_gunicorn(env, port, args.gunicorn_workers, args.gunicorn_threads, log_path)
        wait_until_serving(gunicorn, port, log_path)
        auth = {"Authorization": f"Api-Key {key}"}
        pages = max(1, min(20, len(ids) // PAGE_SIZE))
        warm_up(
            port,
            args.gunicorn_workers * args.gunicorn_threads * 4,
            [CEILING_PATH, f"{LIST_PATH}?page_size={PAGE_SIZE}&page=1", f"{LIST_PATH}{ids[0]}/"],
            auth,
        )

        page_numbers = itertools.cycle(range(1, pages + 1))  # shared: pages in turn across all clients
        rngs = [random.Random(args.seed + i) for i in range(args.clients)]  # noqa: S311 - not cryptography
        phases = [
            (f"GET {CEILING_PATH} (ceiling)", lambda _client: CEILING_PATH, {}),
            (
                f"list page_size={PAGE_SIZE}",
                lambda _client: f"{LIST_PATH}?page_size={PAGE_SIZE}&page={next(page_numbers)}",
                auth,
            ),
            ("detail, random ids", lambda client: f"{LIST_PATH}{rngs[client].choice(ids)}/", auth),
        ]
        results: list[tuple[str, LoadResult]] = []
        for label, next_path, headers in phases:
            log(f"phase {label}: {args.clients} clients for {args.seconds:.0f} s (load average {load_average()})")
            result = http_load(port, next_path, clients=args.clients, seconds=args.seconds, headers=headers)
            results.append((label, result))
            if gunicorn.poll() is not None:
                raise BenchAborted(f"gunicorn exited with {gunicorn.returncode} during {label}:\n{tail(log_path)}")

        ceiling = results[0][1]
        line = "─" * 104
        print()
        print(line)
        print(
            f"API under load · {server} (gthread), "
            f"{args.clients} keep-alive clients on loopback, {args.seconds:.0f} s a phase"
        )
        print(
            f"machine      {os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()}), "
            f"PostgreSQL {postgres_version()}, Django {django.get_version()}; client, gunicorn and PostgreSQL "
            "share them"
        )
        print(
            f"data         {args.applications} submitted applications in 1 open program, 2 tracks "
            f"(migrate {migrate_seconds:.1f} s, data {data_seconds:.1f} s); list pages 1..{pages} in turn"
        )
        counts_equal = queries["list 10"] == queries[f"list {PAGE_SIZE}"]
        print(
            f"queries      list page_size=10: {queries['list 10']}, page_size={PAGE_SIZE}: "
            f"{queries[f'list {PAGE_SIZE}']} ({'equal' if counts_equal else 'NOT EQUAL'}); detail: {queries['detail']}"
        )
        print(line)
        print(
            f"{'phase':<26} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} "
            f"{'errors':>6}  {'÷ceil':>6}  {'CPU':>4}  {'load':>5}"
        )
        for label, result in results:
            print(phase_line(label, result, ceiling))
        print(line)
        for label, result in results[1:]:
            ratio = result.per_second / ceiling.per_second if ceiling.per_second else float("nan")
            print(f"ratio        {label} ÷ ceiling: {ratio:.1%} (budget ≥ {RATIO_BUDGETS[label.split(',')[0]]:.0%})")
        print(f"load average after (1 / 5 / 15 min): {load_average()}; 'load' above: 1-min load average before a phase")
        failures = []
        for label, result in results:
            if result.errors:
                failures.append(f"{label}: " + ", ".join(f"{n}× {why}" for why, n in sorted(result.errors.items())))
        if not counts_equal:
            failures.append("the list's query count grows with the page size")
        for failure in failures:
            print(f"FAIL         {failure}")
        if failures:
            print(f"\ngunicorn log (last lines, {log_path}):\n{tail(log_path, 20)}")
            print("RESULT       FAIL")
            return 1
        print("RESULT       PASS — no errors, constant query count per list page")
        return 0
    finally:
        tear_down(db, work_dir, created=created, keep=args.keep, server=gunicorn)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminated(signum, frame):
        raise SystemExit(3)  # gunicorn is stopped and the database dropped on the way out

    signal.signal(signal.SIGTERM, terminated)
    return run_bench(run, args)


if __name__ == "__main__":
    sys.exit(main())
