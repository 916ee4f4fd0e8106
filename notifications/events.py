"""What each notification event may say: its placeholders, documented for staff who edit the
wording, the values they take for a real message, and sample values for the preview.

Values are read from the database when the message is rendered (a receipt number issued after
the notification was queued is there), plus the facts the service stored in the notification's
context when it was queued (an outcome, a position). A builder raises `Obsolete` when the message
no longer makes sense — a reminder for a draft that has since been submitted — and the message is
cancelled instead of sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.i18n import localized, localized_value
from notifications.models import Notification

if TYPE_CHECKING:
    from matching.models import EvaluationRound, Program
    from startups.models import Application

E = Notification.Event


class Obsolete(Exception):  # noqa: N818 — a reason, not a failure
    """The message no longer applies; it is cancelled with this reason instead of being sent."""


@dataclasses.dataclass(frozen=True)
class EventSpec:
    placeholders: dict[str, Any]  # name → description (lazy text) shown to staff
    values: Callable[[Notification], dict[str, Any]]
    sample: Callable[[], dict[str, Any]]
    # Files sent with the message, made when it is sent (so they show the object as it is then):
    # [(file name, content, MIME type)], in the recipient's language.
    attachments: Callable[[Notification], list[tuple[str, bytes, str]]] | None = None
    # Reads for a whole batch of this event's notifications in a few queries, kept on each row
    # (`notification.preloaded`) for `values` to use instead of a query per message.
    preload: Callable[[list[Notification]], None] | None = None


COMMON = {
    "recipient_name": _("The recipient's name (their e-mail address if no name is known)."),
    "program": _("The program's name, in the recipient's language."),
    "program_url": _("Link to the program's public page."),
}
APPLICATION = {
    "startup": _("The startup's name."),
    "receipt_number": _("The application's receipt number (empty for a draft)."),
    "application_url": _("Link to the application."),
}


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def format_deadline(moment: dt.datetime, time_zone: str = "Asia/Seoul") -> str:
    """A date and time in the program's time zone, in the house format of the recipient's language
    (DATETIME_FORMAT names the zone: `2027년 1월 2일 (토) 18:00 KST`)."""
    return date_format(timezone.localtime(moment, ZoneInfo(time_zone)), "DATETIME_FORMAT")


def _common(notification: Notification, program: Program | None) -> dict[str, Any]:
    recipient = notification.recipient
    name = (recipient.get_full_name() if recipient else "") or notification.email
    return {
        "recipient_name": name,
        "program": localized(program, "name") if program else "",
        "program_url": absolute_url(reverse("program_detail", args=[program.slug])) if program else "",
    }


def _preloaded(notification: Notification, key: str, load: Callable[[], Any]) -> Any:
    preloaded = getattr(notification, "preloaded", None)
    return preloaded[key] if preloaded is not None and key in preloaded else load()


def preload_applications(notifications: list[Notification]) -> None:
    """`_application` for a batch: one query for every row's application."""
    from startups.models import Application

    ids = {int(n.object_id) for n in notifications if n.object_id.isdigit()}
    found = Application.objects.select_related("program", "startup").in_bulk(ids)
    for notification in notifications:
        key = int(notification.object_id) if notification.object_id.isdigit() else None
        notification.preloaded = {**getattr(notification, "preloaded", {}), "application": found.get(key)}


def preload_round_results(notifications: list[Notification]) -> None:
    """Applications and the rounds named in the context, for a batch of round results."""
    from matching.models import EvaluationRound

    preload_applications(notifications)
    rounds = EvaluationRound.objects.in_bulk({n.context.get("round_id") for n in notifications} - {None})
    for notification in notifications:
        notification.preloaded["round"] = rounds.get(notification.context.get("round_id"))


def _application(notification: Notification) -> Application:
    from startups.models import Application

    application = _preloaded(
        notification,
        "application",
        lambda: Application.objects.select_related("program", "startup").filter(pk=notification.object_id).first(),
    )
    if application is None:
        raise Obsolete(gettext("The application no longer exists."))
    return application


