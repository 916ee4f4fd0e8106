"""Long operations started through the API run as jobs: the request creates a `Job` row and
answers 202 with its address; a worker runs it after commit and records the outcome; the caller
polls `GET /api/v1/jobs/<id>/`.

A runner is registered per kind (`@job_runner(Job.Kind.COMPUTE)`), takes the job's params and the
user who started it, and returns a JSON-able result; a `DomainError` it raises is recorded as the
job's failure with its message (and its code, plus the details of a `JobRefused`, as the result).
Running a job twice runs it once: only a queued job is started.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from api.models import Job
from core.errors import DomainError

Runner = Callable[..., dict]
RUNNERS: dict[str, Runner] = {}


class JobRefused(DomainError):
    """A runner's refusal that keeps the details of why (e.g. the applications that cannot be served)."""

    def __init__(self, message: str, *, code: str | None = None, result: dict | None = None) -> None:
        super().__init__(message, code=code)
        self.result = result or {}


def job_runner(kind: str) -> Callable[[Runner], Runner]:
    def register(runner: Runner) -> Runner:
        RUNNERS[kind] = runner
        return runner

    return register


def job_start(*, kind: str, params: dict[str, Any], by: Any) -> Job:
    """Create the job and queue it once the caller's transaction commits."""
    from api.tasks import run_job

    job = Job.objects.create(kind=kind, params=params, created_by=by if getattr(by, "pk", None) else None)
    transaction.on_commit(lambda: run_job.delay(job.pk))
    return job


def job_run(*, job_id: int) -> Job:
    """Run a queued job and record its result or failure. A job not queued is left as it is."""
    with transaction.atomic():
        # `of=self`: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to created_by.
        job = Job.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        result = RUNNERS[job.kind](params=job.params, by=job.created_by or "system")
    except DomainError as refused:
        details = getattr(refused, "result", None) or {}
        job.status, job.error, job.result = Job.Status.FAILED, refused.message, {**details, "code": refused.code}
    except Exception as error:
        job.status, job.error = Job.Status.FAILED, f"{type(error).__name__}: {error}"
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    else:
        job.status, job.result = Job.Status.SUCCEEDED, result
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "result", "finished_at"])
    return job
