"""Webhook signing secrets are stored encrypted (core/crypto.py): the column becomes text (a Fernet token
is longer than the secret) and the existing secrets are encrypted with the first FIELD_ENCRYPTION_KEYS key.
Going back decrypts them."""

from django.db import migrations

import core.crypto


def encrypt_secrets(apps, schema_editor):
    WebhookSubscription = apps.get_model("notifications", "WebhookSubscription")
    for pk, secret in WebhookSubscription.objects.values_list("pk", "secret"):
        # Read through the field: plain (legacy) values come back as they are; saving encrypts them.
        WebhookSubscription.objects.filter(pk=pk).update(secret=core.crypto.reencrypt(secret))


def decrypt_secrets(apps, schema_editor):
    WebhookSubscription = apps.get_model("notifications", "WebhookSubscription")
    table = schema_editor.quote_name(WebhookSubscription._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for pk, secret in WebhookSubscription.objects.values_list("pk", "secret"):
            cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [secret, pk])  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_messages_to_a_group"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=core.crypto.EncryptedTextField(editable=False, verbose_name="signing secret"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
