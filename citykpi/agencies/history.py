"""The organisation as it was on a day or in a fiscal year (docs/setup.md, "Reorganisations").

A fiscal year is read on its first day (1 October): the KPIs of a year belong to the
agencies that existed when it began, since a split or merge moves only the KPIs of the
years that start on or after its effective date.

- `agency_as_of(agency, when)`: its code, names and parent then, whether it existed, and
  its predecessors and successors (for the "was / now" links of old pages);
- `tree_as_of(when)`: agency id -> parent id then, for every agency (two queries);
- `names_as_of(when, ids)`: the former names in use then (one query);
  `names_by_code_as_of(when, codes)` the same keyed by agency code, for rows that carry
  only the code (a dashboard's ranking);
- `parent_as_of(agency, when)`: its parent's id then (one query);
- `name_then_annotations()` / `name_on_annotations(when)`: the name then as subqueries of
  the caller's query (no query of their own): in each row's fiscal year, or on one day;
- `children_query(parent_id, when)`: the agencies under a parent then, as a subquery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import DateField, Exists, Func, OuterRef, Q, QuerySet, Subquery

from citykpi.agencies.models import Agency, AgencyChange, AgencyName, AgencyParentLink
from citykpi.lib import fiscal

LINEAGE_KINDS = (AgencyChange.Kind.SPLIT, AgencyChange.Kind.MERGE)


def day_of(when: dt.date | int | object) -> dt.date:
    """The day to read: a date as is, a BE fiscal year (2567 or a FiscalYear) on its first day.

    >>> day_of(2567)
    datetime.date(2023, 10, 1)
    >>> day_of(dt.date(2024, 5, 2))
    datetime.date(2024, 5, 2)
    """
    if isinstance(when, dt.date):
        return when
    if isinstance(when, int):
        return fiscal.fiscal_year_period(when).start
    year = getattr(when, "year", None)
    if isinstance(year, int):
        return fiscal.fiscal_year_period(year).start
    raise TypeError(f"a date or a fiscal year, not {when!r}")


def first_year_on_or_after(day: dt.date) -> int:
    """The first BE fiscal year that starts on or after `day`.

    >>> first_year_on_or_after(dt.date(2025, 10, 1))
    2569
    >>> first_year_on_or_after(dt.date(2025, 10, 2))
    2570
    """
    year = fiscal.fiscal_year_of(day)
    return year if fiscal.fiscal_year_period(year).start >= day else year + 1


@dataclass
class AgencyThen:
    """An agency as it was on `day`."""

    agency: Agency
    day: dt.date
    name_th: str
    name_en: str
    abbreviation: str
    parent_id: int | None
    existed: bool
    # The agencies it came from (a split or merge ending on its first day) and those it
    # became (a split or merge after it ended), with the change that links them.
    predecessors: list[tuple[AgencyChange, list[Agency]]] = field(default_factory=list)
    successors: list[tuple[AgencyChange, list[Agency]]] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.agency.code

    @property
    def long_code(self) -> str:
        return self.agency.long_code

    @property
    def renamed(self) -> bool:
        return self.name_th != self.agency.name_th

    @property
    def ended(self) -> bool:
        return self.agency.valid_to is not None


def _covering(day: dt.date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def names_as_of(when: dt.date | int | object, ids: set[int] | None = None) -> dict[int, AgencyName]:
    """agency id -> the former name in use on the day, for the agencies renamed since (one query)."""
    day = day_of(when)
    rows = AgencyName.objects.filter(_covering(day))
    if ids is not None:
        rows = rows.filter(agency_id__in=ids)
    return {row.agency_id: row for row in rows.order_by("valid_to")}


def names_by_code_as_of(when: dt.date | int | object, codes: Iterable[str]) -> dict[str, AgencyName]:
    """agency code -> the former name in use on the day, for those of `codes` renamed since
    (one query, none for no codes)."""
    codes = list(codes)
    if not codes:
        return {}
    rows = AgencyName.objects.filter(_covering(day_of(when)), agency__code__in=codes).select_related("agency")
    return {row.agency.code: row for row in rows.order_by("valid_to")}


def parent_as_of(agency: Agency, when: dt.date | int | object) -> int | None:
    """The id of `agency`'s parent on the day (one query): a closed link covering the day
    wins (its parent may be none: the agency was at the top), else Agency.parent."""
    links = list(
        AgencyParentLink.objects.filter(_covering(day_of(when)), agency=agency, valid_to__isnull=False)
        .order_by("valid_from")
        .values_list("parent_id", flat=True)[:1]
    )
    return links[0] if links else agency.parent_id


def tree_as_of(when: dt.date | int | object) -> dict[int, int | None]:
    """agency id -> its parent's id on the day, for every agency (two queries). A closed
    link covering the day wins; otherwise the current parent (Agency.parent)."""
    day = day_of(when)
    tree: dict[int, int | None] = dict(Agency.objects.values_list("id", "parent_id"))
    for agency_id, parent_id in (
        AgencyParentLink.objects.filter(_covering(day), valid_to__isnull=False)
        .order_by("valid_from")
        .values_list("agency_id", "parent_id")
    ):
        tree[agency_id] = parent_id
    return tree


def children_query(parent_id: int, when: dt.date | int | object) -> QuerySet[Agency, dict[str, Any]]:
    """The ids of the agencies directly under `parent_id` on the day, as a subquery (no
    query of its own: for a filter of the caller's, e.g. a year's roll-up)."""
    day = day_of(when)
    closed = AgencyParentLink.objects.filter(_covering(day), agency=OuterRef("pk"), valid_to__isnull=False)
    return Agency.objects.filter(
        (Q(parent_id=parent_id) & ~Exists(closed)) | Exists(closed.filter(parent_id=parent_id))
    ).values("pk")


def children_as_of(tree: dict[int, int | None], parent_id: int) -> set[int]:
    """The ids directly under `parent_id` in a tree from tree_as_of."""
    return {agency_id for agency_id, parent in tree.items() if parent == parent_id}


def descendants_as_of(tree: dict[int, int | None], agency_id: int) -> set[int]:
    """`agency_id` and every agency below it in a tree from tree_as_of."""
    below: dict[int | None, list[int]] = {}
    for child, parent in tree.items():
        below.setdefault(parent, []).append(child)
    found = {agency_id}
    frontier = [agency_id]
    while frontier:
        frontier = [c for p in frontier for c in below.get(p, []) if c not in found]
        found.update(frontier)
    return found


def lineage(
    agency: Agency,
) -> tuple[list[tuple[AgencyChange, list[Agency]]], list[tuple[AgencyChange, list[Agency]]]]:
    """(the changes it came from with their predecessors, the changes it went into with
    their successors): splits and merges only, oldest first (two queries with prefetch)."""
    came: list[tuple[AgencyChange, list[Agency]]] = []
    went: list[tuple[AgencyChange, list[Agency]]] = []
    changes = (
        AgencyChange.objects.filter(kind__in=LINEAGE_KINDS)
        .filter(Q(predecessors=agency) | Q(successors=agency))
        .distinct()
        .prefetch_related("predecessors", "successors")
        .order_by("effective", "id")
    )
    for change in changes:
        before = list(change.predecessors.all())
        after = list(change.successors.all())
        if agency in after and agency not in before:
            came.append((change, before))
        if agency in before:
            others = [a for a in after if a.pk != agency.pk]
            if others or agency not in after:
                went.append((change, others or after))
    return came, went


def agency_as_of(agency: Agency, when: dt.date | int | object) -> AgencyThen:
    """`agency` as it was on the day (a date) or in the fiscal year (read on its first day)."""
    day = day_of(when)
    former = names_as_of(day, {agency.pk}).get(agency.pk)
    parent_id = parent_as_of(agency, day)
    came, went = lineage(agency)
    return AgencyThen(
        agency=agency,
        day=day,
        name_th=former.name_th if former else agency.name_th,
        name_en=former.name_en if former else agency.name_en,
        abbreviation=former.abbreviation if former else agency.abbreviation,
        parent_id=parent_id,
        existed=agency.exists_on(day),
        predecessors=came,
        successors=went,
    )


class FiscalYearStart(Func):
    """The first day (1 October CE) of the BE fiscal year in an integer column, in SQL."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # SQLite stores dates as ISO text: compare with the same text (%%%% survives both the
        # template's and the driver's formatting as one %).
        return self.as_sql(
            compiler, connection, template="printf('%%%%04d-10-01', %(expressions)s - 544)", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="make_date(%(expressions)s - 544, 10, 1)", **extra)