def _application_values(notification: Notification, application: Application) -> dict[str, Any]:
    return {
        **_common(notification, application.program),
        "startup": localized(application.startup, "name"),
        "receipt_number": application.receipt_number or "",
        "application_url": absolute_url(reverse("applications:detail", args=[application.pk])),
    }


def _round(notification: Notification) -> EvaluationRound:
    from matching.models import EvaluationRound

    evaluation_round = EvaluationRound.objects.select_related("program").filter(pk=notification.object_id).first()
    if evaluation_round is None:
        raise Obsolete(gettext("The round no longer exists."))
    return evaluation_round


def _round_values(notification: Notification, evaluation_round: EvaluationRound) -> dict[str, Any]:
    program = evaluation_round.program
    return {
        **_common(notification, program),
        "round": localized(evaluation_round, "name"),
        "deadline": format_deadline(evaluation_round.closes_at, program.time_zone),
        "reviews_url": absolute_url(reverse("evaluator:list")),
    }


def _open_assignments(notification: Notification, evaluation_round: EvaluationRound) -> int:
    from matching.models import Assignment

    return Assignment.objects.filter(
        round=evaluation_round,
        evaluator__user_id=notification.recipient_id,
        status__in=(Assignment.Status.PENDING, Assignment.Status.IN_PROGRESS),
    ).count()


# --- the events -----------------------------------------------------------------------------------


def submitted_values(notification: Notification) -> dict[str, Any]:
    application = _application(notification)
    submission = int(notification.context.get("submission") or 1)
    submitted_at = application.submitted_at or notification.created_at
    return {
        **_application_values(notification, application),
        "submission": submission,
        "resubmitted": submission > 1,
        "submitted_at": format_deadline(submitted_at, application.program.time_zone),
        "deadline": format_deadline(application.program.closes_at, application.program.time_zone),
    }


def deadline_reminder_values(notification: Notification) -> dict[str, Any]:
    from startups.models import Application

    application = _application(notification)
    if application.status != Application.Status.DRAFT:
        raise Obsolete(gettext("The application is no longer a draft."))
    program = application.program
    # A reminder of a personal deadline (an extension for this application) carries it in its context.
    personal = notification.context.get("deadline")
    deadline = dt.datetime.fromisoformat(personal) if personal else program.closes_at
    if deadline <= timezone.now():
        raise Obsolete(gettext("The application deadline has passed."))
    return {
        **_application_values(notification, application),
        "deadline": format_deadline(deadline, program.time_zone),
        "days_left": int(notification.context.get("days") or 1),
    }


def invited_values(notification: Notification) -> dict[str, Any]:
    context = notification.context
    return {
        **_common(notification, notification.program),
        "round": context.get("round", ""),
        "invited_by": context.get("invited_by", ""),
        "accept_url": absolute_url(context.get("accept_path", reverse("account_login"))),
    }


def assigned_values(notification: Notification) -> dict[str, Any]:
    evaluation_round = _round(notification)
    open_count = _open_assignments(notification, evaluation_round)
    if not open_count:
        raise Obsolete(gettext("The evaluator has nothing left to review in this round."))
    return {**_round_values(notification, evaluation_round), "assignments": open_count}


def review_reminder_values(notification: Notification) -> dict[str, Any]:
    evaluation_round = _round(notification)
    if evaluation_round.closes_at <= timezone.now():
        raise Obsolete(gettext("The round has closed."))
    open_count = _open_assignments(notification, evaluation_round)
    if not open_count:
        raise Obsolete(gettext("The evaluator has submitted every review of this round."))
    return {
        **_round_values(notification, evaluation_round),
        "pending": open_count,
        "hours_left": int(notification.context.get("hours") or 24),
    }


