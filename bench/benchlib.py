"""Helpers shared by the benchmark scripts in this folder.

What every bench repeats, written once: the `BenchAborted` error and the exit status it maps to
(3, the bench could not run), `log()` with the seconds since the start, the checks that keep a
bench on 127.0.0.1 and off any database whose name lacks "bench" (`parse_database_url`), dropping
and recreating that database with psycopg, setting up Django against it and migrating, stopping a
subprocess started in its own session, and the tail of a log file.

The scripts are run as `.venv/bin/python bench/<name>.py`, so this folder is on `sys.path` and they
`import benchlib`. Importing it needs neither Django nor psycopg: both are imported inside the
functions that use them.
"""

from __future__ import annotations

import contextlib
import os
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
    """Fresh planner statistics after a bulk fill."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def close_connections() -> None:
    """Close this thread's Django connections (before the database is dropped); a no-op if Django
    was never set up."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
        pass


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


def tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file, or "(no log)"."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
