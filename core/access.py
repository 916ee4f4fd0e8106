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

    def has_scope(self, scope: str) -> bool:
        return self.key is None or scope in self.key.scopes
