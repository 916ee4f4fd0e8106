"""Staff's admin for the Matching Day and pitch sessions: events with their rooms/tables and
availabilities, the "schedule meetings" action (a job; the event's page shows the last report: placed,
and each unplaced request with its reason in words), the meetings (filter by event, partner, table and
day; times in the venue's zone with KST beside), a move form offering only conflict-free places
(`meeting_move_options`), lock/unlock, and cancel with a reason (confirmation page).

Imported by `matching.admin` once its admins are registered.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from core.admin import (
    AuditTrailMixin,
    ModelAdmin,
    ReadOnlyModelAdmin,
    ServiceAction,
    ServiceActionsMixin,
    TabularInline,
    admin_change_url,
    count_of,
    service_action,
)
from core.errors import DomainError
from core.i18n import localized
from jobs.models import Job
from matching.models import Availability, CalendarFeed, Meeting, MeetingEvent, MeetingTable
from matching.services.meetings import (
    meeting_cancel,
    meeting_lock,
    meeting_move,
    meeting_move_options,
    meetings_schedule_start,
    partner_name,
)


def venue_and_kst(moment, zone: str) -> str:
    """`Wed 10 Mar 2027, 09:00 PST (Thu 11 Mar 2027, 02:00 KST)`: the venue's time, Korean time beside."""
    venue = date_format(timezone.localtime(moment, ZoneInfo(zone)), "DATETIME_FORMAT")
    if zone == "Asia/Seoul":
        return venue
    kst = date_format(timezone.localtime(moment, ZoneInfo("Asia/Seoul")), "DATETIME_FORMAT")
    return f"{venue} ({kst})"


def _scheduling_jobs(event_ids) -> dict[int, Job]:
    latest: dict[int, Job] = {}
    for job in Job.objects.filter(kind=Job.Kind.SCHEDULING).order_by("-created_at", "-pk")[:200]:
        event_id = (job.params or {}).get("event_id")
        if event_id in event_ids and event_id not in latest:
            latest[event_id] = job
    return latest


# --- events ---------------------------------------------------------------------------------------


class MeetingTableInline(TabularInline):
    model = MeetingTable
    fields = ("name", "partner", "order")


class AvailabilityInline(TabularInline):
    model = Availability
    fields = ("partner", "application", "starts_at", "ends_at")
    raw_id_fields = ("application",)


SCHEDULE = ServiceAction(
    service=meetings_schedule_start,
    target="event",
    description=_("Schedule meetings"),
    done=_("Scheduling started: %(objects)s"),
    starts_job=True,
)


