"""The runner of the bulk message job (`message.send`), registered when the app is ready."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext, ngettext

from jobs.models import Job
from jobs.services import job_runner, progress_reporter
from notifications.messages import message_deliver


def _summary(job: Job) -> str:
    recipients = int((job.result or {}).get("recipients") or 0)
    skipped = int((job.result or {}).get("skipped") or 0)
    text = ngettext("Message queued for %(count)s person.", "Message queued for %(count)s people.", recipients) % {
        "count": f"{recipients:,}"
    }
    if skipped:
        text += " " + ngettext(
            "%(count)s person without an e-mail address was skipped.",
            "%(count)s people without an e-mail address were skipped.",
            skipped,
        ) % {"count": f"{skipped:,}"}
    return text


def _links(job: Job) -> list[tuple[str, str]]:
    message_id = (job.params or {}).get("message_id")
    if not message_id:
        return []
    outbox = reverse("admin:notifications_notification_changelist")
    return [
        (gettext("The message"), reverse("admin:notifications_message_change", args=[message_id])),
        (gettext("Its deliveries in the outbox"), f"{outbox}?event=program.message&object_id={message_id}"),
    ]


@job_runner(Job.Kind.MESSAGE, summary=_summary, links=_links)
def run_message_send(job: Job, *, message_id: int) -> dict:
    return message_deliver(message_id=message_id, progress=progress_reporter(job))
