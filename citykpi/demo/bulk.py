"""Inserting many rows at once for the demo's loaders (generator, setups)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models

BANGKOK = ZoneInfo("Asia/Bangkok")


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):  # a reverse relation or a generic key: no column
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


def fast_insert(model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
    """INSERT many rows without building model instances: the ORM's per-object work is
    most of a large load's time. Values go through each field's own adaptation for the
    database (decimals, aware datetimes, JSON)."""
    if not rows:
        return
    fields = [_column_field(model, name) for name in names]
    # Columns not named here (added to the model later) get their field's default.
    named = {f.column for f in fields}
    extra = [
        f
        for f in model._meta.concrete_fields
        if f.column not in named and not (f.primary_key and isinstance(f, models.AutoField))
    ]
    if extra:
        defaults = tuple(
            dt.datetime(2000, 1, 1, tzinfo=BANGKOK)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in extra
        )
        fields += extra
        rows = [row + defaults for row in rows]
    adapt = [
        (lambda v, f=f: f.get_db_prep_save(v, connection))
        if isinstance(f, (models.DecimalField, models.DateTimeField, models.JSONField))
        else None
        for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({marks})"
    prepared = [tuple(a(v) if a else v for a, v in zip(adapt, row)) for row in rows]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[start : start + 5000])
