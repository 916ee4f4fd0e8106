"""`notify_each`: many people, each about their own object, in one insert and only once."""

import pytest

from notifications.models import Notification
from notifications.services import notify_each
from tests import factories

pytestmark = pytest.mark.django_db


def test_notify_each_queues_one_row_per_person_and_object_in_one_insert(django_assert_num_queries):
    # One insert, and one read of the new rows' ids to hand them to the queue after commit.
    first, second = factories.ApplicationFactory(), factories.ApplicationFactory()
    alice, bob = factories.UserFactory(), factories.UserFactory()
    messages = [(alice, first, {"advanced": True}), (bob, second, {"advanced": False})]
    notify_each(event=Notification.Event.ROUND_RESULT, messages=messages[:1], scope="warm-up")  # caches content types

    with django_assert_num_queries(2):
        notify_each(event=Notification.Event.ROUND_RESULT, messages=messages, scope="round-1")

    rows = Notification.objects.filter(idempotency_key__endswith=":round-1")
    assert {(n.recipient, n.object_id, n.context["advanced"]) for n in rows} == {
        (alice, str(first.pk), True),
        (bob, str(second.pk), False),
    }


def test_notify_each_asked_twice_keeps_the_first_rows():
    application, user = factories.ApplicationFactory(), factories.UserFactory()
    event = Notification.Event.SELECTION_DECISION

    notify_each(event=event, messages=[(user, application, {"outcome": "selected"})], scope="selection")
    notify_each(event=event, messages=[(user, application, {"outcome": "reserve"})], scope="selection")

    [row] = Notification.objects.all()
    assert row.context == {"outcome": "selected"}
