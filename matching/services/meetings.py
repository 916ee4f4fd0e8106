"""The Matching Day and pitch sessions: slots, meeting requests, scheduling, moving, locking and
cancelling meetings, and telling the people concerned (DESIGN "Partners, matching and the Matching Day").

- `meeting_slots` lays out an event's time: slots of `slot_minutes` from `day_starts` to `day_ends`
  on each day, in the venue's time zone. Breaks are slots in which everyone is unavailable; between
  two days come `buffer_slots` "night" slots (everyone unavailable) so a startup's buffer never
  spans a night.
- `meeting_requests` lists who should meet whom: for a Matching Day each selected finalist with each
  partner it ranked and that ranked it (and, once matching is published, at least its matched
  partner); for a pitch session one presentation per application of the round, before its panel.
- `meetings_schedule` (the `meetings.schedule` job's runner) plans with `matching.schedule.plan_meetings`
  and writes the plan in bulk: locked meetings stay, moved ones get `sequence` + 1, new ones are
  created, those no longer placed are cancelled. Running it twice changes nothing the second time.
- `meeting_move`, `meeting_lock`, `meeting_cancel`: staff changes to one meeting.

Every change of a meeting queues one e-mail per person concerned (with the `.ics`, see
`matching.calendar`) whose idempotency key holds the meeting's sequence, and one webhook event.
Lock order: the event row first, then its meetings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import DomainError
from core.i18n import localized
from jobs.models import Job
from jobs.services import Progress, job_start, no_progress
from matching import schedule
from matching.models import (
    Assignment,
    Availability,
    MatchingRun,
    Meeting,
    MeetingEvent,
    MeetingTable,
    Partner,
    PartnerMembership,
    PartnerRankingEntry,
    ProgramPartner,
    RoundResult,
)
from startups.models import Application, PartnerPreference
from startups.selectors import active_members_by_startup

PANEL = "panel"  # the host id of a pitch session's panel (tables with no partner)
NIGHT, BREAK, MEETING = "night", "break", "meeting"


# --- slots -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Slot:
    """One slot of an event: `kind` is meeting, break (everyone unavailable) or night (between two days,
    no time: `starts_at` is None)."""

    index: int
    kind: str
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


def _break_windows(event: MeetingEvent) -> list[tuple[dt.time, dt.time]]:
    windows = []
    for item in event.breaks or []:
        try:
            windows.append((dt.time.fromisoformat(item["starts"]), dt.time.fromisoformat(item["ends"])))
        except (KeyError, TypeError, ValueError) as error:
            raise DomainError(
                _('A break of the event is not written as {"starts": "12:00", "ends": "13:00"}: %(item)s')
                % {"item": item},
                code="event_break_invalid",
            ) from error
    return windows


def meeting_slots(*, event: MeetingEvent) -> list[Slot]:
    """The event's slots in time order (see the module docstring); slot ids are their indices."""
    zone = ZoneInfo(event.time_zone)
    step = dt.timedelta(minutes=event.slot_minutes)
    breaks = _break_windows(event)
    slots: list[Slot] = []
    day = event.starts_on
    while day <= event.ends_on:
        if slots:
            slots += [Slot(len(slots) + i, NIGHT) for i in range(event.buffer_slots)]
            slots = [dataclasses.replace(slot, index=i) for i, slot in enumerate(slots)]
        start = dt.datetime.combine(day, event.day_starts)
        day_end = dt.datetime.combine(day, event.day_ends)
        while start + step <= day_end:
            end = start + step
            in_break = any(
                start < dt.datetime.combine(day, b_end) and dt.datetime.combine(day, b_start) < end
                for b_start, b_end in breaks
            )
            slots.append(
                Slot(len(slots), BREAK if in_break else MEETING, start.replace(tzinfo=zone), end.replace(tzinfo=zone))
            )
            start = end
        day += dt.timedelta(days=1)
    return slots


