"""Every API error has one shape: `{"code": …, "detail": …, "fields": {…}}`.

400 the request cannot be read (malformed JSON, a field of the wrong type); 401 no or a bad
credential; 403 not allowed; 404 not found or not visible to the caller; 405 method not allowed;
409 refused by the object's current state (a closed round, a transition not allowed, an
Idempotency-Key still in use); 422 well-formed but invalid for the rule (an incomplete review,
a score out of range); 429 throttled.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _flatten(detail) -> object:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"code": code, "detail": detail, "fields": fields or {}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = getattr(exc, "fields", None) or {}
        return Response(error_body(exc.code, exc.message, _flatten(fields)), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten({k: v for k, v in detail.items() if k != "non_field_errors"})
            general = detail.get("non_field_errors")
            message = str(general[0]) if general else _("Some fields are not valid.")
        else:
            fields, message = {}, str(detail[0]) if detail else _("The request is not valid.")
        response.data = error_body("invalid", message, fields)
        return response
    codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    code = codes if isinstance(codes, str) else "error"
    response.data = error_body(code, str(exc.detail) if hasattr(exc, "detail") else str(exc))
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["code"] = code or "not_authenticated"
    return response
