"""Writes of the quality app: refreshing the stored findings of a KPI, of many, or of a year.

Findings are derived from the KPI as it stands, so a refresh replaces a KPI's rows
whole (in one transaction: nobody sees half a refresh). When they are refreshed:

- one KPI in the transaction of every state change of a quarter, from the rows the
  write already read (`store_findings`, called by reporting.actions.changing); the
  `report_changed` signal after commit (apps.py) then finds them stored
  (`refresh_indicator` does the whole refresh for a KPI sent without that);
- the KPIs an import or the demo load wrote, in bulk (a fixed number of queries per 500
  KPIs): `refresh_indicators`;
- a whole fiscal year on demand (the evaluator's report page, `citykpi quality --year`):
  `refresh_year`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from citykpi.accounts import access
from citykpi.audit.log import record
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.lib.users import Actor
from citykpi.quality.models import FindingRecord
from citykpi.quality.rules import Finding, Limits, findings_for
from citykpi.quality.scoring import Level
from citykpi.reporting.models import QuarterReport, has_evidenced_claim


@dataclass
class RefreshSummary:
    year: int
    indicators: int = 0
    by_rule: Counter = field(default_factory=Counter)
    by_severity: Counter = field(default_factory=Counter)
    findings: list[tuple[Indicator, Finding]] = field(default_factory=list)


# What makes two stored findings the same finding.
_IDENTITY = ("indicator_id", "rule", "severity", "quarter", "field", "message_th", "message_en")


def _records(indicator: Indicator, findings: Iterable[Finding]) -> list[FindingRecord]:
    return [
        FindingRecord(
            indicator=indicator,
            fiscal_year_id=indicator.fiscal_year_id,
            agency_id=indicator.agency_id,
            rule=f.rule,
            severity=f.severity,
            quarter=f.quarter,
            field=f.field,
            message_th=f.message_th,
            message_en=f.message_en,
        )
        for f in findings
    ]


# Set on the Indicator object a write announces (report_changed) when the write stored its
# findings itself, in its own transaction (store_findings): the refresh after commit is
# then already done.
_STORED_ATTR = "_citykpi_findings_stored"


def refresh_indicator(indicator: Indicator) -> list[Finding]:
    """Recompute and store one KPI's findings (no audit row: derived data, triggered by a
    write that has its own audit row). When the write stored them itself from the rows it
    had read (store_findings, in its transaction), nothing is read or written again."""
    stored = indicator.__dict__.pop(_STORED_ATTR, None)
    if stored is not None:
        return stored
    found = findings_for(indicator)
    with transaction.atomic():
        FindingRecord.objects.filter(indicator=indicator).delete()
        FindingRecord.objects.bulk_create(_records(indicator, found))
    return found


def store_findings(indicator: Indicator, found: list[Finding]) -> None:
    """Replace one KPI's stored findings with `found` (computed by the caller from rows it
    read, with rules.findings_for), inside the caller's transaction: one statement on
    PostgreSQL (the old rows deleted and the new ones inserted together), a DELETE and an
    INSERT elsewhere. The object is marked so that refresh_indicator(indicator), which
    follows the write's report_changed after commit, does not do it again."""
    records = _records(indicator, found)
    if records and connection.vendor == "postgresql":
        _replace_in_one_statement(indicator.pk, records)
    else:
        FindingRecord.objects.filter(indicator_id=indicator.pk).delete()
        if records:
            FindingRecord.objects.bulk_create(records)
    setattr(indicator, _STORED_ATTR, found)


def _replace_in_one_statement(indicator_id: int, records: list[FindingRecord]) -> None:
    meta = FindingRecord._meta
    qn = connection.ops.quote_name
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    rows: list[str] = []
    params: list[Any] = []
    for record_ in records:
        record_.found_at = now
        rows.append("(" + ", ".join(["%s"] * len(fields)) + ")")
        params.extend(f.get_db_prep_save(getattr(record_, f.attname), connection) for f in fields)
    table = qn(meta.db_table)
    sql = (
        f"WITH old AS (DELETE FROM {table} WHERE {qn(meta.get_field('indicator').column)} = %s) "
        f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join(rows)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [indicator_id, *params])


def _with_rule_inputs(qs: QuerySet[Any]):
    """KPIs with everything the rules read prefetched (a fixed number of queries)."""
    return qs.select_related("unit", "agency").prefetch_related(
        "milestone_levels",
        "strategy_nodes",
        Prefetch(
            "quarters",
            queryset=QuarterReport.objects.select_related("assessment")
            .annotate(has_evidenced_claim=has_evidenced_claim())
            .order_by("quarter"),
        ),
    )


def year_indicators(year: int, agency_ids: set[int] | None = None) -> QuerySet[Indicator]:
    """A year's KPIs with everything the rules read, in a fixed number of queries."""
    qs = _with_rule_inputs(Indicator.objects.filter(fiscal_year_id=year))
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    return qs.order_by("agency__code", "code")