def round_result_values(notification: Notification) -> dict[str, Any]:
    from matching.models import EvaluationRound

    application = _application(notification)
    round_id = notification.context.get("round_id")
    evaluation_round = _preloaded(
        notification, "round", lambda: EvaluationRound.objects.filter(pk=round_id).first() if round_id else None
    )
    return {
        **_application_values(notification, application),
        "round": localized(evaluation_round, "name") if evaluation_round else "",
        "advanced": bool(notification.context.get("advanced")),
    }


def decision_values(notification: Notification) -> dict[str, Any]:
    from startups.models import Application

    application = _application(notification)
    outcome = notification.context.get("outcome", "")
    return {
        **_application_values(notification, application),
        "outcome": str(Application.Status(outcome).label) if outcome in Application.Status.values else outcome,
        "selected": outcome == Application.Status.SELECTED,
        "reserve": outcome == Application.Status.RESERVE,
        "position": notification.context.get("position") or "",
    }


def promoted_values(notification: Notification) -> dict[str, Any]:
    application = _application(notification)
    return {**_application_values(notification, application), "position": notification.context.get("position") or ""}


def reviews_complete_values(notification: Notification) -> dict[str, Any]:
    from matching.models import Assignment

    evaluation_round = _round(notification)
    submitted = Assignment.objects.filter(round=evaluation_round, status=Assignment.Status.SUBMITTED)
    return {
        **_round_values(notification, evaluation_round),
        "reviews": submitted.count(),
        "applications": submitted.values("application_id").distinct().count(),
        "results_url": absolute_url(reverse("admin:matching_evaluationround_change", args=[evaluation_round.pk])),
    }


# --- sample values for the preview ----------------------------------------------------------------


def _sample_common() -> dict[str, Any]:
    return {
        "recipient_name": gettext("Kim Minji"),
        "program": gettext("Global Enterprise Collaboration Program 2026"),
        "program_url": absolute_url("/programs/sample-program/"),
    }


def _sample_application() -> dict[str, Any]:
    # A name with markup shows that what applicants write is escaped in the HTML part.
    return {
        **_sample_common(),
        "startup": "Acme <AI> & Co",
        "receipt_number": "GECP-2026-0042",
        "application_url": absolute_url("/applications/42/"),
    }


def _sample_round() -> dict[str, Any]:
    return {
        **_sample_common(),
        "round": gettext("Document review"),
        "deadline": format_deadline(timezone.now() + dt.timedelta(days=2)),
        "reviews_url": absolute_url("/evaluate/"),
    }


def _sample_deadline() -> str:
    return format_deadline(timezone.now() + dt.timedelta(days=3))


ROUND_PLACEHOLDERS = {
    "round": _("The round's name."),
    "deadline": _("When scoring closes, in the program's time zone."),
    "reviews_url": _("Link to the evaluator's list of assignments."),
}

