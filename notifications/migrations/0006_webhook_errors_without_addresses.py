"""Delivery errors recorded before they were kept free of addresses: the log callers read says "could
not connect" or "refused: internal address", never how a host name resolved or where a connection went."""

import re

from django.db import migrations

REFUSED = "Refused: internal address (the receiver must be on the internet)."
TIMED_OUT = "Could not connect: the receiver did not answer in time."
NO_CONNECTION = "Could not connect to the receiver."
# The old texts: "Not sent: <host> leads to <address>, …" (and its Korean), "<RequestException class>: <details>".
RESOLVED = re.compile(r"leads to|로 연결됩니다")
REQUEST_ERROR = re.compile(r"^(?P<kind>[A-Za-z]*(Error|Timeout|Exception|Redirects|URL|Schema)): ")


def _safe(text: str) -> str:
    if not text:
        return text
    if RESOLVED.search(text):
        return REFUSED
    match = REQUEST_ERROR.match(text)
    if match:
        return TIMED_OUT if match["kind"].endswith("Timeout") else NO_CONNECTION
    return text


def forwards(apps, schema_editor):
    for model, field in (("WebhookDelivery", "last_error"), ("WebhookAttempt", "error")):
        rows = apps.get_model("notifications", model).objects.exclude(**{field: ""}).only("pk", field)
        changed = []
        for row in rows.iterator(chunk_size=2000):
            safe = _safe(getattr(row, field))
            if safe != getattr(row, field):
                setattr(row, field, safe)
                changed.append(row)
        rows.model.objects.bulk_update(changed, [field], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_webhooks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
