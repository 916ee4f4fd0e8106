"""Helpers shared by the benchmark scripts in this folder.

What every bench repeats, written once: the `BenchAborted` error and the exit status it maps to
(3, the bench could not run), `log()` with the seconds since the start, the checks that keep a
bench on 127.0.0.1 and off any database whose name lacks "bench" (`parse_database_url`), dropping
and recreating that database with psycopg, setting up Django against it and migrating, the data the
applicant benches share (startups with their owners, the application form), stopping a subprocess
started in its own session, and the tail of a log file. For the benches over HTTP: the production
settings a bench and its gunicorn share, collecting static files, starting gunicorn on a free
loopback port, waiting until it serves and warming it up, a timed keep-alive load from client
threads (`http_load`), latency percentiles and the tear-down.

The scripts are run as `.venv/bin/python bench/<name>.py`, so this folder is on `sys.path` and they
`import benchlib`. Importing it needs neither Django nor psycopg: both are imported inside the
functions that use them.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
EXIT_COULD_NOT_RUN = 3
STARTED = time.monotonic()


class BenchAborted(Exception):
    """The bench could not run (not a result about the service)."""


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def could_not_run(error: BaseException) -> int:
    """Say on stderr why the bench could not run; return the exit status for that."""
    print(f"bench could not run: {error}", file=sys.stderr)
    return EXIT_COULD_NOT_RUN


def run_bench(run: Callable[[object], int], args: object) -> int:
    """`run(args)`'s exit status, or 3 (with the reason on stderr) when it raises `BenchAborted`."""
    try:
        return run(args)
    except BenchAborted as error:
        return could_not_run(error)


# --------------------------------------------------------------------------------------------
# The bench database


def require_local(hostname: str | None, option: str) -> None:
    if hostname not in LOCAL_HOSTS:
        raise BenchAborted(f"the bench only talks to 127.0.0.1; {option} points at {hostname!r}")


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    host: str
    port: int
    user: str
    password: str
    name: str

    def connect_kwargs(self, dbname: str | None = None) -> dict:
        """psycopg.connect() arguments for `dbname` (default: the bench database itself)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password or None,
            "dbname": dbname or self.name,
        }


def parse_database_url(url: str) -> BenchDatabase:
    """The `--database-url`, refused unless it is PostgreSQL on 127.0.0.1 with "bench" in its name."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise BenchAborted(f"--database-url must be a postgres:// URL, not {url!r}")
    require_local(parts.hostname, "--database-url")
    name = unquote(parts.path.lstrip("/"))
    # The database is dropped and recreated: refuse anything that does not look like a bench database.
    if "bench" not in name or name in ("postgres", "template0", "template1"):
        raise BenchAborted(f"the bench drops and recreates its database; {name!r} does not have 'bench' in its name")
    return BenchDatabase(
        url=url,
        host="127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or ""),
        name=name,
    )


def admin_connection(db: BenchDatabase):
    """An autocommit connection to the `postgres` maintenance database of the bench's server."""
    import psycopg

    try:
        return psycopg.connect(**db.connect_kwargs("postgres"), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise BenchAborted(f"PostgreSQL at {db.host}:{db.port} is not reachable: {error}") from error


def recreate_database(db: BenchDatabase) -> None:
    from psycopg import sql

    with admin_connection(db) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.name)))


def drop_database(db: BenchDatabase) -> None:
    from psycopg import sql

    with admin_connection(db) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name)))


# --------------------------------------------------------------------------------------------
# Django


def add_project_to_path() -> None:
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))


