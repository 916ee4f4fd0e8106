"""Lifecycles as data: each stateful model declares `TRANSITIONS = {from: {to, …}}` for its
`status`; a model with a second state field declares `<FIELD>_TRANSITIONS` for it
(SelectionEntry.ACCEPTANCE_TRANSITIONS for `acceptance`) and passes `field=`.

`ensure_transition` is the only reader of those tables; `transition` is the one way a
service changes a status: lock the row, check the table, save, leave an audit event.
"""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.errors import TransitionNotAllowed


def _table(model: type[models.Model], field: str) -> dict:
    return model.TRANSITIONS if field == "status" else getattr(model, f"{field.upper()}_TRANSITIONS")


def allowed_targets(obj: models.Model, *, field: str = "status") -> frozenset[str]:
    return frozenset(_table(type(obj), field).get(getattr(obj, field), ()))


def ensure_transition(obj: models.Model, *, to: str, field: str = "status") -> None:
    """Raise TransitionNotAllowed unless the model's table allows `obj.<field> → to`."""
    if to not in allowed_targets(obj, field=field):
        status_field = type(obj)._meta.get_field(field)
        labels = dict(status_field.choices)
        raise TransitionNotAllowed(
            _("%(object)s cannot go from “%(current)s” to “%(target)s”.")
            % {
                "object": type(obj)._meta.verbose_name,
                "current": labels.get(getattr(obj, field), getattr(obj, field)),
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
    field: str = "status",
) -> models.Model:
    """Move `obj` to status `to` under a row lock and record who did it and why.

    Returns the locked, updated instance (the caller's copy may be stale).
    """
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    ensure_transition(locked, to=to, field=field)
    previous = getattr(locked, field)
    setattr(locked, field, to)
    update_fields = [field]
    for name, value in (extra_fields or {}).items():
        setattr(locked, name, value)
        update_fields.append(name)
    if hasattr(locked, "updated_at"):
        update_fields.append("updated_at")
    locked.save(update_fields=update_fields)
    audit_record(
        actor=by,
        obj=locked,
        verb="status_changed" if field == "status" else f"{field}_changed",
        from_state=previous,
        to_state=to,
        reason=reason,
        data=data,
    )
    setattr(obj, field, to)
    for name, value in (extra_fields or {}).items():
        setattr(obj, name, value)
    return locked
