"""Runners for round jobs: assignment and computing results. They call the services the Celery jobs
of `matching.tasks` call (which the admin's actions queue), and record a refusal in the round's audit
trail as those do; here the refusal also fails the job, with its message."""

from __future__ import annotations

from typing import Any

from api.jobs import JobRefused, job_runner
from api.models import Job
from audit.services import audit_record
from core.errors import DomainError
from matching.models import EvaluationRound
from matching.services.assignment import (
    AssignmentImpossible,
    AssignmentReport,
    assignments_run,
)
from matching.services.scoring import results_compute


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
    evaluation_round = EvaluationRound.objects.get(pk=params["round_id"])
    try:
        report = results_compute(round=evaluation_round, by=by, allow_missing=params.get("allow_missing", False))
    except DomainError as refused:  # as `matching.tasks.compute_round_results`: staff read it in the trail
        audit_record(actor=by, obj=evaluation_round, verb="results_compute_refused", reason=refused.message)
        raise
    return {
        "round_id": report.round_id,
        "applications": report.applications,
        "reviews": report.reviews,
        "advanced": report.advanced,
        "failed": report.failed,
        "missing_reviews": report.missing_reviews,
        "fingerprint": report.fingerprint,
    }
