"""The batch path of citykpi.reporting.actions.save_report, beside it (the Excel import of thousands of rows uses it).

`save_reports(actor, items, source=...)` does for each (report, result, narrative, version)
exactly what save_report does, with the same functions wherever they take no database
round trip (check_scope, check_version, is_open, illegal, closed, clean_result, the
data-quality write rules, snapshot), inside ONE transaction, with what save_report
fetches row by row fetched once for all rows instead:

- the rows locked with one SELECT ... FOR UPDATE per chunk (in primary-key order, so two
  imports cannot deadlock each other);
- the permission check run once per agency (its outcome depends on the actor and the
  KPI's agency only);
- each KPI's stored quarters and each year's quality limits read once;
- the rows written with bulk UPDATEs and their audit rows (one per row, as save_report
  writes) with bulk INSERTs.

Every row is checked before anything is written: the first refused row and every other
one are returned as errors and nothing is saved. Keep it in step with save_report (the
tests compare the two); see docs/import-export.md.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from citykpi.audit import log as audit_log
from citykpi.audit.log import snapshot
from citykpi.audit.models import AuditEvent
from citykpi.lib.columns import concrete_field
from citykpi.lib.errors import ActionError
from citykpi.lib.users import Actor, user_of
from citykpi.quality import rules
from citykpi.quality.actions import refresh_indicators
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

if TYPE_CHECKING:
    from citykpi.indicators.models import Indicator

Status = QuarterReport.Status
LOCK_CHUNK = 500  # rows per SELECT ... FOR UPDATE (keeps the IN list well under SQLite's limit)
WRITE_BATCH = 500


@dataclass
class Item:
    """One row to save, as save_report takes it; `key` is the caller's (a sheet row)."""

    key: Any
    report: QuarterReport
    result: Any
    narrative: str
    version: Any


@dataclass
class RowError:
    key: Any
    error: Exception  # ActionError, PermissionDenied or Http404


def _locked(ids: list[int]) -> dict[int, QuarterReport]:
    rows: dict[int, QuarterReport] = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), LOCK_CHUNK):
        chunk = ids[start : start + LOCK_CHUNK]
        for row in (
            QuarterReport.objects.select_for_update(of=("self",))
            .select_related("indicator__agency", "indicator__fiscal_year", "indicator__unit", "updated_by")
            .prefetch_related("indicator__milestone_levels")
            .filter(pk__in=chunk)
            .order_by("pk")
        ):
            rows[row.pk] = row
    return rows


@dataclass(frozen=True)
class StoredQuarter:
    """What the write rules read of a stored quarter (a QuarterReport row has more)."""

    quarter: int
    planned_target: Decimal | None
    result: Decimal | None
    status: str


def _stored_quarters(indicator_ids: Iterable[int]) -> dict[int, list[StoredQuarter]]:
    """Every quarter of these KPIs, as check_report_write reads them (in quarter order)."""
    by_indicator: dict[int, list[StoredQuarter]] = defaultdict(list)
    ids = sorted(set(indicator_ids))
    for start in range(0, len(ids), LOCK_CHUNK):
        rows = (
            QuarterReport.objects.filter(indicator_id__in=ids[start : start + LOCK_CHUNK])
            .order_by("indicator_id", "quarter")
            .values_list("indicator_id", "quarter", "planned_target", "result", "status")
        )
        for indicator_id, *values in rows:
            by_indicator[indicator_id].append(StoredQuarter(*values))
    return by_indicator


def write_findings(
    indicator: Indicator, quarter: int, value: Decimal, stored: list[StoredQuarter], limits: rules.Limits
) -> list[rules.Finding]:
    """citykpi.quality.rules.check_report_write with the KPI's stored quarters and the
    year's limits given instead of read (the same rules, the same filtering)."""
    views = [
        rules._QuarterView(q.quarter, q.planned_target, value if q.quarter == quarter else q.result, q.status)
        for q in stored
    ]
    if quarter not in {q.quarter for q in stored}:
        views.append(rules._QuarterView(quarter, None, value))
    # The probe stands in for the KPI: every field but target and achieved is the KPI's.
    ctx = rules._context(cast("Indicator", rules._ProbeIndicator(indicator)), views, limits, nodes=[])
    found = [
        finding
        for rule in rules.WRITE_RULES
        for finding in rule(ctx)
        if finding.quarter == quarter or quarter in finding.related_quarters
    ]
    return sorted(found, key=lambda f: (f.severity != rules.ERROR, f.rule))


def _refuse_on_error(findings: list[rules.Finding]) -> None:
    """What reporting.actions.quality_findings does with the findings: an error refuses."""
    for finding in findings:
        if finding.severity == rules.ERROR:
            raise ActionError(finding.message_th, finding.message_en, field="result", rule=finding.rule)


