"""A message to a group, in a real browser: staff compose it, count and preview it, send it through
the confirmation page and land on the job's page; a recipient then reads it on /notifications/."""

from urllib.parse import urlparse

import pytest
from django.urls import reverse

from jobs.models import Job
from notifications import messages as message_services
from notifications.models import Message
from tests import factories
from tests.browser.applicants import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def program():
    program = factories.ProgramFactory(name_ko="글로벌 기업 협업 프로그램 2026", name_en="Global Collaboration 2026")
    for n, (name, language) in enumerate([("김민지", "ko"), ("Alex Kim", "en"), ("박서준", "ko")]):
        application = factories.ApplicationFactory(
            program=program, submitted=True, startup__name_ko=f"주식회사 샘플{n}", startup__name_en=f"Sample {n} Inc."
        )
        person = factories.UserFactory(name=name, email=f"founder{n}@example.com", preferred_language=language)
        factories.StartupMemberFactory(startup=application.startup, user=person)
    return program


def english(page, live_server):
    page.context.add_cookies(
        [{"name": "django_language", "value": "en", "domain": urlparse(live_server.url).hostname, "path": "/"}]
    )


def test_staff_compose_count_preview_and_send_a_message_and_the_recipient_reads_it(
    page, phone_page, live_server, screenshot, program
):
    staff = factories.UserFactory(staff=True, email="ops@example.com", name="사무국")
    log_in(page, staff, live_server)

    page.goto("/admin/notifications/message/add/")
    page.select_option("#id_program", str(program.pk))
    page.fill("#id_subject_ko", "2차 대면평가 대상 기업: 발표 순서 안내")
    page.fill(
        "#id_body_ko",
        "{{ startup }}(접수번호 {{ receipt_number }})의 발표는 12월 10일 오전 10시입니다.\n"
        "발표 자료는 전날까지 올려 주세요.",
    )
    page.fill("#id_subject_en", "Interview round: presentation order")
    page.fill("#id_body_en", "{{ startup }} ({{ receipt_number }}) presents on 10 December at 10:00.")
    page.click(".submit-row input[name=_preview]")

    page.wait_for_selector("#preview .message-reach__count")
    assert "3명" in page.inner_text("#preview .message-reach__count")
    assert "주식회사 샘플0(접수번호" in page.inner_text("#preview .outbox-message")
    screenshot(page, "composer-ko-1280")

    page.click("a.message-send")
    page.wait_for_selector(".message-send-confirmation")
    assert "3명" in page.inner_text("#content-main")
    page.click(".submit-row input[type=submit]")

    page.wait_for_url("**/admin/jobs/job/*/change/")
    job = Job.objects.get(kind=Job.Kind.MESSAGE)
    assert page.url.endswith(reverse("admin:jobs_job_change", args=[job.pk]))
    screenshot(page, "message-job-ko-1280")
    message = Message.objects.get()
    assert message.status == Message.Status.SENT
    assert message_services.message_outbox_rows(message=message).count() == 3

    reader = factories.UserFactory(email="founder0@example.com")
    log_in(phone_page, reader, live_server)
    phone_page.goto("/notifications/")
    assert "발표 순서 안내" in phone_page.inner_text("main")
    assert "12월 10일 오전 10시" in phone_page.inner_text("main")
    screenshot(phone_page, "inbox-ko-375")


def test_the_composer_reads_in_english_on_a_phone(phone_page, live_server, screenshot, program):
    staff = factories.UserFactory(staff=True, email="ops@example.com")
    message_services.message_save(
        message=Message(),
        program=program,
        subject_ko="발표 순서 안내",
        body_ko="{{ startup }}의 발표 순서를 알려 드립니다.",
        subject_en="Presentation order",
        body_en="Here is the presentation order for {{ startup }}.",
        segment={"status": "submitted"},
        by=staff,
    )
    english(phone_page, live_server)
    log_in(phone_page, staff, live_server)
    message = Message.objects.get()
    english_reader = program.applications.order_by("receipt_number")[1].startup.members.get().user

    phone_page.goto(f"/admin/notifications/message/{message.pk}/change/?recipient={english_reader.pk}")

    assert "3 people will receive this message" in phone_page.inner_text("#preview")
    assert "Here is the presentation order for Sample 1 Inc." in phone_page.inner_text("#preview .outbox-message")
    screenshot(phone_page, "composer-en-375")
