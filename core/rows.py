from collections.abc import Callable
from typing import Any

from django.db import models


def rows_sync(
    model: type[models.Model],
    *,
    existing: dict[Any, models.Model],
    wanted: dict[Any, Any],
    field: str,
    build: Callable[[Any, Any], models.Model],
) -> bool:
    """Make child rows hold `wanted` ({key: `field` value}; None removes the row), given the rows
    that exist by key, in at most three statements. Returns whether anything changed."""
    to_create, to_update, to_delete = [], [], []
    for key, value in wanted.items():
        row = existing.get(key)
        if value is None:
            if row is not None:
                to_delete.append(row.pk)
        elif row is None:
            to_create.append(build(key, value))
        elif getattr(row, field) != value:
            setattr(row, field, value)
            to_update.append(row)
    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, [field])
    model.objects.filter(pk__in=to_delete).delete()
    return bool(to_create or to_update or to_delete)
