"""The Celery app of bench/notifications.py's worker: the project's app, plus a count of the SQL
statements each worker process sends to the database.

A Django execute wrapper, installed in every pool process when it starts, counts each statement
the delivery code runs (an `executemany` counts once; BEGIN and COMMIT are not statements Django
executes and are not counted). After every job the process writes its running total to
`$BENCH_QUERY_COUNT_DIR/<pid>`; the bench adds the files up once the worker has stopped. Started
as `celery -A bench.notifications_worker worker …` from the project's folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, worker_process_init

from config.celery import app

__all__ = ["app"]

_statements = 0


def _count(execute: Any, sql: str, params: Any, many: bool, context: dict) -> Any:
    global _statements
    _statements += 1
    return execute(sql, params, many, context)


@worker_process_init.connect
def _install_counter(**_kwargs: Any) -> None:
    from django.db import connections

    connections["default"].execute_wrappers.append(_count)


@task_postrun.connect
def _write_count(**_kwargs: Any) -> None:
    folder = os.environ.get("BENCH_QUERY_COUNT_DIR")
    if folder:
        Path(folder, str(os.getpid())).write_text(str(_statements))
