"""The demo's meeting events: the OpenAI program's pitch session at the Matching Day in San Francisco
(already scheduled), and the helpers the second program's Matching Day in Seoul uses (left to staff to
schedule). Everything is written in bulk; nothing is sent: no outbox row, no webhook, no task."""

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.db.models import Sum

from matching import models as m
from matching.schedule import plan_meetings
from startups import models as s

PANEL = "panel"  # the host id of a pitch session's panel (its tables have no partner)

PITCH_SESSION = {
    "kind": m.MeetingEvent.Kind.PITCH,
    "name_ko": "매칭데이 OpenAI 인터뷰 (샌프란시스코)",
    "name_en": "Matching Day: interviews with OpenAI (San Francisco)",
    "venue": "OpenAI, 1455 3rd Street, San Francisco, CA 94158",
    "time_zone": "America/Los_Angeles",
    "starts_on": dt.date(2024, 3, 14),
    "ends_on": dt.date(2024, 3, 14),
    "day_starts": dt.time(10, 0),
    "day_ends": dt.time(16, 0),
    "slot_minutes": 20,
    "buffer_slots": 0,
    "breaks": [{"starts": "12:00", "ends": "13:00"}],
}
PITCH_TABLE = "OpenAI panel · Room Presidio"
FINALISTS_PER_TRACK = 7  # 40 → 14: seven per track go on from the presentation review


def event_slots(event: m.MeetingEvent) -> list[tuple[dt.datetime, bool]]:
    """(start, in a break) for every slot of the event, in time order, in the venue's zone."""
    zone = ZoneInfo(event.time_zone)
    step = dt.timedelta(minutes=event.slot_minutes)
    breaks = [(dt.time.fromisoformat(b["starts"]), dt.time.fromisoformat(b["ends"])) for b in event.breaks]
    slots = []
    day = event.starts_on
    while day <= event.ends_on:
        start = dt.datetime.combine(day, event.day_starts, tzinfo=zone)
        end_of_day = dt.datetime.combine(day, event.day_ends, tzinfo=zone)
        while start + step <= end_of_day:
            in_break = any(
                start < dt.datetime.combine(day, b_end, tzinfo=zone)
                and start + step > dt.datetime.combine(day, b_start, tzinfo=zone)
                for b_start, b_end in breaks
            )
            slots.append((start, in_break))
            start += step
        day += dt.timedelta(days=1)
    return slots


def event_requests(event: m.MeetingEvent) -> dict[tuple[int, object], tuple[int, object]]:
    """The meetings the event needs, (application id, host) → (application id, host): for a pitch
    session one per finalist before the panel; for a Matching Day each finalist with each partner it
    ranked and that ranked it (not "not interested")."""
    program = event.program
    finalists = s.Application.objects.filter(
        program=program, status__in=(s.Application.Status.SELECTED, s.Application.Status.RESERVE)
    )
    if event.kind == m.MeetingEvent.Kind.PITCH:
        return {(a, PANEL): (a, PANEL) for a in finalists.values_list("pk", flat=True)}
    wanted = set(
        s.PartnerPreference.objects.filter(application__in=finalists).values_list("application_id", "partner_id")
    )
    ranked = set(
        m.PartnerRankingEntry.objects.filter(
            ranking__program=program, ranking__status=m.PartnerRanking.Status.SUBMITTED, rank__isnull=False
        ).values_list("application_id", "ranking__partner_id")
    )
    return {pair: pair for pair in sorted(wanted & ranked)}


def event_unavailable(event: m.MeetingEvent, slots: list[tuple[dt.datetime, bool]], tables: dict) -> list[tuple]:
    """Breaks (every table unavailable) and partners' availability windows (a partner with windows is
    unavailable outside them), as `plan_meetings` triples over slot indexes."""
    step = dt.timedelta(minutes=event.slot_minutes)
    unavailable = [("table", t, i) for i, (_, in_break) in enumerate(slots) if in_break for t in tables]
    windows: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for partner_id, starts_at, ends_at in event.availabilities.filter(partner__isnull=False).values_list(
        "partner_id", "starts_at", "ends_at"
    ):
        windows.setdefault(partner_id, []).append((starts_at, ends_at))
    for partner_id, spans in windows.items():
        for i, (start, _) in enumerate(slots):
            if not any(a <= start and start + step <= b for a, b in spans):
                unavailable.append(("host", partner_id, i))
    return unavailable


def meetings_write(event: m.MeetingEvent, *, partner: m.Partner | None = None) -> tuple[list[m.Meeting], dict]:
    """Plan the event with `matching.schedule.plan_meetings` and write its meetings in bulk (scheduled,
    sequence 0), as `meetings_schedule` would, without sending anything. Returns the meetings and the
    requests it could not place. `partner`: the partner a pitch session's panel sits for."""
    slots = event_slots(event)
    table_rows = list(event.tables.all())
    tables = {t.pk: (t.partner_id if t.partner_id is not None else PANEL) for t in table_rows}
    requests = event_requests(event)
    plan = plan_meetings(
        requests,
        list(range(len(slots))),
        tables,
        unavailable=event_unavailable(event, slots, tables),
        buffer_slots=event.buffer_slots,
    )
    step = dt.timedelta(minutes=event.slot_minutes)
    meetings = m.Meeting.objects.bulk_create(
        [
            m.Meeting(
                event=event,
                application_id=application_id,
                partner_id=host if host != PANEL else (partner.pk if partner else None),
                table_id=table_id,
                starts_at=slots[slot][0],
                ends_at=slots[slot][0] + step,
                status=m.Meeting.Status.SCHEDULED,
                sequence=0,
            )
            for (application_id, host), (slot, table_id) in sorted(plan.placed.items(), key=lambda x: x[1])
        ]
    )
    return meetings, plan.unplaced


