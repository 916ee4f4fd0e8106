"""Celery jobs of the evaluation engine. Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching.models import EvaluationRound


# A refused computation (DomainError) is final; only a database hiccup is retried.
@shared_task(bind=True, acks_late=True, max_retries=3, autoretry_for=(OperationalError,), retry_backoff=True)
def compute_round_results(self, round_id: int, user_id: int | None, allow_missing: bool = False) -> dict:
    """Compute a round's results. Re-running replaces them with identical rows for the same inputs."""
    from matching.services.scoring import results_compute

    evaluation_round = EvaluationRound.objects.get(pk=round_id)
    by = User.objects.filter(pk=user_id).first() if user_id is not None else "system"
    try:
        report = results_compute(round=evaluation_round, by=by, allow_missing=allow_missing)
    except DomainError as refused:  # nobody waits for a job: staff read the refusal in the round's trail
        audit_record(actor=by, obj=evaluation_round, verb="results_compute_refused", reason=refused.message)
        return {"ok": False, "code": refused.code, "detail": refused.message}
    return {
        "ok": True,
        "round_id": report.round_id,
        "applications": report.applications,
        "advanced": report.advanced,
        "failed": report.failed,
        "fingerprint": report.fingerprint,
    }


# Safe to run twice: the service only fills missing slots, under a lock on the round. A refusal
# (some application cannot be served) is final and recorded in the round's audit trail.
@shared_task(bind=True, acks_late=True, max_retries=3, autoretry_for=(OperationalError,), retry_backoff=True)
def assign_evaluators(self, round_id: int, user_id: int | None, seed: int = 0) -> dict:
    """Give every application of the round its k evaluators (see `assignments_create`)."""
    from matching.services.assignment import assignments_run

    return assignments_run(round_id=round_id, user_id=user_id, seed=seed)
