"""The fiscal-year setup of the demo (issue 4), so that /setup/ shows real content right
after `make run`:

- a KPI template for each cascaded KPI (waste sorting at a dozen districts; drainage in
  percent at two districts, in minutes at a third), whose KPIs point back at it;
- every agency's setup approved, for the past years and for the year in progress (its
  targets were agreed before it began), with each KPI's definition frozen as version 1.

Called by the generator: deterministic (no random numbers), a handful of queries per
5,000 KPIs, no audit rows (the demo load writes its one "demo.load" row).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from citykpi.indicators.models import Indicator, Unit
from citykpi.lib import fiscal
from citykpi.planning.models import DefinitionVersion, KpiTemplate, Setup
from citykpi.planning.versions import snapshots_in_bulk

from . import texts
from .bulk import fast_insert

BANGKOK = ZoneInfo("Asia/Bangkok")


class Cascade(NamedTuple):
    key: str
    name: str
    name_en: str
    unit: str  # a key of citykpi.demo.reference.UNITS
    direction: str
    node: str  # the 20-year plan's node it supports


CASCADES = [
    Cascade(
        "waste",
        texts.WASTE_NAME,
        "Source separation of waste: increase of organic waste separated and reused at source, against 2018",
        "percent_up",
        Indicator.Direction.HIGHER,
        "1.1.2.1",
    ),
    Cascade(
        "drainage_percent",
        texts.DRAINAGE_PERCENT_NAME,
        "Share of the district's flood-risk points drained within 3 hours after the rain stops",
        "percent",
        Indicator.Direction.HIGHER,
        "1.3.1.1",
    ),
    Cascade(
        "drainage_minutes",
        texts.DRAINAGE_MINUTES_NAME,
        "Average time to drain standing water at the district's flood-risk points after the rain stops",
        "minutes",
        Indicator.Direction.LOWER,
        "1.3.1.1",
    ),
]


def create_templates(units: dict[str, Unit], nodes: dict[str, int], counts: Counter) -> dict[str, int]:
    """One KpiTemplate per cascade (key -> id), reused when an earlier load made it; the
    generator links the cascaded KPIs to them."""
    found = {}
    for cascade in CASCADES:
        template, made = KpiTemplate.objects.get_or_create(
            name=cascade.name,
            unit=units[cascade.unit],
            defaults={
                "name_en": cascade.name_en,
                "direction": cascade.direction,
                "kpi_type": Indicator.Type.STRATEGIC,
                "result_level": Indicator.Level.OUTCOME,
                "scoring_method": Indicator.Method.PERCENT_OF_TARGET,
            },
        )
        if made and cascade.node in nodes:
            template.strategy_nodes.set([nodes[cascade.node]])
        found[cascade.key] = template.pk
        counts["kpi_templates"] += int(made)
    return found


def complete_templates() -> None:
    """A template's texts are those of its assignment in the latest year (the first
    district's): the agencies' own wording stays on their KPIs."""
    for template in KpiTemplate.objects.all():
        first = (
            Indicator.objects.filter(template=template)
            .order_by("-fiscal_year_id", "agency__code")
            .values("definition", "calculation_method", "data_collection")
            .first()
        )
        if first:
            KpiTemplate.objects.filter(pk=template.pk).update(**first)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BANGKOK)


def approve_setups(years: list[int], counts: Counter) -> None:
    """Every agency with KPIs in `years` gets its setup approved three weeks before the
    year began, and each of its KPIs a frozen definition (version 1)."""
    carrying = (
        Indicator.objects.filter(fiscal_year_id__in=years)
        .order_by()
        .values_list("agency_id", "fiscal_year_id")
        .distinct()
    )
    done = set(Setup.objects.values_list("agency_id", "fiscal_year_id"))
    fresh = []
    approved_on: dict[int, dt.datetime] = {}
    for agency_id, year in sorted(carrying):
        begins = fiscal.fiscal_year_period(year).start
        approved_on[year] = _at(begins - dt.timedelta(days=21), 15)
        if (agency_id, year) in done:
            continue
        fresh.append(
            Setup(
                agency_id=agency_id,
                fiscal_year_id=year,
                state=Setup.State.APPROVED,
                version=3,  # draft -> proposed -> approved
                proposed_at=_at(begins - dt.timedelta(days=45), 10),
                approved_at=approved_on[year],
            )
        )
    Setup.objects.bulk_create(fresh, batch_size=2000)
    counts["setups"] += len(fresh)

    frozen = set(DefinitionVersion.objects.values_list("indicator_id", flat=True))
    rows = []
    # From column values in one pass over the KPIs (planning.versions gives the same
    # snapshot one KPI at a time): a per-KPI snapshot was most of a large load's setups.
    for kpi in snapshots_in_bulk(Indicator.objects.filter(fiscal_year_id__in=years)):
        if kpi.indicator_id in frozen:
            continue
        rows.append(
            (kpi.indicator_id, kpi.snapshot["version"], kpi.snapshot, approved_on[kpi.fiscal_year_id])
        )
        if len(rows) >= 5000:
            _insert_versions(rows, counts)
            rows = []
    _insert_versions(rows, counts)


def _insert_versions(rows: list[tuple], counts: Counter) -> None:
    fast_insert(DefinitionVersion, ["indicator", "version", "snapshot", "approved_at"], rows)
    counts["definition_versions"] += len(rows)
