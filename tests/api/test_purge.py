"""The nightly purge: export files and Idempotency-Key answers are kept for a while, then deleted."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from api.exports import export_file_path
from api.models import IdempotencyRecord
from api.tasks import purge_expired
from jobs.models import Job
from tests import factories
from tests.api.test_exports import applications, start_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return factories.ProgramFactory(slug="gecp-2026-purge")


def finished_export(staff_api, program, capture, *, days_ago: int) -> Job:
    applications(program, 1)
    job = Job.objects.get(pk=start_export(staff_api, program, capture).json()["id"])
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(days=days_ago))
    job.refresh_from_db()
    return job


def test_an_export_file_older_than_the_keep_time_is_deleted_and_its_download_says_so(
    staff_api, program, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_KEEP_DAYS = 7
    job = finished_export(staff_api, program, django_capture_on_commit_callbacks, days_ago=8)
    path = export_file_path(job=job)
    assert default_storage.exists(path)

    assert purge_expired.delay().get()["export_files"] == 1

    assert not default_storage.exists(path)
    response = staff_api.get(f"/api/v1/exports/{job.pk}/download/")
    assert (response.status_code, response.json()["code"]) == (404, "export_expired")


def test_a_recent_export_file_is_kept(staff_api, program, settings, django_capture_on_commit_callbacks):
    settings.EXPORT_KEEP_DAYS = 7
    job = finished_export(staff_api, program, django_capture_on_commit_callbacks, days_ago=6)

    assert purge_expired.delay().get()["export_files"] == 0

    assert staff_api.get(f"/api/v1/exports/{job.pk}/download/").status_code == 200


def test_idempotency_answers_older_than_the_keep_time_are_forgotten(settings):
    settings.IDEMPOTENCY_KEEP_HOURS = 24
    old, recent = (
        IdempotencyRecord.objects.create(caller="user:1", key=key, method="POST", path="/x/", request_hash="0")
        for key in ("old", "recent")
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(hours=25))

    assert purge_expired.delay().get()["idempotency_records"] == 1

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
