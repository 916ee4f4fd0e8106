"""A submission receipt with known wording, the message most outbox tests send."""

import pytest

from notifications.models import MessageTemplate, Notification
from notifications.services import notify
from tests import factories

E = Notification.Event

RECEIPT_WORDING = {
    "en": (
        "[{{ program }}] Received: {{ receipt_number }}",
        "Dear {{ recipient_name }},\n"
        "{{ startup }} applied.{% if resubmitted %} (updated){% endif %}\n{{ application_url }}",
    ),
    "ko": (
        "[{{ program }}] 접수 완료: {{ receipt_number }}",
        "{{ recipient_name }}님,\n{{ startup }} 신청서를 접수했습니다.\n{{ application_url }}",
    ),
}


@pytest.fixture
def receipt_wording(db):
    for language, (subject, body) in RECEIPT_WORDING.items():
        MessageTemplate.objects.update_or_create(
            event=E.APPLICATION_SUBMITTED, language=language, defaults={"subject": subject, "body": body}
        )


@pytest.fixture
def queue_receipt(receipt_wording):
    """`queue_receipt(language="en", startup_name="Acme", **application_fields)`: the receipt of a
    submitted application, queued for its founder (not yet handed to the queue: tests run inside
    a transaction that never commits)."""

    def queue(language: str = "en", startup_name: str = "Acme", **application) -> Notification:
        founder = factories.UserFactory(preferred_language=language, name="Kim Minji")
        application = factories.ApplicationFactory(
            submitted=True, startup__name_ko=startup_name, startup__name_en=startup_name, **application
        )
        return notify(
            event=E.APPLICATION_SUBMITTED,
            recipient=founder,
            obj=application,
            scope="submission-1",
            program=application.program,
            context={"submission": 1},
        )

    return queue


@pytest.fixture
def receipt(queue_receipt) -> Notification:
    return queue_receipt()
