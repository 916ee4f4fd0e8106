from django.core.management.base import BaseCommand

from core.crypto import encryption_keys_rotate


class Command(BaseCommand):
    help = (
        "Encrypt every encrypted field (webhook signing secrets) again with the first key of "
        "FIELD_ENCRYPTION_KEYS. Run it after putting a new key first; the old keys can be dropped once it "
        "has finished (deploy/BACKUP.md). Plain values left from before encryption are encrypted too."
    )

    def handle(self, *args, **options) -> None:
        for label, count in encryption_keys_rotate().items():
            self.stdout.write(f"{label}: {count} rows encrypted with the first key.")