def setup_django(database_url: str, *, redis_url: str | None = None, **environ: str) -> None:
    """Point Django at the bench database and set it up in this process.

    `redis_url` is the broker (jobs are published to it, not run in-process); without one
    `REDIS_URL` is removed, so tasks run in-process and nothing needs a worker. Further keyword
    arguments are environment variables set before the settings load; `LOG_LEVEL` is WARNING
    unless the environment or a keyword says otherwise.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ.update(environ)
    if redis_url is None:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    add_project_to_path()
    import django

    django.setup()


def migrate() -> float:
    """Run the migrations quietly; return the seconds it took."""
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    return time.monotonic() - started


def analyze() -> None:
    """Fresh planner statistics and visibility map after a bulk fill: the tables as autovacuum leaves
    them in a running database (without the map, PostgreSQL cannot answer from an index alone)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def close_connections() -> None:
    """Close this thread's Django connections (before the database is dropped); a no-op if Django
    was never set up."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
        pass


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


# --------------------------------------------------------------------------------------------
# Data the applicant benches share


def brn(prefix: str, i: int) -> str:
    """A valid business registration number: `prefix` (four digits), `i` in five, the check digit."""
    from core.validators import brn_check_digit, normalize_brn

    first_nine = f"{prefix}{i:05d}"
    return normalize_brn(first_nine + str(brn_check_digit(first_nine)))


def create_startups_with_owners(users: list, *, name_ko: str, name_en: str, brn_prefix: str) -> list:
    """A startup per user (`name_ko`/`name_en` followed by its number), the user its active owner."""
    from startups.models import Startup, StartupMember

    startups = Startup.objects.bulk_create(
        [
            Startup(
                name_ko=f"{name_ko}{i:05d}",
                name_en=f"{name_en} {i:05d} Inc.",
                brn=brn(brn_prefix, i),
                founded_on=dt.date(2020, 3, 1),
                ceo_name=f"대표 {i}",
                employees=5 + i % 40,
                annual_revenue_krw=100_000_000 + i,
            )
            for i in range(len(users))
        ],
        batch_size=1000,
    )
    StartupMember.objects.bulk_create(
        [
            StartupMember(startup=s, user=u, role=StartupMember.Role.OWNER, status=StartupMember.Status.ACTIVE)
            for s, u in zip(startups, users, strict=True)
        ],
        batch_size=1000,
    )
    return startups


def create_application_form(program, *, with_demo: bool = False) -> tuple[list, list]:
    """The questions (problem, stage, team and, `with_demo`, an optional demo URL) and the two
    declarations of `program`'s application form."""
    from matching.models import Declaration, Question

    questions = [
        Question(
            program=program,
            code="problem",
            kind=Question.Kind.LONG_TEXT,
            label_ko="해결하려는 문제",
            label_en="The problem",
            max_length=1000,
            order=1,
        ),
        Question(
            program=program,
            code="stage",
            kind=Question.Kind.SINGLE_CHOICE,
            label_ko="사업 단계",
            label_en="Stage",
            choices=[
                {"value": "mvp", "label_ko": "시제품", "label_en": "MVP"},
                {"value": "revenue", "label_ko": "매출 발생", "label_en": "Revenue"},
            ],
            order=2,
        ),
        Question(
            program=program,
            code="team",
            kind=Question.Kind.NUMBER,
            label_ko="팀 규모",
            label_en="Team size",
            order=3,
        ),
    ]
    if with_demo:
        questions.append(
            Question(
                program=program,
                code="demo",
                kind=Question.Kind.URL,
                label_ko="데모 주소",
                label_en="Demo",
                required=False,
                order=4,
            )
        )
    declarations = [
        Declaration(
            program=program,
            code="tax_arrears",
            text_ko="국세 또는 지방세를 체납하고 있습니까?",
            text_en="Are you in arrears on national or local taxes?",
            order=1,
        ),
        Declaration(
            program=program,
            code="already_funded",
            text_ko="중소벤처기업부의 다른 사업에서 지원을 받고 있습니까?",
            text_en="Are you funded by another program of the Ministry?",
            order=2,
        ),
    ]
    return Question.objects.bulk_create(questions), Declaration.objects.bulk_create(declarations)


def production_environment(db: BenchDatabase, work_dir: Path, *, secret_key: str, **extra: str) -> dict[str, str]:
    """Settings shared by the bench process and gunicorn: this environment in production mode against
    the bench database, one secret key (sessions are signed with it), mail kept in memory, no broker
    (tasks run in-process), and `extra` on top."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=db.url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secret_key,
        # Production refuses to start without a key for the encrypted fields (webhook secrets).
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode(),
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="memorymail://",
        STATIC_ROOT=str(work_dir / "static"),
        PRIVATE_MEDIA_ROOT=str(work_dir / "private"),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


# --------------------------------------------------------------------------------------------
# Subprocesses and their logs


def stop_process_group(process: subprocess.Popen | None, timeout: float = 10.0) -> None:
    """Stop a process started with `start_new_session=True`: SIGTERM and `timeout` seconds to exit,
    then SIGKILL to its whole group, which also reaches children it left behind."""
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # children left behind, if any


def tear_down(db: BenchDatabase, work_dir: Path, *, created: bool, keep: bool, server: subprocess.Popen | None) -> None:
    """After a bench with a server: stop it, drop the database the bench created and remove its work
    directory, unless `keep` (then say where they are)."""
    stop_process_group(server)
    close_connections()
    if created and not keep:
        drop_database(db)
    if keep:
        log(f"kept: database {db.name}, work directory {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)


def tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file, or "(no log)"."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------------------------
# gunicorn and HTTP load on loopback


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on (now)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def collect_static(env: dict[str, str]) -> None:
    """`collectstatic` into the `STATIC_ROOT` of `env`: with `DJANGO_DEBUG=false` pages are served
    with hashed assets from a manifest and cannot render without it."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    if result.returncode != 0:
        raise BenchAborted(f"collectstatic failed:\n{result.stderr[-2000:]}")


