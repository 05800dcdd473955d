"""Reading and bumping the public data versions (citykpi.publicdata.models.DataVersion)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from citykpi.publicdata.models import DataVersion

SITE = "site"
ALL = "all"


def kpi(code: str) -> str:
    return f"kpi:{code}"


def agency(code: str) -> str:
    return f"agency:{code}"


def year(number: int) -> str:
    return f"year:{number}"


def bump(scopes: Iterable[str]) -> None:
    """Add one to each scope's counter, in the caller's transaction: one statement.

    The rows are taken in sorted order, so two writers bumping overlapping scopes cannot
    deadlock. SQLite (3.24+) and PostgreSQL both speak INSERT ... ON CONFLICT DO UPDATE.
    """
    names = sorted(set(scopes))
    if not names:
        return
    table = connection.ops.quote_name(DataVersion._meta.db_table)
    values = ", ".join(["(%s, 1)"] * len(names))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, number) VALUES {values} "
            f"ON CONFLICT (scope) DO UPDATE SET number = {table}.number + 1",
            names,
        )


def current(scopes: Iterable[str]) -> tuple[int, ...]:
    """The counters of `scopes` (and of ``site``, which every page shows), in one query."""
    names = [SITE, *dict.fromkeys(s for s in scopes if s != SITE)]
    found = dict(DataVersion.objects.filter(scope__in=names).values_list("scope", "number"))
    return tuple(found.get(name, 0) for name in names)


def numbers(scopes: Iterable[str]) -> dict[str, int]:
    """The counters of `scopes` by name (a scope never bumped is absent: 0), in one query."""
    return dict(DataVersion.objects.filter(scope__in=list(scopes)).values_list("scope", "number"))