def _audit_event(actor: Actor, row: QuarterReport, before: dict, after: dict, source: str) -> AuditEvent:
    """The row citykpi.audit.log.record(actor, "report.save", row, ...) writes, unsaved."""
    return audit_log.build(
        actor,
        "report.save",
        row,
        before=before,
        after=after,
        indicator_code=row.indicator.code,
        source=source,
    )


def _update_rows(rows: list[QuarterReport], names: list[str]) -> None:
    """UPDATE each row's `names` by primary key, in one executemany.

    Why not bulk_update: its CASE WHEN per field and row took 8 s for 3,000 rows of 7
    fields (resolving 42,000 expressions); one prepared UPDATE sent 3,000 times takes
    a fraction of a second on SQLite and PostgreSQL alike.
    """
    if not rows:
        return
    meta = QuarterReport._meta
    fields = [concrete_field(meta, name) for name in names]
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in fields)} "
        f"WHERE {qn(meta.pk.column)} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def save_reports(
    actor: Actor, items: list[Item], *, source: str = "xlsx", now: dt.datetime | None = None
) -> tuple[list[QuarterReport], list[RowError]]:
    """save_report for every item, all or nothing. Returns (saved rows, errors); when
    there is any error nothing is saved and the saved list is empty."""
    errors: list[RowError] = []
    with transaction.atomic():
        locked = _locked([item.report.pk for item in items])
        stored = _stored_quarters(row.indicator_id for row in locked.values())
        today = reporting.today_of(now)
        scope: dict[int, Exception | None] = {}
        limits: dict[int | None, rules.Limits] = {}
        saved: list[tuple[QuarterReport, dict]] = []
        for item in items:
            row = locked.get(item.report.pk)
            try:
                if row is None:
                    raise QuarterReport.DoesNotExist
                indicator = row.indicator
                if indicator.agency_id not in scope:
                    try:
                        reporting.check_scope(actor, indicator, "report")
                        scope[indicator.agency_id] = None
                    except (PermissionDenied, Http404) as exc:
                        scope[indicator.agency_id] = exc
                refused = scope[indicator.agency_id]
                if refused is not None:
                    raise refused
                reporting.check_version(row, item.version)
                if row.status not in reporting.EDITABLE:
                    raise reporting.illegal(row, "แก้ไขผลงาน", "edit the result")
                if not reporting.is_open(row, today):
                    raise reporting.closed(row)
                new_result = reporting.clean_result(indicator, item.result)
                narrative = (item.narrative or "").replace("\r\n", "\n").strip()
                if len(narrative) > reporting.NARRATIVE_MAX_CHARS:
                    raise ActionError(
                        f"รายงานผลยาวเกิน {reporting.NARRATIVE_MAX_CHARS:,} ตัวอักษร",
                        f"The narrative is longer than {reporting.NARRATIVE_MAX_CHARS:,} characters",
                        field="narrative",
                    )
                warnings: list[rules.Finding] = []
                if new_result is not None:
                    year = indicator.fiscal_year_id
                    if year not in limits:
                        limits[year] = rules.Limits.for_year(year)
                    warnings = write_findings(
                        indicator, row.quarter, new_result, stored.get(indicator.pk, []), limits[year]
                    )
                    _refuse_on_error(warnings)
            except QuarterReport.DoesNotExist:
                errors.append(RowError(item.key, Http404(str(item.report.pk))))
                continue
            except (ActionError, PermissionDenied, Http404) as exc:
                errors.append(RowError(item.key, exc))
                continue
            before = snapshot(row, reporting.REPORT_FIELDS)
            row.result = new_result
            row.narrative = narrative
            if row.status == Status.NOT_STARTED:
                row.status = Status.DRAFT
            row.version += 1
            row.definition_version = indicator.definition_version
            row.updated_by = user_of(actor)
            row.warnings = warnings
            saved.append((row, before))
        if errors:
            transaction.set_rollback(True)
            return [], errors
        stamp = timezone.now()
        for row, _before in saved:
            # bulk_update does not apply auto_now; save(update_fields=[..., "updated_at"]) would.
            row.updated_at = stamp
        _update_rows([row for row, _ in saved], reporting.REPORT_FIELDS + ["updated_by", "updated_at"])
        audit_log.bulk_record(
            [
                _audit_event(actor, row, before, snapshot(row, reporting.REPORT_FIELDS), source)
                for row, before in saved
            ],
            batch_size=WRITE_BATCH,
        )
        # The stored data-quality findings of every KPI the workbook touched, in bulk, inside
        # the same transaction (instead of one report_changed per row).

        refresh_indicators({row.indicator_id for row, _ in saved}, actor, source=source)
    return [row for row, _ in saved], errors
