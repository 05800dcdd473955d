"""Inserting many rows at once for the demo's loaders (generator, setups)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import connection, models

BANGKOK = ZoneInfo("Asia/Bangkok")
EXECUTEMANY_ROWS = 5000  # rows per executemany (SQLite)

Convert = Callable[[Any], Any]
M = TypeVar("M", bound=models.Model)


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):  # a reverse relation or a generic key: no column
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


def fast_insert(model: type[models.Model], names: list[str], rows: list[tuple]) -> None:
    """INSERT many rows without building model instances: the ORM's per-object work is
    most of a large load's time. Values go through each field's own adaptation for the
    database (decimals, aware datetimes, JSON). PostgreSQL gets the rows by COPY, other
    databases by executemany (one prepared INSERT, many rows)."""
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
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    if connection.vendor == "postgresql":
        _copy(table, columns, [_copy_converter(f) for f in fields], rows)
    else:
        _executemany(table, columns, fields, rows)


def _converted(rows: list[tuple], adapt: list[Convert | None]) -> Iterator[Sequence[Any]]:
    """The rows with `adapt[i]` applied to their i-th value (None: kept as it is)."""
    converted = [(i, a) for i, a in enumerate(adapt) if a is not None]
    if not converted:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for i, a in converted:
            values[i] = a(values[i])
        yield values


def _prep_save(field: models.Field[Any, Any]) -> Convert:
    return lambda value: field.get_db_prep_save(value, connection)


def _executemany(table: str, columns: str, fields: list[models.Field[Any, Any]], rows: list[tuple]) -> None:
    adapt = [
        _prep_save(f)
        if isinstance(f, (models.DecimalField, models.DateTimeField, models.JSONField))
        else None
        for f in fields
    ]
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), EXECUTEMANY_ROWS):
            cursor.executemany(sql, list(_converted(rows[start : start + EXECUTEMANY_ROWS], adapt)))


def _copy_converter(field: models.Field[Any, Any]) -> Convert | None:
    """What COPY needs of a value for `field`: the value the field's get_db_prep_save gives
    PostgreSQL, in the form psycopg's COPY writes. The common values (a Decimal, an aware
    datetime, JSON) take a short path with the same result; anything else goes through
    get_db_prep_save itself."""

    def prep(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.JSONField):
        # What Django's adapt_json_value sends (Jsonb with json.dumps and the field's
        # encoder), as text: COPY's text format gives the server the same JSON text.
        encoder = field.encoder

        def as_json(value: Any) -> Any:
            if value is None:
                return None  # SQL NULL, as get_db_prep_save gives it
            if type(value) in (dict, list):
                return json.dumps(value, cls=encoder)
            return prep(value)  # a Jsonb wrapper, which COPY writes as the same text

        return as_json
    if isinstance(field, models.DecimalField):
        return lambda v: v if v is None or (type(v) is Decimal and v.is_finite()) else prep(v)
    if isinstance(field, models.DateTimeField):
        return lambda v: v if v is None or (type(v) is dt.datetime and v.tzinfo is not None) else prep(v)
    return None


def _copy(table: str, columns: str, adapt: list[Convert | None], rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        # The driver's own cursor: COPY is psycopg 3's, not part of the DB-API.
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in _converted(rows, adapt):
                write(row)


def create_objects(objs: Sequence[M], *, batch_size: int) -> None:
    """`Model.objects.bulk_create(objs, batch_size=...)` for new objects of one model (no
    primary key set), which get their ids as bulk_create gives them. On PostgreSQL the
    ids are drawn from the table's sequence in the objects' order (what the INSERT would
    have drawn) and the rows go by COPY, with the values bulk_create would send (each
    field's pre_save, then its adaptation); elsewhere it is bulk_create."""
    if not objs:
        return
    model = type(objs[0])
    pk = model._meta.pk
    if connection.vendor != "postgresql" or not isinstance(pk, models.AutoField) or any(o.pk for o in objs):
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    if any(getattr(f, "generated", False) or f.db_default is not models.NOT_PROVIDED for f in fields):
        model._default_manager.bulk_create(objs, batch_size=batch_size)  # columns the database fills
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
    adapt = [None, *(_copy_converter(f) for f in fields)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objs)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
    rows = []
    for obj, pk_value in zip(objs, ids):
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        values = tuple(f.pre_save(obj, True) for f in fields)  # auto_now(_add) sets the time
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
        rows.append((pk_value, *values))
    _copy(table, columns, adapt, rows)
