"""What every page's menu needs to know about the person, read only when a page shows it."""

from django.utils.functional import SimpleLazyObject


def roles(request) -> dict:
    """`is_partner_member`: whether the menu offers the partner pages. Partner pages know it already
    (`request.partner_ids`, set by their access check); elsewhere it is one query, only for a signed-in
    person and only when the template asks."""

    def is_partner_member() -> bool:
        if getattr(request, "partner_ids", None):
            return True
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        from matching.models import PartnerMembership

        return PartnerMembership.objects.current().filter(user=user).exists()

    return {"is_partner_member": SimpleLazyObject(is_partner_member)}