def name_then_annotations(agency: str = "agency_id", year: str = "fiscal_year_id") -> dict[str, Subquery]:
    """Annotations giving a row's agency name in the row's fiscal year (`agency_name_th_then`,
    `agency_name_en_then`; null when the name has not changed since), as subqueries of the
    caller's query: no query of their own."""
    start = FiscalYearStart(OuterRef(year))
    former = (
        AgencyName.objects.filter(agency_id=OuterRef(agency), valid_to__gte=start)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=start))
        .order_by("valid_to")
    )
    return {
        "agency_name_th_then": Subquery(former.values("name_th")[:1]),
        "agency_name_en_then": Subquery(former.values("name_en")[:1]),
    }


def name_on_annotations(when: dt.date | int | object, agency: str = "pk") -> dict[str, Subquery]:
    """Annotations giving an agency's name on one day or in one fiscal year (`name_th_then`,
    `name_en_then`; null when the name has not changed since), as subqueries of the
    caller's query over agencies (or over rows whose `agency` names the agency's id): no
    query of their own."""
    former = AgencyName.objects.filter(_covering(day_of(when)), agency_id=OuterRef(agency)).order_by(
        "valid_to"
    )
    return {
        "name_th_then": Subquery(former.values("name_th")[:1]),
        "name_en_then": Subquery(former.values("name_en")[:1]),
    }
