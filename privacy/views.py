"""A person's own data (start the export, download it) and the statements people agree to."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.models import Job
from privacy.models import PrivacyStatement
from privacy.services import (
    export_days,
    export_downloadable,
    export_expires_at,
    personal_data_export_start,
    personal_data_exports_of,
)


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        personal_data_export_start(user=request.user)
        messages.success(request, _("We are gathering your data. This page shows when it is ready."))
        return redirect("privacy:my_data")
    now = timezone.now()
    exports = [
        {"job": job, "downloadable": export_downloadable(job, now=now), "expires_at": export_expires_at(job)}
        for job in personal_data_exports_of(user=request.user)
    ]
    return render(request, "privacy/my_data.html", {"exports": exports, "export_days": export_days()})


@login_required
def my_data_download(request: HttpRequest, job_id: int) -> FileResponse:
    # Only the person who asked: anyone else's job is not found.
    job = get_object_or_404(Job, pk=job_id, kind=Job.Kind.PERSONAL_DATA_EXPORT, created_by=request.user)
    if not export_downloadable(job):
        raise Http404
    return FileResponse(
        default_storage.open(job.result["path"], "rb"), as_attachment=True, filename="matchday-my-data.zip"
    )


def statement(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_object_or_404(PrivacyStatement.objects.select_related("program"), pk=pk, published_at__isnull=False)
    return render(request, "privacy/statement.html", {"statement": statement})
