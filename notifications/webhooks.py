"""Signed webhooks: the outbox again, for machines instead of people.

- `webhooks_emit` (called by the services that change applications, rounds and the selection, inside
  their transaction) creates one delivery per active subscription that wants the event and whose
  owner may see it through the API, and hands them to the queue when the transaction commits.
- `webhook_deliver` (the Celery task's body) claims a queued delivery under a lock, POSTs the signed
  JSON outside the transaction, logs the attempt and records the outcome: delivered on a 2xx answer;
  otherwise queued again with exponential backoff, and failed after the last attempt.
- `webhooks_sweep` (with the notification sweep, every minute) queues again deliveries stuck in
  "sending" and those whose hand-off to the queue was lost.

The receiver checks `X-Matchday-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`
over the exact bytes of the body, and fetches what it needs through the API with its key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Case, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from core.access import Actor
from core.errors import DomainError, InvalidInput
from core.lifecycle import transition
from notifications.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from notifications.outbox import HAND_OFF_GRACE, SweepReport, outbox_enqueue, outbox_record, outbox_sweep

logger = logging.getLogger(__name__)
S = WebhookDelivery.Status

USER_AGENT = "Matchday-Webhooks/1"
RESPONSE_EXCERPT_CHARS = 1000
API_PREFIX = "/api/v1"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


# --- subscriptions ------------------------------------------------------------------------------------


class WebhookRefused(InvalidInput):
    code = "webhook_invalid"


class WebhooksForIntegrationsOnly(DomainError):
    """Only staff, or a partner's current member for the partner, may own a subscription."""

    code = "webhooks_for_integrations_only"
    http_status = 403


@dataclasses.dataclass(frozen=True)
class IssuedSubscription:
    subscription: WebhookSubscription
    secret: str  # to show once


def _partner_actor(*, user: Any, partner_id: int) -> Actor:
    """Acting for a partner as a partner's key of `user` would (an unsaved key, never stored)."""
    from api.models import ApiKey

    return Actor(user=user, key=ApiKey(user=user, partner_id=partner_id))


def webhook_subscription_actor(subscription: WebhookSubscription) -> Actor | None:
    """Whom a subscription acts for when it is told of events, or None once nobody may be: a partner's
    subscription acts for the partner through its owner while the owner is a current member, else
    through another current member, and through nobody once none is left; any other subscription acts
    for its owner while the owner is active staff. Asked at every event and every delivery."""
    from matching.models import PartnerMembership

    owner = subscription.user
    if subscription.partner_id is None:
        actor = Actor(user=owner)
        return actor if actor.is_staff else None
    # The owner's membership if current, else the first current one: one query per event and delivery.
    member = (
        PartnerMembership.objects.current()
        .filter(partner_id=subscription.partner_id)
        .select_related("user")
        .order_by(Case(When(user_id=owner.pk, then=0), default=1), "pk")
        .first()
    )
    return None if member is None else _partner_actor(user=member.user, partner_id=subscription.partner_id)


def _owner_gone_reason(subscription: WebhookSubscription) -> str:
    if subscription.partner_id is not None:
        return gettext("Not sent: nobody at the partner is an active member any more.")
    return gettext("Not sent: the owner of the subscription is no longer active staff.")


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def internal_address_of(host: str) -> str | None:
    """The first address of `host` that is not on the public internet (this machine, a private network,
    link-local, reserved), or None. Names are resolved; a name that does not resolve is not internal."""
    if host in LOCAL_HOSTS:
        return host
    try:
        addresses = [host] if _is_ip(host) else [info[4][0] for info in socket.getaddrinfo(host, None)]
    except OSError:
        return None
    return next((address for address in addresses if _is_internal(address)), None)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _url_problems(url: str) -> list[str]:
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return [gettext("Enter a full web address, such as https://example.com/hooks/matchday.")]
    # Names are checked when a delivery is sent (they may resolve elsewhere later); addresses already here.
    internal = host in LOCAL_HOSTS or (_is_ip(host) and _is_internal(host))
    if internal and not settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES:
        return [gettext("The address must be on the internet, not on this machine or a private network.")]
    if parts.scheme != "https" and not settings.DEBUG and host not in LOCAL_HOSTS:
        return [gettext("The address must use https (http is accepted only for 127.0.0.1 and localhost).")]
    if parts.username or parts.password:
        return [gettext("The address must not contain a user name or password.")]
    return []


