"""`Idempotency-Key` on POST: the first request with a key runs; a later one from the same caller
with the same key gets the first response again (status, body and Location), marked
`Idempotent-Replayed: true`, and has no effect. The same key with a different request is refused
(422); a second request while the first is still running is refused (409), unless the first was
abandoned (its process died: no answer after `ABANDONED_AFTER`). A failure of ours (5xx) keeps
nothing, so the caller may retry with the same key."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response

from api.models import ApiKey, IdempotencyRecord
from core.errors import DomainError

HEADER = "Idempotency-Key"
# No request runs this long (the web server's timeout is far shorter): a record still unfinished
# after that was left by a process that died, and a retry may run the request again.
ABANDONED_AFTER = dt.timedelta(minutes=10)


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


def _claim(request, *, caller: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The new record of this request, or None when the caller already used the key."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                caller=caller, key=key, method=request.method, path=request.path[:500], request_hash=fingerprint
            )
    except IntegrityError:
        return None


def _take_over_if_abandoned(record: IdempotencyRecord, request, *, fingerprint: str) -> IdempotencyRecord | None:
    """A record still "running" long after any request ends belongs to a process that died
    mid-request: the first retry to remove it runs the request afresh."""
    if record.created_at > timezone.now() - ABANDONED_AFTER:
        return None
    removed, _counts = IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()
    return _claim(request, caller=record.caller, key=record.key, fingerprint=fingerprint) if removed else None


def _record_or_replay(request, *, caller: str, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    """This request's new record, or the first response to replay; refused while the key is in use."""
    record = _claim(request, caller=caller, key=key, fingerprint=fingerprint)
    if record is not None:
        return record
    earlier = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
    if earlier is None:  # the first failed on our side meanwhile and let go of the key
        record = _claim(request, caller=caller, key=key, fingerprint=fingerprint)
    elif earlier.request_hash != fingerprint:
        raise IdempotencyKeyReused(_("This Idempotency-Key was used for a different request; use a new key."))
    elif earlier.status_code is None:
        record = _take_over_if_abandoned(earlier, request, fingerprint=fingerprint)
    else:
        stored = earlier.response or {}
        return Response(
            stored.get("body"),
            status=earlier.status_code,
            headers={**stored.get("headers", {}), "Idempotent-Replayed": "true"},
        )
    if record is None:
        raise IdempotencyKeyInUse(_("A request with this Idempotency-Key is still being processed; try again shortly."))
    return record


def idempotent(method):
    """Decorate a DRF view's `post` (or action) to honour the Idempotency-Key header."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > 255:
            raise IdempotencyKeyReused(_("An Idempotency-Key has at most 255 characters."))
        record = _record_or_replay(request, caller=_caller(request), key=key, fingerprint=_fingerprint(request))
        if isinstance(record, Response):
            return record
        try:
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as error:
                response = view.handle_exception(error)  # a refusal is the answer to replay
        except BaseException:  # e.g. the worker's timeout: the caller may try again with the same key
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


def idempotency_records_purge(*, older_than: dt.timedelta) -> int:
    """Forget answers older than `older_than`: a client retries within minutes, not days. Returns how
    many were deleted."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
