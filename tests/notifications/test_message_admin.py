"""The composer in the admin: write, count and preview, confirm, send, land on the job's page."""

import pytest
from django.urls import reverse

from jobs.models import Job
from notifications.models import Message
from tests import factories

pytestmark = pytest.mark.django_db

ADD = reverse("admin:notifications_message_add")


def change_url(message) -> str:
    return reverse("admin:notifications_message_change", args=[message.pk])


def send_url(message) -> str:
    return reverse("admin:notifications_message_send", args=[message.pk])


@pytest.fixture
def program():
    program = factories.ProgramFactory(name_ko="글로벌 협업 프로그램")
    for n in range(3):
        application = factories.ApplicationFactory(program=program, submitted=True)
        person = factories.UserFactory(name=f"대표{n}")
        factories.StartupMemberFactory(startup=application.startup, user=person)
    return program


@pytest.fixture
def staff_client(staff_client):
    staff_client.cookies["django_language"] = "en"  # the assertions read the English pages
    return staff_client


def form_data(program, **changes) -> dict:
    return {
        "program": program.pk,
        "subject_ko": "{{ startup }} 발표 순서 안내",
        "body_ko": "{{ recipient_name }}님, 접수번호 {{ receipt_number }}의 발표 순서를 알려 드립니다.",
        "subject_en": "",
        "body_en": "",
        "track": "",
        "application_status": "",
        "round": "",
        "round_outcome": "",
        "selection": "",
        "partner": "",
        "_preview": "1",
        **changes,
    }


def test_count_and_preview_saves_the_draft_and_shows_the_count_and_a_real_recipients_message(staff_client, program):
    response = staff_client.post(ADD, form_data(program), follow=True)

    message = Message.objects.get()
    page = response.content.decode()
    first = program.applications.order_by("receipt_number").first()
    assert message.status == Message.Status.DRAFT
    assert "3 people will receive this message" in page
    assert f"{first.startup.name_ko} 발표 순서 안내" in page
    assert f"접수번호 {first.receipt_number}의 발표 순서" in page


def test_a_bad_placeholder_is_shown_on_its_field_and_nothing_is_saved(staff_client, program):
    response = staff_client.post(ADD, form_data(program, body_ko="{{ password }}"))

    assert response.status_code == 200
    assert "Unknown placeholder" in response.content.decode()
    assert not Message.objects.exists()


def test_the_preview_is_for_the_recipient_chosen(staff_client, program):
    staff_client.post(ADD, form_data(program))
    message = Message.objects.get()
    last = program.applications.order_by("receipt_number").last()
    person = last.startup.members.get().user

    page = staff_client.get(change_url(message), {"recipient": person.pk}).content.decode()

    assert f"{person.name}님, 접수번호 {last.receipt_number}" in page


def test_sending_asks_for_confirmation_with_the_count(staff_client, program):
    staff_client.post(ADD, form_data(program))
    message = Message.objects.get()

    page = staff_client.get(send_url(message)).content.decode()

    assert "3 people will receive this message; it cannot be recalled." in page
    assert not Job.objects.exists()


def test_confirming_sends_once_and_lands_on_the_jobs_page(staff_client, program, django_capture_on_commit_callbacks):
    staff_client.post(ADD, form_data(program))
    message = Message.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(send_url(message))

    job = Job.objects.get(kind=Job.Kind.MESSAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:jobs_job_change", args=[job.pk])
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_second_click_is_refused_clearly_and_sends_nothing_more(staff_client, program):
    staff_client.post(ADD, form_data(program))
    message = Message.objects.get()
    staff_client.post(send_url(message))

    response = staff_client.post(send_url(message), follow=True)

    assert "already being sent" in response.content.decode()
    assert Job.objects.filter(kind=Job.Kind.MESSAGE).count() == 1


def test_the_list_shows_the_segment_in_words_status_and_recipients(staff_client, program):
    staff_client.post(ADD, form_data(program, application_status="submitted"))

    page = staff_client.get(reverse("admin:notifications_message_changelist")).content.decode()

    assert "status: submitted" in page
    assert "draft" in page


@pytest.mark.parametrize("url", [ADD, reverse("admin:notifications_message_changelist")])
def test_people_who_are_not_staff_cannot_reach_the_composer(client, url):
    client.force_login(factories.UserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_people_who_are_not_staff_cannot_send(client, program):
    message = Message.objects.create(program=program, subject_ko="안내", body_ko="본문")
    client.force_login(factories.UserFactory())

    response = client.post(send_url(message))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert not Job.objects.exists()


def test_a_sent_message_is_shown_for_reading_only(staff_client, program, django_capture_on_commit_callbacks):
    staff_client.post(ADD, form_data(program))
    message = Message.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(send_url(message))

    page = staff_client.get(change_url(message)).content.decode()
    staff_client.post(change_url(message), form_data(program, subject_ko="바뀐 제목"))

    message.refresh_from_db()
    assert 'name="subject_ko"' not in page
    assert "See the sending job" in page
    assert message.subject_ko == "{{ startup }} 발표 순서 안내"


def _messages(program, count):
    track = factories.TrackFactory(program=program)
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    partner = factories.PartnerFactory()
    for _n in range(count):
        Message.objects.create(
            program=program,
            subject_ko="안내",
            body_ko="본문",
            segment={
                "track": track.pk,
                "round": evaluation_round.pk,
                "round_outcome": "advanced",
                "partner": partner.pk,
            },
        )
    return track, evaluation_round, partner


def test_the_message_list_names_each_segment_in_a_number_of_queries_that_does_not_grow(
    staff_client, program, django_assert_num_queries
):
    url = reverse("admin:notifications_message_changelist")
    track, evaluation_round, partner = _messages(program, 2)
    staff_client.get(url)  # the content types and the site's caches are warm from here on
    with django_assert_num_queries(6):
        page = staff_client.get(url).content.decode()
    _messages(program, 20)
    with django_assert_num_queries(6):
        staff_client.get(url)

    assert track.name_en in page
    assert evaluation_round.name_en in page
    assert partner.name in page