def start_gunicorn(
    env: dict[str, str],
    port: int,
    workers: int,
    threads: int,
    log_path: Path,
    *,
    keep_alive: int = 30,
    timeout: int = 60,
    app: str = "config.wsgi:application",
) -> subprocess.Popen:
    """gunicorn (gthread workers) on 127.0.0.1:`port` in its own process group, its output in
    `log_path`. `keep_alive` must outlast the pause between two requests of a client, or connections
    are closed under it."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        raise BenchAborted(f"gunicorn is not installed in the virtualenv ({gunicorn})")
    command = [
        str(gunicorn),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--keep-alive",
        str(keep_alive),
        "--timeout",
        str(timeout),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    with log_path.open("wb") as log_file:
        # Own process group: stopping it reaches the workers too.
        return subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_serving(
    process: subprocess.Popen, port: int, log_path: Path, timeout: float = 30.0, path: str = "/healthz"
) -> None:
    """Return once the server answers `path` with 200; `BenchAborted` if it exits, answers anything
    else or is not up within `timeout` seconds."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchAborted(f"gunicorn exited with {process.returncode}:\n{tail(log_path)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return
            raise BenchAborted(f"gunicorn answers {path} with {response.status}:\n{tail(log_path)}")
        except OSError:
            time.sleep(0.2)
    raise BenchAborted(f"gunicorn did not answer within {timeout:.0f} s:\n{tail(log_path)}")


def warm_up(port: int, requests: int, paths: list[str] | None = None, headers: dict[str, str] | None = None) -> None:
    """Every gunicorn worker thread loads the URLconf and opens its DB connection before the clock starts:
    `requests` requests at once, each on a new connection, to the `paths` in turn (default `/healthz`)."""
    import http.client
    import threading

    paths = paths or ["/healthz"]
    sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}

    def hit(path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path, headers=sent)
            conn.getresponse().read()
        except OSError:
            pass
        finally:
            conn.close()

    threads = [threading.Thread(target=hit, args=(paths[i % len(paths)],), daemon=True) for i in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank `q` percentile (0 < q ≤ 1) of values sorted ascending; NaN when there are none."""
    import math

    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def cpu_times() -> tuple[int, int] | None:
    """(all, idle) jiffies of the whole machine from /proc/stat, or None where there is none."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields), idle


def cpu_busy(start: tuple[int, int] | None, end: tuple[int, int] | None) -> float | None:
    """Share of the machine's CPU time that was busy between two `cpu_times()` readings."""
    if not start or not end or end[0] <= start[0]:
        return None
    return 1 - (end[1] - start[1]) / (end[0] - start[0])


@dataclass
class LoadResult:
    """What `http_load` saw: latencies (ms, sorted) of the requests answered, errors by reason."""

    seconds: float
    latencies_ms: list[float]
    errors: dict[str, int]
    clients: int
    failed_without_answer: int = 0  # connection errors and timeouts: no latency
    cpu_busy: float | None = None
    load_before: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.failed_without_answer

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def latency(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def http_load(
    port: int,
    next_path: Callable[[int], str],
    *,
    clients: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    request_timeout: float = 30.0,
) -> LoadResult:
    """`clients` threads, each on its own keep-alive connection, send GET `next_path(client)` one after
    the other for `seconds`, all released together. A request answered with anything but 200, or a
    connection error or timeout, is an error (by status or exception); the latency of every answered
    request, errors included, is kept."""
    import collections
    import http.client
    import threading

    sent = {"Host": f"127.0.0.1:{port}", "User-Agent": "matchday-bench", **(headers or {})}
    go = threading.Event()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: collections.Counter[str] = collections.Counter()
    unanswered = [0]
    times = {"stop": 0.0}

    def client(index: int) -> None:
        conn: http.client.HTTPConnection | None = None
        mine: list[float] = []
        my_errors: collections.Counter[str] = collections.Counter()
        lost = 0
        go.wait()
        stop = times["stop"]
        try:
            while time.perf_counter() < stop:
                path = next_path(index)
                started = time.perf_counter()
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=request_timeout)
                    conn.request("GET", path, headers=sent)
                    response = conn.getresponse()
                    response.read()
                    mine.append((time.perf_counter() - started) * 1000)
                    if response.status != 200:
                        my_errors[f"HTTP {response.status}"] += 1
                    if response.will_close:
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException) as error:
                    lost += 1
                    my_errors[type(error).__name__] += 1
                    if conn is not None:
                        conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()
            with lock:
                latencies.extend(mine)
                errors.update(my_errors)
                unanswered[0] += lost

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    load_before = os.getloadavg()[0]
    cpu_start = cpu_times()
    started = time.perf_counter()
    times["stop"] = started + seconds
    go.set()
    for thread in threads:
        thread.join(seconds + request_timeout + 5)
    wall = time.perf_counter() - started
    return LoadResult(
        seconds=wall,
        latencies_ms=sorted(latencies),
        errors=dict(errors),
        clients=clients,
        cpu_busy=cpu_busy(cpu_start, cpu_times()),
        load_before=load_before,
        failed_without_answer=unanswered[0],
    )
