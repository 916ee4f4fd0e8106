from celery import shared_task
from django.db import connection

from matching.models import Program


@shared_task(name="core.health_check", soft_time_limit=10, time_limit=20)
def health_check() -> dict:
    """Answered by a worker to prove it is alive, reads the queue, and reaches the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"database": "ok", "programs": Program.objects.count()}
