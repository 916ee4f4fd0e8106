"""Celery jobs of the API: thin, ids in, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Run one API job (see `api.jobs`)."""
    from api import runners  # noqa: F401 — registers the runners
    from api.jobs import job_run

    return job_run(job_id=job_id).status
