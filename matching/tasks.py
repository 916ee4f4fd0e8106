"""Celery jobs of the evaluation engine. Thin: ids in, one service call, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError


# A refused computation (recorded in the round's audit trail) is final; only a database hiccup is retried.
@shared_task(bind=True, acks_late=True, max_retries=3, autoretry_for=(OperationalError,), retry_backoff=True)
def compute_round_results(self, round_id: int, user_id: int | None, allow_missing: bool = False) -> dict:
    """Compute a round's results. Re-running replaces them with identical rows for the same inputs."""
    from matching.services.scoring import results_compute_run

    return results_compute_run(round_id=round_id, user_id=user_id, allow_missing=allow_missing)


# Safe to run twice: the service only fills missing slots, under a lock on the round. A refusal
# (some application cannot be served) is final and recorded in the round's audit trail.
@shared_task(bind=True, acks_late=True, max_retries=3, autoretry_for=(OperationalError,), retry_backoff=True)
def assign_evaluators(self, round_id: int, user_id: int | None, seed: int = 0) -> dict:
    """Give every application of the round its k evaluators (see `assignments_create`)."""
    from matching.services.assignment import assignments_run

    return assignments_run(round_id=round_id, user_id=user_id, seed=seed)
