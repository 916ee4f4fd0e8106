"""Lifecycles as data: each stateful model declares `TRANSITIONS = {from: {to, …}}`.

`ensure_transition` is the only reader of those tables; `transition` is the one way a
service changes a status: lock the row, check the table, save, leave an audit event.
"""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import TransitionNotAllowed


def allowed_targets(obj: models.Model) -> frozenset[str]:
    return frozenset(type(obj).TRANSITIONS.get(obj.status, ()))


def ensure_transition(obj: models.Model, *, to: str) -> None:
    """Raise TransitionNotAllowed unless the model's table allows `obj.status → to`."""
    if to not in allowed_targets(obj):
        status_field = type(obj)._meta.get_field("status")
        labels = dict(status_field.choices)
        raise TransitionNotAllowed(
            _("%(object)s cannot go from “%(current)s” to “%(target)s”.")
            % {
                "object": type(obj)._meta.verbose_name,
                "current": labels.get(obj.status, obj.status),
                "target": labels.get(to, to),
            }
        )


@transaction.atomic
def transition(
    obj: models.Model,
    *,
    to: str,
    by: Any,
    reason: str = "",
    extra_fields: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> models.Model:
    """Move `obj` to status `to` under a row lock and record who did it and why.

    Returns the locked, updated instance (the caller's copy may be stale).
    """
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    ensure_transition(locked, to=to)
    previous = locked.status
    locked.status = to
    update_fields = ["status"]
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
        update_fields.append(name)
    if hasattr(locked, "updated_at"):
        update_fields.append("updated_at")
    locked.save(update_fields=update_fields)
    audit_record(
        actor=by, obj=locked, verb="status_changed", from_state=previous, to_state=to, reason=reason, data=data
    )
    obj.status = to
    for name, value in (extra_fields or {}).items():
        setattr(obj, name, value)
    return locked
