"""Messages staff write to a group: a segment of a program's applications (`notifications.segments`),
reaching the active members of their startups, one message per person, through the outbox.

Rendering keeps the outbox's one path: a message's outbox row is event `program.message`, whose
shipped wording (`default_messages/program.message.*.txt`, editable like every event's) wraps the
staff's text — `{{ message_subject }}`, `{{ message_body }}`. The row's context holds the message's id
and the recipient's placeholder values, computed when the row is made; the event's values builder
renders the staff's text on them in the recipient's language (English when the message has it).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from django.db import transaction
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.errors import DomainError, InvalidInput
from core.i18n import localized
from jobs.models import Job
from jobs.services import job_start
from notifications.events import APPLICATION, COMMON, EVENTS, EventSpec, Obsolete, _sample_application, absolute_url
from notifications.models import Message, Notification
from notifications.rendering import RenderedMessage, placeholders_used, render_message
from notifications.segments import applications_in_segment

E = Notification.Event

# What staff may write in a message: the recipient and the application the message is about.
PLACEHOLDERS = {
    **COMMON,
    **APPLICATION,
    "track": _("The application's track (empty when the program has none)."),
}
# What the event's wording (the frame around the staff's text) may use besides.
FRAME_PLACEHOLDERS = {
    **PLACEHOLDERS,
    "message_subject": _("The subject staff wrote, rendered for the recipient."),
    "message_body": _("The text staff wrote, rendered for the recipient."),
    "notifications_url": _("Link to the recipient's notifications page."),
}
SEGMENT_KEYS = ("track", "status", "round", "round_outcome", "selection", "partner")
BATCH_SIZE = 1000


class MessageRefused(DomainError):
    code = "message_refused"


class MessageInvalid(InvalidInput):
    code = "message_invalid"


# --- wording ----------------------------------------------------------------------------------------


def message_text_problems(source: str) -> list[str]:
    """What keeps `source` from being a message's subject or body: syntax, or a placeholder the
    recipient does not have."""
    try:
        used = placeholders_used(source)
    except TemplateSyntaxError as error:
        return [gettext("The text cannot be read: %(error)s") % {"error": error}]
    unknown = sorted(used - set(PLACEHOLDERS))
    if unknown:
        return [
            gettext("Unknown placeholder(s): %(names)s. A message can use: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "allowed": ", ".join(f"{{{{ {name} }}}}" for name in sorted(PLACEHOLDERS)),
            }
        ]
    return []


def message_problems(*, subject_ko: str, body_ko: str, subject_en: str = "", body_en: str = "") -> dict[str, list]:
    """Per field, what keeps the message from being saved or sent."""
    problems = {
        field: message_text_problems(text)
        for field, text in (("subject_ko", subject_ko), ("body_ko", body_ko), ("subject_en", subject_en))
    }
    problems["body_en"] = message_text_problems(body_en)
    for field, text in (("subject_ko", subject_ko), ("subject_en", subject_en)):
        if "\n" in text.strip():
            problems[field].append(gettext("The subject must be a single line."))
    if bool(subject_en.strip()) != bool(body_en.strip()):
        field = "body_en" if subject_en.strip() else "subject_en"
        problems[field].append(gettext("Write both the English subject and body, or neither."))
    return {field: texts for field, texts in problems.items() if texts}


def _texts(message: Message, language: str) -> tuple[str, str]:
    if language == "en" and message.subject_en.strip():
        return message.subject_en, message.body_en
    return message.subject_ko, message.body_ko


@functools.lru_cache(maxsize=64)
def _stored_message(message_id: int, version: str) -> Message | None:
    # A message's text is fixed once it is sent (`version` is its sending time): read it once per
    # process, not once per recipient.
    return Message.objects.filter(pk=message_id).only("subject_ko", "body_ko", "subject_en", "body_en").first()


def message_values(notification: Notification) -> dict[str, Any]:
    """The outbox's values for a `program.message` row: the recipient's placeholders stored with it,
    and the staff's text rendered on them in the row's language."""
    context = notification.context
    message = _stored_message(int(context["message_id"]), str(context.get("version", "")))
    if message is None:
        raise Obsolete(gettext("The message no longer exists."))
    values = dict(context.get("values") or {})
    subject, body = _texts(message, notification.language)
    rendered = render_message(subject=subject, body=body, values=values)
    return {
        **values,
        "message_subject": rendered.subject,
        "message_body": rendered.text.strip(),
        "notifications_url": absolute_url(reverse("notifications:list")),
    }


def _sample() -> dict[str, Any]:
    return {
        **_sample_application(),
        "track": gettext("Artificial intelligence"),
        "message_subject": gettext("Presentation order for the interview round"),
        "message_body": gettext("Please find the presentation order attached below."),
        "notifications_url": absolute_url("/notifications/"),
    }


EVENTS[E.MESSAGE] = EventSpec(placeholders=FRAME_PLACEHOLDERS, values=message_values, sample=_sample)


# --- segment and recipients ---------------------------------------------------------------------------


def segment_applications(*, message: Message):
    segment = message.segment or {}
    return applications_in_segment(program=message.program_id, **{key: segment.get(key) for key in SEGMENT_KEYS})


def _members(*, message: Message):
    from startups.models import StartupMember

    startups = segment_applications(message=message).values("startup_id")
    return StartupMember.objects.active().filter(startup_id__in=startups)


@dataclasses.dataclass(frozen=True)
class RecipientCount:
    applications: int
    people: int  # who will receive it
    skipped: int  # members without an e-mail address


def message_recipient_count(*, message: Message) -> RecipientCount:
    """How many applications the segment holds and how many people the message reaches: active
    members of their startups, each once; members without an e-mail address are skipped."""
    members = _members(message=message)
    people = members.exclude(user__email="").values("user_id").distinct().count()
    skipped = members.filter(user__email="").values("user_id").distinct().count()
    return RecipientCount(applications=segment_applications(message=message).count(), people=people, skipped=skipped)


def message_recipients(*, message: Message) -> list[tuple[Any, Any]]:
    """(person, application) for each person the message reaches, in the list's order: a person in
    two startups of the segment is written to once, about the first application. Two queries, reading
    only what the placeholders need (each application's `program` is the message's)."""
    applications = list(
        segment_applications(message=message).select_related("startup", "track").only(*APPLICATION_FIELDS)
    )
    by_startup: dict[int, tuple[int, Any]] = {}
    for position, application in enumerate(applications):
        application.program = message.program
        by_startup.setdefault(application.startup_id, (position, application))
    chosen: dict[int, tuple[int, Any, Any]] = {}
    members = _members(message=message).exclude(user__email="").select_related("user").only(*MEMBER_FIELDS)
    for membership in members:
        position, application = by_startup[membership.startup_id]
        if membership.user_id not in chosen or position < chosen[membership.user_id][0]:
            chosen[membership.user_id] = (position, membership.user, application)
    ordered = sorted(chosen.values(), key=lambda item: (item[0], item[1].pk))
    return [(user, application) for _position, user, application in ordered]


APPLICATION_FIELDS = (
    "id",
    "program",
    "startup",
    "track",
    "receipt_number",
    "startup__name_ko",
    "startup__name_en",
    "track__name_ko",
    "track__name_en",
)
MEMBER_FIELDS = ("startup", "user", "user__email", "user__name", "user__preferred_language")


def recipient_values(*, user: Any, application: Any, language: str) -> dict[str, Any]:
    """The placeholders of one recipient, in their language."""
    with translation.override(language):
        return _values(user, application)


def _values(user: Any, application: Any) -> dict[str, Any]:
    # In the active language (the caller's override).
    program = application.program
    return {
        "recipient_name": user.get_full_name() or user.email,
        "program": localized(program, "name"),
        "program_url": absolute_url(reverse("program_detail", args=[program.slug])),
        "startup": localized(application.startup, "name"),
        "receipt_number": application.receipt_number or "",
        "application_url": absolute_url(reverse("applications:detail", args=[application.pk])),
        "track": localized(application.track, "name") if application.track_id else "",
    }


def recipients_values(recipients: list[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """`recipient_values` for many people: one change of language per language, not per person."""
    values: list[dict[str, Any]] = [{} for _recipient in recipients]
    languages = {user.preferred_language for user, _application in recipients}
    for language in languages:
        with translation.override(language):
            for index, (user, application) in enumerate(recipients):
                if user.preferred_language == language:
                    values[index] = _values(user, application)
    return values


# --- services -------------------------------------------------------------------------------------------


def _refuse_problems(*, subject_ko: str, body_ko: str, subject_en: str, body_en: str) -> None:
    problems = message_problems(subject_ko=subject_ko, body_ko=body_ko, subject_en=subject_en, body_en=body_en)
    if problems:
        raise MessageInvalid(problems)


@transaction.atomic
def message_save(
    *,
    message: Message,
    program: Any,
    subject_ko: str,
    body_ko: str,
    subject_en: str = "",
    body_en: str = "",
    segment: dict[str, Any],
    by: Any,
) -> Message:
    """Staff write or change a draft message. Refused (nothing saved) when the text uses a placeholder
    a recipient does not have, or once the message is being sent."""
    _refuse_problems(subject_ko=subject_ko, body_ko=body_ko, subject_en=subject_en, body_en=body_en)
    if message.pk:
        stored = Message.objects.select_for_update().get(pk=message.pk)
        if stored.status != Message.Status.DRAFT:
            raise MessageRefused(gettext("This message has been sent; it can no longer be changed."))
    message.program = program
    message.subject_ko, message.body_ko = subject_ko.strip(), body_ko
    message.subject_en, message.body_en = subject_en.strip(), body_en
    message.segment = {key: value for key, value in segment.items() if key in SEGMENT_KEYS and value}
    if not message.pk:
        message.created_by = by if getattr(by, "pk", None) else None
    message.save()
    return message


def message_preview(*, message: Message, recipient: Any, application: Any) -> RenderedMessage:
    """The message as `recipient` will receive it (about `application`), in their language, through
    the same wording and values as the outbox."""
    from notifications.services import message_template

    language = recipient.preferred_language
    values = recipient_values(user=recipient, application=application, language=language)
    subject, body = _texts(message, language)
    with translation.override(language):
        text = render_message(subject=subject, body=body, values=values)
        frame_subject, frame_body = message_template(event=E.MESSAGE, language=language)
        return render_message(
            subject=frame_subject,
            body=frame_body,
            values={
                **values,
                "message_subject": text.subject,
                "message_body": text.text.strip(),
                "notifications_url": absolute_url(reverse("notifications:list")),
            },
        )


def message_send(*, message: Message, by: Any) -> Job:
    """Send a draft message to its segment: one job creates the outbox rows. Refused, with nothing
    written, when the text has a placeholder a recipient does not have, when nobody would receive it,
    and when it is being sent or was sent (a second click)."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status == Message.Status.SENDING:
            raise MessageRefused(
                gettext("This message is already being sent (job #%(job)s); it is sent only once.")
                % {"job": locked.job_id}
            )
        if locked.status == Message.Status.SENT:
            raise MessageRefused(gettext("This message has already been sent; it is sent only once."))
        _refuse_problems(
            subject_ko=locked.subject_ko, body_ko=locked.body_ko, subject_en=locked.subject_en, body_en=locked.body_en
        )
        count = message_recipient_count(message=locked)
        if not count.people:
            raise MessageRefused(gettext("Nobody would receive this message: its recipients are an empty group."))
        job = job_start(kind=Job.Kind.MESSAGE, params={"message_id": locked.pk}, by=by, program=locked.program)
        locked.status, locked.job = Message.Status.SENDING, job
        locked.sent_by, locked.sent_at = (by if getattr(by, "pk", None) else None), timezone.now()
        locked.recipients_count, locked.skipped_count = count.people, count.skipped
        locked.save(update_fields=["status", "job", "sent_by", "sent_at", "recipients_count", "skipped_count"])
        audit_record(
            actor=by,
            obj=locked,
            verb="message_sent",
            from_state=Message.Status.DRAFT,
            to_state=Message.Status.SENDING,
            data={"recipients": count.people, "skipped": count.skipped, "segment": locked.segment, "job": job.pk},
        )
    return job


