"""The runners of the evaluation and matching jobs, one per kind, registered when the app is ready.
Each loads by id and calls the service the admin and the API start the job through."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError
from jobs.models import Job
from jobs.services import JobRefused, job_runner
from matching.services.assignment import AssignmentImpossible, AssignmentReport, assignments_run
from matching.services.matching import matching_run
from matching.services.meetings import meetings_schedule
from matching.services.scoring import results_compute_run


@job_runner(Job.Kind.ASSIGN)
def run_assign(job: Job, *, round_id: int, seed: int = 0) -> dict[str, Any]:
    result = assignments_run(round_id=round_id, user_id=job.created_by_id, seed=seed)
    if result["ok"]:
        return result
    if "detail" in result:  # refused by the round's state
        raise JobRefused(result["detail"], code=result["code"], result=result)
    report = AssignmentReport(round_id=round_id, problems=result["problems"])
    raise JobRefused(AssignmentImpossible(report).message, code=AssignmentImpossible.code, result=result)


@job_runner(Job.Kind.COMPUTE)
def run_compute(job: Job, *, round_id: int, allow_missing: bool = False) -> dict[str, Any]:
    result = results_compute_run(round_id=round_id, user_id=job.created_by_id, allow_missing=allow_missing)
    if not result["ok"]:  # the service has put the refusal in the round's trail
        raise DomainError(result["detail"], code=result["code"])
    return result


@job_runner(Job.Kind.MATCHING)
def run_matching(job: Job, *, program_id: int) -> dict[str, Any]:
    """The job's result names the run it stored (or reused: the same inputs give the same run)."""
    run = matching_run(program_id=program_id, by=job.created_by or "system", job_id=job.pk)
    return {
        "run_id": run.pk,
        "fingerprint": run.fingerprint,
        "matched": len(run.assignment),
        "unmatched": len(run.unmatched),
        "blocking_pairs": len(run.blocking_pairs),
        "published": run.published_at is not None,
    }


@job_runner(Job.Kind.SCHEDULING)
def run_meetings_schedule(job: Job, *, event_id: int) -> dict[str, Any]:
    return meetings_schedule(event_id=event_id, by=job.created_by or "system")
