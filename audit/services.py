from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEvent


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return getattr(actor, "email", "") or str(actor)


def audit_record(
    *,
    actor: Any,
    obj: models.Model,
    verb: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. `actor` is a user, a label such as "system" or "seed_demo", or None."""
    user = actor if isinstance(actor, models.Model) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=_actor_label(actor)[:254],
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def audit_record_many(
    *,
    actor: Any,
    objects: list[models.Model],
    verb: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
) -> list[AuditEvent]:
    """Append one audit event per object in a single insert (for bulk transitions)."""
    if not objects:
        return []
    user = actor if isinstance(actor, models.Model) else None
    content_type = ContentType.objects.get_for_model(objects[0], for_concrete_model=False)
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_label=_actor_label(actor)[:254],
                verb=verb,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:300],
                from_state=from_state,
                to_state=to_state,
                reason=reason,
            )
            for obj in objects
        ],
        batch_size=1000,
    )


def audit_record_changes(
    *,
    actor: Any,
    obj: models.Model,
    verb: str,
    changes: list[tuple[str, str, dict[str, Any]]],
    reason: str = "",
) -> list[AuditEvent]:
    """Append one audit event on `obj` per change, each `(from_state, to_state, data)`, in a single
    insert (for many changes inside one object, such as the scores of a round)."""
    if not changes:
        return []
    user = actor if isinstance(actor, models.Model) else None
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_label=_actor_label(actor)[:254],
                verb=verb,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:300],
                from_state=from_state or "",
                to_state=to_state or "",
                reason=reason or "",
                data=data or {},
            )
            for from_state, to_state, data in changes
        ],
        batch_size=1000,
    )
