"""A startup's profile and its members."""

from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.counters import count_in_window
from core.errors import DomainError
from startups.models import Startup, StartupMember
from startups.services.members import join_request_notify

PROFILE_FIELDS = (
    "name_ko",
    "name_en",
    "brn",
    "founded_on",
    "ceo_name",
    "employees",
    "annual_revenue_krw",
    "website",
    "description",
    "women_owned",
    "social_venture",
    "disability_owned",
    "non_capital_region",
)


class StartupExists(DomainError):
    """The BRN belongs to a startup already: the person may ask to join it instead."""

    code = "startup_exists"

    def __init__(self, startup: Startup) -> None:
        super().__init__(
            _("%(name)s is already registered with this business registration number. You can ask to join it.")
            % {"name": startup.name_ko}
        )
        self.startup = startup


class BrnLookupsExhausted(DomainError):
    """The person looked up too many business registration numbers lately: no company name is told."""

    code = "brn_lookups_exhausted"

    def __init__(self) -> None:
        super().__init__(
            _(
                "You have checked %(limit)d different business registration numbers within an hour. "
                "To protect companies' details, try again in an hour; nothing was saved."
            )
            % {"limit": BRN_LOOKUPS_PER_HOUR}
        )


# Typing a number tells whose it is (as Korean business lookups do); each account may learn this for a
# limited number of distinct numbers per hour, so nobody walks the register. Counted in the cache.
BRN_LOOKUPS_PER_HOUR = 20
BRN_LOOKUP_WINDOW_SECONDS = 3600


def startup_by_brn_lookup(*, brn: str, by: User) -> Startup | None:
    """The startup registered with `brn`, if any, counting the number against `by`'s hourly allowance
    (looking the same number up again is free). Raises BrnLookupsExhausted past the allowance."""
    seen = f"startups:brn-lookup:{by.pk}:{brn}"
    if not cache.get(seen):
        # The window starts at the first number.
        if count_in_window(f"startups:brn-lookups:{by.pk}", seconds=BRN_LOOKUP_WINDOW_SECONDS) > BRN_LOOKUPS_PER_HOUR:
            raise BrnLookupsExhausted
        cache.set(seen, 1, timeout=BRN_LOOKUP_WINDOW_SECONDS)
    return Startup.objects.filter(brn=brn).first()


def ensure_active_member(*, startup: Startup, user: User, owner: bool = False) -> StartupMember:
    membership = StartupMember.objects.active().filter(startup=startup, user=user).first()
    if membership is None or (owner and membership.role != StartupMember.Role.OWNER):
        raise DomainError(_("Only the startup's members can do this."), code="not_a_member")
    return membership


def _apply_profile(startup: Startup, data: dict[str, Any]) -> None:
    for name in PROFILE_FIELDS:
        if name in data:
            setattr(startup, name, data[name])
    if not startup.brn:
        startup.brn = None  # pre-founder: no number, and NULLs never collide


def _save_profile(startup: Startup, data: dict[str, Any], *, by: User, brn_before: str | None) -> Startup:
    if startup.brn and startup.brn != brn_before:
        existing = startup_by_brn_lookup(brn=startup.brn, by=by)
        if existing is not None:
            raise StartupExists(existing)
    try:
        with transaction.atomic():
            startup.save()
    except IntegrityError:  # the same BRN registered at the same moment by someone else
        raise StartupExists(Startup.objects.get(brn=startup.brn)) from None
    if "sectors" in data:
        startup.sectors.set(data["sectors"])
    return startup


@transaction.atomic
def startup_register(*, by: User, data: dict[str, Any]) -> Startup:
    """Register a startup with `by` as its owner. A BRN already registered raises StartupExists
    (the person is offered to ask to join): never a silent duplicate."""
    startup = Startup()
    _apply_profile(startup, data)
    _save_profile(startup, data, by=by, brn_before=None)
    StartupMember.objects.create(
        startup=startup, user=by, role=StartupMember.Role.OWNER, status=StartupMember.Status.ACTIVE
    )
    audit_record(actor=by, obj=startup, verb="startup_registered")
    return startup


@transaction.atomic
def startup_update(*, startup: Startup, by: User, data: dict[str, Any]) -> Startup:
    ensure_active_member(startup=startup, user=by)
    startup = Startup.objects.select_for_update().get(pk=startup.pk)
    before = {name: getattr(startup, name) for name in PROFILE_FIELDS}
    _apply_profile(startup, data)
    _save_profile(startup, data, by=by, brn_before=before["brn"])
    changed = sorted(name for name in PROFILE_FIELDS if getattr(startup, name) != before[name])
    if changed:
        audit_record(actor=by, obj=startup, verb="startup_updated", data={"fields": changed})
    return startup


@transaction.atomic
def startup_join_request(*, startup: Startup, by: User) -> StartupMember:
    """Ask to join a registered startup; an owner decides. Asking again changes nothing."""
    membership, created = StartupMember.objects.get_or_create(
        startup=startup, user=by, defaults={"role": StartupMember.Role.MEMBER, "status": StartupMember.Status.REQUESTED}
    )
    renewed = not created and membership.status in (StartupMember.Status.DECLINED, StartupMember.Status.REMOVED)
    if renewed:  # asked again after a refusal or a removal: a new request, as a plain member
        membership.status, membership.role = StartupMember.Status.REQUESTED, StartupMember.Role.MEMBER
        membership.save(update_fields=["status", "role"])
    if created or membership.status == StartupMember.Status.REQUESTED:
        audit_record(actor=by, obj=membership, verb="join_requested")
    if created or renewed:
        join_request_notify(membership=membership)
    return membership


@transaction.atomic
def startup_member_decide(*, membership: StartupMember, by: User, approve: bool) -> StartupMember:
    """An owner approves or declines a request to join."""
    ensure_active_member(startup=membership.startup, user=by, owner=True)
    membership = StartupMember.objects.select_for_update().get(pk=membership.pk)
    if membership.status != StartupMember.Status.REQUESTED:
        raise DomainError(_("This request has already been answered."), code="already_decided")
    membership.status = StartupMember.Status.ACTIVE if approve else StartupMember.Status.DECLINED
    membership.save(update_fields=["status"])
    audit_record(actor=by, obj=membership, verb="join_approved" if approve else "join_declined")
    return membership
