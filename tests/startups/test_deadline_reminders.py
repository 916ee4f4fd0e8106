"""D-3 and D-1 reminders: to the active members of startups whose application is still a draft,
once per reminder, in a constant number of queries."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from matching.models import Program
from notifications.models import Notification
from notifications.tasks import remind_draft_deadlines
from startups.models import Application, StartupMember
from startups.services.reminders import deadline_reminders_queue
from tests import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def now():
    return timezone.now()


def program_closing(now, time_left, **fields):
    """An open program whose window opened a week before `now` and closes `time_left` after it."""
    fields.setdefault("status", Program.Status.OPEN)
    return factories.ProgramFactory(opens_at=now - 7 * DAY, closes_at=now + time_left, **fields)


def application_with_members(program, *, members=1, **fields):
    application = factories.ApplicationFactory(program=program, **fields)
    for _n in range(members):
        factories.StartupMemberFactory(startup=application.startup)
    return application


def reminders():
    return Notification.objects.filter(event=Notification.Event.DEADLINE_REMINDER)


@pytest.mark.parametrize(
    ("time_left", "expected"),
    [
        (4 * DAY, []),
        (3 * DAY + HOUR, []),
        (3 * DAY, [({"days": 3}, ":d-3")]),
        (2 * DAY, [({"days": 3}, ":d-3")]),
        (DAY + HOUR, [({"days": 3}, ":d-3")]),
        (DAY, [({"days": 1}, ":d-1")]),
        (20 * HOUR, [({"days": 1}, ":d-1")]),
        (dt.timedelta(0), []),
        (-HOUR, []),
    ],
    ids=["4 days", "3 days 1 hour", "3 days", "2 days", "1 day 1 hour", "1 day", "20 hours", "closing now", "closed"],
)
def test_the_time_left_before_the_deadline_decides_which_reminder_a_draft_gets(now, time_left, expected):
    program = program_closing(now, time_left)
    application_with_members(program)

    deadline_reminders_queue(now=now)

    assert [(n.context, n.idempotency_key[-4:]) for n in reminders()] == expected


def test_every_active_member_of_a_drafting_startup_gets_one_d3_reminder_about_the_application(now):
    program = program_closing(now, 2 * DAY)
    application = application_with_members(program, members=2)
    members = {m.user for m in application.startup.members.all()}

    queued = deadline_reminders_queue(now=now)

    assert queued == 2
    rows = list(reminders())
    assert {n.recipient for n in rows} == members
    assert {(n.object_id, n.program_id, n.email == n.recipient.email) for n in rows} == {
        (str(application.pk), program.pk, True)
    }
    assert all(n.idempotency_key.endswith(f":startups.application:{application.pk}:d-3") for n in rows)


@pytest.mark.parametrize(
    "trait",
    [
        {"submitted": True},
        {"status": Application.Status.WITHDRAWN},
        {"status": Application.Status.INELIGIBLE},
    ],
    ids=["submitted", "withdrawn", "ineligible"],
)
def test_an_application_that_is_no_longer_a_draft_gets_no_reminder(now, trait):
    program = program_closing(now, 2 * DAY)
    application_with_members(program, **trait)

    assert deadline_reminders_queue(now=now) == 0
    assert not reminders().exists()


def test_only_the_drafts_of_a_program_are_reminded_when_others_have_submitted(now):
    program = program_closing(now, 2 * DAY)
    draft = application_with_members(program)
    application_with_members(program, submitted=True)

    deadline_reminders_queue(now=now)

    assert [n.object_id for n in reminders()] == [str(draft.pk)]


@pytest.mark.parametrize("status", [Program.Status.DRAFT, Program.Status.CLOSED, Program.Status.REVIEWING])
def test_a_program_that_is_not_open_reminds_nobody(now, status):
    program = program_closing(now, 2 * DAY, status=status)
    application_with_members(program)

    assert deadline_reminders_queue(now=now) == 0
    assert not reminders().exists()


def test_a_program_whose_window_has_not_opened_yet_reminds_nobody(now):
    program = factories.ProgramFactory(open=True, opens_at=now + HOUR, closes_at=now + 2 * DAY)
    application_with_members(program)

    assert deadline_reminders_queue(now=now) == 0


@pytest.mark.parametrize("status", [StartupMember.Status.REQUESTED, StartupMember.Status.DECLINED])
def test_a_person_who_is_not_an_active_member_gets_no_reminder(now, status):
    program = program_closing(now, 2 * DAY)
    application = application_with_members(program)
    outsider = factories.StartupMemberFactory(startup=application.startup, status=status).user

    deadline_reminders_queue(now=now)

    assert reminders().count() == 1
    assert not reminders().filter(recipient=outsider).exists()


def test_running_again_queues_nothing_new(now):
    program = program_closing(now, 2 * DAY)
    application_with_members(program, members=2)
    deadline_reminders_queue(now=now)
    first = list(reminders().values_list("pk", "idempotency_key"))

    deadline_reminders_queue(now=now)
    deadline_reminders_queue(now=now + HOUR)

    assert list(reminders().values_list("pk", "idempotency_key")) == first


def test_a_draft_reminded_at_d3_is_reminded_again_at_d1(now):
    program = program_closing(now, 2 * DAY)
    application_with_members(program)

    deadline_reminders_queue(now=now)
    deadline_reminders_queue(now=now + DAY + HOUR)  # 23 hours left

    assert sorted((n.context["days"], n.idempotency_key[-4:]) for n in reminders()) == [(1, ":d-1"), (3, ":d-3")]


def test_a_draft_first_seen_with_twenty_hours_left_never_gets_d3(now):
    program = program_closing(now, 20 * HOUR)
    application_with_members(program)

    deadline_reminders_queue(now=now)
    deadline_reminders_queue(now=now + 10 * HOUR)

    assert [(n.context, n.idempotency_key[-4:]) for n in reminders()] == [({"days": 1}, ":d-1")]


def test_each_program_gets_the_reminder_its_own_deadline_calls_for(now):
    soon = application_with_members(program_closing(now, 20 * HOUR))
    later = application_with_members(program_closing(now, 2 * DAY))

    deadline_reminders_queue(now=now)

    assert {(n.object_id, n.program_id, n.context["days"]) for n in reminders()} == {
        (str(soon.pk), soon.program_id, 1),
        (str(later.pk), later.program_id, 3),
    }


def test_the_number_of_queries_does_not_grow_with_the_drafts(now, django_assert_num_queries):
    ContentType.objects.get_for_model(Application)  # the content type cache is warm in production too
    program = program_closing(now, 2 * DAY)
    for _n in range(2):
        application_with_members(program)

    # The drafts, their members, one insert and one read of the new rows' ids (and the savepoint).
    with django_assert_num_queries(6):
        assert deadline_reminders_queue(now=now) == 2
    for _n in range(20):  # 42 rows: one insert on SQLite too, which splits inserts at 999 parameters
        application_with_members(program, members=2)
    with django_assert_num_queries(6):
        assert deadline_reminders_queue(now=now) == 42

    assert reminders().count() == 42


def test_the_scheduled_task_queues_the_reminders():
    program = program_closing(timezone.now(), 2 * DAY)
    application = application_with_members(program, members=2)

    result = remind_draft_deadlines.delay()

    assert result.get() == 2
    assert {(n.object_id, n.context["days"]) for n in reminders()} == {(str(application.pk), 3)}


def test_a_member_whose_account_is_deactivated_gets_no_reminder(now):
    program = program_closing(now, 2 * DAY)
    application = application_with_members(program, members=2)
    gone, staying = [m.user for m in application.startup.members.order_by("pk")]
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    deadline_reminders_queue(now=now)

    assert [row.recipient for row in reminders()] == [staying]


def test_a_draft_with_an_extension_is_reminded_of_its_own_deadline_after_the_program_closed(now):
    from notifications.events import deadline_reminder_values, format_deadline

    program = program_closing(now, -DAY, status=Program.Status.CLOSED)
    application = application_with_members(program)
    extension = factories.PersonalDeadlineFactory(application=application, until=now + 20 * HOUR)

    deadline_reminders_queue(now=now)

    [reminder] = reminders()
    assert reminder.context == {"days": 1, "deadline": extension.until.isoformat()}
    assert reminder.idempotency_key.endswith(f"personal-{extension.pk}-d-1")
    assert deadline_reminder_values(reminder)["deadline"] == format_deadline(extension.until, program.time_zone)


def test_a_draft_whose_extension_runs_past_the_programs_deadline_gets_no_reminder_of_the_programs(now):
    program = program_closing(now, 2 * DAY)
    application = application_with_members(program)
    factories.PersonalDeadlineFactory(application=application, until=now + 10 * DAY)

    assert deadline_reminders_queue(now=now) == 0
