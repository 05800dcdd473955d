"""A model's columns by field name, for the few statements written as SQL."""

from __future__ import annotations

from typing import Any

from django.db.models import Field
from django.db.models.options import Options


def concrete_field(meta: Options[Any], name: str) -> Field[Any, Any]:
    """The field `name` of a model (its `_meta`) that is a column of its table; LookupError
    for a relation from another model or a field without a column."""
    field = meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise LookupError(f"{meta.label}.{name} is not a column")
    return field


def column(meta: Options[Any], name: str) -> str:
    """The column name of the field `name` of a model (its `_meta`)."""
    return str(concrete_field(meta, name).column)