def _event_problems(events: Any) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        return [gettext("Choose at least one event.")]
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        return [gettext("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}]
    return []


def webhook_subscription_problems(
    *, url: str, events: Any, user: Any, partner: Any = None, program: Any = None
) -> dict[str, list[str]]:
    """Per field, what keeps a subscription from being saved: an address without https (except
    127.0.0.1 and localhost, or with DEBUG on), no or unknown events, an owner who is neither staff nor
    a current member of the partner the subscription is for, a program the owner may not see."""
    from api.selectors import programs_for
    from matching.models import PartnerMembership

    problems = {"url": _url_problems(url), "events": _event_problems(events)}
    if partner is not None and not PartnerMembership.objects.current().filter(partner=partner, user=user).exists():
        problems["partner"] = [gettext("%(user)s is not a member of %(partner)s.") % {"user": user, "partner": partner}]
    elif partner is None and not Actor.of(user).is_staff:
        problems["user"] = [_integrations_only_message()]
    if program is not None and not problems.keys() & {"partner", "user"}:
        access = _partner_actor(user=user, partner_id=partner.pk) if partner else Actor(user=user)
        if not programs_for(access).filter(pk=program.pk).exists():
            problems["program"] = [gettext("Choose a program you may see.")]
    return {field: messages for field, messages in problems.items() if messages}


def _integrations_only_message() -> str:
    return gettext(
        "Webhooks are for integrations: a subscription belongs to staff, or to a partner's member "
        "(with the partner's key)."
    )


def _check(**values: Any) -> None:
    problems = webhook_subscription_problems(**values)
    if problems:
        raise WebhookRefused(problems)


@transaction.atomic
def webhook_subscription_create(
    *,
    user: Any,
    url: str,
    events: list[str],
    by: Any,
    partner: Any = None,
    program: Any = None,
    is_active: bool = True,
) -> IssuedSubscription:
    """Subscribe `url` to `events` (all five names are in `WebhookEvent`), seeing what `user` — and,
    for a partner's integration, `partner` — may see. Webhooks are for integrations: the owner is
    staff, or a current member of `partner` (anyone else: WebhooksForIntegrationsOnly, a 403). The
    address must be on the internet unless WEBHOOK_ALLOW_INTERNAL_ADDRESSES, and use https except on
    this machine (or with DEBUG on). The signing secret is returned once."""
    if partner is None and not Actor.of(user).is_staff:
        raise WebhooksForIntegrationsOnly(_integrations_only_message())
    _check(url=url, events=events, user=user, partner=partner, program=program)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    subscription = WebhookSubscription.objects.create(
        user=user,
        partner=partner,
        program=program,
        url=url,
        events=sorted(set(events)),
        secret=secret,
        is_active=is_active,
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(
        actor=by,
        obj=subscription,
        verb="webhook_subscribed",
        data={"url": url, "events": subscription.events, "active": is_active},
    )
    return IssuedSubscription(subscription=subscription, secret=secret)


@transaction.atomic
def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    by: Any,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change the address, the events or whether the subscription is active (None: unchanged). The
    secret stays the same."""
    locked = WebhookSubscription.objects.select_for_update(of=("self",)).select_related("user").get(pk=subscription.pk)
    changes = {
        name: value
        for name, value in (("url", url), ("events", events), ("is_active", is_active))
        if value is not None and value != getattr(locked, name)
    }
    if not changes:
        return locked
    # Who owns it was checked when it was made, and is checked again at every event and delivery.
    problems = {
        "url": _url_problems(changes.get("url", locked.url)),
        "events": _event_problems(changes.get("events", locked.events)),
    }
    problems = {field: messages for field, messages in problems.items() if messages}
    if problems:
        raise WebhookRefused(problems)
    if "events" in changes:
        changes["events"] = sorted(set(changes["events"]))
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=by, obj=locked, verb="webhook_changed", data=changes)
    return locked


def webhook_subscription_deactivate(*, subscription: WebhookSubscription, by: Any, reason: str = "") -> None:
    """The subscription receives nothing more until it is made active again."""
    webhook_subscription_update(subscription=subscription, by=by, is_active=False)


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, by: Any) -> None:
    """Remove the subscription with its deliveries; the audit trail keeps that it existed."""
    audit_record(actor=by, obj=subscription, verb="webhook_deleted", data={"url": subscription.url})
    subscription.delete()


def webhook_subscriptions_visible_to(*, actor: Any) -> QuerySet:
    """The subscriptions an actor may see and change. Staff: every one. A partner's key (while its user
    is a current member): the partner's. Anyone else: none (webhooks are for integrations)."""
    actor = Actor.of(actor)
    if actor.is_staff:
        subscriptions = WebhookSubscription.objects.all()
    elif actor.partner_id is not None:
        from matching.models import PartnerMembership

        partners = PartnerMembership.objects.acted_through(actor).values("partner_id")
        subscriptions = WebhookSubscription.objects.filter(partner_id__in=partners)
    else:
        subscriptions = WebhookSubscription.objects.none()
    return subscriptions.order_by("-created_at", "-id")


def webhook_deliveries_of(*, subscription: WebhookSubscription) -> QuerySet:
    """The subscription's deliveries, newest first, with their attempts."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number", "id")))
        .order_by("-created_at", "-id")
    )


# --- emitting -----------------------------------------------------------------------------------------


def _resource(obj: models.Model) -> dict[str, Any]:
    """The ids a receiver needs to fetch `obj` through the API."""
    from matching.models import EvaluationRound, Program
    from startups.models import Application

    if isinstance(obj, Application):
        return {
            "application_id": obj.pk,
            "program_id": obj.program_id,
            "receipt_number": obj.receipt_number or None,
            "status": obj.status,
            "url": f"{API_PREFIX}/applications/{obj.pk}/",
        }
    if isinstance(obj, EvaluationRound):
        return {
            "round_id": obj.pk,
            "program_id": obj.program_id,
            "status": obj.status,
            "url": f"{API_PREFIX}/rounds/{obj.pk}/",
        }
    if isinstance(obj, Program):
        return {"program_id": obj.pk, "status": obj.status, "url": f"{API_PREFIX}/programs/{obj.pk}/"}
    raise TypeError(f"No webhook resource for {type(obj).__name__}")


def _may_see(actor: Actor, *, obj: models.Model, program: Any, data: dict[str, Any]) -> bool:
    """Whether the subscription's actor may see `obj`, by the selectors the API reads with. A finalist
    that leaves (withdrawn) is still news to the partners who saw it: for them the status before the
    event counts."""
    from api.selectors import programs_for
    from startups.models import Application
    from startups.selectors import FINALIST_STATUSES, applications_visible_to, partner_program_ids

    if actor.is_staff:
        return True
    if not isinstance(obj, Application):
        return programs_for(actor).filter(pk=program.pk).exists()
    if applications_visible_to(actor=actor).filter(pk=obj.pk).exists():
        return True
    if data.get("previous_status") not in FINALIST_STATUSES:
        return False
    return partner_program_ids(actor).filter(program_id=obj.program_id).exists()


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The bytes POSTed (and signed) for a delivery's payload."""
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhooks_emit(*, event: str, obj: models.Model, payload: dict[str, Any], program: Any) -> int:
    """Queue `event` about `obj` (an application, a round or a program of `program`) for every active
    subscription that wants it, is not limited to another program, and whose owner may see `obj`
    (a partner's: only its programs, and of applications only the finalists). Call inside the
    transaction that made the change: one insert, handed to the queue after commit, nothing after a
    rollback. Every delivery of one event carries the same event id. Returns how many were queued."""
    return webhooks_emit_many(event=event, items=[(obj, payload)], program=program)


def webhooks_emit_many(*, event: str, items: list[tuple[models.Model, dict[str, Any]]], program: Any) -> int:
    """`webhooks_emit` for many objects of one program at once (one event id each): the subscriptions
    are read once, each owner's visibility is asked once for all the objects, and every delivery is
    written in one insert, so the queries do not grow with the number of objects."""
    event = WebhookEvent(event)
    if not items:
        return 0
    candidates = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        .filter(Q(program__isnull=True) | Q(program_id=program.pk))
        .select_related("user")
        if event in subscription.events
    ]
    if not candidates:
        return 0
    datas = [{**_resource(obj), **payload} for obj, payload in items]
    wanted: list[list[WebhookSubscription]] = [[] for _ in items]
    gone: list[WebhookSubscription] = []
    for subscription in candidates:
        actor = webhook_subscription_actor(subscription)
        if actor is None:
            gone.append(subscription)  # recorded as not sent, with the reason, and never POSTed
            continue
        for index in _visible(actor, objs=[obj for obj, _p in items], program=program, datas=datas):
            wanted[index].append(subscription)
    if not gone and not any(wanted):
        return 0
    created_at = timezone.now().isoformat()
    rows: list[WebhookDelivery] = []
    queued_event_ids = []
    for data, subscriptions in zip(datas, wanted, strict=True):
        if not subscriptions and not gone:
            continue
        event_id = uuid.uuid4()
        if gone:
            # Only the ids go into the record: the owner may not see this event's data any more.
            stub = {"id": str(event_id), "event": event.value, "created_at": created_at, "data": {}}
            rows += [
                WebhookDelivery(
                    subscription=s,
                    event=event,
                    event_id=event_id,
                    payload=stub,
                    status=S.FAILED,
                    last_error=_owner_gone_reason(s),
                )
                for s in gone
            ]
        if subscriptions:
            body = {"id": str(event_id), "event": event.value, "created_at": created_at, "data": data}
            body = json.loads(webhook_body(body))  # stored exactly as it will be sent
            rows += [
                WebhookDelivery(subscription=s, event=event, event_id=event_id, payload=body) for s in subscriptions
            ]
            queued_event_ids.append(event_id)
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    if not queued_event_ids:
        return 0
    ids = [d.pk for d in deliveries if d.pk is not None and d.status == S.QUEUED]
    if not any(d.pk for d in deliveries):  # a backend that does not return ids from a bulk insert
        ids = list(
            WebhookDelivery.objects.filter(event_id__in=queued_event_ids, status=S.QUEUED).values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: webhooks_enqueue(ids=ids))
    return len(ids)


def _visible(actor: Actor, *, objs: list[models.Model], program: Any, datas: list[dict[str, Any]]) -> list[int]:
    """The indexes of `objs` the actor may see (`_may_see` for each), asking the database once per
    kind of answer instead of once per object."""
    from startups.models import Application
    from startups.selectors import applications_visible_to

    if actor.is_staff:
        return list(range(len(objs)))
    applications = [o.pk for o in objs if isinstance(o, Application)]
    seen = set(applications_visible_to(actor=actor).filter(pk__in=applications).values_list("pk", flat=True))
    others: dict[tuple, bool] = {}  # the answer for everything but an application seen now
    visible = []
    for index, (obj, data) in enumerate(zip(objs, datas, strict=True)):
        if isinstance(obj, Application) and obj.pk in seen:
            visible.append(index)
            continue
        key = (type(obj), getattr(obj, "program_id", None), data.get("previous_status"))
        if key not in others:
            others[key] = _may_see(actor, obj=obj, program=program, data=data)
        if others[key]:
            visible.append(index)
    return visible


def webhooks_enqueue(*, ids: list[int]) -> None:
    """Hand queued deliveries to the queue (see `outbox_enqueue`)."""
    from notifications.tasks import deliver_webhook

    outbox_enqueue(WebhookDelivery, ids=ids, task=deliver_webhook, what="webhook deliveries")


# --- delivery -----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Outcome:
    outcome: str  # delivered, retry, failed, skipped
    retry_in: int | None = None  # seconds, when the task should schedule the next attempt itself


def webhook_retry_delay(attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt: base · 2^(attempts − 1), capped."""
    return min(settings.WEBHOOK_RETRY_MAX_SECONDS, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


@transaction.atomic
def _claim(delivery_id: int) -> WebhookDelivery | Outcome:
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription__user")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != S.QUEUED:
        return Outcome("skipped")  # delivered, being sent by another worker, or failed
    now = timezone.now()
    if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=1):
        return Outcome("skipped")  # not due yet: its own job or the sweep hands it over when it is
    if not delivery.subscription.is_active:
        delivery.status, delivery.last_error = S.FAILED, gettext("The subscription was deactivated.")
        delivery.save(update_fields=["status", "last_error", "updated_at"])
        return Outcome("failed")
    if webhook_subscription_actor(delivery.subscription) is None:  # membership is checked at every delivery
        delivery.status, delivery.last_error = S.FAILED, _owner_gone_reason(delivery.subscription)
        delivery.save(update_fields=["status", "last_error", "updated_at"])
        return Outcome("failed")
    delivery.status, delivery.claimed_at = S.SENDING, now
    delivery.attempts += 1
    delivery.save(update_fields=["status", "claimed_at", "attempts", "updated_at"])
    return delivery


def _post(delivery: WebhookDelivery) -> tuple[int | None, str, str]:
    """POST the delivery once: (status code or None, the start of the answer, the error)."""
    body = webhook_body(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Matchday-Event": delivery.event,
        "X-Matchday-Delivery": str(delivery.event_id),
        "X-Matchday-Signature": webhook_signature(secret=delivery.subscription.secret, timestamp=timestamp, body=body),
    }
    try:
        with requests.post(
            delivery.subscription.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,  # read only the start of the answer, however long it is
        ) as response:
            raw = next(response.iter_content(4 * RESPONSE_EXCERPT_CHARS), b"")
            excerpt = raw.decode(response.encoding or "utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]
            return response.status_code, excerpt, ""
    except requests.RequestException as error:
        # The details (host names, addresses) stay in the server's log: callers read the delivery log.
        logger.info("Webhook delivery %s: %s: %s", delivery.pk, type(error).__name__, error)
        return None, "", _connect_error(error)


def _connect_error(error: requests.RequestException) -> str:
    """What callers are told of a failed connection: never a resolved address or a host's mapping."""
    if isinstance(error, requests.Timeout):
        return gettext("Could not connect: the receiver did not answer in time.")
    return gettext("Could not connect to the receiver.")


def webhook_deliver(*, delivery_id: int) -> Outcome:
    """POST one queued delivery at most once per claim and log the attempt (see the module docstring).
    Safe to run twice: a delivery that is not queued, or not yet due, is skipped."""
    claimed = _claim(delivery_id)
    if isinstance(claimed, Outcome):
        return claimed
    delivery = claimed
    host = (urlsplit(delivery.subscription.url).hostname or "").lower()
    internal = None if settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES else internal_address_of(host)
    if internal is not None:  # checked at every delivery: a name may point elsewhere since it was saved
        logger.warning("Webhook delivery %s refused: %s resolves to the internal %s", delivery.pk, host, internal)
        reason = gettext("Refused: internal address (the receiver must be on the internet).")
        outbox_record(delivery, status=S.FAILED, last_error=reason)
        return Outcome("failed")
    started_at, started = timezone.now(), time.monotonic()
    status_code, excerpt, error = _post(delivery)
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=round((time.monotonic() - started) * 1000),
        status_code=status_code,
        response_excerpt=excerpt,
        error=error,
    )
    if status_code is not None and 200 <= status_code < 300:
        outbox_record(
            delivery, status=S.DELIVERED, delivered_at=timezone.now(), last_status_code=status_code, last_error=""
        )
        return Outcome("delivered")
    reason = error or gettext("The receiver answered %(code)s.") % {"code": status_code}
    if delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        delay = webhook_retry_delay(delivery.attempts)
        due = timezone.now() + dt.timedelta(seconds=delay)
        # A countdown longer than the broker keeps a job unacknowledged is left to the sweep.
        scheduled = delay <= settings.NOTIFICATION_RETRY_MAX_SECONDS
        outbox_record(
            delivery,
            status=S.QUEUED,
            next_attempt_at=due,
            enqueued_at=due if scheduled else None,
            last_status_code=status_code,
            last_error=reason,
        )
        return Outcome("retry", retry_in=delay if scheduled else None)
    logger.warning("Webhook delivery %s failed after %d attempts: %s", delivery.pk, delivery.attempts, reason)
    outbox_record(delivery, status=S.FAILED, last_status_code=status_code, last_error=reason)
    return Outcome("failed")


def webhooks_sweep(
    *,
    sending_timeout: dt.timedelta | None = None,
    requeue_after: dt.timedelta | None = None,
    grace: dt.timedelta = HAND_OFF_GRACE,
    limit: int = 5000,
) -> SweepReport:
    """Queue again the deliveries that would otherwise wait forever (see `outbox_sweep`; a receiver
    that got a POST twice tells by the event id). The notification settings set the times."""
    return outbox_sweep(
        WebhookDelivery,
        due_field="next_attempt_at",
        enqueue=lambda ids: webhooks_enqueue(ids=ids),
        stuck_message=gettext("The worker sending this delivery stopped; it is queued again."),
        what="webhook deliveries",
        sending_timeout=sending_timeout,
        requeue_after=requeue_after,
        grace=grace,
        limit=limit,
    )


# --- staff and owners ---------------------------------------------------------------------------------


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, by: Any, reason: str = "") -> WebhookDelivery:
    """A failed or delivered delivery is queued again with a fresh count of attempts (same event id
    and body, signed anew) and sent as soon as a worker takes it. Audited."""
    queued = transition(
        delivery,
        to=S.QUEUED,
        by=by,
        reason=reason,
        extra_fields={"attempts": 0, "next_attempt_at": None, "enqueued_at": None, "last_error": ""},
        data={"event_id": str(delivery.event_id)},
    )
    transaction.on_commit(lambda: webhooks_enqueue(ids=[queued.pk]))
    return queued
