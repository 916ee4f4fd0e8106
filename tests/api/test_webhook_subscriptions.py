"""`/api/v1/webhooks/` and `/api/v1/webhook-deliveries/`: subscriptions of the caller, the secret shown
once, the https rule, deliveries with their attempts, and delivering again."""

import pytest
from django.utils import translation

from notifications.models import WebhookDelivery, WebhookSubscription
from tests import factories

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"
D = WebhookDelivery.Status


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def new_subscription(client, **fields):
    body = {"url": "https://hooks.example.com/matchday", "events": ["selection.finalised"], **fields}
    return client.post(WEBHOOKS, body, format="json")


def partner_member():
    membership = factories.PartnerMembershipFactory()
    return membership.partner, membership.user


# --- creating -----------------------------------------------------------------------------------------


def test_a_new_subscription_is_answered_201_with_its_secret(staff_api):
    response = new_subscription(staff_api)

    assert response.status_code == 201
    body = response.json()
    stored = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"] == stored.secret
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["is_active"]) == (stored.url, ["selection.finalised"], True)


def test_the_secret_is_never_shown_again(staff_api):
    created = new_subscription(staff_api).json()

    listed = staff_api.get(WEBHOOKS).json()["results"]
    detail = staff_api.get(f"{WEBHOOKS}{created['id']}/").json()

    assert "secret" not in listed[0]
    assert "secret" not in detail
    assert created["secret"] not in str(listed) + str(detail)


def test_the_subscription_belongs_to_the_keys_account(key_client):
    user = factories.UserFactory(is_staff=True)

    response = new_subscription(key_client(user, scopes=["webhooks:manage"]))

    subscription = WebhookSubscription.objects.get(pk=response.json()["id"])
    assert (subscription.user, subscription.partner) == (user, None)


def test_a_partners_key_makes_a_subscription_of_the_partner(key_client):
    partner, member = partner_member()

    response = new_subscription(key_client(member, partner=partner))

    assert response.json()["partner"] == partner.pk
    assert WebhookSubscription.objects.get().partner == partner


def test_an_address_without_https_is_refused_with_a_message_on_the_field(staff_api):
    response = new_subscription(staff_api, url="http://hooks.example.com/matchday")

    assert response.status_code == 422
    assert "https" in response.json()["fields"]["url"][0]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hooks", "http://localhost/hooks"])