def _slot_index(slots: list[Slot]) -> dict[dt.datetime, int]:
    return {slot.starts_at: slot.index for slot in slots if slot.kind == MEETING}


# --- requests --------------------------------------------------------------------------------------


def _request_id(application_id: int, host: Any) -> str:
    return f"a{application_id}-{'panel' if host == PANEL else f'p{host}'}"


def _pitch_applications(event: MeetingEvent) -> set[int]:
    assigned = Assignment.objects.filter(round_id=event.round_id).exclude(status=Assignment.Status.RECUSED)
    return set(assigned.values_list("application_id", flat=True)) | set(
        RoundResult.objects.filter(round_id=event.round_id).values_list("application_id", flat=True)
    )


def meeting_requests(*, event: MeetingEvent) -> dict[str, tuple[int, Any]]:
    """request id → (application id, host): host a partner id, or PANEL for a pitch session."""
    if event.kind == MeetingEvent.Kind.PITCH:
        if event.round_id is None:
            raise DomainError(
                _("A pitch session needs the round whose panel hears the pitches."), code="event_no_round"
            )
        return {_request_id(a, PANEL): (a, PANEL) for a in sorted(_pitch_applications(event))}
    program_id = event.program_id
    finalists = set(
        Application.objects.filter(program_id=program_id, status=Application.Status.SELECTED).values_list(
            "pk", flat=True
        )
    )
    partners = set(ProgramPartner.objects.filter(program_id=program_id).values_list("partner_id", flat=True))
    wanted_by_startups = set(
        PartnerPreference.objects.filter(application_id__in=finalists, partner_id__in=partners).values_list(
            "application_id", "partner_id"
        )
    )
    wanted_by_partners = set(
        PartnerRankingEntry.objects.filter(
            ranking__program_id=program_id, rank__isnull=False, application_id__in=finalists
        ).values_list("application_id", "ranking__partner_id")
    )
    pairs = wanted_by_startups & wanted_by_partners
    published = MatchingRun.objects.filter(program_id=program_id, published_at__isnull=False)
    run = published.order_by("-published_at").first()
    if run is not None:
        pairs |= {
            (int(a), int(p)) for a, p in (run.assignment or {}).items() if int(a) in finalists and int(p) in partners
        }
    return {_request_id(a, p): (a, p) for a, p in sorted(pairs)}


# --- names and reasons -----------------------------------------------------------------------------


def partner_name(partner: Partner | None) -> str:
    if partner is None:
        return _("the panel")
    from django.utils.translation import get_language

    if (get_language() or "ko")[:2] == "ko" and partner.name_ko:
        return partner.name_ko
    return partner.name


def reason_text(reason: dict[str, Any], *, startups: dict[int, str], hosts: dict[Any, str]) -> str:
    """A scheduler reason code in words, in the active language."""
    values = {
        "startup": startups.get(reason.get("startup"), str(reason.get("startup", ""))),
        "host": hosts.get(reason.get("host"), str(reason.get("host", ""))),
        "free": reason.get("free", 0),
        "requests": reason.get("requests", 0),
        "common": reason.get("common", 0),
    }
    texts = {
        schedule.NO_TABLE: _("%(host)s: no table or room at this event."),
        schedule.STARTUP_UNAVAILABLE: _("%(startup)s: available at no time of the event."),
        schedule.HOST_UNAVAILABLE: _("%(host)s: available at no time when one of its tables is free."),
        schedule.NO_COMMON_SLOT: _("%(startup)s · %(host)s: no time when both are available."),
        schedule.HOST_SLOTS_EXHAUSTED: _("%(host)s has %(free)d free slots for %(requests)d requests."),
        schedule.STARTUP_SLOTS_EXHAUSTED: _("%(startup)s can attend %(free)d more meetings for %(requests)d requests."),
        schedule.COMMON_SLOTS_TAKEN: _(
            "%(startup)s · %(host)s: the %(common)d times both are available are all taken by other meetings."
        ),
    }
    return texts.get(reason.get("code"), _("%(startup)s · %(host)s: could not be placed.")) % values