def likeliest_finalists(program: m.Program) -> list[int]:
    """The program is mid-way through round 1, so nobody has reached the Matching Day yet: the demo
    schedules the seven applications per track with the best round-1 scores so far (mean total of
    their submitted reviews, ties by receipt number)."""
    totals = (
        m.Review.objects.filter(assignment__round__program=program, assignment__round__order=1)
        .exclude(submitted_at=None)
        .values("pk", "assignment__application_id")
        .annotate(total=Sum("scores__value"))
    )
    per_review: dict[int, list] = {}
    for row in totals:
        per_review.setdefault(row["assignment__application_id"], []).append(row["total"])
    applications = s.Application.objects.filter(pk__in=per_review, status=s.Application.Status.IN_REVIEW).values_list(
        "pk", "track_id", "receipt_number"
    )
    by_track: dict[int, list] = {}
    for pk, track_id, receipt in applications:
        mean = sum(per_review[pk]) / len(per_review[pk])
        by_track.setdefault(track_id, []).append((-mean, receipt, pk))
    return sorted(pk for rows in by_track.values() for *_, pk in sorted(rows)[:FINALISTS_PER_TRACK])


def pitch_session_ensure(*, program: m.Program) -> dict[str, int]:
    """The OpenAI program's pitch session at the Matching Day (round 3, its partner interview), with
    its 14 finalists already scheduled. Created once; returns the rows it wrote by model."""
    if program.events.filter(kind=m.MeetingEvent.Kind.PITCH).exists():
        return {}
    round_ = program.rounds.filter(kind=m.EvaluationRound.Kind.PARTNER_INTERVIEW).select_related("partner").first()
    event = m.MeetingEvent.objects.create(program=program, round=round_, **PITCH_SESSION)
    table = m.MeetingTable.objects.create(event=event, name=PITCH_TABLE, order=1)
    finalists = likeliest_finalists(program)
    meetings = _pitch_meetings_write(event, table, finalists, partner=round_.partner if round_ else None)
    event.status = m.MeetingEvent.Status.SCHEDULED
    event.save(update_fields=["status", "updated_at"])
    return {m.MeetingEvent._meta.label: 1, m.MeetingTable._meta.label: 1, m.Meeting._meta.label: len(meetings)}


def _pitch_meetings_write(
    event: m.MeetingEvent, table: m.MeetingTable, finalists: Iterable[int], *, partner: m.Partner | None
) -> list[m.Meeting]:
    slots = event_slots(event)
    tables = {table.pk: PANEL}
    requests = {(a, PANEL): (a, PANEL) for a in finalists}
    plan = plan_meetings(requests, list(range(len(slots))), tables, unavailable=event_unavailable(event, slots, tables))
    if plan.unplaced:
        raise ValueError(f"The demo's pitch session cannot place {sorted(plan.unplaced)}.")
    step = dt.timedelta(minutes=event.slot_minutes)
    return m.Meeting.objects.bulk_create(
        m.Meeting(
            event=event,
            application_id=application_id,
            partner=partner,
            table_id=table_id,
            starts_at=slots[slot][0],
            ends_at=slots[slot][0] + step,
            status=m.Meeting.Status.SCHEDULED,
            sequence=0,
        )
        for (application_id, _), (slot, table_id) in sorted(plan.placed.items(), key=lambda x: x[1])
    )


def seoul_matching_day(*, program: m.Program, day: dt.date, partners: list[tuple[m.Partner, int]]) -> m.MeetingEvent:
    """The second program's Matching Day in Seoul: tables per partner, ready to schedule."""
    event = m.MeetingEvent.objects.create(
        program=program,
        kind=m.MeetingEvent.Kind.MATCHING_DAY,
        name_ko="오픈이노베이션 매칭데이 (서울)",
        name_en="Open Innovation Matching Day (Seoul)",
        venue="COEX Conference Room 300, 513 Yeongdong-daero, Gangnam-gu, Seoul",
        time_zone="Asia/Seoul",
        starts_on=day,
        ends_on=day,
        day_starts=dt.time(9, 0),
        day_ends=dt.time(18, 0),
        slot_minutes=20,
        buffer_slots=0,
        breaks=[{"starts": "12:00", "ends": "13:00"}],
    )
    m.MeetingTable.objects.bulk_create(
        m.MeetingTable(event=event, name=f"{partner.name} · Table {n}", partner=partner, order=order)
        for order, (partner, n) in enumerate(((p, n) for p, count in partners for n in range(1, count + 1)), start=1)
    )
    return event


__all__ = [
    "PANEL",
    "event_requests",
    "event_slots",
    "event_unavailable",
    "likeliest_finalists",
    "meetings_write",
    "pitch_session_ensure",
    "seoul_matching_day",
]
