"""A startup's members after they joined: the owner hears of each request to join, removes members and
hands ownership over; a member may leave. Access follows at once: every selector reads
`StartupMember.objects.active()`, so a removed member's next request is refused."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from notifications.models import Notification
from notifications.services import notify_many
from startups.models import Startup, StartupMember

M = StartupMember


def _owners(startup_id: int) -> list[StartupMember]:
    return list(M.objects.active().filter(startup_id=startup_id, role=M.Role.OWNER).select_related("user"))


def _ensure_owner_or_staff(*, startup_id: int, by: User) -> None:
    if by.is_staff:
        return
    if not M.objects.active().filter(startup_id=startup_id, user=by, role=M.Role.OWNER).exists():
        raise DomainError(_("Only the startup's owner can do this."), code="not_owner")


def join_request_notify(*, membership: StartupMember) -> int:
    """E-mail every active owner of the startup about a new request to join (JOIN_REQUESTED, with a
    link to the page where they approve or decline it). One message per request: asking again after a
    refusal or a removal is a new request."""
    owners = [m.user for m in _owners(membership.startup_id) if m.user.is_active]
    return notify_many(
        event=Notification.Event.JOIN_REQUESTED,
        recipients=owners,
        obj=membership,
        scope=f"request-{timezone.now():%Y%m%d%H%M%S%f}",
    )


@transaction.atomic
def member_remove(*, membership: StartupMember, by: User, reason: str = "") -> StartupMember:
    """Remove an active member. An owner (or staff) removes anyone; a member may remove themself
    (leave). The last owner can neither be removed nor leave: they hand ownership over first. The
    removed person is told (MEMBERSHIP_CHANGED) and loses access to the startup at once."""
    # Every membership of the startup is locked: two owners removing each other at once cannot both win.
    locked = M.objects.select_for_update(of=("self",)).select_related("user", "startup")
    rows = {m.pk: m for m in locked.filter(startup_id=membership.startup_id)}
    if membership.pk not in rows:
        raise M.DoesNotExist
    membership = rows[membership.pk]
    if membership.user_id != by.pk:
        _ensure_owner_or_staff(startup_id=membership.startup_id, by=by)
    if membership.status != M.Status.ACTIVE:
        raise DomainError(_("This person is not an active member of the startup."), code="not_active_member")
    active_owners = [m for m in rows.values() if m.status == M.Status.ACTIVE and m.role == M.Role.OWNER]
    if membership.role == M.Role.OWNER and len(active_owners) <= 1:
        raise DomainError(
            _("The last owner cannot be removed or leave: first make another member the owner."), code="last_owner"
        )
    previous = membership.status
    membership.status, membership.removed_at = M.Status.REMOVED, timezone.now()
    membership.save(update_fields=["status", "removed_at"])
    verb = "member_left" if membership.user_id == by.pk else "member_removed"
    audit_record(actor=by, obj=membership, verb=verb, from_state=previous, to_state=membership.status, reason=reason)
    notify_many(
        event=Notification.Event.MEMBERSHIP_CHANGED,
        recipients=[membership.user],
        obj=membership,
        context={"change": "left" if verb == "member_left" else "removed", "reason": reason},
        scope=f"removed-{membership.removed_at:%Y%m%d%H%M%S%f}",
    )
    return membership


@transaction.atomic
def ownership_transfer(*, startup: Startup, to_member: StartupMember, by: User, reason: str = "") -> StartupMember:
    """The owner hands the startup over to an active member: that member becomes the owner and the
    giver a member. Staff may do it for a startup (then every current owner becomes a member). Both
    sides are told (MEMBERSHIP_CHANGED). Returns the new owner's membership."""
    rows = {
        m.pk: m for m in M.objects.select_for_update(of=("self",)).select_related("user").filter(startup_id=startup.pk)
    }
    to_member = rows.get(to_member.pk)
    if to_member is None or to_member.status != M.Status.ACTIVE:
        raise DomainError(_("Ownership can only go to an active member of the startup."), code="not_active_member")
    giver = next((m for m in rows.values() if m.user_id == by.pk and m.status == M.Status.ACTIVE), None)
    if giver is None or giver.role != M.Role.OWNER:
        if not by.is_staff:
            raise DomainError(_("Only the startup's owner can do this."), code="not_owner")
        givers = [m for m in rows.values() if m.status == M.Status.ACTIVE and m.role == M.Role.OWNER]
    else:
        givers = [giver]
    givers = [m for m in givers if m.pk != to_member.pk]
    if to_member.role == M.Role.OWNER and not givers:
        raise DomainError(_("This member is already the owner."), code="already_owner")
    _set_role(to_member, M.Role.OWNER, verb="ownership_received", by=by, reason=reason)
    stamp = f"{timezone.now():%Y%m%d%H%M%S%f}"
    for member in givers:
        _set_role(member, M.Role.MEMBER, verb="ownership_handed_over", by=by, reason=reason)
        notify_many(
            event=Notification.Event.MEMBERSHIP_CHANGED,
            recipients=[member.user],
            obj=member,
            context={"change": "handed_over", "to": to_member.user.name or to_member.user.email},
            scope=f"owner-{stamp}",
        )
    notify_many(
        event=Notification.Event.MEMBERSHIP_CHANGED,
        recipients=[to_member.user],
        obj=to_member,
        context={"change": "made_owner"},
        scope=f"owner-{stamp}",
    )
    return to_member


def _set_role(member: StartupMember, role: str, *, verb: str, by: User, reason: str) -> None:
    previous, member.role = member.role, role
    member.save(update_fields=["role"])
    audit_record(actor=by, obj=member, verb=verb, from_state=previous, to_state=role, reason=reason)


def member_make_owner(*, membership: StartupMember, by: User, reason: str = "") -> StartupMember:
    """`ownership_transfer` to this member (the admin's action, whose reason goes into the audit trail)."""
    return ownership_transfer(startup=membership.startup, to_member=membership, by=by, reason=reason)
