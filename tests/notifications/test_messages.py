"""Messages to a group: staff write to the people of a segment of applications, preview it for one
of them, and send it once, as one job, through the outbox; each person reads it on /notifications/."""

import datetime as dt
import os
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from jobs.models import Job
from jobs.services import job_run
from notifications import messages as services
from notifications.models import Message, Notification
from startups.models import StartupMember
from tests import factories

pytestmark = pytest.mark.django_db
E = Notification.Event


def member_of(application, *, language="ko", **user):
    person = factories.UserFactory(preferred_language=language, **user)
    factories.StartupMemberFactory(startup=application.startup, user=person)
    return person


def draft(program, *, by=None, segment=None, **texts):
    wording = {
        "subject_ko": "{{ startup }} 발표 순서 안내",
        "body_ko": "{{ recipient_name }}님, {{ startup }}({{ receipt_number }})의 발표는 {{ track }} 트랙입니다.",
        **texts,
    }
    return services.message_save(
        message=Message(), program=program, segment=segment or {}, by=by or factories.UserFactory(staff=True), **wording
    )


def send(message, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.message_send(message=message, by=by)
    return Job.objects.get(pk=job.pk)


@pytest.fixture
def program():
    return factories.ProgramFactory()


@pytest.fixture
def applications(program):
    return [factories.ApplicationFactory(program=program, submitted=True) for _ in range(3)]


# --- count and recipients --------------------------------------------------------------------------


def test_count_is_the_active_members_of_the_segments_startups_each_once(program, applications):
    for application in applications:
        member_of(application)
    shared = member_of(applications[0])
    factories.StartupMemberFactory(startup=applications[1].startup, user=shared)
    asking = factories.StartupMemberFactory(startup=applications[2].startup, status=StartupMember.Status.REQUESTED).user
    message = draft(program)

    count = services.message_recipient_count(message=message)
    people = [user for user, _application in services.message_recipients(message=message)]

    assert (count.applications, count.people, count.skipped) == (3, 4, 0)
    assert len(people) == 4
    assert asking not in people


def test_a_person_in_two_startups_is_written_to_about_the_first_application(program, applications):
    shared = member_of(applications[1])
    factories.StartupMemberFactory(startup=applications[0].startup, user=shared)
    message = draft(program)

    [(person, application)] = services.message_recipients(message=message)

    assert person == shared
    assert application == applications[0]


def test_members_without_an_e_mail_address_are_skipped_and_counted(program, applications):
    member_of(applications[0])
    member_of(applications[1], email="")  # an account made by an import, without an address
    message = draft(program)

    count = services.message_recipient_count(message=message)

    assert (count.people, count.skipped) == (1, 1)


def test_the_segment_narrows_the_recipients_by_track(program, applications):
    other_track = factories.TrackFactory(program=program)
    chosen = factories.ApplicationFactory(program=program, track=other_track, submitted=True)
    for application in [*applications, chosen]:
        member_of(application)
    message = draft(program, segment={"track": other_track.pk})

    assert [a for _user, a in services.message_recipients(message=message)] == [chosen]


# --- wording and preview ---------------------------------------------------------------------------


def test_preview_renders_a_real_recipients_placeholders(program, applications):
    person = member_of(applications[0], name="김민지")
    message = draft(program)

    preview = services.message_preview(message=message, recipient=person, application=applications[0])

    startup = applications[0].startup.name_ko
    assert preview.subject == f"[{program.name_ko}] {startup} 발표 순서 안내"
    assert f"김민지님, {startup}({applications[0].receipt_number})의 발표는 {applications[0].track.name_ko}" in (
        preview.text
    )
    assert "/notifications/" in preview.text


def test_a_message_with_an_unknown_placeholder_is_refused_and_nothing_is_saved(program):
    with pytest.raises(services.MessageInvalid) as refused:
        draft(program, body_ko="{{ password }} 입니다")

    assert "body_ko" in refused.value.problems
    assert not Message.objects.exists()


def test_sending_a_message_whose_text_went_bad_is_refused_with_nothing_written(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    member_of(applications[0])
    message = draft(program)
    Message.objects.filter(pk=message.pk).update(body_ko="{{ secret }}")  # bypassing the form

    with pytest.raises(services.MessageInvalid):
        send(message, staff_user, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT
    assert not Job.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(verb="message_sent").exists()


def test_english_readers_get_the_english_text_and_the_others_korean(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    korean = member_of(applications[0], language="ko")
    english = member_of(applications[1], language="en")
    message = draft(program, subject_en="Pitch order for {{ startup }}", body_en="Dear team of {{ startup }}.")

    send(message, staff_user, django_capture_on_commit_callbacks)

    sent = {email.to[0]: email for email in mail.outbox}
    assert "Pitch order for" in sent[english.email].subject
    assert f"Dear team of {applications[1].startup.name_en}." in sent[english.email].body
    assert "발표 순서 안내" in sent[korean.email].subject


def test_english_readers_get_the_korean_text_when_no_english_is_written(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    english = member_of(applications[0], language="en")
    message = draft(program)

    send(message, staff_user, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == [english.email]
    assert "발표 순서 안내" in email.subject
    assert email.body.startswith("Dear ")  # the frame is in their language


# --- sending ---------------------------------------------------------------------------------------


def test_sending_queues_one_outbox_row_per_person_and_delivers_it(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    people = [member_of(application) for application in applications]
    message = draft(program)

    job = send(message, staff_user, django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert job.kind == Job.Kind.MESSAGE
    assert job.status == Job.Status.SUCCEEDED
    assert message.status == Message.Status.SENT
    assert message.recipients_count == 3
    rows = services.message_outbox_rows(message=message)
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(p.pk for p in people)
    assert set(rows.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert len(mail.outbox) == 3


def test_the_job_records_its_progress_and_says_what_it_did(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    for application in applications:
        member_of(application)
    message = draft(program)

    job = send(message, staff_user, django_capture_on_commit_callbacks)

    from jobs.services import job_summary

    assert (job.progress_done, job.progress_total) == (3, 3)
    assert "3" in job_summary(job)


def test_sending_is_audited_with_the_count(program, applications, staff_user, django_capture_on_commit_callbacks):
    member_of(applications[0])
    message = draft(program)

    send(message, staff_user, django_capture_on_commit_callbacks)

    event = AuditEvent.objects.get(verb="message_sent")
    assert event.actor == staff_user
    assert event.data["recipients"] == 1


def test_a_second_send_while_sending_is_refused_clearly(program, applications, staff_user):
    member_of(applications[0])
    message = draft(program)
    job = services.message_send(message=message, by=staff_user)  # its job has not run yet

    with pytest.raises(services.MessageRefused, match=f"이미 발송 중입니다\\(작업 #{job.pk}\\)"):
        services.message_send(message=message, by=staff_user)

    assert Job.objects.filter(kind=Job.Kind.MESSAGE).count() == 1


def test_a_sent_message_cannot_be_sent_again(program, applications, staff_user, django_capture_on_commit_callbacks):
    member_of(applications[0])
    message = draft(program)
    send(message, staff_user, django_capture_on_commit_callbacks)

    with pytest.raises(services.MessageRefused, match="이미 발송했습니다"):
        services.message_send(message=message, by=staff_user)

    assert len(mail.outbox) == 1


def test_running_the_delivery_twice_writes_to_each_person_once(
    program, applications, staff_user, django_capture_on_commit_callbacks
):
    for application in applications:
        member_of(application)
    message = draft(program)
    job = send(message, staff_user, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        services.message_deliver(message_id=message.pk)  # a retried job
        job_run(job_id=job.pk)  # and the job itself again: ended, so left as it is

    assert services.message_outbox_rows(message=message).count() == 3
    assert len(mail.outbox) == 3


def test_an_empty_segment_is_refused(program, applications, staff_user):
    message = draft(program)  # nobody is a member of these startups

    with pytest.raises(services.MessageRefused, match="받을 사람이 없습니다"):
        services.message_send(message=message, by=staff_user)

    message.refresh_from_db()
    assert message.status == Message.Status.DRAFT


def test_a_sent_message_can_no_longer_be_changed(program, applications, staff_user):
    member_of(applications[0])
    message = draft(program)
    services.message_send(message=message, by=staff_user)

    with pytest.raises(services.MessageRefused):
        services.message_save(
            message=message, program=program, subject_ko="바뀐 제목", body_ko="본문", segment={}, by=staff_user
        )


# --- the recipients' page ----------------------------------------------------------------------------


def test_the_recipient_sees_the_message_on_their_notifications_page_and_another_person_does_not(
    client, program, applications, staff_user, django_capture_on_commit_callbacks
):
    recipient = member_of(applications[0])
    stranger = factories.UserFactory()
    message = draft(program)
    send(message, staff_user, django_capture_on_commit_callbacks)

    client.force_login(recipient)
    mine = client.get("/notifications/")
    client.force_login(stranger)
    theirs = client.get("/notifications/")

    assert "발표 순서 안내" in mine.content.decode()
    assert "발표 순서 안내" not in theirs.content.decode()


def test_the_notifications_page_asks_a_visitor_to_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_menu_links_to_the_notifications_page_for_signed_in_people(client):
    client.force_login(factories.UserFactory())

    assert 'href="/notifications/"' in client.get("/").content.decode()


def _sent_to(person, count):
    start = timezone.now() - dt.timedelta(days=1)
    return [
        factories.NotificationFactory(
            recipient=person,
            status=Notification.Status.SENT,
            sent_at=start + dt.timedelta(minutes=n),
            subject=f"제목 {n}",
            body=f"본문 {n}",
        )
        for n in range(count)
    ]


def test_the_notifications_page_queries_do_not_grow(client, django_assert_num_queries):
    person = factories.UserFactory()
    client.force_login(person)
    _sent_to(person, 2)
    with django_assert_num_queries(5):  # session, user, the menu's roles (one query), count, page
        client.get("/notifications/")
    _sent_to(person, 30)
    with django_assert_num_queries(5):
        client.get("/notifications/")


def test_the_notifications_page_is_paginated_newest_first(client):
    person = factories.UserFactory()
    _sent_to(person, 25)
    client.force_login(person)

    first = client.get("/notifications/").content.decode()
    second = client.get("/notifications/?page=2").content.decode()

    assert "제목 24" in first
    assert "제목 0<" not in first
    assert "제목 0<" in second


@pytest.mark.parametrize(
    ("language", "title", "date"),
    [("ko", "받은 알림", "2027년 1월 2일 (토) 18:00 KST"), ("en", "My notifications", "Sat 2 Jan 2027, 18:00 KST")],
)
def test_the_notifications_page_reads_in_korean_and_english_with_the_house_date(client, language, title, date):
    person = factories.UserFactory()
    factories.NotificationFactory(
        recipient=person,
        status=Notification.Status.SENT,
        sent_at=dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC),
        subject="안내",
        body="본문",
    )
    client.force_login(person)
    client.cookies["django_language"] = language

    page = client.get("/notifications/").content.decode()

    assert title in page
    assert date in page


# --- 10,000 people -----------------------------------------------------------------------------------


def _people(program, count):
    """`count` applications, each with one active member, written in bulk."""
    from accounts.models import User
    from startups.models import Application, Startup

    track = factories.TrackFactory(program=program)
    startups = Startup.objects.bulk_create(
        Startup(name_ko=f"주식회사 대량{n}", ceo_name="대표", brn=None) for n in range(count)
    )
    users = User.objects.bulk_create(User(email=f"bulk{n}@example.com", name=f"사람{n}") for n in range(count))
    Application.objects.bulk_create(
        Application(
            program=program,
            startup=startup,
            track=track,
            status=Application.Status.DRAFT,
        )
        for startup in startups
    )
    StartupMember.objects.bulk_create(
        StartupMember(startup=startup, user=user) for startup, user in zip(startups, users, strict=True)
    )


@pytest.mark.parametrize("count", [1500, 2500])
def test_queries_per_batch_do_not_grow_with_the_batch(program, staff_user, count, monkeypatch):
    _people(program, count)
    message = draft(program)
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING)
    monkeypatch.setattr(services, "BATCH_SIZE", 1000)

    with CaptureQueriesContext(connection) as queries:
        services.message_deliver(message_id=message.pk)

    batches = -(-count // 1000)
    # Inserts as the database takes them (SQLite caps the parameters of one statement; PostgreSQL
    # takes a batch in one): per batch, the same number whatever the people in it.
    per_insert = connection.ops.bulk_batch_size(
        [f for f in Notification._meta.concrete_fields if not f.primary_key], [None] * 1000
    )
    inserts = sum(-(-min(1000, count - start) // per_insert) for start in range(0, count, 1000))
    made = [q for q in queries.captured_queries if "django_content_type" not in q["sql"]]  # cached per process
    # message, applications, members; per batch: savepoint, ids, release; the status
    assert len(made) == 3 + 3 * batches + inserts + 1
    assert services.message_outbox_rows(message=message).count() == count


def test_ten_thousand_people_are_one_job(program, staff_user, django_capture_on_commit_callbacks, settings):
    _people(program, 10_000)
    message = draft(program)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=False):  # deliveries are the outbox's work, not this test's
        job = services.message_send(message=message, by=staff_user)
        job_run(job_id=job.pk)
    elapsed = time.perf_counter() - started

    job.refresh_from_db()
    assert Job.objects.filter(kind=Job.Kind.MESSAGE).count() == 1
    assert (job.status, job.progress_done, job.progress_total) == (Job.Status.SUCCEEDED, 10_000, 10_000)
    assert services.message_outbox_rows(message=message).count() == 10_000
    print(f"\n10,000 outbox rows on {connection.vendor} ({os.environ.get('DATABASE_URL', 'sqlite')}): {elapsed:.2f} s")
