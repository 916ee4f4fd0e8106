"""Agendas of the Matching Day and pitch sessions: the signed-in person's meetings (times in the venue's
zone and in KST), their `.ics`, a secret calendar feed, and printable agendas per partner, startup
and room for staff. Every page reads through `matching.selectors.meetings_visible_to`."""

from __future__ import annotations

from collections import OrderedDict
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.i18n import format_time_span, localized
from matching.calendar import PUBLISH, meetings_ics
from matching.models import CalendarFeed, Meeting, MeetingEvent, MeetingTable, Partner
from matching.selectors import meetings_visible_to
from matching.services.meetings import (
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_user,
    meeting_recipients,
    partner_name,
)
from startups.models import Application

KST = ZoneInfo("Asia/Seoul")


def _span(starts, ends, zone: str) -> str:
    return format_time_span(starts, ends, ZoneInfo(zone))


def meeting_rows(meetings: list[Meeting], *, people: bool = True) -> list[dict]:
    """What an agenda shows of each meeting (people looked up in a constant number of queries)."""
    found = meeting_recipients(meetings) if people else {}
    rows = []
    for meeting in meetings:
        zone = meeting.event.time_zone
        rows.append(
            {
                "meeting": meeting,
                "event": meeting.event.name,
                "venue_span": _span(meeting.starts_at, meeting.ends_at, zone),
                "kst_span": _span(meeting.starts_at, meeting.ends_at, "Asia/Seoul"),
                "same_zone": zone == "Asia/Seoul",
                "table": meeting.table.name,
                "venue": meeting.event.venue,
                "startup": localized(meeting.application.startup, "name"),
                "partner": partner_name(meeting.partner),
                "people": [user.get_full_name() or user.email for user in found.get(meeting.pk, [])],
                "cancelled": meeting.status == Meeting.Status.CANCELLED,
            }
        )
    return rows


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _my_meetings(request: HttpRequest):
    return meetings_visible_to(actor=request.user).filter(status=Meeting.Status.SCHEDULED).order_by("starts_at", "pk")


@login_required
def agenda(request: HttpRequest) -> HttpResponse:
    meetings = list(_my_meetings(request))
    feed = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).first()
    token = request.session.pop("calendar_feed_token", None)
    feed_url = request.build_absolute_uri(reverse("meetings:feed", args=[token])) if token else ""
    return render(
        request,
        "meetings/agenda.html",
        {"rows": meeting_rows(meetings), "feed": feed, "feed_url": feed_url},
    )


@login_required
def agenda_ics(request: HttpRequest) -> HttpResponse:
    return _ics_response(meetings_ics(list(_my_meetings(request))), "matchday-agenda.ics")


@login_required
@require_POST
def feed_create(request: HttpRequest) -> HttpResponse:
    request.session["calendar_feed_token"] = calendar_feed_create(user=request.user)
    messages.success(request, _("Your calendar feed address is below. The previous address no longer works."))
    return redirect("meetings:agenda")


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    if calendar_feed_revoke(user=request.user):
        messages.success(request, _("The calendar feed address no longer works."))
    return redirect("meetings:agenda")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The person's meetings as a calendar feed; no sign-in, the secret address is the key."""
    user = calendar_feed_user(token=token)
    if user is None:
        raise Http404
    meetings = meetings_visible_to(actor=user).order_by("starts_at", "pk")
    response = HttpResponse(meetings_ics(list(meetings), method=PUBLISH), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# --- printable agendas for staff --------------------------------------------------------------------


def _print(request: HttpRequest, *, event: MeetingEvent, title: str, meetings) -> HttpResponse:
    rows = meeting_rows(list(meetings.filter(status=Meeting.Status.SCHEDULED).order_by("starts_at", "table__order")))
    days: OrderedDict[str, list] = OrderedDict()
    for row in rows:
        day = date_format(timezone.localtime(row["meeting"].starts_at, ZoneInfo(event.time_zone)), "DATE_FORMAT")
        days.setdefault(day, []).append(row)
    return render(request, "meetings/print.html", {"event": event, "title": title, "days": days})


def _event(pk: int) -> MeetingEvent:
    return get_object_or_404(MeetingEvent.objects.select_related("program"), pk=pk)


@staff_member_required
def print_partner(request: HttpRequest, event_id: int, partner_id: int) -> HttpResponse:
    event = _event(event_id)
    partner = get_object_or_404(Partner, pk=partner_id)
    meetings = meetings_visible_to(actor=request.user).filter(event=event, partner=partner)
    return _print(request, event=event, title=partner_name(partner), meetings=meetings)


@staff_member_required
def print_startup(request: HttpRequest, event_id: int, application_id: int) -> HttpResponse:
    event = _event(event_id)
    application = get_object_or_404(Application.objects.select_related("startup"), pk=application_id)
    meetings = meetings_visible_to(actor=request.user).filter(event=event, application=application)
    return _print(request, event=event, title=localized(application.startup, "name"), meetings=meetings)


@staff_member_required
def print_room(request: HttpRequest, event_id: int, table_id: int) -> HttpResponse:
    event = _event(event_id)
    table = get_object_or_404(MeetingTable, pk=table_id, event=event)
    meetings = meetings_visible_to(actor=request.user).filter(event=event, table=table)
    return _print(request, event=event, title=table.name, meetings=meetings)
