"""One path for work staff and integrations start and then watch.

The service that starts the work creates a `Job` row (`job_start`) and the worker runs it after the
commit (`jobs.tasks.run_job` → `job_run`). A runner is registered once per kind
(`@job_runner(Job.Kind.COMPUTE, summary=…, links=…)`); it takes the job and its params, loads rows by
id, calls one service, reports progress through `progress_reporter(job)` and returns a JSON-able
result. A `DomainError` it raises is the job's failure, with its message (and its code, plus the
details of a `JobRefused`, as the result). Running a job twice runs it once: only a queued job starts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from jobs.models import Job

Runner = Callable[..., dict]
Summary = Callable[[Job], str]
Links = Callable[[Job], list[tuple[str, str]]]  # (label, url) shown on the job's page when it ended
# `progress(done, total)`: how far a job has come; services that jobs run take one (`progress_reporter`).
Progress = Callable[[int, int | None], None]

# Progress is written at most this often (seconds); the last step is always written.
PROGRESS_INTERVAL = 0.5


@dataclass(frozen=True)
class JobKind:
    runner: Runner
    summary: Summary | None = None
    links: Links | None = None


KINDS: dict[str, JobKind] = {}


class JobRefused(DomainError):
    """A runner's refusal that keeps the details of why (e.g. the applications that cannot be served)."""

    def __init__(self, message: str, *, code: str | None = None, result: dict | None = None) -> None:
        super().__init__(message, code=code)
        self.result = result or {}


def job_runner(kind: str, *, summary: Summary | None = None, links: Links | None = None) -> Callable[[Runner], Runner]:
    """Register the runner of a kind, with what its page says and links to once it has ended."""

    def register(runner: Runner) -> Runner:
        KINDS[kind] = JobKind(runner=runner, summary=summary, links=links)
        return runner

    return register


def job_start(*, kind: str, params: dict[str, Any], by: Any, program: Any = None) -> Job:
    """Create the job and queue it once the caller's transaction commits."""
    from jobs.tasks import run_job

    job = Job.objects.create(
        kind=kind,
        params=params,
        program=program,
        created_by=by if getattr(by, "pk", None) else None,
    )
    run_job.delay_on_commit(job.pk)
    return job


def progress_reporter(job: Job) -> Callable[[int, int | None], None]:
    """A callable `report(done, total)` that records the job's progress, at most every PROGRESS_INTERVAL.
    Written outside the runner's transaction only if the runner reports between its transactions."""
    last = [0.0]

    def report(done: int, total: int | None = None) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_INTERVAL and (total is None or done < total):
            return
        last[0] = now
        Job.objects.filter(pk=job.pk).update(progress_done=done, progress_total=total)
        job.progress_done, job.progress_total = done, total

    return report


def no_progress(done: int, total: int | None = None) -> None:
    """The progress of work nobody watches (a service called outside a job)."""


def job_run(*, job_id: int) -> Job:
    """Run a queued job and record its result or failure. A job not queued is left as it is."""
    with transaction.atomic():
        # `of=self`: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to created_by.
        job = Job.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    fields = ["status", "error", "result", "finished_at", "progress_done", "progress_total"]
    try:
        result = KINDS[job.kind].runner(job, **job.params)
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
        if job.progress_total:
            job.progress_done = job.progress_total
    job.finished_at = timezone.now()
    job.save(update_fields=fields)
    return job


def job_summary(job: Job) -> str:
    """What the job's page says it did: its kind's own sentence once it succeeded, else nothing (a
    failure is told by the page from the job's error)."""
    spec = KINDS.get(job.kind)
    if job.status != Job.Status.SUCCEEDED or spec is None or spec.summary is None:
        return ""
    return spec.summary(job)


def job_links(job: Job) -> list[tuple[str, str]]:
    spec = KINDS.get(job.kind)
    if not job.is_finished or spec is None or spec.links is None:
        return []
    return spec.links(job)
