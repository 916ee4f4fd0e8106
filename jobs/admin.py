"""Staff's view of background jobs: the list (kind, program, state, progress, who started it, when) and
each job's own page, where the admin's actions land: its progress while it runs (the page reloads
itself every two seconds, no JavaScript), then what it did in a sentence with links to the results, or
why it failed. Staff see every job (they run a program together); the file an export job built is
downloaded through here too."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyModelAdmin
from core.i18n import format_datetime
from jobs.models import Job
from jobs.services import job_links, job_summary


def progress_text(job: Job) -> str:
    """The progress as "1,234 / 10,000", or only what is done while the total is not known yet."""
    if job.progress_total:
        return f"{job.progress_done:,} / {job.progress_total:,}"
    return f"{job.progress_done:,}" if job.progress_done else ""


def failure_text(job: Job) -> str:
    """Why the job failed, in words: a refusal's own message; for an unexpected error, a sentence
    (its technical detail is shown apart)."""
    if "code" in (job.result or {}):
        return job.error
    return gettext("The job stopped on an unexpected error. Try again; if it fails again, tell the administrator.")


@admin.register(Job)
class JobAdmin(ReadOnlyModelAdmin):
    """Work staff and integrations started in the background, and how it ended."""

    list_display = ("kind_label", "program", "status", "progress", "started_by", "created_at", "finished_at")
    list_display_links = ("kind_label",)
    list_filter = ("kind", "status", "program")
    search_fields = ("error", "created_by__email")
    list_select_related = ("created_by", "program")
    date_hierarchy = "created_at"
    page_template = "admin/jobs/job/job_page.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "program")

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, job: Job) -> str:
        return job.get_kind_display().capitalize()

    @admin.display(description=_("started by"), ordering="created_by__name")
    def started_by(self, job: Job) -> str:
        # The name alone keeps the list narrow; the job's page shows the address too.
        if job.created_by is None:
            return gettext("the system")
        return job.created_by.name or job.created_by.email

    @admin.display(description=_("progress"))
    def progress(self, job: Job) -> str:
        text = progress_text(job)
        if job.percent is not None and not job.is_finished:
            text = f"{text} ({job.percent}%)"
        return text or "—"

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name=f"{opts.app_label}_{opts.model_name}_download",
            ),
            *super().get_urls(),
        ]

    def _job_or_404(self, request: HttpRequest, object_id: str) -> Job:
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's page, in place of a form: a job is not edited, it is watched."""
        job = self._job_or_404(request, object_id)
        failed = job.status == Job.Status.FAILED
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": job.get_kind_display().capitalize(),
            "subtitle": None,
            "job": job,
            "watching": not job.is_finished,
            "progress_text": progress_text(job),
            "summary": job_summary(job),
            "failure": failure_text(job) if failed else "",
            "detail": job.error if failed and "code" not in (job.result or {}) else "",
            "links": job_links(job),
            "created": format_datetime(job.created_at),
            "started": format_datetime(job.started_at) if job.started_at else "",
            "finished": format_datetime(job.finished_at) if job.finished_at else "",
            "changelist_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        }
        return TemplateResponse(request, self.page_template, {**context, **(extra_context or {})})

    def download_view(self, request, object_id: str):
        """The file an export job built (staff only, as the job's page)."""
        from api.exports import export_file_path

        job = self._job_or_404(request, object_id)
        file_path = export_file_path(job=job) if job.kind == Job.Kind.EXPORT else None
        if file_path is None or not default_storage.exists(file_path):
            raise Http404
        return FileResponse(default_storage.open(file_path, "rb"), as_attachment=True, filename=job.result["file"])
