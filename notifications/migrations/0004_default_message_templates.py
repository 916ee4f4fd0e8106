"""Copies the shipped wording (notifications/default_messages/) into the editable templates.
Rows staff have already edited are left as they are."""

from pathlib import Path

from django.db import migrations

DEFAULTS_DIR = Path(__file__).resolve().parent.parent / "default_messages"


def load_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for path in sorted(DEFAULTS_DIR.glob("*.txt")):
        event, language, _suffix = path.name.rsplit(".", 2)
        subject, _blank, body = path.read_text(encoding="utf-8").partition("\n\n")
        MessageTemplate.objects.get_or_create(
            event=event, language=language, defaults={"subject": subject.strip(), "body": body.strip() + "\n"}
        )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_outbox_delivery_and_templates")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
