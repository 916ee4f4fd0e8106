from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from core.crypto import EncryptedTextField, encrypt


class Command(BaseCommand):
    help = (
        "Encrypt every encrypted field (webhook signing secrets) again with the first key of "
        "FIELD_ENCRYPTION_KEYS. Run it after putting a new key first; the old keys can be dropped once it "
        "has finished. Plain values left from before encryption are encrypted too."
    )

    def handle(self, *args, **options) -> None:
        for model in apps.get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not names:
                continue
            count = 0
            with transaction.atomic():
                # Read through the fields (any key decrypts), write back (the first key encrypts).
                for row in model._default_manager.select_for_update().values("pk", *names).iterator():
                    values = {name: encrypt(row[name]) for name in names if row[name]}
                    if values:
                        model._default_manager.filter(pk=row["pk"]).update(**values)
                        count += 1
            self.stdout.write(f"{model._meta.label}: {count} rows encrypted with the first key.")
