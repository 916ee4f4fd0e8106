from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from audit.changes import object_pairs, values_changes
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
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one audit event. `actor` is a user, a label such as "system" or "seed_demo", or None;
    `object_repr` names the object when `str(obj)` would need queries."""
    user = actor if isinstance(actor, models.Model) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=_actor_label(actor)[:254],
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=(str(obj) if object_repr is None else object_repr)[:300],
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


@dataclass(frozen=True)
class Change:
    """One object's edit for `audit_record_edits`: `changes` is the payload of audit.changes."""

    obj: models.Model
    verb: str  # "created", "changed" or "deleted"
    changes: dict[str, dict[str, str]]
    object_repr: str | None = None
    object_id: Any = None  # when `obj.pk` is gone (a row just deleted)
    details: dict[str, Any] = field(default_factory=dict)


def audit_record_edits(*, actor: Any, edits: list[Change], reason: str = "") -> list[AuditEvent]:
    """Append one audit event per edited object, with its old → new values in `data["changes"]`, in a
    single insert (an admin save with its inline rows, the scores of many reviews)."""
    if not edits:
        return []
    user = actor if isinstance(actor, models.Model) else None
    label = _actor_label(actor)[:254]
    return AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=user,
                actor_label=label,
                verb=edit.verb,
                content_type=ContentType.objects.get_for_model(edit.obj, for_concrete_model=False),
                object_id=str(edit.obj.pk if edit.object_id is None else edit.object_id),
                object_repr=(str(edit.obj) if edit.object_repr is None else edit.object_repr)[:300],
                reason=reason or "",
                data={**edit.details, "changes": edit.changes},
            )
            for edit in edits
        ],
        batch_size=1000,
    )


def audit_record_update(
    *, actor: Any, before: dict[str, Any], after: models.Model, reason: str = ""
) -> AuditEvent | None:
    """Append a "changed" event with the old → new values of `after` since `before` (a
    `audit.changes.snapshot` taken before the update), or nothing when nothing changed: the API's
    updates record what an admin edit records."""
    changes = values_changes(type(after), object_pairs(before, after))
    if not changes:
        return None
    return audit_record_edits(actor=actor, edits=[Change(obj=after, verb="changed", changes=changes)], reason=reason)[0]


# The only columns a redaction may rewrite (personal data in the trail); everything else is fixed for good.
REDACTABLE = frozenset({"actor_label", "object_repr", "reason", "data"})


@transaction.atomic
def audit_redact(*, events: models.QuerySet | list[AuditEvent], fields: dict[str, Any]) -> int:
    """Blank personal data in audit events (the retention purge, an erasure on request): set `fields`
    (only actor_label, object_repr, reason, data) on `events`. Returns how many rows changed.

    The trail is otherwise append-only: in Python (AppendOnlyError) and, on PostgreSQL, by the trigger
    of migration 0002, which refuses every DELETE and every UPDATE unless the session setting
    `matchday.allow_audit_redaction` is 'on'. This is the one place that turns it on, with SET LOCAL for
    this statement only, inside this transaction; it is turned off again before returning."""
    unknown = set(fields) - REDACTABLE
    if unknown:
        raise ValueError(f"Audit events cannot have {', '.join(sorted(unknown))} changed.")
    ids = [event.pk for event in events] if isinstance(events, list) else list(events.values_list("pk", flat=True))
    if not ids or not fields:
        return 0
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL matchday.allow_audit_redaction = 'on'")
        try:
            # The plain queryset: AuditEvent.objects refuses updates, which is the point everywhere else.
            return models.QuerySet(AuditEvent).filter(pk__in=ids).update(**fields)
        finally:
            if postgres:
                cursor.execute("SET LOCAL matchday.allow_audit_redaction = 'off'")
