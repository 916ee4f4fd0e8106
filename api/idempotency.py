"""`Idempotency-Key` on POST: the first request with a key runs; a later one from the same caller
with the same key gets the first response again (status, body and Location), marked
`Idempotent-Replayed: true`, and has no effect. The same key with a different request is refused
(422); a second request while the first is still running is refused (409)."""

from __future__ import annotations

import functools
import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.response import Response

from api.models import ApiKey, IdempotencyRecord
from core.errors import DomainError

HEADER = "Idempotency-Key"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422


class IdempotencyKeyInUse(DomainError):
    code = "idempotency_key_in_use"
    http_status = 409


def _caller(request) -> str:
    return f"key:{request.auth.pk}" if isinstance(request.auth, ApiKey) else f"user:{request.user.pk}"


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.body):
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def idempotent(method):
    """Decorate a DRF view's `post` (or action) to honour the Idempotency-Key header."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > 255:
            raise IdempotencyKeyReused(_("An Idempotency-Key has at most 255 characters."))
        caller, fingerprint = _caller(request), _fingerprint(request)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    caller=caller, key=key, method=request.method, path=request.path[:500], request_hash=fingerprint
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.get(caller=caller, key=key)
            if record.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    _("This Idempotency-Key was used for a different request; use a new key.")
                ) from None
            if record.status_code is None:
                raise IdempotencyKeyInUse(
                    _("A request with this Idempotency-Key is still being processed; try again shortly.")
                ) from None
            stored = record.response or {}
            return Response(
                stored.get("body"),
                status=record.status_code,
                headers={**stored.get("headers", {}), "Idempotent-Replayed": "true"},
            )
        try:
            response = method(view, request, *args, **kwargs)
        except Exception as error:
            try:
                response = view.handle_exception(error)  # a refusal is the answer to replay
            except Exception:
                record.delete()
                raise
        if response.status_code >= 500:
            record.delete()  # a failure of ours: let the caller try again with the same key
            return response
        headers = {"Location": response["Location"]} if response.has_header("Location") else {}
        record.status_code = response.status_code
        record.response = {"body": response.data, "headers": headers}
        record.save(update_fields=["status_code", "response"])
        return response

    return wrapper