EVENTS: dict[str, EventSpec] = {
    E.APPLICATION_SUBMITTED: EventSpec(
        placeholders={
            **COMMON,
            **APPLICATION,
            "submission": _("Which submission this is: 1 for the first, 2 after one resubmission, …"),
            "resubmitted": _("True when the application was submitted before (use with {% if %})."),
            "submitted_at": _("When it was submitted, in the program's time zone."),
            "deadline": _("The application deadline, in the program's time zone."),
        },
        values=submitted_values,
        preload=preload_applications,
        sample=lambda: {
            **_sample_application(),
            "submission": 1,
            "resubmitted": False,
            "submitted_at": format_deadline(timezone.now()),
            "deadline": _sample_deadline(),
        },
    ),
    E.DEADLINE_REMINDER: EventSpec(
        placeholders={
            **COMMON,
            **APPLICATION,
            "deadline": _("The application deadline, in the program's time zone."),
            "days_left": _("3 for the D-3 reminder, 1 for the D-1 reminder."),
        },
        values=deadline_reminder_values,
        preload=preload_applications,
        sample=lambda: {**_sample_application(), "receipt_number": "", "deadline": _sample_deadline(), "days_left": 3},
    ),
    E.EVALUATOR_INVITED: EventSpec(
        placeholders={
            **COMMON,
            "round": _("The round the evaluator is invited to (may be empty)."),
            "invited_by": _("The name of the staff member who sent the invitation."),
            "accept_url": _("Link to accept the invitation and set a password."),
        },
        values=invited_values,
        sample=lambda: {
            **_sample_common(),
            "round": gettext("Document review"),
            "invited_by": gettext("Program office"),
            "accept_url": absolute_url("/evaluate/welcome/sample/token/"),
        },
    ),
    E.EVALUATOR_ASSIGNED: EventSpec(
        placeholders={
            **COMMON,
            **ROUND_PLACEHOLDERS,
            "assignments": _("How many applications the evaluator has to review in the round."),
        },
        values=assigned_values,
        sample=lambda: {**_sample_round(), "assignments": 12},
    ),
    E.REVIEW_REMINDER: EventSpec(
        placeholders={
            **COMMON,
            **ROUND_PLACEHOLDERS,
            "pending": _("How many of the evaluator's reviews are not yet submitted."),
            "hours_left": _("48 or 24: which reminder this is."),
        },
        values=review_reminder_values,
        sample=lambda: {**_sample_round(), "pending": 3, "hours_left": 48},
    ),
    E.ROUND_RESULT: EventSpec(
        placeholders={
            **COMMON,
            **APPLICATION,
            "round": _("The round whose results these are."),
            "advanced": _(
                "True when the application advances (use with {% if advanced %} … {% else %} … {% endif %})."
            ),
        },
        values=round_result_values,
        preload=preload_round_results,
        sample=lambda: {**_sample_application(), "round": gettext("Document review"), "advanced": True},
    ),
    E.SELECTION_DECISION: EventSpec(
        placeholders={
            **COMMON,
            **APPLICATION,
            "outcome": _("The decision in words: selected, reserve or not selected."),
            "selected": _("True when the application is selected."),
            "reserve": _("True when the application is on the reserve list."),
            "position": _("The rank among the selected, or the place on the reserve list (empty otherwise)."),
        },
        values=decision_values,
        preload=preload_applications,
        sample=lambda: {
            **_sample_application(),
            "outcome": gettext("selected"),
            "selected": True,
            "reserve": False,
            "position": 3,
        },
    ),
    E.RESERVE_PROMOTED: EventSpec(
        placeholders={**COMMON, **APPLICATION, "position": _("The rank the application now holds among the selected.")},
        values=promoted_values,
        preload=preload_applications,
        sample=lambda: {**_sample_application(), "position": 10},
    ),
    E.ROUND_REVIEWS_COMPLETE: EventSpec(
        placeholders={
            **COMMON,
            **ROUND_PLACEHOLDERS,
            "reviews": _("How many reviews were submitted."),
            "applications": _("How many applications were reviewed."),
            "results_url": _("Link to the round in the admin, where results are computed."),
        },
        values=reviews_complete_values,
        sample=lambda: {
            **_sample_round(),
            "reviews": 1500,
            "applications": 500,
            "results_url": absolute_url("/admin/"),
        },
    ),
}


# --- meetings (Matching Day, pitch sessions) -------------------------------------------------------

MEETING = {
    "event": _("The event's name (Matching Day or pitch session)."),
    "startup": _("The startup's name."),
    "partner": _("Whom the startup meets: the partner, or the panel for a pitch."),
    "starts_at": _("When the meeting starts, in the venue's time zone."),
    "starts_at_kst": _("When the meeting starts, in Korean time."),
    "minutes": _("How long the meeting lasts, in minutes."),
    "venue": _("The venue."),
    "table": _("The room or table."),
    "agenda_url": _("Link to the recipient's agenda, with every meeting and the calendar file."),
}


