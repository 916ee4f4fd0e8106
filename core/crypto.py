"""Secrets at rest: values encrypted with keys from the environment (FIELD_ENCRYPTION_KEYS).

The first key encrypts; every key decrypts, so a key is rotated by putting a new one first, running
`manage.py rotate_encryption_keys` (which re-encrypts with the first key), then dropping the old one.
A stored value reads `fernet:<token>` (Fernet: AES-128-CBC with an HMAC-SHA256, timestamped). A value
without the prefix is a plain one written before encryption existed: it is read as it is and encrypted
when next saved (the migration that introduced a field encrypts its rows at once).
"""

import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: at least one key is needed.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(make one: `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def encrypt(plain: str) -> str:
    return PREFIX + fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain value of `stored` (a legacy plain value is returned as it is)."""
    if not is_encrypted(stored):
        return stored
    try:
        return fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "An encrypted value cannot be decrypted with any key of FIELD_ENCRYPTION_KEYS "
            "(was a key removed before `rotate_encryption_keys` ran?)."
        ) from error


def reencrypt(stored: str) -> str:
    """`stored` encrypted with the first key (plain values are encrypted)."""
    if not is_encrypted(stored):
        return encrypt(stored)
    return PREFIX + fernet().rotate(stored.removeprefix(PREFIX).encode()).decode()


class EncryptedTextField(models.TextField):
    """Text kept encrypted in the database and plain in Python. Encryption is randomised: the column
    cannot be searched or compared, only read back."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or is_encrypted(value):
            return value
        return encrypt(value)


def encryption_keys_rotate() -> dict[str, int]:
    """Encrypt every value of every EncryptedTextField again with the first key (plain values left
    from before encryption too). Returns the rows rewritten per model label."""
    from django.apps import apps
    from django.db import transaction

    rewritten: dict[str, int] = {}
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
        rewritten[model._meta.label] = count
    return rewritten
