"""Behaviour that only real PostgreSQL, Redis and a Celery worker can show. These run in CI."""

import threading

import pytest
from django.db import connection, connections

from audit.models import AuditEvent
from config.celery import app
from core.errors import TransitionNotAllowed
from core.tasks import health_check
from matching.models import Program
from matching.services.programs import program_close
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_closing_the_same_program_at_once_close_it_once():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    staff = factories.UserFactory(staff=True)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def close() -> None:
        try:
            barrier.wait()
            program_close(program=Program.objects.get(pk=program.pk), by=staff)
            outcomes.append("closed")
        except TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["closed", "refused"]
    assert AuditEvent.objects.filter(object_id=str(program.pk), to_state="closed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_is_postgresql_when_the_postgres_marker_runs():
    assert connection.vendor == "postgresql"


@pytest.mark.redis
def test_the_broker_accepts_connections():
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport_cls in ("redis", "rediss") or "redis" in conn.as_uri()


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_runs_a_task_against_the_test_database(celery_worker_process):
    factories.ProgramFactory()

    result = health_check.apply_async(queue="default").get(timeout=30)

    assert result == {"database": "ok", "programs": 1}