@admin.register(MeetingEvent)
class MeetingEventAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    list_display = ("__str__", "program", "kind", "venue", "time_zone", "starts_on", "status", "meeting_count")
    list_filter = ("kind", "status", "program")
    list_select_related = ("program",)
    search_fields = ("name_ko", "name_en", "venue")
    inlines = (MeetingTableInline, AvailabilityInline)
    actions = (service_action(SCHEDULE),)
    readonly_fields = ("status", "schedule_report", "print_links")
    fieldsets = (
        (None, {"fields": ("program", "kind", "round", "name_ko", "name_en", "status")}),
        (
            _("Time and place"),
            {
                "fields": (
                    "venue",
                    "time_zone",
                    ("starts_on", "ends_on"),
                    ("day_starts", "day_ends"),
                    "slot_minutes",
                    "breaks",
                    "buffer_slots",
                )
            },
        ),
        (_("Last scheduling"), {"fields": ("schedule_report", "print_links")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_meetings=count_of(Meeting.objects.filter(status=Meeting.Status.SCHEDULED), "event"))
        )

    @admin.display(description=_("meetings"), ordering="_meetings")
    def meeting_count(self, event: MeetingEvent) -> int:
        return event._meetings

    @admin.display(description=_("report"))
    def schedule_report(self, event: MeetingEvent):
        if event.pk is None:
            return "—"
        job = _scheduling_jobs({event.pk}).get(event.pk)
        if job is None:
            return gettext("Not scheduled yet: select the event in the list and choose “Schedule meetings”.")
        link = format_html('<a href="{}">{}</a>', admin_change_url(job) or "#", gettext("job #%d") % job.pk)
        if job.status != Job.Status.SUCCEEDED:
            detail = job.error or job.get_status_display()
            return format_html("{} — {}", link, detail)
        result = job.result or {}
        language = (get_language() or "ko")[:2]
        summary = gettext(
            "%(placed)d of %(requests)d requests placed (%(created)d new, %(moved)d moved, %(kept)d kept, "
            "%(cancelled)d cancelled)."
        ) % {key: result.get(key, 0) for key in ("placed", "requests", "created", "moved", "kept", "cancelled")}
        unplaced = result.get("unplaced") or []
        if not unplaced:
            return format_html("{}: {}", link, summary)
        reasons = format_html_join(
            "", "<li>{}</li>", ((item["text"].get(language) or item["text"].get("ko", ""),) for item in unplaced)
        )
        return format_html("{}: {}<br>{}<ul>{}</ul>", link, summary, gettext("Not placed:"), reasons)

    @admin.display(description=_("printable agendas"))
    def print_links(self, event: MeetingEvent):
        if event.pk is None:
            return "—"
        tables = list(event.tables.select_related("partner"))
        partners = {t.partner_id: t.partner for t in tables if t.partner_id}
        links = [
            (reverse("meetings:print_partner", args=[event.pk, pk]), partner_name(partner))
            for pk, partner in partners.items()
        ] + [(reverse("meetings:print_room", args=[event.pk, t.pk]), t.name) for t in tables]
        if not links:
            return "—"
        return format_html_join(" · ", '<a href="{}">{}</a>', links)


# --- meetings -------------------------------------------------------------------------------------


class DayFilter(admin.SimpleListFilter):
    title = _("day")
    parameter_name = "day"

    def lookups(self, request, model_admin):
        days = (
            MeetingEvent.objects.filter(meetings__isnull=False)
            .values_list("starts_on", "ends_on")
            .distinct()
            .order_by("starts_on")[:20]
        )
        out = set()
        for start, end in days:
            day = start
            while day <= end:
                out.add(day)
                day = day.fromordinal(day.toordinal() + 1)
        return [(d.isoformat(), date_format(d, "DATE_FORMAT")) for d in sorted(out)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        import datetime as dt

        try:
            day = dt.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        # The day in the venue's zone: a window wide enough for any zone, then exact in Python would cost a
        # query per row; venues are within ±14 h, so the event's own date range decides.
        ids = [
            m.pk
            for m in queryset.select_related("event").only("pk", "starts_at", "event__time_zone")
            if timezone.localtime(m.starts_at, ZoneInfo(m.event.time_zone)).date() == day
        ]
        return queryset.filter(pk__in=ids)


def meeting_lock_action(*, meeting: Meeting, by, reason: str = "") -> Meeting:
    return meeting_lock(meeting=meeting, locked=True, by=by)


def meeting_unlock_action(*, meeting: Meeting, by, reason: str = "") -> Meeting:
    return meeting_lock(meeting=meeting, locked=False, by=by)


meeting_lock_action.__name__ = "meeting_lock"
meeting_unlock_action.__name__ = "meeting_unlock"

LOCK = ServiceAction(
    service=meeting_lock_action,
    target="meeting",
    description=_("Lock (re-scheduling keeps them where they are)"),
    done=_("Locked: %(objects)s"),
)
UNLOCK = ServiceAction(
    service=meeting_unlock_action, target="meeting", description=_("Unlock"), done=_("Unlocked: %(objects)s")
)


def cancel_consequences(meetings: list[Meeting]) -> dict[int, list[str]]:
    return {
        m.pk: [gettext("Everyone concerned gets the calendar cancellation by e-mail.")]
        for m in meetings
        if m.status == Meeting.Status.SCHEDULED
    }


CANCEL = ServiceAction(
    service=meeting_cancel,
    target="meeting",
    description=_("Cancel meetings"),
    done=_("Cancelled: %(objects)s"),
    needs_reason=True,
    consequences=cancel_consequences,
)


class MoveForm(forms.Form):
    place = forms.ChoiceField(label=_("new time and table"), widget=forms.RadioSelect)

    def __init__(self, *args, options, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = {f"{o.starts_at.isoformat()}|{o.table.pk}": o for o in options}
        self.fields["place"].choices = [
            (key, f"{venue_and_kst(o.starts_at, zone)} · {o.table.name}") for key, o in self.options.items()
        ]


@admin.register(Meeting)
class MeetingAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    list_display = ("when", "table", "startup", "host", "status", "locked", "sequence", "move_link")
    list_filter = ("event", "partner", "table", DayFilter, "status", "locked")
    list_select_related = ("event", "table", "partner", "application__startup")
    search_fields = ("application__startup__name_ko", "application__startup__name_en", "partner__name")
    ordering = ("event", "starts_at", "table__order")
    actions = (service_action(LOCK), service_action(UNLOCK), service_action(CANCEL))
    readonly_fields = ("event", "application", "partner", "table", "when", "status", "locked", "uid", "sequence")
    fieldsets = ((None, {"fields": readonly_fields}),)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/move/",
                self.admin_site.admin_view(self.move_view),
                name="matching_meeting_move",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("when (venue time, KST)"), ordering="starts_at")
    def when(self, meeting: Meeting) -> str:
        return venue_and_kst(meeting.starts_at, meeting.event.time_zone)

    @admin.display(description=_("startup"))
    def startup(self, meeting: Meeting):
        url = reverse("meetings:print_startup", args=[meeting.event_id, meeting.application_id])
        return format_html(
            '{} <a href="{}" title="{}">⎙</a>',
            localized(meeting.application.startup, "name"),
            url,
            gettext("printable agenda of the startup"),
        )

    @admin.display(description=_("with"))
    def host(self, meeting: Meeting) -> str:
        return partner_name(meeting.partner)

    @admin.display(description=_("move"))
    def move_link(self, meeting: Meeting):
        if meeting.status != Meeting.Status.SCHEDULED:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:matching_meeting_move", args=[meeting.pk]), gettext("move")
        )

    def move_view(self, request, pk: int):
        if not self.has_change_permission(request):
            raise PermissionDenied
        meeting = get_object_or_404(
            Meeting.objects.select_related("event", "table", "partner", "application__startup"), pk=pk
        )
        zone = meeting.event.time_zone
        options = meeting_move_options(meeting=meeting) if meeting.status == Meeting.Status.SCHEDULED else []
        form = MoveForm(request.POST or None, options=options, zone=zone)
        if request.method == "POST" and form.is_valid():
            option = form.options[form.cleaned_data["place"]]
            try:
                meeting_move(meeting=meeting, starts_at=option.starts_at, table=option.table, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("Moved to %(when)s, %(table)s. Everyone concerned gets the updated invitation.")
                    % {"when": venue_and_kst(option.starts_at, zone), "table": option.table.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:matching_meeting_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Move the meeting"),
            "opts": self.opts,
            "meeting": meeting,
            "startup": localized(meeting.application.startup, "name"),
            "now": venue_and_kst(meeting.starts_at, zone),
            "form": form,
            "options": options,
        }
        return TemplateResponse(request, "admin/matching/meeting/move.html", context)


@admin.register(MeetingTable)
class MeetingTableAdmin(ModelAdmin):
    list_display = ("name", "event", "partner", "order")
    list_filter = ("event", "partner")
    list_select_related = ("event", "partner")
    search_fields = ("name",)


@admin.register(Availability)
class AvailabilityAdmin(ModelAdmin):
    list_display = ("event", "partner", "application", "starts_at", "ends_at")
    list_filter = ("event", "partner")
    list_select_related = ("event", "partner", "application__startup")
    raw_id_fields = ("application",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyModelAdmin):
    """Feed addresses people made for their agenda; only a hash of each is kept, so none can be shown."""

    list_display = ("user", "created_at", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    exclude = ("token_hash",)
