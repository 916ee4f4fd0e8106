"""The outbox and the message wording in the admin: progress, retry and cancel, the rendered
message, and template editing with validation and a preview that saves nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from notifications.defaults import default_template
from notifications.models import MessageTemplate, Notification
from notifications.services import notify
from tests import factories
from tests.admin.conftest import admin_url, messages_of, post_action

pytestmark = pytest.mark.django_db
S = Notification.Status
E = Notification.Event


def _receipt(**notification) -> Notification:
    founder = factories.UserFactory(preferred_language="en", name="Kim Minji")
    application = factories.ApplicationFactory(
        submitted=True, receipt_number="GECP-2026-0042", startup__name_ko="에이크미", startup__name_en="Acme"
    )
    row = notify(event=E.APPLICATION_SUBMITTED, recipient=founder, obj=application, context={"submission": 1})
    Notification.objects.filter(pk=row.pk).update(**notification)
    row.refresh_from_db()
    return row


def _template(event=E.APPLICATION_SUBMITTED, language="en") -> MessageTemplate:
    subject, body = default_template(event, language)
    template, _created = MessageTemplate.objects.get_or_create(
        event=event, language=language, defaults={"subject": subject, "body": body}
    )
    return template


def test_the_outbox_list_shows_how_far_the_listed_messages_have_got(staff):
    program = factories.ProgramFactory()
    for status in (S.SENT, S.SENT, S.SENT, S.QUEUED):
        factories.NotificationFactory(program=program, status=status, sent_at="2026-11-28T10:00:00+09:00")
    factories.NotificationFactory(status=S.FAILED)  # another program's message, filtered out below

    response = staff.get(admin_url(Notification, "changelist"), {"program__id__exact": program.pk})

    progress = response.context["outbox_progress"]
    assert (progress["total"], progress["done_percent"]) == (4, 75)
    assert {status: count for status, _label, count in progress["by_status"]}[S.QUEUED] == 1
    assert "75% of these 4 messages sent." in response.content.decode()


def test_sending_a_failed_message_again_queues_it_with_fresh_attempts_and_sends_it(
    staff, staff_user, django_capture_on_commit_callbacks
):
    notification = _receipt(status=S.FAILED, attempts=6, last_error="SMTPServerDisconnected")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(staff, Notification, "notification_retry", [notification])

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (S.SENT, 1)
    assert len(mail.outbox) == 1
    assert messages_of(response) == [("success", f"Queued again: {notification}")]
    assert AuditEvent.objects.filter(actor=staff_user, to_state=S.QUEUED, object_id=str(notification.pk)).exists()


def test_a_sent_message_cannot_be_sent_again_from_the_outbox(staff):
    notification = _receipt(status=S.SENT, sent_at="2026-11-28T10:00:00+09:00")

    response = post_action(staff, Notification, "notification_retry", [notification])

    notification.refresh_from_db()
    assert notification.status == S.SENT
    [(level, text)] = messages_of(response)
    assert level == "error" and "cannot go from “sent” to “queued”" in text


def test_cancelling_a_queued_message_asks_for_a_reason_and_it_is_never_sent(staff, staff_user):
    notification = _receipt()
    response = post_action(staff, Notification, "notification_cancel", [notification])
    reason_page = response.url

    staff.post(reason_page, {"reason": "Sent by hand after a phone call."})

    notification.refresh_from_db()
    assert notification.status == S.CANCELLED
    event = AuditEvent.objects.get(object_id=str(notification.pk), to_state=S.CANCELLED)
    assert (event.actor, event.reason) == (staff_user, "Sent by hand after a phone call.")
    assert mail.outbox == []


def test_a_queued_message_shows_what_would_be_sent_now(staff):
    _template()
    notification = _receipt()

    response = staff.get(admin_url(Notification, "change", notification.pk))

    page = response.content.decode()
    assert "As it would be sent now." in page
    assert "GECP-2026-0042" in page


def test_an_obsolete_reminder_shows_why_it_would_not_be_sent(staff):
    founder = factories.UserFactory(preferred_language="en")
    application = factories.ApplicationFactory(submitted=True)
    notification = notify(event=E.DEADLINE_REMINDER, recipient=founder, obj=application, context={"days": 1})

    response = staff.get(admin_url(Notification, "change", notification.pk))

    assert "This message would not be sent: The application is no longer a draft." in response.content.decode()


def test_the_wording_page_lists_the_events_placeholders_and_a_preview_on_sample_data(staff):
    template = _template()

    response = staff.get(admin_url(MessageTemplate, "change", template.pk))

    page = response.content.decode()
    assert "receipt_number" in page and "application_url" in page
    assert "Preview on sample data" in page
    assert "GECP-2026-0042" in page  # the sample receipt number
    assert "Acme &lt;AI&gt; &amp; Co" in page  # the sample name, escaped in both parts
    assert "Acme <AI>" not in page


def test_saving_wording_with_an_unknown_placeholder_is_refused_and_nothing_changes(staff):
    template = _template()
    before = (template.subject, template.body)

    response = staff.post(
        admin_url(MessageTemplate, "change", template.pk),
        {"subject": "Hello {{ startup_ceo }}", "body": template.body, "_save": "Save"},
    )

    assert response.status_code == 200
    assert "Unknown placeholder(s): {{ startup_ceo }}." in response.content.decode()
    template.refresh_from_db()
    assert (template.subject, template.body) == before


def test_saving_wording_with_a_tag_outside_the_allowed_set_is_refused(staff):
    template = _template()

    response = staff.post(
        admin_url(MessageTemplate, "change", template.pk),
        {"subject": template.subject, "body": "{% load static %}{% static 'x' %}", "_save": "Save"},
    )

    assert "The template cannot be read" in response.content.decode()
    template.refresh_from_db()
    assert "{% load" not in template.body


def test_saving_valid_wording_records_who_changed_it_and_the_previous_text(staff, staff_user):
    template = _template()
    previous_subject = template.subject

    staff.post(
        admin_url(MessageTemplate, "change", template.pk),
        {"subject": "[{{ program }}] Thank you, {{ startup }}", "body": "{{ receipt_number }}", "_save": "Save"},
    )

    template.refresh_from_db()
    assert (template.subject, template.updated_by) == ("[{{ program }}] Thank you, {{ startup }}", staff_user)
    event = AuditEvent.objects.get(verb="message_template_changed", object_id=str(template.pk))
    assert event.data["previous"]["subject"] == previous_subject


def test_previewing_renders_the_posted_wording_without_saving_it(staff):
    template = _template()
    before = template.subject

    response = staff.post(
        admin_url(MessageTemplate, "change", template.pk),
        {"subject": "Preview of {{ receipt_number }}", "body": "Hi {{ recipient_name }}", "_preview": "Preview"},
    )

    page = response.content.decode()
    assert "Preview of GECP-2026-0042" in page
    assert "Preview only: nothing has been saved yet." in page
    template.refresh_from_db()
    assert template.subject == before


def test_the_shipped_wording_can_be_restored(staff):
    template = _template()
    MessageTemplate.objects.filter(pk=template.pk).update(subject="Changed", body="Changed")

    post_action(staff, MessageTemplate, "message_template_restore", [template])

    template.refresh_from_db()
    assert (template.subject, template.body) == default_template(template.event, template.language)


def test_templates_cannot_be_added_or_deleted_in_the_admin(staff):
    assert staff.get(admin_url(MessageTemplate, "add")).status_code == 403
    template = _template()
    assert staff.get(reverse("admin:notifications_messagetemplate_delete", args=[template.pk])).status_code == 403
