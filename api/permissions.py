"""Who may call what. Roles come from the account (staff, partner member, evaluator, applicant);
a key narrows them further to its scopes and, for a partner's key, to that partner. Which rows
a caller sees is decided by the selectors in `api.selectors`, not here."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from api.models import ApiKey
from core.access import Actor

# The caller as the API sees them: the user and the key they called with (see `core.access.Actor`).
Access = Actor


def access_of(request) -> Actor:
    key = request.auth if isinstance(request.auth, ApiKey) else None
    return Access(user=request.user, key=key)


def required_scope(request, view) -> str | None:
    """The scope a key needs for this request: `view.scopes` maps an action name (viewsets) or an
    HTTP method to a scope; `"*"` is the default."""
    scopes = getattr(view, "scopes", {})
    action = getattr(view, "action", None)
    return scopes.get(action) or scopes.get(request.method) or scopes.get("*")


class HasScope(BasePermission):
    """Signed in (session or key); a key must carry the scope the view asks for this request."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        scope = required_scope(request, view)
        return access_of(request).has_scope(scope) if scope else True


class IsStaff(HasScope):
    """Staff only (a partner's key never counts as staff)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and access_of(request).is_staff