def _prefetched_findings(indicator: Indicator, limits: Limits) -> list[Finding]:
    return findings_for(
        indicator,
        list(indicator.quarters.all()),
        limits=limits,
        levels=[_level(row) for row in indicator.milestone_levels.all()],
        nodes=list(indicator.strategy_nodes.all()),
    )


REFRESH_CHUNK = 500  # KPIs read per round of prefetch queries (keeps IN lists short for SQLite)


def refresh_indicators(
    indicators: Iterable[Indicator | int], actor: Actor | None = None, *, source: str = "import"
) -> RefreshSummary:
    """Recompute and store the findings of many KPIs at once (imports, the demo load).

    `indicators`: Indicator rows or their ids (a queryset is fine). The KPIs are read
    again with everything the rules read, 500 at a time, so the work takes a fixed number
    of queries per 500 KPIs whatever the caller passed; their old findings are deleted
    and the new ones bulk-inserted in one transaction (the caller's, when it has one: an
    import rolled back takes the refresh with it).

    actor: who made the write that calls for the refresh, or None (the system). Findings
    are derived data, so anybody's write may refresh them. One audit row per fiscal year
    touched ("quality.refresh" on the year, with the counts) records the refresh.
    The summary's `year` is the year touched (0 when there were several or none).
    """
    ids = list(dict.fromkeys(item if isinstance(item, int) else item.pk for item in indicators))
    summary = RefreshSummary(year=0)
    if not ids:
        return summary
    limits: dict[int, Limits] = {}
    per_year: dict[int, Counter] = {}
    records: list[FindingRecord] = []
    for start in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[start : start + REFRESH_CHUNK]
        for indicator in _with_rule_inputs(Indicator.objects.filter(pk__in=chunk)):
            year = indicator.fiscal_year_id
            if year not in limits:
                limits[year] = Limits.for_year(year)
                per_year[year] = Counter()
            found = _prefetched_findings(indicator, limits[year])
            summary.indicators += 1
            per_year[year]["indicators"] += 1
            for f in found:
                summary.by_rule[f.rule] += 1
                summary.by_severity[f.severity] += 1
                per_year[year][f.severity] += 1
            records.extend(_records(indicator, found))
    if len(per_year) == 1:
        summary.year = next(iter(per_year))
    # Nothing changed (an import of unchanged pages): write nothing, not even an audit row.
    stored: set[tuple[Any, ...]] = set()
    for start in range(0, len(ids), REFRESH_CHUNK):
        stored.update(
            FindingRecord.objects.filter(indicator_id__in=ids[start : start + REFRESH_CHUNK]).values_list(
                *_IDENTITY
            )
        )
    if stored == {tuple(getattr(r, name) for name in _IDENTITY) for r in records}:
        return summary
    with transaction.atomic():
        for start in range(0, len(ids), REFRESH_CHUNK):
            FindingRecord.objects.filter(indicator_id__in=ids[start : start + REFRESH_CHUNK]).delete()
        FindingRecord.objects.bulk_create(records, batch_size=REFRESH_CHUNK)
        for year, counts in sorted(per_year.items()):
            record(
                actor,
                "quality.refresh",
                FiscalYear(pk=year),
                after={
                    "indicators": counts["indicators"],
                    "errors": counts["error"],
                    "warnings": counts["warning"],
                },
                source=source,
            )
    return summary


def refresh_year(actor: Actor, year: int, *, store: bool = True, source: str = "web") -> RefreshSummary:
    """Run every check over a fiscal year; store the findings unless `store` is False.

    actor: an evaluator or administrator, or None for the command line (the system).
    """
    if actor is not None:
        access.require(actor, access.Capability.REFRESH_QUALITY)
    fiscal_year = FiscalYear.objects.get(pk=year)
    limits = Limits.for_year(year)
    summary = RefreshSummary(year=year)
    records: list[FindingRecord] = []
    for indicator in year_indicators(year):
        found = _prefetched_findings(indicator, limits)
        summary.indicators += 1
        for f in found:
            summary.by_rule[f.rule] += 1
            summary.by_severity[f.severity] += 1
            summary.findings.append((indicator, f))
        records.extend(_records(indicator, found))
    if store:
        with transaction.atomic():
            FindingRecord.objects.filter(fiscal_year_id=year).delete()
            FindingRecord.objects.bulk_create(records, batch_size=500)
            record(
                actor,
                "quality.refresh_year",
                fiscal_year,
                after={
                    "indicators": summary.indicators,
                    "errors": summary.by_severity.get("error", 0),
                    "warnings": summary.by_severity.get("warning", 0),
                },
                source=source,
            )
    return summary


def _level(row: Any):
    return Level(row.level, row.percent, row.points)
