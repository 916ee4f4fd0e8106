"""What every page's menu needs to know about the person, read only when a page shows it."""

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class MenuRoles:
    """Which role menus a person sees. Applicant items go to startup members and to people with no
    other role (a founder who has just signed up has no startup yet and must still find them)."""

    evaluator: bool = False
    partner: bool = False
    staff: bool = False
    startup_member: bool = False

    @property
    def applicant(self) -> bool:
        return self.startup_member or not (self.evaluator or self.partner or self.staff)


def menu_roles(request) -> MenuRoles:
    """One query for a signed-in person (none for a visitor): evaluator profile, current partner
    membership and startup membership (active or asking to join) read together."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return MenuRoles()
    from django.db.models import Exists, OuterRef

    from accounts.models import User
    from matching.models import Evaluator, PartnerMembership
    from startups.models import StartupMember

    found = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_evaluator=Exists(Evaluator.objects.filter(user=OuterRef("pk"))),
            has_partner=Exists(PartnerMembership.objects.current().filter(user=OuterRef("pk"))),
            has_startup=Exists(
                StartupMember.objects.filter(user=OuterRef("pk")).exclude(status=StartupMember.Status.DECLINED)
            ),
        )
        .values("has_evaluator", "has_partner", "has_startup")
        .first()
    ) or {}
    return MenuRoles(
        evaluator=bool(found.get("has_evaluator")),
        # Partner pages know it already (`request.partner_ids`, set by their access check).
        partner=bool(getattr(request, "partner_ids", None)) or bool(found.get("has_partner")),
        staff=user.is_staff,
        startup_member=bool(found.get("has_startup")),
    )


def roles(request) -> dict:
    """`menu`: the role menus the person sees (`MenuRoles`), read only when the template asks."""
    return {"menu": SimpleLazyObject(lambda: menu_roles(request))}
