import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("matchday")


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Matchday"

    def ready(self) -> None:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("REDIS_URL is not set: background tasks run in-process (eager), no worker needed.")