def _meeting(notification: Notification):
    from matching.models import Meeting

    meeting = (
        Meeting.objects.select_related("event__program", "table", "partner", "application__startup")
        .filter(pk=notification.object_id)
        .first()
    )
    if meeting is None:
        raise Obsolete(gettext("The meeting no longer exists."))
    if meeting.sequence > int(notification.context.get("sequence") or 0):
        raise Obsolete(gettext("The meeting changed again; the newer message replaces this one."))
    return meeting


def meeting_values(notification: Notification) -> dict[str, Any]:
    from matching.services.meetings import partner_name

    meeting = _meeting(notification)
    event = meeting.event
    return {
        **_common(notification, event.program),
        "event": event.name,
        "startup": localized(meeting.application.startup, "name"),
        "partner": partner_name(meeting.partner),
        "starts_at": format_deadline(meeting.starts_at, event.time_zone),
        "starts_at_kst": format_deadline(meeting.starts_at, "Asia/Seoul"),
        "minutes": int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        "venue": event.venue,
        "table": meeting.table.name,
        "agenda_url": absolute_url(reverse("meetings:agenda")),
    }


def meeting_attachments(notification: Notification) -> list[tuple[str, bytes, str]]:
    from matching.calendar import meetings_ics

    meeting = _meeting(notification)
    content = meetings_ics([meeting], attendees=[notification.email])
    method = "CANCEL" if meeting.status == meeting.Status.CANCELLED else "REQUEST"
    return [("invite.ics", content, f"text/calendar; charset=utf-8; method={method}")]


def _sample_meeting() -> dict[str, Any]:
    moment = timezone.now() + dt.timedelta(days=10)
    return {
        **_sample_common(),
        "event": gettext("Matching Day"),
        "startup": "Acme <AI> & Co",
        "partner": "OpenAI",
        "starts_at": format_deadline(moment, "America/Los_Angeles"),
        "starts_at_kst": format_deadline(moment),
        "minutes": 20,
        "venue": "San Francisco",
        "table": gettext("Table 1"),
        "agenda_url": absolute_url("/meetings/"),
    }


for _event in (E.MEETING_SCHEDULED, E.MEETING_CHANGED, E.MEETING_CANCELLED):
    EVENTS[_event] = EventSpec(
        placeholders={**COMMON, **MEETING},
        values=meeting_values,
        sample=_sample_meeting,
        attachments=meeting_attachments,
    )


# --- matching (published) --------------------------------------------------------------------------

MATCHING = {
    "for_partner": _("True in the message to a partner's members, false in the message to a startup's."),
    "partner": _("The partner: the startup's matched partner (empty when it has none), or the partner written to."),
    "matched": _("True when the startup has a partner (in the startup's message)."),
    "reason": _("Why the startup has no partner, in words (in the startup's message; empty when it has one)."),
    "startups": _("The partner's matched startups, one per line (in the partner's message)."),
    "count": _("How many startups the partner is matched with (in the partner's message)."),
    "seats": _("The partner's seats in the program (in the partner's message)."),
}


def _partner_label(partner: Any) -> str:
    from django.utils.translation import get_language

    if partner is None:
        return ""
    language = (get_language() or "ko")[:2]
    return (partner.name_ko if language == "ko" and partner.name_ko else partner.name) or ""


def matching_published_values(notification: Notification) -> dict[str, Any]:
    from matching.models import MatchingRun, Partner
    from matching.reasons import matching_reason_text
    from startups.models import Application

    context = notification.context
    run = MatchingRun.objects.select_related("program").filter(pk=context.get("run_id")).first()
    if run is None:
        raise Obsolete(gettext("The matching run no longer exists."))
    partner_id = context.get("partner_id")
    if context.get("for_partner"):
        partner = Partner.objects.filter(pk=partner_id).first()
        matched = sorted(int(a) for a, p in run.assignment.items() if p == partner_id)
        startups = Application.objects.filter(pk__in=matched).select_related("startup").order_by("startup__name_ko")
        return {
            **_common(notification, run.program),
            **dict.fromkeys(("matched", "reason"), ""),
            "for_partner": True,
            "partner": _partner_label(partner),
            "startups": "\n".join(f"- {localized(a.startup, 'name')}" for a in startups),
            "count": len(matched),
            "seats": (run.seats.get(str(partner_id)) or [0, 0])[1],
        }
    application = _application(notification)
    reason = run.unmatched.get(str(application.pk))
    names = {}
    if reason:
        ids = [*(reason.get("partners") or ()), *(reason.get("no_seats") or ()), *(reason.get("forbidden") or ())]
        names = {p.pk: _partner_label(p) for p in Partner.objects.filter(pk__in=ids)}
    return {
        **_application_values(notification, application),
        "for_partner": False,
        "partner": _partner_label(Partner.objects.filter(pk=partner_id).first()) if partner_id else "",
        "matched": partner_id is not None,
        "reason": matching_reason_text(reason, partner_names=names) if reason else "",
        "startups": "",
        "count": "",
        "seats": "",
    }


