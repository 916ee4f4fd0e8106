"""The admin's exports: a small selection downloads at once; above EXPORT_SYNC_MAX_ROWS an export job
builds the file and staff land on its page, which links to the download (staff only)."""

import csv
import io

import pytest
from django.urls import reverse

from jobs.models import Job
from startups.models import Application
from tests import factories
from tests.admin.conftest import admin_url, messages_of, post_action

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.EXPORT_SYNC_MAX_ROWS = 2


def test_a_selection_within_the_limit_downloads_at_once(staff):
    applications = factories.ApplicationFactory.create_batch(2, submitted=True)

    response = post_action(staff, Application, "export_csv", applications)

    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    assert not Job.objects.exists()


def test_a_larger_selection_starts_an_export_job_and_lands_on_its_page_which_links_to_the_file(
    staff, django_capture_on_commit_callbacks
):
    program = factories.ProgramFactory()
    chosen = factories.ApplicationFactory.create_batch(3, program=program, submitted=True)
    factories.ApplicationFactory(program=program, submitted=True)  # not selected, not exported

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff, Application, "export_csv", chosen)
    job = Job.objects.get()
    page = staff.get(response["Location"]).content.decode()
    download = staff.get(reverse("admin:jobs_job_download", args=[job.pk]))

    assert response["Location"] == admin_url(Job, "change", job.pk)
    assert (job.kind, job.program, job.params["ids"]) == (Job.Kind.EXPORT, program, sorted(a.pk for a in chosen))
    assert "Export ready: 3 rows." in page
    assert reverse("admin:jobs_job_download", args=[job.pk]) in page
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 3


def test_a_large_selection_across_programs_is_refused_with_the_way_out(staff):
    applications = [factories.ApplicationFactory(submitted=True) for _ in range(3)]

    response = post_action(staff, Application, "export_csv", applications)

    assert not Job.objects.exists()
    assert [level for level, _text in messages_of(response)] == ["error"]


def test_only_staff_download_an_export_file(client, staff, django_capture_on_commit_callbacks):
    chosen = factories.ApplicationFactory.create_batch(3, program=factories.ProgramFactory(), submitted=True)
    with django_capture_on_commit_callbacks(execute=True):
        post_action(staff, Application, "export_csv", chosen)
    url = reverse("admin:jobs_job_download", args=[Job.objects.get().pk])
    client.force_login(factories.UserFactory())

    response = client.get(url)

    assert response.status_code == 302 and "/admin/login/" in response["Location"]
