"""Sign-in lockout: too many failed sign-ins for one account or from one address lock sign-in for a while.

Counted in Django's cache (LocMemCache in development and tests, Redis when CACHE_URL points at it), so
every path that signs in through allauth — the site's login page and the admin, which sends people there —
shares one count. allauth's own `ACCOUNT_RATE_LIMITS["login_failed"]` stays as a second net, but it only
slides a window and says "try again later"; this lock has a fixed end that the message can name, and
its start is audited and reported to staff.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from core.counters import count_in_window

ACCOUNT, ADDRESS = "account", "address"


@dataclass(frozen=True)
class SignInLock:
    scope: str  # ACCOUNT or ADDRESS
    until: dt.datetime


def _key(kind: str, scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"matchday:sign-in:{kind}:{scope}:{digest}"


def _subjects(*, email: str, address: str) -> list[tuple[str, str, int]]:
    subjects = [(ADDRESS, address, settings.LOGIN_FAILURES_PER_ADDRESS)]
    if email:
        subjects.insert(0, (ACCOUNT, email, settings.LOGIN_FAILURES_PER_ACCOUNT))
    return subjects


def sign_in_lock_get(*, email: str, address: str) -> SignInLock | None:
    """The lock in force for this e-mail address or client address, if any (the account's first)."""
    subjects = _subjects(email=email, address=address)
    found = cache.get_many([_key("lock", scope, value) for scope, value, _limit in subjects])
    for scope, value, _limit in subjects:
        timestamp = found.get(_key("lock", scope, value))
        if timestamp is not None:
            return SignInLock(scope=scope, until=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    return None


def sign_in_failure_record(*, email: str, address: str) -> SignInLock | None:
    """Count one failed sign-in for the account and the address; when a count reaches its limit within
    LOGIN_FAILURE_WINDOW_SECONDS, lock that subject for LOGIN_LOCK_SECONDS, record an audit event and
    tell staff. Returns the lock that started now, if one did."""
    window, lock_seconds = settings.LOGIN_FAILURE_WINDOW_SECONDS, settings.LOGIN_LOCK_SECONDS
    started = None
    for scope, value, limit in _subjects(email=email, address=address):
        counter = _key("failures", scope, value)
        failures = count_in_window(counter, seconds=window)  # the window starts at the first failure
        if failures < limit:
            continue
        until = timezone.now() + dt.timedelta(seconds=lock_seconds)
        # Only the attempt that reaches the limit starts the lock (and is audited once).
        if cache.add(_key("lock", scope, value), until.timestamp(), timeout=lock_seconds):
            cache.delete(counter)
            started = started or SignInLock(scope=scope, until=until)
            _lock_record(scope=scope, email=email, address=address, failures=failures, until=until)
    return started


def _lock_record(*, scope: str, email: str, address: str, failures: int, until: dt.datetime) -> None:
    from accounts.tasks import sign_in_lock_notify

    user = User.objects.filter(email__iexact=email).first() if email else None
    with transaction.atomic():
        event = audit_record(
            actor="system",
            # An address lock for an unknown e-mail has no account to hang on: it is recorded on the
            # account model's type (object id 0), where staff can still list it.
            obj=user or User(pk=0),
            verb="sign_in_locked",
            to_state=scope,
            data={
                "scope": scope,
                "email": email if user is None else user.email,
                "address": address,
                "failures": failures,
                "until": until.isoformat(),
            },
        )
        sign_in_lock_notify.delay_on_commit(audit_event_id=event.pk)
