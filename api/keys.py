"""API keys: created with a random secret shown once, stored as a SHA-256 hash, looked up by prefix.

A key reads `md_<prefix>_<secret>`. The secret has 256 bits of randomness, so a plain SHA-256 is
enough to make a stolen database useless for calling the API (a slow password hash would cost
every request dearly and buy nothing against a key nobody can guess).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.models import ApiKey
from api.queries import FixedQuery
from audit.services import audit_record
from core.errors import DomainError
from matching.models import PartnerMembership

# Recording every use would write on every request; once a minute is enough to see a key is alive.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@dataclasses.dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, to show once


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    name: str,
    user: Any,
    scopes: list[str],
    by: Any,
    partner: Any = None,
    expires_at: dt.datetime | None = None,
) -> IssuedKey:
    """Issue a key acting as `user` within `scopes`. A partner's key needs a user who is a member of
    that partner. The returned secret is never stored and cannot be shown again."""
    unknown = sorted(set(scopes) - set(ApiKey.Scope.values))
    if unknown:
        raise DomainError(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)}, code="unknown_scope")
    if partner is not None and not PartnerMembership.objects.current().filter(partner=partner, user=user).exists():
        raise DomainError(
            _("%(user)s is not a member of %(partner)s.") % {"user": user, "partner": partner}, code="not_a_member"
        )
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():  # 4 bytes: a collision is rare, not impossible
        prefix = secrets.token_hex(4)
    raw = f"md_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        key_hash=_hash(raw),
        scopes=sorted(set(scopes)),
        user=user,
        partner=partner,
        expires_at=expires_at,
        created_by=by if getattr(by, "pk", None) else None,
    )
    audit_record(actor=by, obj=api_key, verb="api_key_created", data={"scopes": api_key.scopes})
    return IssuedKey(api_key=api_key, secret=raw)


def api_key_revoke(*, api_key: ApiKey, by: Any, reason: str = "") -> ApiKey:
    """The key stops working at once. Revoking is final."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(actor=by, obj=api_key, verb="api_key_revoked", reason=reason)
    return api_key


def _key_lookup(prefix: str) -> QuerySet:
    current = PartnerMembership.objects.current().filter(partner_id=OuterRef("partner_id"), user_id=OuterRef("user_id"))
    return (
        ApiKey.objects.filter(prefix=prefix)
        .annotate(partner_member_current=Exists(current))
        .values_list(*KEY_FIELDS, *(f"user__{name}" for name in USER_FIELDS), "partner_member_current")
    )


KEY_FIELDS = tuple(field.attname for field in ApiKey._meta.concrete_fields)
USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)
# Every API request reads its key: the SQL is written once per thread (api.queries), not per request.
KEY_LOOKUP = FixedQuery(_key_lookup, placeholder="fixed-query-prefix")


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The usable key `raw` names, or None. The comparison takes the same time whatever the input.
    A partner's key comes with `partner_member_current`: whether its user is still a current member
    of the partner (read in the same query, at every request)."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "md":
        return None
    rows = KEY_LOOKUP.rows(parts[1])
    if not rows:
        return None
    row = rows[0]
    api_key = ApiKey.from_db("default", KEY_FIELDS, row[: len(KEY_FIELDS)])
    if not hmac.compare_digest(api_key.key_hash, _hash(raw)):
        return None
    api_key.user = User.from_db("default", USER_FIELDS, row[len(KEY_FIELDS) : -1])
    api_key.partner_member_current = row[-1]
    now = timezone.now()
    if not api_key.is_usable(now) or not api_key.user.is_active:
        return None
    if api_key.last_used_at is None or api_key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
