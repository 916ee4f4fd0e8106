"""Old → new values of an edit, in words, for the audit trail: `{"field": {"from": …, "to": …, "label": …}}`
kept in AuditEvent.data["changes"]. Values are written as people read them (choices as their labels, related
rows by name, moments in the house format, yes/no), so the trail stays readable after the rows are gone.
Secrets (password and key hashes, signing secrets, tokens) are never written: both sides are masked.

Related rows named by an old value are loaded together, one query per related model, so recording an edit
costs the same few queries whatever the number of fields or inline rows."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from core.display import EMPTY, prose

MASK = "••••••"
# A field whose name holds one of these is a secret: its values never reach the trail.
SECRET_PARTS = ("password", "secret", "token", "hash", "otp", "recovery")
# Bookkeeping fields that change on every save and say nothing about the edit.
IGNORED = ("updated_at", "created_at", "last_login")

Changes = dict[str, dict[str, str]]


def is_secret(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in SECRET_PARTS)


def model_field(model: type[models.Model], name: str) -> models.Field | None:
    try:
        field = model._meta.get_field(name)
    except Exception:  # a form-only field: not part of the object
        return None
    return field if getattr(field, "concrete", False) or field.many_to_many else None


class RelatedNames:
    """Names of related rows by (model, pk), loaded in one query per model on first use."""

    def __init__(self) -> None:
        self._wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        self._loaded: dict[tuple[type[models.Model], Any], str] = {}

    def want(self, field: models.Field, value: Any) -> None:
        if field.is_relation and value is not None:
            for item in _items(value):
                if not isinstance(item, models.Model):
                    self._wanted[field.related_model].add(item)

    def name(self, related_model: type[models.Model], pk: Any) -> str:
        if self._wanted:
            for model, pks in self._wanted.items():
                pks = {pk for pk in pks if (model, pk) not in self._loaded}
                if pks:
                    for key, obj in model._default_manager.in_bulk(list(pks)).items():
                        self._loaded[(model, key)] = str(obj)
                    for missing in pks:
                        self._loaded.setdefault((model, missing), f"#{missing}")
            self._wanted.clear()
        return self._loaded.get((related_model, pk), f"#{pk}")


def _items(value: Any) -> list[Any]:
    if isinstance(value, models.QuerySet | list | tuple | set):
        return list(value)
    return [value]


def shown(field: models.Field, value: Any, names: RelatedNames) -> str:
    """One stored value of `field` in words."""
    if is_secret(field.name):
        return MASK
    if value is None or value == "" or (isinstance(value, list | tuple) and not value):
        return EMPTY
    if field.is_relation:
        labels = [
            str(item) if isinstance(item, models.Model) else names.name(field.related_model, item)
            for item in _items(value)
        ]
        return ", ".join(labels) if labels else EMPTY
    if field.choices:
        labels = {str(code): str(label) for code, label in field.flatchoices}
        if isinstance(value, list | tuple):
            return ", ".join(labels.get(str(item), str(item)) for item in value)
        return labels.get(str(value), str(value))
    if isinstance(value, FieldFile):
        return value.name or EMPTY
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return prose(value.normalize() if isinstance(value, Decimal) else value)
    return prose(value)


def _label(field: models.Field) -> str:
    return str(field.verbose_name)


class ChangeBatch:
    """Changes of several objects worked out together: every old and new value is noted first (`add`),
    then the related rows they name are loaded at once and each set is written out (`render`)."""

    def __init__(self) -> None:
        self.names = RelatedNames()

    def add(self, model: type[models.Model], pairs: dict[str, tuple[Any, Any]]) -> list:
        """Note `{name: (old, new)}` of `model`'s fields (only fields of the model; equal pairs are left
        out); returns a handle for `render`."""
        noted = []
        for name, (old, new) in pairs.items():
            field = model_field(model, name)
            if field is None or name in IGNORED or _same(old, new):
                continue
            self.names.want(field, old)
            self.names.want(field, new)
            noted.append((name, field, old, new))
        return noted

    def render(self, handle: list) -> Changes:
        return {
            name: {"from": shown(field, old, self.names), "to": shown(field, new, self.names), "label": _label(field)}
            for name, field, old, new in handle
        }


def values_changes(model: type[models.Model], pairs: dict[str, tuple[Any, Any]]) -> Changes:
    """`{name: (old, new)}` of `model`'s fields as the changes payload."""
    batch = ChangeBatch()
    return batch.render(batch.add(model, pairs))


def _same(old: Any, new: Any) -> bool:
    def plain(value: Any) -> Any:
        if isinstance(value, models.Model):
            return value.pk
        if isinstance(value, models.QuerySet | list | tuple | set):
            return sorted(str(plain(item)) for item in value)
        return "" if value is None else value

    return plain(old) == plain(new)


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values of `obj`'s own columns (related rows by id), for comparing before and after."""
    chosen = set(fields) if fields is not None else None
    return {
        field.name: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if not field.primary_key and (chosen is None or field.name in chosen)
    }


def object_pairs(before: dict[str, Any], after: models.Model) -> dict[str, tuple[Any, Any]]:
    """Old and new values of what may have changed on `after` since `before` (a `snapshot` taken before)."""
    now = snapshot(after, before)
    return {name: (before[name], now[name]) for name in before}


def contents_pairs(obj: models.Model, *, removed: bool = False) -> dict[str, tuple[Any, Any]]:
    """All of an object's values, as a creation (– → value) or, `removed`, a deletion (value → –)."""
    return {name: ((value, None) if removed else (None, value)) for name, value in snapshot(obj).items()}


def form_pairs(form, *, created: bool = False) -> dict[str, tuple[Any, Any]]:
    """What a saved model form changed: its `changed_data`, old values from its `initial`, new ones from
    its `cleaned_data`."""
    return {
        name: (None if created else form.initial.get(name), form.cleaned_data.get(name))
        for name in form.changed_data
        if name in form.cleaned_data
    }
