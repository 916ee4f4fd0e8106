"""Runners for round jobs: assignment and computing results. They call the services the Celery jobs of
`matching.tasks` call (the services record a refusal in the round's audit trail); here a refusal also
fails the job, with its message."""

from __future__ import annotations

from typing import Any

from api.jobs import JobRefused, job_runner
from api.models import Job
from core.errors import DomainError
from matching.services.assignment import (
    AssignmentImpossible,
    AssignmentReport,
    assignments_run,
)
from matching.services.scoring import results_compute_run


@job_runner(Job.Kind.ASSIGN)
def run_assign(*, params: dict[str, Any], by: Any) -> dict[str, Any]:
    round_id = params["round_id"]
    result = assignments_run(round_id=round_id, user_id=getattr(by, "pk", None), seed=params.get("seed", 0))
    if result["ok"]:
        return result
    if "detail" in result:  # refused by the round's state
        raise JobRefused(result["detail"], code=result["code"], result=result)
    report = AssignmentReport(round_id=round_id, problems=result["problems"])
    raise JobRefused(AssignmentImpossible(report).message, code=AssignmentImpossible.code, result=result)


@job_runner(Job.Kind.COMPUTE)
def run_compute(*, params: dict[str, Any], by: Any) -> dict[str, Any]:
    result = results_compute_run(
        round_id=params["round_id"], user_id=getattr(by, "pk", None), allow_missing=params.get("allow_missing", False)
    )
    if not result["ok"]:  # the service has put the refusal in the round's trail
        raise DomainError(result["detail"], code=result["code"])
    return result