# --- scheduling ------------------------------------------------------------------------------------


def meetings_schedule_start(*, event: MeetingEvent, by: Any, reason: str = "") -> Job:
    """Queue the scheduling of `event` as a job (kind `meetings.schedule`)."""
    return job_start(kind=Job.Kind.SCHEDULING, params={"event_id": event.pk}, by=by, program=event.program)


def _unavailable(
    event: MeetingEvent, slots: list[Slot], tables: dict[int, Any], requests: dict[str, tuple[int, Any]]
) -> list[tuple[str, Any, int]]:
    """Breaks and nights for every table; outside their windows for partners and startups with windows."""
    off: list[tuple[str, Any, int]] = []
    closed = [slot.index for slot in slots if slot.kind != MEETING]
    for table_id in tables:
        off += [("table", table_id, index) for index in closed]
    for host in set(tables.values()):
        off += [("host", host, index) for index in closed]
    windows: dict[tuple[str, Any], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for partner_id, application_id, starts_at, ends_at in Availability.objects.filter(event=event).values_list(
        "partner_id", "application_id", "starts_at", "ends_at"
    ):
        key = ("host", partner_id) if partner_id is not None else ("startup", application_id)
        windows[key].append((starts_at, ends_at))
    meeting_slots_ = [slot for slot in slots if slot.kind == MEETING]
    for (kind, who), spans in windows.items():
        for slot in meeting_slots_:
            if not any(start <= slot.starts_at and slot.ends_at <= end for start, end in spans):
                off.append((kind, who, slot.index))
    return off


def _event_locked(event_id: int) -> MeetingEvent:
    return MeetingEvent.objects.select_for_update(of=("self",)).select_related("program", "round").get(pk=event_id)


@dataclasses.dataclass
class _Changes:
    created: list[Meeting] = dataclasses.field(default_factory=list)
    moved: list[Meeting] = dataclasses.field(default_factory=list)
    cancelled: list[Meeting] = dataclasses.field(default_factory=list)


def _sticky(
    current: dict[str, Meeting], requests: dict[str, tuple[int, Any]], by_start: dict[dt.datetime, int]
) -> dict[str, tuple[int, int]]:
    """Where the scheduled meetings are now (request id → (slot, table)), for those still requested."""
    return {
        key: (by_start[meeting.starts_at], meeting.table_id)
        for key, meeting in current.items()
        if key in requests and meeting.starts_at in by_start
    }


def _plan(event, requests, slots, host_of, unavailable, locked, sticky) -> schedule.MeetingPlan:
    """The plan that keeps the scheduled meetings where they are (so nobody gets an update for nothing),
    unless moving some of them lets more requests be placed. Locked meetings never move."""
    slot_ids = [slot.index for slot in slots]
    off = set(unavailable)
    kept = dict(locked)
    for key, (index, table_id) in sticky.items():
        application_id, host = requests[key]
        if key in kept or host_of.get(table_id) != host:
            continue
        if {("startup", application_id, index), ("host", host, index), ("table", table_id, index)} & off:
            continue
        kept[key] = (index, table_id)

    def plan(fixed):
        return schedule.plan_meetings(
            requests, slot_ids, host_of, unavailable=unavailable, locked=fixed, buffer_slots=event.buffer_slots
        )

    staying = None
    if kept != locked:
        try:
            staying = plan(kept)
        except ValueError:  # two meetings in place now conflict (a buffer changed): plan afresh
            staying = None
        if staying is not None and not staying.unplaced:
            return staying
    try:
        fresh = plan(locked)
    except ValueError as error:
        raise DomainError(
            _("Two locked meetings conflict; unlock one of them. (%(detail)s)") % {"detail": error},
            code="meetings_locked_conflict",
        ) from error
    if staying is not None and len(staying.placed) >= len(fresh.placed):
        return staying
    return fresh


def meetings_schedule(*, event_id: int, by: Any, tell: bool = True, progress: Progress = no_progress) -> dict:
    """Plan and write the event's meetings (see the module docstring). Returns the report: counts,
    and each unplaced request with its reason in words. `tell=False` queues no invitation and emits
    no webhook (a demo or an import loading a schedule nobody is to hear about)."""
    with transaction.atomic():
        event = _event_locked(event_id)
        requests = meeting_requests(event=event)
        progress(0, len(requests))
        slots = meeting_slots(event=event)
        by_start = _slot_index(slots)
        table_rows = list(MeetingTable.objects.filter(event=event).select_related("partner"))
        host_of = {t.pk: (t.partner_id if t.partner_id is not None else PANEL) for t in table_rows}
        if event.kind == MeetingEvent.Kind.PITCH:
            host_of = {pk: host for pk, host in host_of.items() if host == PANEL}
        existing = list(
            Meeting.objects.select_for_update(of=("self",)).filter(event=event).order_by("status", "-sequence", "pk")
        )
        current: dict[str, Meeting] = {}
        former: dict[str, Meeting] = {}
        for meeting in existing:
            key = _request_id(meeting.application_id, meeting.partner_id or PANEL)
            target = current if meeting.status == Meeting.Status.SCHEDULED else former
            target.setdefault(key, meeting)
        for key, meeting in former.items():
            if meeting.locked and key not in current:  # cancelled by staff: stays cancelled
                requests.pop(key, None)
        locked: dict[str, tuple[int, int]] = {}
        for key, meeting in current.items():
            if meeting.locked:
                index = by_start.get(meeting.starts_at.astimezone(ZoneInfo(event.time_zone)))
                if index is None or meeting.table_id not in host_of:
                    raise DomainError(
                        _(
                            "The locked meeting %(meeting)s is no longer at a time or table of the event; "
                            "unlock it first."
                        )
                        % {"meeting": meeting},
                        code="meeting_locked_outside",
                    )
                requests.setdefault(key, (meeting.application_id, meeting.partner_id or PANEL))
                locked[key] = (index, meeting.table_id)
        unavailable = _unavailable(event, slots, host_of, requests)
        plan = _plan(event, requests, slots, host_of, unavailable, locked, _sticky(current, requests, by_start))

        changes = _Changes()
        to_create: list[Meeting] = []
        to_move: list[Meeting] = []
        for key, (index, table_id) in sorted(plan.placed.items()):
            slot = slots[index]
            application_id, host = requests[key]
            partner_id = None if host == PANEL else host
            meeting = current.get(key)
            if meeting is not None:
                if meeting.starts_at == slot.starts_at and meeting.table_id == table_id:
                    continue
                meeting.starts_at, meeting.ends_at, meeting.table_id = slot.starts_at, slot.ends_at, table_id
                meeting.sequence += 1
                to_move.append(meeting)
            elif key in former:
                meeting = former[key]
                meeting.starts_at, meeting.ends_at, meeting.table_id = slot.starts_at, slot.ends_at, table_id
                meeting.status, meeting.sequence = Meeting.Status.SCHEDULED, meeting.sequence + 1
                to_move.append(meeting)
            else:
                to_create.append(
                    Meeting(
                        event=event,
                        application_id=application_id,
                        partner_id=partner_id,
                        table_id=table_id,
                        starts_at=slot.starts_at,
                        ends_at=slot.ends_at,
                    )
                )
        to_cancel = [m for key, m in current.items() if key not in plan.placed]
        now = timezone.now()
        if to_cancel:
            for meeting in to_cancel:
                meeting.status, meeting.updated_at = Meeting.Status.CANCELLED, now
                meeting.sequence += 1
            Meeting.objects.bulk_update(to_cancel, ["status", "sequence", "updated_at"], batch_size=500)
        if to_move:
            # Out of the way first, so two meetings trading places never meet in the unique index.
            Meeting.objects.filter(pk__in=[m.pk for m in to_move]).update(status=Meeting.Status.CANCELLED)
            for meeting in to_move:
                meeting.status, meeting.updated_at = Meeting.Status.SCHEDULED, now
            Meeting.objects.bulk_update(
                to_move, ["starts_at", "ends_at", "table_id", "status", "sequence", "updated_at"], batch_size=500
            )
        if to_create:
            Meeting.objects.bulk_create(to_create, batch_size=500)
        changes.created, changes.moved, changes.cancelled = to_create, to_move, to_cancel
        if event.status != MeetingEvent.Status.SCHEDULED:
            event.status = MeetingEvent.Status.SCHEDULED
            event.save(update_fields=["status", "updated_at"])
        if tell:
            _tell(event, changes)

        cache: dict[str, dict] = {}

        def _n() -> dict:  # names in the language active when the reason is written
            language = translation.get_language() or "ko"
            if language not in cache:
                cache[language] = _names(event, requests)
            return cache[language]

        unplaced = [
            {
                "request": key,
                "application_id": requests[key][0],
                "partner_id": None if requests[key][1] == PANEL else requests[key][1],
                "reason": reason,
                "text": _in_both_languages(
                    lambda r=reason: reason_text(r, startups=_n()["startups"], hosts=_n()["hosts"])
                ),
            }
            for key, reason in sorted(plan.unplaced.items())
        ]
        progress(len(requests), len(requests))
        report = {
            "event_id": event.pk,
            "requests": len(requests),
            "placed": len(plan.placed),
            "created": len(to_create),
            "moved": len(to_move),
            "cancelled": len(to_cancel),
            "kept": len(plan.placed) - len(to_create) - len(to_move),
            "unplaced": unplaced,
        }
        audit_record(
            actor=by,
            obj=event,
            verb="meetings_scheduled",
            data={k: v for k, v in report.items() if k != "unplaced"} | {"unplaced": len(unplaced)},
        )
        return report


def _in_both_languages(make) -> dict[str, str]:
    texts = {}
    for language in ("ko", "en"):
        with translation.override(language):
            texts[language] = make()
    return texts


def _names(event: MeetingEvent, requests: dict[str, tuple[int, Any]]) -> dict[str, dict]:
    application_ids = {a for a, _h in requests.values()}
    startups = {
        a.pk: localized(a.startup, "name")
        for a in Application.objects.filter(pk__in=application_ids).select_related("startup")
    }
    partner_ids = {h for _a, h in requests.values() if h != PANEL}
    hosts: dict[Any, str] = {p.pk: partner_name(p) for p in Partner.objects.filter(pk__in=partner_ids)}
    hosts[PANEL] = partner_name(None)
    return {"startups": startups, "hosts": hosts}


# --- telling people --------------------------------------------------------------------------------


def meeting_recipients(meetings: list[Meeting]) -> dict[int, list[Any]]:
    """meeting pk → the people concerned (active startup members, current partner members, and for a
    pitch session the round's evaluators), in a constant number of queries."""
    if not meetings:
        return {}
    application_startup = dict(
        Application.objects.filter(pk__in={m.application_id for m in meetings}).values_list("pk", "startup_id")
    )
    members = active_members_by_startup(set(application_startup.values()))
    by_partner: dict[int, list[Any]] = defaultdict(list)
    for membership in (
        PartnerMembership.objects.current()
        .filter(partner_id__in={m.partner_id for m in meetings if m.partner_id})
        .select_related("user")
    ):
        by_partner[membership.partner_id].append(membership.user)
    round_of_event = dict(
        MeetingEvent.objects.filter(pk__in={m.event_id for m in meetings}, round__isnull=False).values_list(
            "pk", "round_id"
        )
    )
    by_round: dict[int, dict[int, Any]] = defaultdict(dict)
    if round_of_event:
        for assignment in (
            Assignment.objects.filter(round_id__in=set(round_of_event.values()))
            .exclude(status=Assignment.Status.RECUSED)
            .select_related("evaluator__user")
        ):
            user = assignment.evaluator.user
            by_round[assignment.round_id][user.pk] = user
    people: dict[int, list[Any]] = {}
    for meeting in meetings:
        found: dict[int, Any] = {}
        for user in members.get(application_startup.get(meeting.application_id), []):
            found[user.pk] = user
        if meeting.partner_id:
            for user in by_partner.get(meeting.partner_id, []):
                found[user.pk] = user
        elif meeting.event_id in round_of_event:
            found.update(by_round.get(round_of_event[meeting.event_id], {}))
        people[meeting.pk] = [user for user in found.values() if user.is_active and user.email]
    return people


def _tell(event: MeetingEvent, changes: _Changes) -> None:
    """One message per person per meeting change (keyed by the meeting's sequence) and one webhook event
    per change."""
    from notifications.models import Notification
    from notifications.services import notify_each

    groups = [
        (Notification.Event.MEETING_SCHEDULED, "meeting.scheduled", changes.created),
        (Notification.Event.MEETING_CHANGED, "meeting.changed", changes.moved),
        (Notification.Event.MEETING_CANCELLED, "meeting.cancelled", changes.cancelled),
    ]
    every = [m for _e, _w, meetings in groups for m in meetings]
    if not every:
        return
    people = meeting_recipients(every)
    for event_name, _webhook, meetings in groups:
        by_sequence: dict[int, list[Meeting]] = defaultdict(list)
        for meeting in meetings:
            by_sequence[meeting.sequence].append(meeting)
        for sequence, same in sorted(by_sequence.items()):
            notify_each(
                event=event_name,
                messages=[(user, m, {"sequence": sequence}) for m in same for user in people.get(m.pk, [])],
                scope=f"seq{sequence}",
                program=event.program,
            )
    _emit(event, groups)


def _emit(event: MeetingEvent, groups: list[tuple[str, str, list[Meeting]]]) -> None:
    from notifications.models import WebhookSubscription
    from notifications.webhooks import webhooks_emit_many

    wanted = {
        name
        for events in WebhookSubscription.objects.filter(is_active=True)
        .filter(Q(program__isnull=True) | Q(program_id=event.program_id))
        .values_list("events", flat=True)
        for name in events or []
    }
    applications = None
    for _event_name, webhook, meetings in groups:
        if webhook not in wanted or not meetings:
            continue
        if applications is None:
            every = {m.application_id for _e, _w, ms in groups for m in ms}
            applications = Application.objects.in_bulk(every)
        webhooks_emit_many(
            event=webhook,
            items=[(applications[m.application_id], {"meeting": meeting_payload(m)}) for m in meetings],
            program=event.program,
        )


def meeting_payload(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "uid": str(meeting.uid),
        "event_id": meeting.event_id,
        "application_id": meeting.application_id,
        "partner_id": meeting.partner_id,
        "table_id": meeting.table_id,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "status": meeting.status,
        "sequence": meeting.sequence,
        "url": f"/api/v1/meetings/{meeting.pk}/",
    }


# --- staff changes to one meeting ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MoveOption:
    starts_at: dt.datetime
    ends_at: dt.datetime
    table: MeetingTable


def _lock(meeting: Meeting) -> tuple[MeetingEvent, Meeting]:
    event = _event_locked(meeting.event_id)
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("table").get(pk=meeting.pk)
    return event, locked


def _conflicts(event: MeetingEvent, meeting: Meeting, *, slots: list[Slot]) -> dict[str, Any]:
    """What a move of `meeting` must avoid: the event's other scheduled meetings by startup slot and
    by table slot, the windows of the startup and the partner."""
    others = list(
        Meeting.objects.filter(event=event, status=Meeting.Status.SCHEDULED)
        .exclude(pk=meeting.pk)
        .values_list("application_id", "table_id", "starts_at")
    )
    by_start = _slot_index(slots)
    zone = ZoneInfo(event.time_zone)
    startup_slots = {by_start.get(start.astimezone(zone)) for a, _t, start in others if a == meeting.application_id} - {
        None
    }
    taken = {(t, start) for _a, t, start in others}
    windows: dict[str, list] = {"host": [], "startup": []}
    for partner_id, _application, starts_at, ends_at in (
        Availability.objects.filter(event=event)
        .filter(
            (Q(partner_id=meeting.partner_id) if meeting.partner_id else Q(pk__in=[]))
            | Q(application_id=meeting.application_id)
        )
        .values_list("partner_id", "application_id", "starts_at", "ends_at")
    ):
        windows["host" if partner_id else "startup"].append((starts_at, ends_at))
    return {"startup_slots": startup_slots, "taken": taken, "windows": windows}


def _problem(event: MeetingEvent, meeting: Meeting, slot: Slot | None, table: MeetingTable, facts: dict) -> str:
    """Why `meeting` may not go to (`slot`, `table`), in words, or ""."""
    if slot is None or slot.kind != MEETING:
        return _("This is not a meeting time of the event (outside its hours, in a break, or not on a slot).")
    if table.event_id != event.pk:
        return _("This table belongs to another event.")
    if table.partner_id != meeting.partner_id:
        return _("This table is not the host's: %(host)s meets at its own tables only.") % {
            "host": partner_name(meeting.partner)
        }
    if (table.pk, slot.starts_at) in facts["taken"]:
        return _("%(table)s already holds another meeting at this time.") % {"table": table.name}
    gap = event.buffer_slots + 1
    if any(abs(slot.index - other) < gap for other in facts["startup_slots"]):
        if event.buffer_slots:
            return _("The startup has another meeting at this time or within %(buffer)d slots of it.") % {
                "buffer": event.buffer_slots
            }
        return _("The startup has another meeting at this time.")
    for who, spans in facts["windows"].items():
        if spans and not any(start <= slot.starts_at and slot.ends_at <= end for start, end in spans):
            if who == "host":
                return _("%(host)s is not available at this time.") % {"host": partner_name(meeting.partner)}
            return _("The startup is not available at this time.")
    return ""


def meeting_move_options(*, meeting: Meeting) -> list[MoveOption]:
    """The (time, table) pairs `meeting` may move to without any conflict, in time then table order."""
    event = meeting.event
    slots = meeting_slots(event=event)
    facts = _conflicts(event, meeting, slots=slots)
    tables = list(MeetingTable.objects.filter(event=event, partner_id=meeting.partner_id).order_by("order", "pk"))
    options = []
    for slot in slots:
        if slot.kind != MEETING:
            continue
        for table in tables:
            if slot.starts_at == meeting.starts_at and table.pk == meeting.table_id:
                continue
            if not _problem(event, meeting, slot, table, facts):
                options.append(MoveOption(slot.starts_at, slot.ends_at, table))
    return options


def meeting_move(*, meeting: Meeting, starts_at: dt.datetime, table: MeetingTable, by: Any) -> Meeting:
    """Move a scheduled meeting to another time and/or table. Refused, with the reason, on any conflict
    (the startup's other meetings and buffer, the table, availabilities). The people concerned get the
    updated invitation."""
    with transaction.atomic():
        event, meeting = _lock(meeting)
        if meeting.status != Meeting.Status.SCHEDULED:
            raise DomainError(_("A cancelled meeting cannot be moved."), code="meeting_cancelled")
        slots = meeting_slots(event=event)
        zone = ZoneInfo(event.time_zone)
        index = _slot_index(slots).get(starts_at.astimezone(zone)) if timezone.is_aware(starts_at) else None
        slot = slots[index] if index is not None else None
        if slot is not None and slot.starts_at == meeting.starts_at and table.pk == meeting.table_id:
            raise DomainError(_("The meeting is already at this time and table."), code="meeting_not_moved")
        problem = _problem(event, meeting, slot, table, _conflicts(event, meeting, slots=slots))
        if problem:
            raise DomainError(problem, code="meeting_move_conflict")
        before = {"starts_at": meeting.starts_at.isoformat(), "table": meeting.table.name}
        meeting.starts_at, meeting.ends_at, meeting.table = slot.starts_at, slot.ends_at, table
        meeting.sequence += 1
        meeting.save(update_fields=["starts_at", "ends_at", "table", "sequence", "updated_at"])
        audit_record(
            actor=by,
            obj=meeting,
            verb="meeting_moved",
            data={"before": before, "after": {"starts_at": meeting.starts_at.isoformat(), "table": table.name}},
        )
        _tell(event, _Changes(moved=[meeting]))
        return meeting


def meeting_lock(*, meeting: Meeting, locked: bool, by: Any) -> Meeting:
    """Lock a meeting where it is (re-scheduling keeps it) or unlock it. Nobody is told: nothing moved."""
    with transaction.atomic():
        _event, meeting = _lock(meeting)
        if meeting.status != Meeting.Status.SCHEDULED:
            raise DomainError(_("A cancelled meeting cannot be locked."), code="meeting_cancelled")
        if meeting.locked != locked:
            meeting.locked = locked
            meeting.save(update_fields=["locked", "updated_at"])
            audit_record(actor=by, obj=meeting, verb="meeting_locked" if locked else "meeting_unlocked")
        return meeting


def meeting_cancel(*, meeting: Meeting, by: Any, reason: str) -> Meeting:
    """Cancel a meeting (the people concerned get the calendar cancellation). A reason is required. It stays
    cancelled when the event is scheduled again (kept locked), so a re-run does not bring it back."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the meeting is cancelled."), code="reason_required")
    with transaction.atomic():
        event, meeting = _lock(meeting)
        if meeting.status == Meeting.Status.CANCELLED:
            raise DomainError(_("The meeting is already cancelled."), code="meeting_cancelled")
        # Locked while cancelled: re-scheduling leaves the request out instead of placing it again.
        meeting.status, meeting.locked, meeting.sequence = Meeting.Status.CANCELLED, True, meeting.sequence + 1
        meeting.save(update_fields=["status", "locked", "sequence", "updated_at"])
        audit_record(
            actor=by,
            obj=meeting,
            verb="meeting_cancelled",
            from_state=Meeting.Status.SCHEDULED,
            to_state=Meeting.Status.CANCELLED,
            reason=reason,
        )
        _tell(event, _Changes(cancelled=[meeting]))
        return meeting


# --- calendar feeds --------------------------------------------------------------------------------


def calendar_feed_token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, user: Any) -> str:
    """A new secret feed address for `user`; the old one stops working. Returns the token (shown once;
    only its SHA-256 is kept)."""
    import secrets

    from matching.models import CalendarFeed

    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        from accounts.models import User

        User.objects.select_for_update().filter(pk=user.pk).first()  # two new feeds at once: one after the other
        now = timezone.now()
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        feed = CalendarFeed.objects.create(user=user, token_hash=calendar_feed_token_hash(token))
        audit_record(actor=user, obj=feed, verb="calendar_feed_created")
    return token


def calendar_feed_revoke(*, user: Any) -> int:
    """The feed address of `user` stops working. Returns how many were revoked (0 or 1)."""
    from matching.models import CalendarFeed

    with transaction.atomic():
        feeds = list(CalendarFeed.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
        for feed in feeds:
            feed.revoked_at = timezone.now()
            feed.save(update_fields=["revoked_at"])
            audit_record(actor=user, obj=feed, verb="calendar_feed_revoked")
        return len(feeds)


def calendar_feed_user(*, token: str) -> Any | None:
    """The active user whose live feed `token` opens, or None (unknown or revoked token)."""
    from matching.models import CalendarFeed

    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=calendar_feed_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed.user if feed else None
