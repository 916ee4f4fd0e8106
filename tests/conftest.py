"""Shared fixtures, and the rules for tests that need real services.

Tests marked `postgres`, `redis` or `worker` skip when the service is missing, and the
summary says so loudly. With MATCHDAY_REQUIRE_SERVICES=1 (set by .ci/run) a skip of such a
test is turned into a failure, so CI can never pass by skipping them.
"""

import importlib.util
import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings


def _own_redis_database_per_test_process() -> None:
    """Parallel test processes (pytest-xdist `-n`, gw0, gw1, …) each take their own Redis database:
    a Celery worker one process starts must never take the tasks another process queued for its
    own test database. The worker processes inherit the changed REDIS_URL."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("REDIS_URL", "")
    if not worker.startswith("gw") or not url:
        return
    parsed = urlparse(url)
    database = (int(parsed.path.lstrip("/") or 0) - int(worker[2:])) % 16
    own = parsed._replace(path=f"/{database}").geturl()
    os.environ["REDIS_URL"] = own
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = own
    from config.celery import app

    app.conf.broker_url = app.conf.result_backend = own


_own_redis_database_per_test_process()

SERVICE_MARKERS = ("postgres", "redis", "worker", "browser")
REQUIRE_SERVICES = os.environ.get("MATCHDAY_REQUIRE_SERVICES") == "1"
_skipped_for_services: list[str] = []


def _redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker in ("redis", "worker") and not _redis_reachable():
        return "needs Redis: set REDIS_URL=redis://… to a running server"
    if marker == "browser" and not (shutil.which("chromium") and importlib.util.find_spec("playwright")):
        return "needs Debian's chromium (apt-get install chromium) and the playwright package"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in SERVICE_MARKERS:
            if item.get_closest_marker(marker):
                reason = _missing_service(marker)
                if reason:
                    item.add_marker(pytest.mark.skip(reason=f"[{marker}] {reason}"))
                    break


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    service_marked = any(item.get_closest_marker(m) for m in SERVICE_MARKERS)
    if report.skipped and service_marked and REQUIRE_SERVICES:
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped, but MATCHDAY_REQUIRE_SERVICES=1 requires it to run."


def pytest_runtest_logreport(report):
    # Runs where the summary is written: in the one process, or in the controller of parallel runs
    # (pytest-xdist), which receives every report but never sees the items themselves.
    if report.skipped and report.when in ("setup", "call") and any(m in report.keywords for m in SERVICE_MARKERS):
        _skipped_for_services.append(report.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _skipped_for_services:
        bar = "!" * 78
        terminalreporter.write_line(bar, yellow=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped_for_services)} TESTS SKIPPED FOR LACK OF POSTGRESQL / REDIS / A CELERY WORKER / CHROMIUM.",
            yellow=True,
            bold=True,
        )
        terminalreporter.write_line(
            "They run in CI (.ci/run). To run them here: DATABASE_URL=postgres://postgres@127.0.0.1:5432/matchday "
            "REDIS_URL=redis://127.0.0.1:6379/15 make test",
            yellow=True,
        )
        for nodeid in _skipped_for_services:
            terminalreporter.write_line(f"  skipped: {nodeid}", yellow=True)
        terminalreporter.write_line(bar, yellow=True, bold=True)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Real hashers cost ~0.3 s per user by design; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request):
    """Unit tests run Celery tasks in-process; tests marked `worker` talk to a real worker."""
    from config.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_language_left_active():
    # A request served by the test client leaves its language active in the thread; the next test
    # must start from the default (Korean), as a fresh process does.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits count in the cache: one test's logins must not throttle the next test.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploads made by a test land in its own temporary folder, never in var/.
    private = {"location": str(tmp_path / "private"), "base_url": None}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": private}}


@pytest.fixture
def staff_user(db):
    from tests.factories import UserFactory

    return UserFactory(staff=True, email="staff@example.com")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


WORKER_QUEUES = "default,scoring,notifications"


def purge_queues(queues: str = WORKER_QUEUES) -> None:
    """Empty the named broker queues, so jobs left by an earlier test do not run in this one."""
    from config.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in queues.split(","):
            channel.queue_purge(queue)


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """Start (and restart) real `celery worker` processes on the Redis broker, reading the test database.

    `start(env=None, queues=..., pool="solo", concurrency=1)` returns the running process once its
    log says "ready."; `env` adds to (or, with None values, removes from) the environment the
    worker inherits. Each worker leads its own process group, so a test can kill it together with
    its pool children: `os.killpg(process.pid, signal.SIGKILL)`. Every process started is stopped
    at teardown (terminate, then kill). `start.log(process)` is the text of its log, for failure
    messages.
    """
    import contextlib
    import itertools
    import signal
    import subprocess
    import sys
    import time

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a worker process cannot share an in-memory SQLite test database")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    database_url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}:{port}/{db['NAME']}"
    purge_queues()
    started: list[subprocess.Popen] = []
    logs: dict[int, object] = {}
    numbers = itertools.count(1)

    def log_of(process: subprocess.Popen) -> str:
        path = logs[process.pid]
        return path.read_text(errors="replace") if path.exists() else ""

    def start(
        env: dict | None = None, queues: str = WORKER_QUEUES, pool: str = "solo", concurrency: int = 1
    ) -> subprocess.Popen:
        number = next(numbers)
        environment = {**os.environ, "DATABASE_URL": database_url}
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        log = tmp_path / f"worker-{number}.log"
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queues,
                "--loglevel=INFO",
                f"--logfile={log}",
                f"--hostname=test-{os.getpid()}-{number}@%h",
            ],
            env=environment,
            cwd=settings.BASE_DIR,
            start_new_session=True,
        )
        started.append(process)
        logs[process.pid] = log
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "ready." in log_of(process):
                return process
            if process.poll() is not None:
                pytest.fail(f"celery worker exited with {process.returncode}:\n{log_of(process)[-4000:]}")
            time.sleep(0.2)
        pytest.fail(f"celery worker did not become ready within 30 s:\n{log_of(process)[-4000:]}")

    start.log = log_of
    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        # Pool children left behind by a worker killed alone go with their process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def celery_worker_process(celery_worker):
    """A real `celery worker` process on the Redis broker, reading the test database.

    Tests using it need `transactional_db` (the worker only sees committed rows) and the
    `worker` marker.
    """
    return celery_worker()
