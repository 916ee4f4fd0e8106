"""The beat schedule names jobs that exist: a typo would silently stop reminders and the sweep."""

import pytest
from django.conf import settings

from config.celery import app


@pytest.mark.parametrize("entry", sorted(settings.CELERY_BEAT_SCHEDULE))
def test_every_scheduled_job_is_a_registered_task(entry):
    app.loader.import_default_modules()  # what a worker does at start: load every app's tasks

    assert settings.CELERY_BEAT_SCHEDULE[entry]["task"] in app.tasks


def test_the_reminders_the_sweep_and_the_purge_are_scheduled():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {
        "notifications.tasks.sweep_notifications",
        "notifications.tasks.remind_draft_deadlines",
        "notifications.tasks.remind_reviews",
        "api.tasks.purge_expired",
    } <= tasks
