from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Job(models.Model):
    """Work staff or an integration start and then watch: computing results, assigning evaluators,
    matching, scheduling, a bulk message, a large export. A worker runs it after commit and records its
    progress and outcome (see `jobs.services`)."""

    class Kind(models.TextChoices):
        ASSIGN = "round.assign", _("assign evaluators")
        COMPUTE = "round.compute", _("compute results")
        EXPORT = "export", _("export")
        MATCHING = "matching.run", _("run matching")
        SCHEDULING = "meetings.schedule", _("schedule meetings")
        MESSAGE = "message.send", _("send a message")
        PERSONAL_DATA_EXPORT = "privacy.export", _("export personal data")
        RETENTION_PURGE = "privacy.purge", _("destroy expired personal data")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", pgettext_lazy("job", "failed")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, encoder=DjangoJSONEncoder)
    result = models.JSONField(_("result"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)
    # The program the job works on, for its page's links and the program's dashboard.
    program = models.ForeignKey(
        "matching.Program",
        verbose_name=_("program"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)  # unknown until counted
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        db_table = "api_job"  # the table of the API's jobs, which became everyone's
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "-created_at"], name="job_program_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, None while the total is unknown."""
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