def message_deliver(*, message_id: int, progress: Any = None) -> dict[str, int]:
    """Create the message's outbox rows, BATCH_SIZE people at a time, each batch in its own transaction
    (so progress shows and a crash keeps what is done). Safe to run twice: a row's idempotency key is
    (event, person, message), so rows that exist are kept and nobody is written to twice."""
    from notifications.services import notify_each

    message = Message.objects.select_related("program").get(pk=message_id)
    if message.status == Message.Status.DRAFT:
        raise MessageRefused(gettext("This message has not been sent."))
    recipients = message_recipients(message=message)
    total = len(recipients)
    version = message.sent_at.isoformat() if message.sent_at else ""
    if progress:
        progress(0, total)
    for start in range(0, total, BATCH_SIZE):
        batch = recipients[start : start + BATCH_SIZE]
        rows = [
            (
                user,
                message,
                {"message_id": message.pk, "version": version, "application_id": application.pk, "values": values},
            )
            for (user, application), values in zip(batch, recipients_values(batch), strict=True)
        ]
        with transaction.atomic():
            notify_each(event=E.MESSAGE, messages=rows, program=message.program)
        if progress:
            progress(start + len(batch), total)
    Message.objects.filter(pk=message.pk).update(
        status=Message.Status.SENT, recipients_count=total, updated_at=timezone.now()
    )
    return {"recipients": total, "skipped": message.skipped_count}


def message_outbox_rows(*, message: Message):
    """The message's outbox rows (one per recipient)."""
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(Message)
    return Notification.objects.filter(event=E.MESSAGE, content_type=content_type, object_id=str(message.pk))