EVENTS[E.MATCHING_PUBLISHED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, **MATCHING},
    values=matching_published_values,
    sample=lambda: {
        **_sample_application(),
        "for_partner": False,
        "partner": "OpenAI",
        "matched": True,
        "reason": "",
        "startups": "- Acme <AI> & Co\n- 주식회사 샘플",
        "count": 2,
        "seats": 2,
    },
)


# --- appeals (이의신청) -----------------------------------------------------------------------------

APPEAL = {
    "round": _("The round whose result is appealed."),
    "filed_at": _("When the appeal was filed, in the program's time zone."),
    "upheld": _("True when the appeal was upheld (use with {% if upheld %} … {% else %} … {% endif %})."),
    "answer": _("The program's written answer (empty until the appeal is decided)."),
}


def appeal_values(notification: Notification) -> dict[str, Any]:
    from matching.models import Appeal

    application = _application(notification)
    appeal = Appeal.objects.select_related("round").filter(pk=notification.context.get("appeal_id")).first()
    if appeal is None:
        raise Obsolete(gettext("The appeal no longer exists."))
    return {
        **_application_values(notification, application),
        "round": localized(appeal.round, "name"),
        "filed_at": format_deadline(appeal.filed_at, application.program.time_zone),
        "upheld": appeal.status == Appeal.Status.UPHELD,
        "answer": appeal.answer,
    }


def _sample_appeal() -> dict[str, Any]:
    return {
        **_sample_application(),
        "round": gettext("Document review"),
        "filed_at": format_deadline(timezone.now()),
        "upheld": True,
        "answer": gettext("We checked the scores again and corrected a criterion that was entered wrongly."),
    }


for _event in (E.APPEAL_FILED, E.APPEAL_DECIDED):
    EVENTS[_event] = EventSpec(
        placeholders={**COMMON, **APPLICATION, **APPEAL},
        values=appeal_values,
        preload=preload_applications,
        sample=_sample_appeal,
    )


# --- membership and per-applicant deadlines (issue 15 items 7 and 8) --------------------------------

STARTUP = {
    "startup": _("The startup's name."),
    "startup_url": _("Link to the startup's page, where members and requests to join are managed."),
}


def _membership(notification: Notification):
    from startups.models import StartupMember

    membership = StartupMember.objects.select_related("startup", "user").filter(pk=notification.object_id).first()
    if membership is None:
        raise Obsolete(gettext("The membership no longer exists."))
    return membership


def _startup_values(notification: Notification, startup: Any) -> dict[str, Any]:
    return {
        **_common(notification, None),
        "startup": localized(startup, "name"),
        "startup_url": absolute_url(reverse("startup:profile")),
    }


def join_requested_values(notification: Notification) -> dict[str, Any]:
    from startups.models import StartupMember

    membership = _membership(notification)
    if membership.status != StartupMember.Status.REQUESTED:
        raise Obsolete(gettext("The request to join has already been answered."))
    return {
        **_startup_values(notification, membership.startup),
        "requester": membership.user.name or membership.user.email,
        "requester_email": membership.user.email,
    }


