from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from config.celery import app
from core.tasks import health_check


class Command(BaseCommand):
    help = "Check the database, the broker and a worker: run after a deployment."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait for a worker.")

    def handle(self, *args, timeout: float, **options):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        self.stdout.write(f"database: ok ({connection.vendor})")
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stdout.write("broker: none (REDIS_URL unset): tasks run in-process")
            return
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
        self.stdout.write("broker: ok")
        try:
            result = health_check.apply_async(queue="default").get(timeout=timeout)
        except CeleryTimeout as exc:
            raise CommandError(f"no worker answered within {timeout:g} s: start one with `make worker`") from exc
        self.stdout.write(f"worker: ok ({result})")
