"""The demo's meeting events: the OpenAI program's pitch session at the Matching Day in San Francisco
(already scheduled), and the second program's Matching Day in Seoul (left to staff to schedule).

The pitch session is scheduled by the service staff use (`matching.services.meetings.meetings_schedule`),
so its meetings are exactly what a re-run would keep, but without telling anyone: loading the demo
sends nothing (no outbox row, no webhook), as the rest of the loader."""

import datetime as dt

from django.db.models import Sum

from matching import models as m
from matching.demo import content as c
from notifications.models import Notification
from startups import models as s

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
ACTOR = "seed_demo"


def likeliest_finalists(program: m.Program) -> list[int]:
    """The program is mid-way through round 1, so nobody has reached the Matching Day yet: the demo
    invites the seven applications per track with the best round-1 scores so far (the mean total of
    their submitted reviews; ties by receipt number)."""
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
    """The OpenAI program's pitch session at the Matching Day (round 3, its partner interview): the
    OpenAI panel (the round's evaluators) assigned to the 14 likeliest finalists, and their pitches
    scheduled. Created once; returns the rows it wrote by model."""
    if program.events.filter(kind=m.MeetingEvent.Kind.PITCH).exists():
        return {}
    round_ = program.rounds.get(kind=m.EvaluationRound.Kind.PARTNER_INTERVIEW)
    finalists = likeliest_finalists(program)
    panel = list(round_.evaluators.order_by("pk"))
    assigned = set(round_.assignments.values_list("application_id", "evaluator_id"))
    assignments = m.Assignment.objects.bulk_create(
        m.Assignment(
            round=round_,
            application_id=application_id,
            evaluator=evaluator,
            assigned_at=c.DEMO_NOW,
            updated_at=c.DEMO_NOW,
        )
        for application_id in finalists
        for evaluator in panel
        if (application_id, evaluator.pk) not in assigned
    )
    event = m.MeetingEvent.objects.create(program=program, round=round_, **PITCH_SESSION)
    m.MeetingTable.objects.create(event=event, name=PITCH_TABLE, order=1)
    report = _schedule_quietly(event)
    if report["unplaced"] or report["placed"] != len(finalists):
        raise ValueError(f"The demo's pitch session placed {report['placed']} of {len(finalists)} pitches.")
    return {
        m.Assignment._meta.label: len(assignments),
        m.MeetingEvent._meta.label: 1,
        m.MeetingTable._meta.label: 1,
        m.Meeting._meta.label: report["created"],
        "audit.AuditEvent": 1,  # meetings_scheduled
    }


def _schedule_quietly(event: m.MeetingEvent) -> dict:
    """`meetings_schedule` without telling anyone (no e-mail, no webhook); refuses to go on if any
    message was queued anyway."""
    from matching.services.meetings import meetings_schedule

    before = Notification.objects.count()
    report = meetings_schedule(event_id=event.pk, by=ACTOR, tell=False)
    if Notification.objects.count() != before:
        raise RuntimeError("Scheduling the demo's pitch session queued messages; the demo must send nothing.")
    return report


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