def membership_changed_values(notification: Notification) -> dict[str, Any]:
    membership = _membership(notification)
    change = notification.context.get("change", "")
    return {
        **_startup_values(notification, membership.startup),
        "removed": change == "removed",
        "left": change == "left",
        "made_owner": change == "made_owner",
        "handed_over": change == "handed_over",
        "new_owner": notification.context.get("to", ""),
        "reason": notification.context.get("reason", ""),
    }


def _personal_deadline_values(notification: Notification) -> dict[str, Any]:
    from startups.models import PersonalDeadline

    application = _application(notification)
    personal = PersonalDeadline.objects.filter(pk=notification.context.get("personal_deadline_id")).first()
    if personal is None or personal.revoked_at is not None:
        raise Obsolete(gettext("The personal deadline was revoked."))
    return {
        **_application_values(notification, application),
        "until": format_deadline(personal.until, application.program.time_zone),
        "reason": personal.reason,
    }


def _sample_startup() -> dict[str, Any]:
    return {
        **_sample_common(),
        "program": "",
        "program_url": "",
        "startup": "Acme <AI> & Co",
        "startup_url": absolute_url("/startup/"),
    }


EVENTS[E.JOIN_REQUESTED] = EventSpec(
    placeholders={
        **COMMON,
        **STARTUP,
        "requester": _("The name of the person who asks to join."),
        "requester_email": _("Their e-mail address."),
    },
    values=join_requested_values,
    sample=lambda: {**_sample_startup(), "requester": gettext("Lee Jiho"), "requester_email": "jiho@example.com"},
)
EVENTS[E.MEMBERSHIP_CHANGED] = EventSpec(
    placeholders={
        **COMMON,
        **STARTUP,
        "removed": _("True when an owner removed the recipient from the startup."),
        "left": _("True when the recipient left the startup."),
        "made_owner": _("True when the recipient was made the startup's owner."),
        "handed_over": _("True when the recipient handed ownership over and is now a member."),
        "new_owner": _("The new owner's name (when ownership was handed over)."),
        "reason": _("The reason given for a removal (may be empty)."),
    },
    values=membership_changed_values,
    sample=lambda: {
        **_sample_startup(),
        "removed": True,
        "left": False,
        "made_owner": False,
        "handed_over": False,
        "new_owner": "",
        "reason": gettext("Left the company."),
    },
)
PERSONAL_DEADLINE = {
    "until": _("The application's own deadline, in the program's time zone."),
    "reason": _("The staff's reason or message to the applicant."),
}
EVENTS[E.DEADLINE_EXTENDED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, **PERSONAL_DEADLINE},
    values=_personal_deadline_values,
    preload=preload_applications,
    sample=lambda: {
        **_sample_application(),
        "until": _sample_deadline(),
        "reason": gettext("Server outage on the last day."),
    },
)
EVENTS[E.CORRECTION_REQUESTED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, **PERSONAL_DEADLINE},
    values=_personal_deadline_values,
    preload=preload_applications,
    sample=lambda: {
        **_sample_application(),
        "until": _sample_deadline(),
        "reason": gettext("Please attach the certificate of business registration issued this year."),
    },
)


# --- acceptance of a seat and the agreement (협약) ---------------------------------------------------


def _respond_by_text(notification: Notification, application: Application) -> str:
    raw = notification.context.get("respond_by") or ""
    return format_deadline(dt.datetime.fromisoformat(raw), application.program.time_zone) if raw else ""


def acceptance_requested_values(notification: Notification) -> dict[str, Any]:
    application = _application(notification)
    return {**_application_values(notification, application), "respond_by": _respond_by_text(notification, application)}


def acceptance_recorded_values(notification: Notification) -> dict[str, Any]:
    application = _application(notification)
    return {
        **_application_values(notification, application),
        "accepted": notification.context.get("answer") == "accepted",
    }


