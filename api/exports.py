"""Large exports built in the background: `export_start` queues the job, the runner writes the file to
private storage (`exports/<job id>/<name>`) and records its name and row count; the API serves it from
there (`export_file_path`). The rows come from the same builders as the admin's export actions."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import DomainError
from jobs.models import Job
from jobs.services import job_runner, job_start
from matching.exports import EXPORT_KINDS, ExportKind, csv_chunks, export_filename, xlsx_write
from matching.models import EvaluationRound, Program

FORMATS = ("csv", "xlsx")


class ExportTooLarge(DomainError):
    code = "export_too_large"


def export_check_download_size(*, queryset) -> None:
    """An export is downloaded at once up to EXPORT_SYNC_MAX_ROWS rows; a larger one is built as a job."""
    limit = settings.EXPORT_SYNC_MAX_ROWS
    if queryset.count() > limit:
        raise ExportTooLarge(
            _("This export has more than %(limit)s rows; start it as a job (POST /api/v1/exports/).") % {"limit": limit}
        )


def export_file_path(*, job: Job) -> str | None:
    """Where a finished export job left its file (None while there is none)."""
    name = (job.result or {}).get("file")
    return f"exports/{job.pk}/{name}" if job.status == Job.Status.SUCCEEDED and name else None


@transaction.atomic
def export_start(
    *,
    kind: ExportKind,
    file_format: str,
    target: Program | EvaluationRound,
    by: Any,
    ids: list[int] | None = None,
) -> Job:
    """Queue an export job; its runner files the output under the job's id. `ids` limits the rows to
    those selected in the admin."""
    params = {
        "kind": kind.name,
        "format": file_format,
        kind.param: target.pk,
        "language": translation.get_language(),
    }
    if ids is not None:
        params["ids"] = ids
    program = target if isinstance(target, Program) else target.program
    return job_start(kind=Job.Kind.EXPORT, params=params, by=by, program=program)


class _Counted:
    """The rows, counted as the writer consumes them."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Any]:
        for row in self.rows:
            self.count += 1
            yield row


def export_summary(job: Job) -> str:
    rows = job.result.get("rows", 0)
    if job.result.get("expired"):
        return _("This export's file has been deleted after %(days)s days; start it again.") % {
            "days": settings.EXPORT_KEEP_DAYS
        }
    return ngettext("Export ready: %(count)s row.", "Export ready: %(count)s rows.", rows) % {"count": f"{rows:,}"}


def export_links(job: Job) -> list[tuple[str, str]]:
    if export_file_path(job=job) is None:
        return []
    url = reverse("admin:jobs_job_download", args=[job.pk])
    return [(_("Download %(file)s") % {"file": job.result["file"]}, url)]


@job_runner(Job.Kind.EXPORT, summary=export_summary, links=export_links)
def export_run(job: Job, **params: Any) -> dict:
    kind = EXPORT_KINDS.get(params.get("kind", ""))
    if kind is None or params.get("format") not in FORMATS:
        raise DomainError(_("The export's parameters are not valid."), code="export_invalid")
    queryset = kind.target.objects.all()
    if kind.target is EvaluationRound:
        queryset = queryset.select_related("program")
    target = queryset.filter(pk=params.get(kind.param)).first()
    if target is None:
        raise DomainError(_("The program or round of this export no longer exists."), code="export_target_missing")
    with translation.override(params.get("language") or None):
        rows_of = kind.queryset(target)
        if params.get("ids") is not None:
            rows_of = rows_of.filter(pk__in=params["ids"])
        header, rows = kind.table(rows_of)
        counted = _Counted(rows)
        name = export_filename(kind, target, params["format"])
        with tempfile.TemporaryFile() as file:
            if params["format"] == "csv":
                for chunk in csv_chunks(header, counted):
                    file.write(chunk)
            else:
                xlsx_write(file, header, counted, title=kind.title())
            file.seek(0)
            saved = default_storage.save(f"exports/{job.pk}/{name}", File(file, name=name))
    return {"file": PurePosixPath(saved).name, "rows": counted.count}


def exports_purge(*, older_than: dt.timedelta) -> int:
    """Delete the files of export jobs that finished more than `older_than` ago; their jobs stay, marked
    expired (a download then says so). Returns how many files were deleted."""
    cutoff = timezone.now() - older_than
    purged = 0
    for job in Job.objects.filter(kind=Job.Kind.EXPORT, status=Job.Status.SUCCEEDED, finished_at__lt=cutoff):
        path = export_file_path(job=job)
        if path is None:
            continue
        default_storage.delete(path)
        job.result = {**job.result, "file": None, "expired": True}
        job.save(update_fields=["result"])
        purged += 1
    return purged
