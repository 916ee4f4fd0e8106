"""Periodic work of the matching app (registered in CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True)
def lapse_acceptances() -> int:
    """Release the seats whose offer passed its deadline unanswered (safe to run twice)."""
    from matching.services.acceptance import acceptances_lapse

    return acceptances_lapse(now=timezone.now())