def agreement_reviewed_values(notification: Notification) -> dict[str, Any]:
    application = _application(notification)
    context = notification.context
    return {
        **_application_values(notification, application),
        "document": localized_value(context, "document") or context.get("document_ko", ""),
        "approved": context.get("decision") == "approved",
        "comment": context.get("comment", ""),
    }


ACCEPTANCE = {"respond_by": _("The moment by which the startup accepts or declines the seat.")}
EVENTS[E.ACCEPTANCE_REQUESTED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, **ACCEPTANCE},
    values=acceptance_requested_values,
    preload=preload_applications,
    sample=lambda: {**_sample_application(), "respond_by": _sample_deadline()},
)
EVENTS[E.ACCEPTANCE_RECORDED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, "accepted": _("Whether the seat was accepted (else declined).")},
    values=acceptance_recorded_values,
    sample=lambda: {**_sample_application(), "accepted": True},
)
EVENTS[E.ACCEPTANCE_LAPSED] = EventSpec(
    placeholders={**COMMON, **APPLICATION, **ACCEPTANCE},
    values=acceptance_requested_values,
    sample=lambda: {**_sample_application(), "respond_by": _sample_deadline()},
)
EVENTS[E.AGREEMENT_REVIEWED] = EventSpec(
    placeholders={
        **COMMON,
        **APPLICATION,
        "document": _("The agreement document reviewed."),
        "approved": _("Whether it was approved (else returned for changes)."),
        "comment": _("What staff wrote about it."),
    },
    values=agreement_reviewed_values,
    sample=lambda: {
        **_sample_application(),
        "document": gettext("Signed agreement"),
        "approved": False,
        "comment": gettext("Please sign page 3."),
    },
)


# --- exclusion requests (기피 신청) ------------------------------------------------------------------


def exclusion_decided_values(notification: Notification) -> dict[str, Any]:
    from matching.models import ExclusionRequest

    application = _application(notification)
    request = (
        ExclusionRequest.objects.select_related("evaluator__user")
        .filter(pk=notification.context.get("request_id"), application=application)
        .first()
    )
    if request is None:
        raise Obsolete(gettext("The exclusion request no longer exists."))
    return {
        **_application_values(notification, application),
        "excluded": request.organisation or str(request.evaluator),
        "accepted": request.status == ExclusionRequest.Status.ACCEPTED,
        "answer": request.answer,
    }


EVENTS[E.EXCLUSION_DECIDED] = EventSpec(
    placeholders={
        **COMMON,
        **APPLICATION,
        "excluded": _("The organisation (or person) the applicant asked to exclude."),
        "accepted": _("Whether the request was accepted (else refused)."),
        "answer": _("The answer staff wrote."),
    },
    values=exclusion_decided_values,
    sample=lambda: {
        **_sample_application(),
        "excluded": "한국벤처투자",
        "accepted": True,
        "answer": gettext("The organisation's evaluators will not review your application."),
    },
)


# --- bonus evidence (가점 증빙) ---------------------------------------------------------------------


def evidence_reviewed_values(notification: Notification) -> dict[str, Any]:
    from django.utils.translation import get_language

    application = _application(notification)
    context = notification.context
    language = (get_language() or "ko")[:2]
    document = context.get("document_en") if language == "en" else context.get("document_ko")
    return {
        **_application_values(notification, application),
        "document": document or context.get("document_ko") or "",
        "verified": bool(context.get("verified")),
        "reason": context.get("reason") or "",
    }


EVENTS[E.EVIDENCE_REVIEWED] = EventSpec(
    placeholders={
        **COMMON,
        **APPLICATION,
        "document": _("The document asked for the bonus (e.g. 여성기업확인서)."),
        "verified": _("True when staff verified the document (the bonus counts); false when they rejected it."),
        "reason": _("Why the document was rejected (empty when verified)."),
    },
    values=evidence_reviewed_values,
    preload=preload_applications,
    sample=lambda: {
        **_sample_application(),
        "document": "여성기업확인서",
        "verified": False,
        "reason": gettext("The certificate had expired on the deadline."),
    },
)