def test_plain_http_is_accepted_for_this_machine_where_internal_receivers_are_allowed(staff_api, settings, url):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True

    assert new_subscription(staff_api, url=url).status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "https://localhost/hooks",
        "https://10.0.0.5/hooks",
        "https://192.168.1.20/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
    ],
)
def test_a_receiver_on_this_machine_or_a_private_network_is_refused(staff_api, settings, url):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = False

    body = {"url": url, "events": ["selection.finalised"]}
    response = staff_api.post(WEBHOOKS, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 422
    assert "internet" in response.json()["fields"]["url"][0]


def test_http_is_accepted_everywhere_in_debug_mode(staff_api, settings):
    settings.DEBUG = True

    assert new_subscription(staff_api, url="http://hooks.example.com/matchday").status_code == 201


@pytest.mark.parametrize("url", ["hooks.example.com", "ftp://hooks.example.com/x", "https://user:pw@example.com/"])
def test_an_address_that_is_not_a_web_address_is_refused(staff_api, url):
    response = new_subscription(staff_api, url=url)

    assert (response.status_code, list(response.json()["fields"])) == (422, ["url"])


@pytest.mark.parametrize("events", [[], ["application.deleted"], "selection.finalised"])
def test_no_or_unknown_events_are_refused(staff_api, events):
    response = new_subscription(staff_api, events=events)

    assert response.status_code in (400, 422)
    assert "events" in response.json()["fields"]


def test_a_program_the_caller_may_not_see_is_refused(key_client):
    partner, member = partner_member()
    elsewhere = factories.ProgramFactory(reviewing=True)

    response = new_subscription(key_client(member, partner=partner), program=elsewhere.pk)

    assert (response.status_code, list(response.json()["fields"])) == (422, ["program"])


def test_an_unknown_program_is_refused_like_one_not_visible(staff_api):
    response = new_subscription(staff_api, program=999999)

    assert (response.status_code, list(response.json()["fields"])) == (422, ["program"])


def test_a_subscription_may_be_limited_to_one_program(staff_api):
    program = factories.ProgramFactory()

    response = new_subscription(staff_api, program=program.pk)

    assert (response.status_code, response.json()["program"]) == (201, program.pk)


# --- scopes and owners --------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_key_without_the_webhooks_scope_gets_403(key_client, staff_user, method):
    client = key_client(staff_user, scopes=["programs:read", "applications:read", "rounds:manage"])

    response = getattr(client, method)(WEBHOOKS, {}, format="json")

    assert response.status_code == 403


def test_an_anonymous_caller_gets_401(api_client):
    assert api_client.get(WEBHOOKS).status_code == 401


def test_someone_neither_staff_nor_acting_for_a_partner_sees_no_subscription(key_client):
    # Webhooks are for integrations: even one made for this person before that rule stays out of reach.
    theirs = factories.WebhookSubscriptionFactory(user=factories.UserFactory())
    factories.WebhookSubscriptionFactory()

    response = key_client(theirs.user).get(WEBHOOKS)

    assert response.json()["results"] == []


def test_staff_see_every_subscription(staff_api):
    factories.WebhookSubscriptionFactory.create_batch(2, user=factories.UserFactory())

    assert staff_api.get(WEBHOOKS).json()["count"] == 2


def test_a_partners_key_sees_the_partners_subscriptions_only(key_client):
    partner, member = partner_member()
    theirs = factories.WebhookSubscriptionFactory(user=member, partner=partner)
    factories.WebhookSubscriptionFactory(user=member)  # the member's own, not the partner's

    response = key_client(member, partner=partner).get(WEBHOOKS)

    assert [row["id"] for row in response.json()["results"]] == [theirs.pk]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("patch", ""), ("delete", ""), ("get", "deliveries/")],
)
def test_another_owners_subscription_is_not_found(key_client, method, suffix):
    others = factories.WebhookSubscriptionFactory()
    client = key_client(factories.UserFactory())

    response = getattr(client, method)(f"{WEBHOOKS}{others.pk}/{suffix}", {"is_active": False}, format="json")

    assert response.status_code == 404
    others.refresh_from_db()
    assert others.is_active


def test_another_owners_delivery_cannot_be_delivered_again(key_client):
    delivery = factories.WebhookDeliveryFactory(status=D.FAILED)
    client = key_client(factories.UserFactory())

    response = client.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == D.FAILED


# --- changing and deleting ----------------------------------------------------------------------------


def test_the_events_and_address_can_be_changed_and_the_secret_stays(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)

    response = staff_api.patch(
        f"{WEBHOOKS}{subscription.pk}/",
        {"events": ["application.withdrawn"], "url": "https://new.example.com/h"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["events"], response.json()["url"]) == (
        ["application.withdrawn"],
        "https://new.example.com/h",
    )
    secret = subscription.secret
    subscription.refresh_from_db()
    assert (subscription.events, subscription.secret) == (["application.withdrawn"], secret)


def test_a_subscription_can_be_deactivated(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)

    response = staff_api.patch(f"{WEBHOOKS}{subscription.pk}/", {"is_active": False}, format="json")

    assert (response.status_code, response.json()["is_active"]) == (200, False)
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_a_change_to_an_address_without_https_is_refused(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)

    response = staff_api.patch(f"{WEBHOOKS}{subscription.pk}/", {"url": "http://example.com/h"}, format="json")

    assert (response.status_code, list(response.json()["fields"])) == (422, ["url"])
    subscription.refresh_from_db()
    assert subscription.url != "http://example.com/h"


def test_a_deleted_subscription_is_gone(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)

    response = staff_api.delete(f"{WEBHOOKS}{subscription.pk}/")

    assert response.status_code == 204
    assert staff_api.get(f"{WEBHOOKS}{subscription.pk}/").status_code == 404


# --- deliveries ---------------------------------------------------------------------------------------


def test_deliveries_are_listed_newest_first_with_their_attempts(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)
    older = factories.WebhookDeliveryFactory(subscription=subscription)
    newer = factories.WebhookDeliveryFactory(subscription=subscription)
    factories.WebhookAttemptFactory(delivery=older, number=1, status_code=500)
    factories.WebhookAttemptFactory(delivery=older, number=2, status_code=200)

    rows = staff_api.get(f"{WEBHOOKS}{subscription.pk}/deliveries/").json()["results"]

    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert [a["status_code"] for a in rows[1]["attempt_log"]] == [500, 200]
    assert rows[1]["event_id"] == str(older.event_id)


def test_a_failed_delivery_is_delivered_again_through_the_api(staff_api, staff_user):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)
    delivery = factories.WebhookDeliveryFactory(subscription=subscription, status=D.FAILED, attempts=8)

    # The test's transaction never commits, so the delivery stays queued for the worker.
    response = staff_api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["attempts"]) == ("queued", 0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.QUEUED, 0)


