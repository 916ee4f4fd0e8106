"""The Matching Day and pitch sessions: slots, requests, scheduling, moving, locking, cancelling, and the
messages each change sends."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from matching.models import (
    Availability,
    EvaluationRound,
    MatchingRun,
    Meeting,
    PartnerRanking,
    PartnerRankingEntry,
)
from matching.services.meetings import (
    BREAK,
    MEETING,
    NIGHT,
    PANEL,
    meeting_cancel,
    meeting_lock,
    meeting_move,
    meeting_move_options,
    meeting_requests,
    meeting_slots,
    meetings_schedule,
)
from notifications.models import Notification
from notifications.services import notification_deliver
from startups.models import Application
from tests import factories as f

pytestmark = pytest.mark.django_db
LA = ZoneInfo("America/Los_Angeles")


@dataclasses.dataclass
class World:
    program: object
    event: object
    openai: object
    acme: object
    applications: list
    founders: list
    partner_people: dict
    tables: dict


def build_world(*, startups: int = 3, openai_tables: int = 1, **event_fields) -> World:
    """A Matching Day in San Francisco. Every finalist ranks both partners; OpenAI ranks every finalist,
    Acme only the first: so each finalist meets OpenAI and the first also meets Acme."""
    program = f.ProgramFactory()
    openai = f.PartnerFactory(name="OpenAI", name_ko="오픈AI")
    acme = f.PartnerFactory(name="Acme Ventures")
    for partner in (openai, acme):
        f.ProgramPartnerFactory(program=program, partner=partner, seats=5)
    partner_people = {
        openai.pk: f.PartnerMembershipFactory(partner=openai, user=f.UserFactory(preferred_language="en")).user,
        acme.pk: f.PartnerMembershipFactory(partner=acme, user=f.UserFactory(preferred_language="en")).user,
    }
    applications, founders = [], []
    for _ in range(startups):
        application = f.ApplicationFactory(program=program, in_review=True, status=Application.Status.SELECTED)
        founders.append(f.StartupMemberFactory(startup=application.startup).user)
        f.PartnerPreferenceFactory(application=application, partner=openai, rank=1)
        f.PartnerPreferenceFactory(application=application, partner=acme, rank=2)
        applications.append(application)
    openai_ranking = PartnerRanking.objects.create(program=program, partner=openai, status="submitted")
    acme_ranking = PartnerRanking.objects.create(program=program, partner=acme, status="submitted")
    for rank, application in enumerate(applications, start=1):
        PartnerRankingEntry.objects.create(ranking=openai_ranking, application=application, rank=rank)
    PartnerRankingEntry.objects.create(ranking=acme_ranking, application=applications[0], rank=1)
    event = f.MeetingEventFactory(program=program, **event_fields)
    tables = {
        "openai": [
            f.MeetingTableFactory(event=event, partner=openai, name=f"OpenAI {n + 1}") for n in range(openai_tables)
        ],
        "acme": [f.MeetingTableFactory(event=event, partner=acme, name="Acme 1")],
    }
    return World(program, event, openai, acme, applications, founders, partner_people, tables)


def scheduled(world: World) -> list[Meeting]:
    return list(Meeting.objects.filter(event=world.event, status="scheduled").order_by("starts_at", "table_id"))


# --- slots ---------------------------------------------------------------------------------------


def test_slots_run_from_the_day_start_in_the_venue_time_zone():
    event = f.MeetingEventFactory()
    slots = meeting_slots(event=event)
    assert len(slots) == 9  # 9:00–12:00 in 20-minute slots
    assert slots[0].starts_at == dt.datetime(2027, 3, 10, 9, 0, tzinfo=LA)
    assert slots[0].starts_at.astimezone(dt.UTC) == dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC)
    assert slots[-1].ends_at == dt.datetime(2027, 3, 10, 12, 0, tzinfo=LA)


def test_a_break_is_a_slot_where_nobody_meets():
    event = f.MeetingEventFactory(breaks=[{"starts": "10:00", "ends": "10:20"}])
    kinds = [slot.kind for slot in meeting_slots(event=event)]
    assert kinds == [MEETING] * 3 + [BREAK] + [MEETING] * 5


def test_days_are_separated_by_night_slots_as_long_as_the_buffer():
    event = f.MeetingEventFactory(ends_on=dt.date(2027, 3, 11), buffer_slots=2)
    slots = meeting_slots(event=event)
    assert [slot.kind for slot in slots[8:12]] == [MEETING, NIGHT, NIGHT, MEETING]
    assert [slot.index for slot in slots] == list(range(len(slots)))
    assert slots[11].starts_at == dt.datetime(2027, 3, 11, 9, 0, tzinfo=LA)


def test_a_break_written_wrongly_is_refused_in_words():
    event = f.MeetingEventFactory(breaks=[{"from": "10:00"}])
    with pytest.raises(DomainError):
        meeting_slots(event=event)


# --- requests ------------------------------------------------------------------------------------


def test_a_matching_day_requests_the_pairs_that_ranked_each_other():
    world = build_world()
    a1, a2, a3 = (a.pk for a in world.applications)
    assert meeting_requests(event=world.event) == {
        f"a{a1}-p{world.openai.pk}": (a1, world.openai.pk),
        f"a{a2}-p{world.openai.pk}": (a2, world.openai.pk),
        f"a{a3}-p{world.openai.pk}": (a3, world.openai.pk),
        f"a{a1}-p{world.acme.pk}": (a1, world.acme.pk),
    }


def test_a_published_matching_adds_each_startup_with_its_partner():
    world = build_world()
    a3 = world.applications[2].pk
    MatchingRun.objects.create(
        program=world.program,
        fingerprint="x",
        assignment={str(a3): world.acme.pk},
        published_at=dt.datetime.now(dt.UTC),
    )
    assert (a3, world.acme.pk) in meeting_requests(event=world.event).values()


def test_a_draft_matching_adds_nothing():
    world = build_world()
    a3 = world.applications[2].pk
    MatchingRun.objects.create(program=world.program, fingerprint="x", assignment={str(a3): world.acme.pk})
    assert (a3, world.acme.pk) not in meeting_requests(event=world.event).values()


def test_a_pitch_session_requests_one_presentation_per_application_of_the_round():
    program = f.ProgramFactory()
    evaluation_round = f.EvaluationRoundFactory(program=program, kind=EvaluationRound.Kind.PRESENTATION)
    applications = [f.ApplicationFactory(program=program, in_review=True) for _ in range(2)]
    for application in applications:
        f.AssignmentFactory(round=evaluation_round, application=application)
        f.AssignmentFactory(round=evaluation_round, application=application)
    event = f.MeetingEventFactory(program=program, kind="pitch", round=evaluation_round)
    assert meeting_requests(event=event) == {f"a{a.pk}-panel": (a.pk, PANEL) for a in applications}


# --- scheduling ----------------------------------------------------------------------------------


def test_scheduling_places_every_request_without_double_booking():
    world = build_world(breaks=[{"starts": "10:00", "ends": "10:20"}])
    report = meetings_schedule(event_id=world.event.pk, by="test")
    meetings = scheduled(world)
    assert report["placed"] == report["created"] == len(meetings) == 4
    assert report["unplaced"] == []
    assert len({(m.application_id, m.starts_at) for m in meetings}) == 4
    assert len({(m.table_id, m.starts_at) for m in meetings}) == 4
    assert all(m.starts_at.astimezone(LA).time() != dt.time(10, 0) for m in meetings)
    assert all(m.table.partner_id == m.partner_id for m in meetings)


def test_scheduling_keeps_to_a_partners_availability():
    world = build_world()
    Availability.objects.create(
        event=world.event,
        partner=world.openai,
        starts_at=dt.datetime(2027, 3, 10, 10, 0, tzinfo=LA),
        ends_at=dt.datetime(2027, 3, 10, 11, 0, tzinfo=LA),
    )
    meetings_schedule(event_id=world.event.pk, by="test")
    for meeting in Meeting.objects.filter(partner=world.openai):
        assert dt.time(10, 0) <= meeting.starts_at.astimezone(LA).time() < dt.time(11, 0)


def test_what_cannot_be_placed_is_reported_with_the_reason_in_words():
    world = build_world(startups=4)
    Availability.objects.create(
        event=world.event,
        partner=world.openai,
        starts_at=dt.datetime(2027, 3, 10, 9, 0, tzinfo=LA),
        ends_at=dt.datetime(2027, 3, 10, 10, 0, tzinfo=LA),
    )
    report = meetings_schedule(event_id=world.event.pk, by="test")
    assert len(report["unplaced"]) == 1
    unplaced = report["unplaced"][0]
    assert unplaced["partner_id"] == world.openai.pk
    assert unplaced["text"]["en"] == "OpenAI has 3 free slots for 4 requests."
    assert "오픈AI" in unplaced["text"]["ko"]


def test_a_locked_meeting_keeps_its_place_when_scheduling_again():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.filter(partner=world.openai).order_by("starts_at").last()
    options = meeting_move_options(meeting=meeting)
    target = options[-1]
    meeting_move(meeting=meeting, starts_at=target.starts_at, table=target.table, by="test")
    meeting_lock(meeting=meeting, locked=True, by="test")
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting.refresh_from_db()
    assert meeting.starts_at == target.starts_at and meeting.status == "scheduled" and meeting.locked


def test_scheduling_twice_changes_nothing_and_sends_nothing_more():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    before = list(Meeting.objects.values_list("pk", "starts_at", "table_id", "sequence", "status").order_by("pk"))
    messages = Notification.objects.count()
    report = meetings_schedule(event_id=world.event.pk, by="test")
    assert report["created"] == report["moved"] == report["cancelled"] == 0
    assert list(Meeting.objects.values_list("pk", "starts_at", "table_id", "sequence", "status").order_by("pk")) == (
        before
    )
    assert Notification.objects.count() == messages


def test_a_schedule_written_without_telling_queues_no_invitation():
    world = build_world()

    report = meetings_schedule(event_id=world.event.pk, by="test", tell=False)

    assert report["created"] == Meeting.objects.count() > 0
    assert not Notification.objects.exists()


def test_each_person_concerned_gets_one_invitation_per_new_meeting():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    first = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    rows = Notification.objects.filter(object_id=str(first.pk), event="meeting.scheduled")
    assert {n.recipient_id for n in rows} == {world.founders[0].pk, world.partner_people[world.acme.pk].pk}


def test_a_request_that_disappears_cancels_its_meeting():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    PartnerRankingEntry.objects.filter(ranking__partner=world.acme).delete()
    report = meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.get(partner=world.acme)
    assert report["cancelled"] == 1
    assert (meeting.status, meeting.sequence) == ("cancelled", 1)
    assert Notification.objects.filter(event="meeting.cancelled", object_id=str(meeting.pk)).count() == 2


def test_scheduling_takes_as_many_queries_for_many_startups_as_for_few():
    small, large = build_world(startups=2), build_world(startups=8, openai_tables=3)
    counts = []
    for world in (small, large):
        ContentType.objects.clear_cache()  # both runs start cold, whatever ran before
        with CaptureQueriesContext(connection) as queries:
            meetings_schedule(event_id=world.event.pk, by="test")
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- moving, locking, cancelling -----------------------------------------------------------------


def _deliver_all() -> None:
    for pk in Notification.objects.filter(status="queued").values_list("pk", flat=True):
        notification_deliver(notification_id=pk)


def test_a_move_raises_the_sequence_and_sends_one_update_with_a_request():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    _deliver_all()
    mail.outbox.clear()
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    option = meeting_move_options(meeting=meeting)[0]
    meeting_move(meeting=meeting, starts_at=option.starts_at, table=option.table, by="test")
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    _deliver_all()
    assert len(mail.outbox) == 2  # the founder and Acme's member, once each
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert "method=REQUEST" in mimetype
    text = content.decode() if isinstance(content, bytes) else content
    assert "METHOD:REQUEST" in text and "SEQUENCE:1" in text


def test_a_move_onto_a_taken_table_is_refused_in_words():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    first, second = Meeting.objects.filter(partner=world.openai).order_by("starts_at")[:2]
    with pytest.raises(DomainError, match="이미 다른 미팅이 있습니다"):
        meeting_move(meeting=second, starts_at=first.starts_at, table=first.table, by="test")
    second.refresh_from_db()
    assert second.sequence == 0


def test_a_move_outside_the_partners_availability_is_refused():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    Availability.objects.create(
        event=world.event,
        partner=world.openai,
        starts_at=dt.datetime(2027, 3, 10, 9, 0, tzinfo=LA),
        ends_at=dt.datetime(2027, 3, 10, 10, 0, tzinfo=LA),
    )
    meeting = Meeting.objects.filter(partner=world.openai).first()
    with pytest.raises(DomainError, match="참석할 수 없습니다"):
        meeting_move(
            meeting=meeting, starts_at=dt.datetime(2027, 3, 10, 11, 0, tzinfo=LA), table=meeting.table, by="test"
        )


def test_the_move_form_offers_only_conflict_free_places():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.openai)
    other = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    taken = set(Meeting.objects.exclude(pk=meeting.pk).values_list("table_id", "starts_at"))
    options = meeting_move_options(meeting=meeting)
    assert options
    for option in options:
        assert (option.table.pk, option.starts_at) not in taken
        assert option.starts_at != other.starts_at  # the startup is elsewhere then
        assert option.table.partner_id == world.openai.pk


def test_a_cancel_sends_a_calendar_cancellation():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    _deliver_all()
    mail.outbox.clear()
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    meeting_cancel(meeting=meeting, by="test", reason="The partner cannot come.")
    _deliver_all()
    assert len(mail.outbox) == 2
    _name, content, mimetype = mail.outbox[0].attachments[0]
    text = content.decode() if isinstance(content, bytes) else content
    assert "method=CANCEL" in mimetype
    assert "METHOD:CANCEL" in text and "STATUS:CANCELLED" in text


def test_a_cancel_needs_a_reason():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.first()
    with pytest.raises(DomainError):
        meeting_cancel(meeting=meeting, by="test", reason=" ")
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_an_invitation_superseded_by_a_newer_change_is_not_sent():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    option = meeting_move_options(meeting=meeting)[0]
    meeting_move(meeting=meeting, starts_at=option.starts_at, table=option.table, by="test")
    first = Notification.objects.filter(event="meeting.scheduled", object_id=str(meeting.pk)).first()
    assert notification_deliver(notification_id=first.pk).outcome == "cancelled"


def test_a_meeting_staff_cancelled_stays_cancelled_when_scheduling_again():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    meeting_cancel(meeting=meeting, by="test", reason="Acme cannot meet them.")
    report = meetings_schedule(event_id=world.event.pk, by="test")
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert report["created"] == report["moved"] == 0
    assert not Meeting.objects.filter(application=world.applications[0], partner=world.acme, status="scheduled")


def test_each_change_is_told_to_webhook_subscribers():
    from notifications.models import WebhookDelivery

    world = build_world()
    f.WebhookSubscriptionFactory(events=["meeting.scheduled", "meeting.changed", "meeting.cancelled"])
    meetings_schedule(event_id=world.event.pk, by="test")
    meeting = Meeting.objects.get(application=world.applications[0], partner=world.acme)
    meeting_cancel(meeting=meeting, by="test", reason="Acme cannot meet them.")
    events = list(WebhookDelivery.objects.values_list("event", flat=True))
    assert events.count("meeting.scheduled") == 4 and events.count("meeting.cancelled") == 1
    cancelled = WebhookDelivery.objects.get(event="meeting.cancelled")
    assert cancelled.payload["data"]["meeting"]["uid"] == str(meeting.uid)
    assert cancelled.payload["data"]["meeting"]["sequence"] == 1


def test_a_new_request_is_placed_around_the_meetings_already_scheduled():
    world = build_world()
    meetings_schedule(event_id=world.event.pk, by="test")
    before = dict(Meeting.objects.values_list("pk", "starts_at"))
    acme_ranking = PartnerRanking.objects.get(partner=world.acme)
    PartnerRankingEntry.objects.create(ranking=acme_ranking, application=world.applications[1], rank=2)
    report = meetings_schedule(event_id=world.event.pk, by="test")
    assert (report["created"], report["moved"], report["cancelled"]) == (1, 0, 0)
    assert dict(Meeting.objects.filter(pk__in=before).values_list("pk", "starts_at")) == before


def test_a_pitch_invitation_goes_to_the_founders_and_the_rounds_evaluators():
    program = f.ProgramFactory()
    evaluation_round = f.EvaluationRoundFactory(program=program, kind=EvaluationRound.Kind.PRESENTATION)
    application = f.ApplicationFactory(program=program, in_review=True)
    founder = f.StartupMemberFactory(startup=application.startup).user
    judges = [f.AssignmentFactory(round=evaluation_round, application=application).evaluator.user for _ in range(2)]
    event = f.MeetingEventFactory(program=program, kind="pitch", round=evaluation_round)
    f.MeetingTableFactory(event=event, name="Room A")
    meetings_schedule(event_id=event.pk, by="test")
    meeting = Meeting.objects.get(event=event)
    assert meeting.partner_id is None
    rows = Notification.objects.filter(event="meeting.scheduled", object_id=str(meeting.pk))
    assert {n.recipient_id for n in rows} == {founder.pk, *(judge.pk for judge in judges)}


def test_webhooks_for_a_schedule_take_as_many_queries_for_many_meetings_as_for_few():
    from notifications.models import WebhookDelivery

    f.WebhookSubscriptionFactory(events=["meeting.scheduled"])
    small, large = build_world(startups=2), build_world(startups=8, openai_tables=3)
    counts = []
    for world in (small, large):
        ContentType.objects.clear_cache()  # both runs start cold, whatever ran before
        with CaptureQueriesContext(connection) as queries:
            meetings_schedule(event_id=world.event.pk, by="test")
        counts.append(len(queries))
    assert counts[0] == counts[1]
    deliveries = WebhookDelivery.objects.filter(event="meeting.scheduled")
    assert deliveries.count() == deliveries.values("event_id").distinct().count() > 4
