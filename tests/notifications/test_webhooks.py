"""Signed webhooks against a real receiver: an HTTP server on 127.0.0.1 in a thread that records what
it is sent and answers 200, 500 or not at all. Deliveries run in-process after commit (eager Celery)."""

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.errors import TransitionNotAllowed
from matching.models import EvaluationRound, PartnerMembership, Program
from matching.services.selection import reserve_promote, results_publish, selection_finalise
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.tasks import deliver_webhook, sweep_notifications
from notifications.webhooks import (
    WebhooksForIntegrationsOnly,
    webhook_redeliver,
    webhook_subscription_create,
    webhooks_emit,
)
from startups.models import Application
from startups.services import application_submit, application_withdraw, application_withdraw_by_applicant
from tests import factories

pytestmark = pytest.mark.django_db

A = Application.Status
R = EvaluationRound.Status
D = WebhookDelivery.Status


# --- the receiver -------------------------------------------------------------------------------------


class Receiver:
    """What the server was sent, and how it answers next: "ok" (200), "error" (500) or "hang"."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.mode = "ok"
        self.release = threading.Event()
        self.url = ""

    def events(self) -> list[str]:
        return [r["headers"]["X-Matchday-Event"] for r in self.received]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if receiver.mode == "hang":
                receiver.release.wait(5)
            code = 500 if receiver.mode == "error" else 200
            answer = b"boom" if code == 500 else b"thanks"
            self.send_response(code)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


@pytest.fixture(autouse=True)
def _receivers_on_this_machine_allowed(settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True  # the test's receiver listens on 127.0.0.1


@pytest.fixture
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def receiver():
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/matchday"
    yield receiver
    receiver.release.set()
    server.shutdown()
    server.server_close()


def subscribe(receiver, events=None, *, user=None, partner=None, program=None):
    user = user or factories.UserFactory(staff=True)
    return webhook_subscription_create(
        user=user,
        partner=partner,
        program=program,
        url=receiver.url,
        events=events or list(WebhookSubscription.Event.values),
        by=user,
    )


def verify(secret: str, request: dict) -> bool:
    """The receiver's side, written from the documentation: t=…,v1=HMAC-SHA256(secret, "<t>." + body)."""
    parts = dict(item.split("=", 1) for item in request["headers"]["X-Matchday-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


# --- domain set-ups -----------------------------------------------------------------------------------


def draft_ready_to_submit():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    track = factories.TrackFactory(program=program)
    question = factories.QuestionFactory(program=program, required=True)
    declaration = factories.DeclarationFactory(program=program)
    founder = factories.UserFactory()
    application = factories.ApplicationFactory(program=program, track=track)
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    factories.AnswerFactory(application=application, question=question, value="반복 문의 자동화")
    factories.DeclarationAnswerFactory(application=application, declaration=declaration, answer=False)
    return application, founder


def program_with_published_last_round(*, finalists: int = 2, quota: int = 1, reserve_size: int = 1):
    program = factories.ProgramFactory(reviewing=True, quota=quota, reserve_size=reserve_size)
    factories.EvaluationRoundFactory(program=program, order=1, status=R.PUBLISHED)
    last = factories.EvaluationRoundFactory(program=program, order=2, status=R.PUBLISHED)
    for rank in range(1, finalists + 1):
        application = factories.ApplicationFactory(in_review=True, program=program)
        Application.objects.filter(pk=application.pk).update(status=A.ADVANCED)
        factories.StartupMemberFactory(startup=application.startup)
        factories.RoundResultFactory(round=last, application=application, rank=rank, advanced=True)
    return program


def partner_of(program):
    partner = factories.PartnerFactory()
    factories.ProgramPartnerFactory(program=program, partner=partner)
    member = factories.PartnerMembershipFactory(partner=partner).user
    return partner, member


def submit(staff):
    application, founder = draft_ready_to_submit()
    application_submit(application_id=application.pk, by=founder)


def withdraw(staff):
    application_withdraw(application=factories.ApplicationFactory(in_review=True), by=staff, reason="asked")


def publish(staff):
    program = factories.ProgramFactory(reviewing=True)
    first = factories.EvaluationRoundFactory(program=program, order=1, status=R.RESULTS_COMPUTED)
    factories.EvaluationRoundFactory(program=program, order=2)
    results_publish(round=first, by=staff)


def finalise(staff):
    selection_finalise(program=program_with_published_last_round(), by=staff)


def promote(staff):
    program = program_with_published_last_round()
    selection_finalise(program=program, by=staff)
    reserve_promote(program=program, by=staff, reason="a seat was added")


EMITTERS = {
    "application.submitted": submit,
    "application.withdrawn": withdraw,
    "round.results_published": publish,
    "selection.finalised": finalise,
    "selection.reserve_promoted": promote,
}


# --- emitting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("event", list(EMITTERS))
def test_each_event_reaches_a_subscribed_receiver_once_after_commit(
    event, receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver, [event])

    with django_capture_on_commit_callbacks(execute=True):
        EMITTERS[event](staff_user)

    assert receiver.events() == [event]
    body = json.loads(receiver.received[0]["body"])
    assert (body["event"], body["id"]) == (event, receiver.received[0]["headers"]["X-Matchday-Delivery"])
    assert body["data"]["url"].startswith("/api/v1/")
    assert WebhookDelivery.objects.get().status == D.DELIVERED


def test_nothing_is_sent_before_the_transaction_commits(receiver, staff_user):
    subscribe(receiver)

    withdraw(staff_user)  # the test's transaction never commits

    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == D.QUEUED


def test_a_rolled_back_change_sends_nothing_and_leaves_no_delivery(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        withdraw(staff_user)
        raise RuntimeError("the request failed later")

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_applicant_withdrawing_sends_one_event(receiver, django_capture_on_commit_callbacks):
    subscribe(receiver)
    application = factories.ApplicationFactory(in_review=True)
    founder = factories.StartupMemberFactory(startup=application.startup).user

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw_by_applicant(application=application, by=founder)

    assert receiver.events() == ["application.withdrawn"]


def test_the_payload_names_the_application_its_receipt_and_its_address(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver)
    application = factories.ApplicationFactory(in_review=True)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=staff_user)

    data = json.loads(receiver.received[0]["body"])["data"]
    assert data == {
        "application_id": application.pk,
        "program_id": application.program_id,
        "receipt_number": application.receipt_number,
        "status": "withdrawn",
        "previous_status": "in_review",
        "url": f"/api/v1/applications/{application.pk}/",
    }


def test_one_event_for_two_subscriptions_has_one_event_id(receiver, staff_user, django_capture_on_commit_callbacks):
    subscribe(receiver)
    subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    ids = {r["headers"]["X-Matchday-Delivery"] for r in receiver.received}
    assert (len(receiver.received), len(ids)) == (2, 1)


def test_an_event_the_subscription_did_not_ask_for_is_not_sent(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver, ["selection.finalised"])

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_inactive_subscription_gets_nothing(receiver, staff_user, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver).subscription
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    assert receiver.received == []


def test_a_subscription_limited_to_a_program_hears_only_of_that_program(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    mine = factories.ApplicationFactory(in_review=True)
    subscribe(receiver, program=mine.program)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=factories.ApplicationFactory(in_review=True), by=staff_user)
        application_withdraw(application=mine, by=staff_user)

    assert [json.loads(r["body"])["data"]["application_id"] for r in receiver.received] == [mine.pk]


# --- what a partner's subscription hears --------------------------------------------------------------


def test_a_partners_subscription_does_not_hear_of_other_programs(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    partner, member = partner_of(factories.ProgramFactory(reviewing=True))
    subscribe(receiver, user=member, partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        finalise(staff_user)  # a program the partner takes no part in

    assert receiver.received == []


def test_a_partners_subscription_hears_of_its_programs_selection(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    program = program_with_published_last_round()
    partner, member = partner_of(program)
    subscribe(receiver, user=member, partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        selection_finalise(program=program, by=staff_user)

    assert receiver.events() == ["selection.finalised"]


def test_a_partners_subscription_does_not_hear_of_applications_that_are_not_finalists(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    application = factories.ApplicationFactory(in_review=True)
    partner, member = partner_of(application.program)
    subscribe(receiver, user=member, partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=staff_user)

    assert receiver.received == []


def test_a_partners_subscription_hears_that_a_finalist_withdrew(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    application = factories.ApplicationFactory(in_review=True)
    Application.objects.filter(pk=application.pk).update(status=A.ADVANCED)
    partner, member = partner_of(application.program)
    subscribe(receiver, user=member, partner=partner)

    with django_capture_on_commit_callbacks(execute=True):
        application_withdraw(application=application, by=staff_user)

    assert receiver.events() == ["application.withdrawn"]


def _finalist_withdraws(staff_user, program):
    application = factories.ApplicationFactory(in_review=True, program=program)
    Application.objects.filter(pk=application.pk).update(status=A.ADVANCED)
    application.refresh_from_db()
    application_withdraw(application=application, by=staff_user)


def test_a_partners_subscription_stops_when_nobody_at_the_partner_is_a_member_any_more(
    receiver, staff_user, django_capture_on_commit_callbacks, english
):
    program = factories.ProgramFactory(reviewing=True)
    partner, member = partner_of(program)
    subscribe(receiver, user=member, partner=partner)
    PartnerMembership.objects.filter(partner=partner).delete()

    with django_capture_on_commit_callbacks(execute=True):
        _finalist_withdraws(staff_user, program)

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.FAILED
    assert delivery.last_error == "Not sent: nobody at the partner is an active member any more."
    assert delivery.payload["data"] == {}  # nothing of the event is kept for a receiver that may not see it


def test_a_partners_subscription_goes_on_while_another_member_is_current(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    program = factories.ProgramFactory(reviewing=True)
    partner, member = partner_of(program)
    subscribe(receiver, user=member, partner=partner)
    factories.PartnerMembershipFactory(partner=partner)  # a colleague stays
    PartnerMembership.objects.filter(partner=partner, user=member).delete()

    with django_capture_on_commit_callbacks(execute=True):
        _finalist_withdraws(staff_user, program)

    assert receiver.events() == ["application.withdrawn"]


def test_a_queued_delivery_is_not_sent_once_the_last_member_has_left(
    receiver, staff_user, django_capture_on_commit_callbacks, english
):
    program = factories.ProgramFactory(reviewing=True)
    partner, member = partner_of(program)
    subscribe(receiver, user=member, partner=partner)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _finalist_withdraws(staff_user, program)
    PartnerMembership.objects.filter(partner=partner).delete()  # between the event and its delivery

    for callback in queued:
        callback()

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error) == (
        D.FAILED,
        "Not sent: nobody at the partner is an active member any more.",
    )


def test_a_staff_subscription_stops_when_its_owner_is_no_longer_staff(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    owner = factories.UserFactory(staff=True)
    subscribe(receiver, user=owner)
    owner.is_staff = False
    owner.save(update_fields=["is_staff"])

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == D.FAILED


def test_an_applicant_cannot_own_a_subscription():
    founder = factories.StartupMemberFactory().user

    with pytest.raises(WebhooksForIntegrationsOnly):
        webhook_subscription_create(
            user=founder, url="https://hooks.example.com/h", events=["application.submitted"], by=founder
        )

    assert not WebhookSubscription.objects.exists()


# --- signing ------------------------------------------------------------------------------------------


def test_a_delivery_is_signed_over_the_exact_body_sent(receiver, staff_user, django_capture_on_commit_callbacks):
    issued = subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    [request] = receiver.received
    assert verify(issued.secret, request)
    signed_at = int(dict(p.split("=", 1) for p in request["headers"]["X-Matchday-Signature"].split(","))["t"])
    assert abs(signed_at - time.time()) < 60
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == "Matchday-Webhooks/1"


def test_a_tampered_body_fails_the_signature(receiver, staff_user, django_capture_on_commit_callbacks):
    issued = subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    [request] = receiver.received
    tampered = {**request, "body": request["body"].replace(b'"withdrawn"', b'"selected"')}
    assert tampered["body"] != request["body"]
    assert not verify(issued.secret, tampered)


def test_another_secret_fails_the_signature(receiver, staff_user, django_capture_on_commit_callbacks):
    subscribe(receiver)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    assert not verify("whsec_someone_else", receiver.received[0])


# --- failures, retries, timeouts ----------------------------------------------------------------------


def due_now(delivery: WebhookDelivery) -> None:
    """Time passes: the next attempt is due."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_an_error_answer_queues_the_delivery_again_with_backoff(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver)
    receiver.mode = "error"

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.QUEUED, 1, 500)
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    assert [(a.number, a.status_code, a.response_excerpt) for a in delivery.attempt_log.all()] == [(1, 500, "boom")]


def test_the_wait_doubles_with_each_failed_attempt(receiver, staff_user, django_capture_on_commit_callbacks):
    subscribe(receiver)
    receiver.mode = "error"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)
    delivery = WebhookDelivery.objects.get()
    due_now(delivery)

    deliver_webhook.delay(delivery.pk)

    delivery.refresh_from_db()
    assert 55 < (delivery.next_attempt_at - timezone.now()).total_seconds() <= 60


def test_a_receiver_that_recovers_gets_the_delivery_and_every_attempt_is_logged(
    receiver, staff_user, django_capture_on_commit_callbacks
):
    subscribe(receiver)
    receiver.mode = "error"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)
    delivery = WebhookDelivery.objects.get()
    receiver.mode = "ok"
    due_now(delivery)

    deliver_webhook.delay(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.DELIVERED, 2, 200)
    assert delivery.delivered_at is not None
    assert [a.status_code for a in delivery.attempt_log.order_by("number")] == [500, 200]
    first, second = receiver.received
    assert first["headers"]["X-Matchday-Delivery"] == second["headers"]["X-Matchday-Delivery"]


def test_a_delivery_not_yet_due_is_not_sent_early(receiver, staff_user, django_capture_on_commit_callbacks):
    subscribe(receiver)
    receiver.mode = "error"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    deliver_webhook.delay(WebhookDelivery.objects.get().pk)

    assert len(receiver.received) == 1


def test_after_the_last_attempt_the_delivery_fails(receiver, staff_user, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    subscribe(receiver)
    receiver.mode = "error"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)
    delivery = WebhookDelivery.objects.get()
    due_now(delivery)

    deliver_webhook.delay(delivery.pk)
    due_now(delivery)
    deliver_webhook.delay(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempt_log.count()) == (D.FAILED, 2, 2)
    assert len(receiver.received) == 2


def test_a_receiver_that_does_not_answer_in_time_is_tried_again_later(
    receiver, staff_user, settings, django_capture_on_commit_callbacks, english
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(receiver)
    receiver.mode = "hang"
    started = time.monotonic()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    assert time.monotonic() - started < 3
    delivery = WebhookDelivery.objects.get()
    [attempt] = delivery.attempt_log.all()
    assert (delivery.status, delivery.last_status_code, attempt.status_code) == (D.QUEUED, None, None)
    assert attempt.error == "Could not connect: the receiver did not answer in time."
    assert attempt.duration_ms >= 250


def test_an_unreachable_receiver_is_tried_again_later(staff_user, django_capture_on_commit_callbacks, english):
    user = factories.UserFactory(staff=True)
    webhook_subscription_create(
        user=user, url="http://127.0.0.1:9/nothing-here", events=["application.withdrawn"], by=user
    )

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (D.QUEUED, 1)
    assert delivery.last_error == "Could not connect to the receiver."


def test_a_delivery_whose_subscription_was_deactivated_meanwhile_is_not_sent(receiver, staff_user):
    subscription = subscribe(receiver).subscription
    withdraw(staff_user)  # queued, not yet handed over
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    deliver_webhook.delay(WebhookDelivery.objects.get().pk)

    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == D.FAILED


# --- the sweep and delivering again -------------------------------------------------------------------


def test_the_sweep_hands_over_a_delivery_whose_hand_off_was_lost(receiver, staff_user):
    subscribe(receiver)
    withdraw(staff_user)  # the commit never comes: as if the broker had lost the job
    WebhookDelivery.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=5))

    sweep_notifications.delay()

    assert receiver.events() == ["application.withdrawn"]
    assert WebhookDelivery.objects.get().status == D.DELIVERED


def test_the_sweep_takes_back_a_delivery_whose_worker_died(receiver, staff_user):
    subscribe(receiver)
    withdraw(staff_user)
    WebhookDelivery.objects.update(status=D.SENDING, claimed_at=timezone.now() - dt.timedelta(hours=1), attempts=1)

    sweep_notifications.delay()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.DELIVERED, 2, 1)


def test_a_delivered_event_can_be_delivered_again_by_hand(receiver, staff_user, django_capture_on_commit_callbacks):
    issued = subscribe(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)
    delivery = WebhookDelivery.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery=delivery, by=staff_user)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (D.DELIVERED, 1)
    first, second = receiver.received
    assert first["body"] == second["body"]
    assert verify(issued.secret, second)
    assert AuditEvent.objects.filter(object_id=str(delivery.pk), verb="status_changed", to_state="queued").exists()


def test_a_failed_delivery_delivered_again_starts_a_fresh_count(
    receiver, staff_user, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    subscribe(receiver)
    receiver.mode = "error"
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(staff_user)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == D.FAILED
    receiver.mode = "ok"

    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery=delivery, by=staff_user)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempt_log.count()) == (D.DELIVERED, 1, 2)


def test_a_queued_delivery_cannot_be_delivered_again(receiver, staff_user):
    subscribe(receiver)
    withdraw(staff_user)

    with pytest.raises(TransitionNotAllowed):
        webhook_redeliver(delivery=WebhookDelivery.objects.get(), by=staff_user)


def test_emitting_with_no_subscriptions_writes_nothing(staff_user, django_assert_num_queries):
    program = factories.ProgramFactory()

    with django_assert_num_queries(1):  # looking for subscriptions
        webhooks_emit(event="selection.finalised", obj=program, payload={}, program=program)

    assert not WebhookDelivery.objects.exists()


# --- the admin ----------------------------------------------------------------------------------------


def test_staff_making_a_subscription_in_the_admin_see_its_secret_once(staff_client):
    owner = factories.UserFactory(staff=True)

    with translation.override("en"):
        response = staff_client.post(
            reverse("admin:notifications_webhooksubscription_add"),
            {
                "user": owner.pk,
                "url": "https://hooks.example.com/m",
                "events": ["selection.finalised"],
                "is_active": "on",
            },
            follow=True,
        )

    subscription = WebhookSubscription.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    assert any(subscription.secret in message for message in shown)
    change_page = staff_client.get(reverse("admin:notifications_webhooksubscription_change", args=[subscription.pk]))
    assert subscription.secret not in change_page.content.decode()


def test_a_subscription_made_inactive_in_the_admin_is_created_inactive_in_one_step(staff_client):
    owner = factories.UserFactory(staff=True)

    staff_client.post(
        reverse("admin:notifications_webhooksubscription_add"),
        {"user": owner.pk, "url": "https://hooks.example.com/m", "events": ["selection.finalised"]},
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.is_active is False
    verbs = list(AuditEvent.objects.filter(object_id=str(subscription.pk)).values_list("verb", flat=True))
    assert verbs == ["webhook_subscribed"]


def test_the_admin_refuses_an_address_without_https(staff_client):
    owner = factories.UserFactory(staff=True)

    with translation.override("en"):
        response = staff_client.post(
            reverse("admin:notifications_webhooksubscription_add"),
            {"user": owner.pk, "url": "http://hooks.example.com/m", "events": ["selection.finalised"]},
        )

    assert response.status_code == 200
    assert "https" in str(response.context["adminform"].form.errors["url"])
    assert not WebhookSubscription.objects.exists()


def test_deliver_again_in_the_admin_queues_a_failed_delivery(
    staff_client, receiver, django_capture_on_commit_callbacks
):
    delivery = factories.WebhookDeliveryFactory(
        subscription=subscribe(receiver).subscription, status=D.FAILED, attempts=8
    )

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            reverse("admin:notifications_webhookdelivery_changelist"),
            {"action": "webhook_redeliver", "_selected_action": [delivery.pk], "index": 0},
        )

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == (D.DELIVERED, 1, 1)


def test_the_delivery_page_shows_every_attempt(staff_client):
    attempt = factories.WebhookAttemptFactory(response_excerpt="upstream exploded")

    response = staff_client.get(reverse("admin:notifications_webhookdelivery_change", args=[attempt.delivery_id]))

    assert response.status_code == 200
    assert "upstream exploded" in response.content.decode()


def test_a_receiver_on_this_machine_is_not_called_when_internal_addresses_are_refused(
    receiver, staff_user, settings, django_capture_on_commit_callbacks, english
):
    subscribe(receiver, user=staff_user)
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = False
    application = factories.ApplicationFactory(submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        webhooks_emit(event="application.submitted", obj=application, payload={}, program=application.program)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_error.startswith("Refused: internal address")
    assert "127.0.0.1" not in delivery.last_error
    assert receiver.received == []
