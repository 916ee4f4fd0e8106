"""Webhook signing secrets are encrypted in the database with FIELD_ENCRYPTION_KEYS; API keys stay hashed."""

import hashlib
import hmac
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from api.keys import api_key_create
from api.models import ApiKey
from notifications.models import WebhookSubscription
from notifications.webhooks import webhook_deliver, webhook_subscription_create
from tests import factories

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
SETUP = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; django.setup()"


def _raw_secret(subscription: WebhookSubscription) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {WebhookSubscription._meta.db_table} WHERE id = %s", [subscription.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the name http.server calls
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"headers": dict(self.headers), "body": body})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()
    server.server_close()


def _subscribe(url: str = "http://127.0.0.1:9/hooks"):
    user = factories.UserFactory(staff=True)
    return webhook_subscription_create(
        user=user, partner=None, program=None, url=url, events=["application.submitted"], by=user
    )


def test_the_signing_secret_is_not_stored_in_clear(settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True
    issued = _subscribe()

    raw = _raw_secret(issued.subscription)

    assert raw.startswith("fernet:")
    assert issued.secret not in raw
    assert WebhookSubscription.objects.get(pk=issued.subscription.pk).secret == issued.secret


def test_deliveries_are_still_signed_with_the_secret_shown_at_creation(receiver):
    url, received = receiver
    issued = _subscribe(url)
    delivery = factories.WebhookDeliveryFactory(subscription=issued.subscription, event="application.submitted")

    webhook_deliver(delivery_id=delivery.pk)

    (request,) = received
    parts = dict(item.split("=", 1) for item in request["headers"]["X-Matchday-Signature"].split(","))
    expected = hmac.new(issued.secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256)
    assert hmac.compare_digest(expected.hexdigest(), parts["v1"])


def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_be_dropped(settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    issued = _subscribe()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert WebhookSubscription.objects.get(pk=issued.subscription.pk).secret == issued.secret


def test_a_secret_cannot_be_read_once_its_key_is_gone(settings):
    settings.WEBHOOK_ALLOW_INTERNAL_ADDRESSES = True
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    issued = _subscribe()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]

    with pytest.raises(Exception, match="cannot be decrypted"):
        WebhookSubscription.objects.get(pk=issued.subscription.pk)


def test_a_secret_stored_in_clear_before_encryption_is_read_and_then_encrypted_by_rotation():
    subscription = factories.WebhookSubscriptionFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {WebhookSubscription._meta.db_table} SET secret = %s WHERE id = %s",  # noqa: S608
            ["whsec_legacy", subscription.pk],
        )

    assert WebhookSubscription.objects.get(pk=subscription.pk).secret == "whsec_legacy"
    call_command("rotate_encryption_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert _raw_secret(subscription).startswith("fernet:")
    assert WebhookSubscription.objects.get(pk=subscription.pk).secret == "whsec_legacy"


def test_api_keys_stay_hashed():
    user = factories.UserFactory(staff=True)
    issued = api_key_create(user=user, name="integration", scopes=["programs:read"], by=user)

    stored = ApiKey.objects.values().get(pk=issued.api_key.pk)

    assert not any(issued.secret in str(value) for value in stored.values())


def _start_django(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "REDIS_URL")}
    environment.update(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="x" * 50, **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", SETUP],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_encryption_keys():
    result = _start_django()

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_refuses_to_start_with_a_key_that_is_not_a_fernet_key():
    result = _start_django(FIELD_ENCRYPTION_KEYS=f"{NEW_KEY},not-a-key")

    assert result.returncode != 0
    assert "each key must be 32 url-safe base64-encoded bytes" in result.stderr


def test_production_starts_with_rotation_keys():
    result = _start_django(FIELD_ENCRYPTION_KEYS=f"{NEW_KEY},{OLD_KEY}")

    assert result.returncode == 0, result.stderr
