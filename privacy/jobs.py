"""The runners of the personal-data jobs, registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

from jobs.models import Job
from jobs.services import job_runner, progress_reporter
from privacy.services import personal_data_export_build, retention_purge_run


def export_summary(job: Job) -> str:
    files = job.result.get("files", 0)
    return ngettext(
        "Your data is ready to download, with %(count)d file.",
        "Your data is ready to download, with %(count)d files.",
        files,
    ) % {"count": files}


def purge_summary(job: Job) -> str:
    programs = job.result.get("programs", [])
    users = sum(p.get("users", 0) for p in programs)
    files = sum(p.get("files", 0) for p in programs)
    return ngettext(
        "Personal data destroyed in %(programs)d program: %(users)d accounts anonymised, %(files)d files deleted.",
        "Personal data destroyed in %(programs)d programs: %(users)d accounts anonymised, %(files)d files deleted.",
        len(programs),
    ) % {"programs": len(programs), "users": users, "files": files}


@job_runner(Job.Kind.PERSONAL_DATA_EXPORT, summary=export_summary)
def run_personal_data_export(job: Job, *, user_id: int) -> dict[str, Any]:
    return personal_data_export_build(user_id=user_id, job_id=job.pk)


@job_runner(Job.Kind.RETENTION_PURGE, summary=purge_summary)
def run_retention_purge(job: Job) -> dict[str, Any]:
    return retention_purge_run(progress=progress_reporter(job))
