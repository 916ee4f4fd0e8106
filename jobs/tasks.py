"""The one Celery task of background jobs: ids in, the registered runner out (see `jobs.services`)."""

from celery import shared_task


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Run one job; a job already started or ended is left as it is (safe to run twice)."""
    from jobs.services import job_run

    return job_run(job_id=job_id).status
