from celery import shared_task


@shared_task
def start_retention_purge() -> int:
    """Nightly: queue the job that destroys the personal data of programs past their retention period."""
    from privacy.services import retention_purge_start

    return retention_purge_start(by=None).pk
