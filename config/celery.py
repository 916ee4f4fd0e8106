"""The Celery app. Tasks run in-process when no broker is configured (REDIS_URL unset)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("matchday")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
