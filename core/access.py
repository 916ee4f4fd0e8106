"""Who is asking, as every access selector sees them: a person (web pages, a session on the API) or
an API key acting for its user within its scopes and, for a partner's key, for that partner only.

The selectors (`startups.selectors`, `matching.selectors`, `notifications.webhooks`) take
`actor=` a user or an `Actor`; `Actor.of` turns either into an `Actor`."""

from __future__ import annotations

import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class Actor:
    """The caller: `user`, and the API key they called with (None on pages and sessions)."""

    user: Any
    key: Any = None  # an api.models.ApiKey

    @classmethod
    def of(cls, actor: Any) -> Actor:
        """An Actor for a user, or the actor itself."""
        return actor if isinstance(actor, Actor) else cls(user=actor)

    @property
    def partner_id(self) -> int | None:
        """The partner a partner's key acts for (None for a person and other keys)."""
        return self.key.partner_id if self.key is not None else None

    @property
    def is_signed_in(self) -> bool:
        user = self.user
        return bool(user is not None and user.is_authenticated and user.is_active)

    @property
    def is_staff(self) -> bool:
        # A partner's key acts for the partner, even when a staff member holds it.
        return self.is_signed_in and bool(self.user.is_staff) and self.partner_id is None

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """What the access selectors decide on besides the user's and the partner's ids: signed in,
        staff, acting for a partner. Callers of one shape get the same SQL with different ids
        (`api.queries.ScopedQuery` relies on it: a selector reads nothing else of its actor)."""
        return self.is_signed_in, self.is_staff, self.partner_id is not None

    @classmethod
    def stand_in(cls, shape: tuple[bool, bool, bool], *, user_id: int, partner_id: int) -> Actor:
        """A caller of `shape` with placeholder ids, for writing a selector's SQL once."""
        from accounts.models import User
        from api.models import ApiKey

        signed_in, staff, for_partner = shape
        user = User(pk=user_id, is_active=signed_in, is_staff=staff)
        key = ApiKey(pk=user_id, user_id=user_id, partner_id=partner_id) if for_partner else None
        return cls(user=user, key=key)

    def has_scope(self, scope: str) -> bool:
        return self.key is None or scope in self.key.scopes
