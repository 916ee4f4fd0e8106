"""Celery jobs of the API: thin, ids in, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def purge_expired() -> dict:
    """Daily: forget old Idempotency-Key answers and delete old export files (see the settings)."""
    import datetime as dt

    from django.conf import settings

    from api.exports import exports_purge
    from api.idempotency import idempotency_records_purge

    return {
        "idempotency_records": idempotency_records_purge(
            older_than=dt.timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
        ),
        "export_files": exports_purge(older_than=dt.timedelta(days=settings.EXPORT_KEEP_DAYS)),
    }