def test_a_queued_delivery_cannot_be_delivered_again_through_the_api(staff_api):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)
    delivery = factories.WebhookDeliveryFactory(subscription=subscription, status=D.QUEUED)

    response = staff_api.post(f"/api/v1/webhook-deliveries/{delivery.pk}/redeliver/")

    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")


# --- query counts -------------------------------------------------------------------------------------


def test_the_subscription_list_takes_the_same_queries_however_many_rows(staff_api, django_assert_num_queries):
    user = staff_api.api_key.user
    factories.WebhookSubscriptionFactory.create_batch(2, user=user)
    staff_api.get(WEBHOOKS)  # the key's last use is recorded once a minute: not in the counts
    with django_assert_num_queries(3):
        assert staff_api.get(WEBHOOKS).json()["count"] == 2

    factories.WebhookSubscriptionFactory.create_batch(18, user=user)
    with django_assert_num_queries(3):
        assert staff_api.get(WEBHOOKS).json()["count"] == 20


def test_the_delivery_list_takes_the_same_queries_however_many_rows(staff_api, django_assert_num_queries):
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user)
    for delivery in factories.WebhookDeliveryFactory.create_batch(2, subscription=subscription):
        factories.WebhookAttemptFactory(delivery=delivery)
    url = f"{WEBHOOKS}{subscription.pk}/deliveries/"
    staff_api.get(url)
    with django_assert_num_queries(5):
        assert staff_api.get(url).json()["count"] == 2

    for delivery in factories.WebhookDeliveryFactory.create_batch(18, subscription=subscription):
        factories.WebhookAttemptFactory.create_batch(2, delivery=delivery)
    with django_assert_num_queries(5):
        assert staff_api.get(url).json()["count"] == 20


# --- what the delivery log tells callers --------------------------------------------------------------


def _deliver_one(subscription):
    from notifications.webhooks import webhook_deliver

    delivery = factories.WebhookDeliveryFactory(subscription=subscription)
    webhook_deliver(delivery_id=delivery.pk)
    return delivery


def test_the_delivery_log_never_tells_how_an_internal_name_resolves(staff_api, settings, monkeypatch):
    import socket

    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = False
    real = socket.getaddrinfo
    # The edge of the world: a host name that leads to this machine.
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *args, **kwargs: (
            [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]
            if host == "vm"
            else real(host, *args, **kwargs)
        ),
    )
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user, url="https://vm/hooks")
    _deliver_one(subscription)

    body = staff_api.get(f"{WEBHOOKS}{subscription.pk}/deliveries/").content.decode()

    assert "127.0.0.1" not in body
    assert "Refused: internal address" in body


def test_the_delivery_log_says_could_not_connect_without_the_connection_details(staff_api, settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True  # so that the connection is tried, and refused
    subscription = factories.WebhookSubscriptionFactory(user=staff_api.api_key.user, url="http://127.0.0.1:9/nothing")
    _deliver_one(subscription)

    [row] = staff_api.get(f"{WEBHOOKS}{subscription.pk}/deliveries/").json()["results"]

    assert row["last_error"] == "Could not connect to the receiver."
    assert [attempt["error"] for attempt in row["attempt_log"]] == ["Could not connect to the receiver."]
