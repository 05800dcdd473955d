"""Stored scores: each quarter's score, progress and status, and each KPI's standing.

`citykpi.quality.scoring` stays the one definition of the rules; this module applies it to
the rows and stores the outcome (QuarterReport.score / progress / score_status and
quality.KpiStanding), so a dashboard or a list reads stored values instead of scoring
every KPI on every view.

When: inside the transaction of every write. Every write goes through an actions
function that records an audit row; `rescore_written` listens to the audit log's
`recorded` signal and rescores the KPIs the write touched (a quarter, a KPI's definition
or plan, a year's thresholds). Paths that write without audit rows (the demo and
benchmark generators, test fixtures) call `rescore_kpis` / `rescore_years` themselves;
`citykpi rescore [--year]` rebuilds everything.

A state change of a quarter (reporting.actions.changing) scores its KPI itself, from the
rows it read once (`score_kpi`, then `store`), and marks its object (`mark_stored`) so that
the receiver does not read them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.dispatch import receiver

from citykpi.audit.models import AuditEvent
from citykpi.audit.signals import recorded
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.quality import scoring
from citykpi.quality.models import KpiStanding, QualitySettings
from citykpi.reporting.models import QuarterReport

PUBLISHED = frozenset(QuarterReport.PUBLISHED_STATUSES)
STANDING_FIELDS = [
    "fiscal_year",
    "agency",
    "public_status",
    "public_quarter",
    "public_current",
    "public_year",
    "staff_status",
    "staff_quarter",
    "staff_current",
    "staff_year",
]
RULE_FIELDS = (
    "id",
    "fiscal_year_id",
    "agency_id",
    "weight",
    "dimension_id",
    "target",
    "achieved",
    "direction",
    "scoring_method",
    "scoring_config",
    "range_low",
    "range_high",
)


def rule_of(kpi: dict[str, Any], levels: Iterable[scoring.Level]) -> scoring.Rule | None:
    """The KPI's scoring rule, or None when its configuration cannot be read."""
    try:
        return scoring.rule_from_config(
            kpi["scoring_method"],
            kpi["scoring_config"],
            target=kpi["target"],
            direction=kpi["direction"],
            range_low=kpi["range_low"],
            range_high=kpi["range_high"],
            levels=levels,
        )
    except (scoring.ScoringError, ValueError, TypeError, KeyError):
        return None


def quarter_scores(
    rule: scoring.Rule | None, quarter: scoring.QuarterInput, thresholds: scoring.Thresholds
) -> tuple[Decimal | None, Decimal | None, str]:
    """(score, progress, status) of one quarter, as scoring.evaluate reads them."""
    if rule is None:
        return None, None, scoring.NO_DATA
    try:
        score = scoring.score_quarter(rule, quarter)
        progress = scoring.progress_against_plan(rule, quarter)
    except scoring.ScoringError:
        return None, None, scoring.NO_DATA
    return (score.percent if score else None), progress, scoring.status(progress, thresholds)


def reading(
    rule: scoring.Rule | None,
    kpi: dict[str, Any],
    quarters: list[tuple[scoring.QuarterInput, Decimal | None, str]],
) -> tuple[str, int | None, Decimal | None, Decimal | None]:
    """(status, latest quarter, current score, year score) over the quarters given."""
    inputs = [q for q, _progress, _status in quarters]
    latest = scoring.latest_reported(inputs)
    year: Decimal | None = None
    if rule is not None:
        try:
            year_score = scoring.score_year(rule, inputs, kpi["achieved"])
            year = year_score.percent if year_score else None
        except scoring.ScoringError:
            year = None
    if latest is None:
        return scoring.NO_DATA, None, None, year
    _, progress, status = next(item for item in quarters if item[0].quarter == latest.quarter)
    current = None if progress is None else min(progress, scoring.HUNDRED)
    return status, latest.quarter, current, year


def levels_of(kpis: Iterable[dict[str, Any]]) -> dict[int, list[scoring.Level]]:
    """The level tables of the milestone KPIs among `kpis` (rows with "id" and
    "scoring_method"), by KPI id: one query, none when there is no milestone KPI."""
    levels: dict[int, list[scoring.Level]] = defaultdict(list)
    milestone_ids = [k["id"] for k in kpis if k["scoring_method"] == scoring.MILESTONE]
    if milestone_ids:
        for lv in MilestoneLevel.objects.filter(indicator_id__in=milestone_ids).values(
            "indicator_id", "level", "percent", "points"
        ):
            levels[lv["indicator_id"]].append(scoring.Level(lv["level"], lv["percent"], lv["points"]))
    return levels


def thresholds_by_year(years: set[int]) -> dict[int, scoring.Thresholds]:
    rows = {row.fiscal_year_id: row for row in QualitySettings.objects.all()}
    default = rows.get(None) or QualitySettings()
    return {year: (rows.get(year) or default).thresholds for year in years}


def rescore_kpis(indicator_ids: Iterable[int]) -> int:
    """Score the KPIs' quarters and store them and the KPIs' standings: four queries for
    any number of KPIs (in chunks; five with milestone KPIs among them), plus the update
    of the quarters whose scores changed. Returns the number of KPIs rescored."""
    ids = sorted(set(indicator_ids))
    for start in range(0, len(ids), 2000):
        _rescore_chunk(ids[start : start + 2000])
    return len(ids)


def score_kpi(
    kpi: dict[str, Any],
    rows: Iterable[QuarterReport],
    levels: Iterable[scoring.Level],
    limits: scoring.Thresholds,
) -> tuple[list[QuarterReport], KpiStanding]:
    """Score one KPI's quarter rows (every quarter of the KPI, as they stand): each row gets
    its score, progress and status; returns the rows whose stored values that changed and
    the KPI's standing (unsaved). `kpi` holds the RULE_FIELDS (see `kpi_fields`)."""
    rule = rule_of(kpi, levels)
    changed: list[QuarterReport] = []
    public: list[tuple[scoring.QuarterInput, Decimal | None, str]] = []
    staff: list[tuple[scoring.QuarterInput, Decimal | None, str]] = []
    for row in sorted(rows, key=lambda r: r.quarter):
        inp = scoring.QuarterInput(row.quarter, row.planned_target, row.result)
        score, progress, status = quarter_scores(rule, inp, limits)
        if (row.score, row.progress, row.score_status) != (score, progress, status):
            row.score, row.progress, row.score_status = score, progress, status
            changed.append(row)
        if row.status in PUBLISHED:
            public.append((inp, progress, status))
        if row.status != QuarterReport.Status.NOT_STARTED:
            staff.append((inp, progress, status))
    p_status, p_quarter, p_current, p_year = reading(rule, kpi, public)
    s_status, s_quarter, s_current, s_year = reading(rule, kpi, staff)
    standing = KpiStanding(
        indicator_id=kpi["id"],
        fiscal_year_id=kpi["fiscal_year_id"],
        agency_id=kpi["agency_id"],
        public_status=p_status,
        public_quarter=p_quarter,
        public_current=p_current,
        public_year=p_year,
        staff_status=s_status,
        staff_quarter=s_quarter,
        staff_current=s_current,
        staff_year=s_year,
    )
    return changed, standing


def kpi_fields(indicator: Indicator) -> dict[str, Any]:
    """What score_kpi reads of a KPI, from a loaded Indicator."""
    return {name: getattr(indicator, name) for name in RULE_FIELDS}


def store(changed: list[QuarterReport], standings: list[KpiStanding]) -> None:
    """Write what score_kpi gave: the quarters whose scores changed, the standings (upsert)."""
    if changed:
        QuarterReport.objects.bulk_update(changed, ["score", "progress", "score_status"], batch_size=500)
    KpiStanding.objects.bulk_create(
        standings,
        update_conflicts=True,
        unique_fields=["indicator"],
        update_fields=STANDING_FIELDS,
        batch_size=500,
    )


# Set on an audited object whose KPI the write has scored and stored itself, from rows it
# had read (reporting.actions.changing): the receiver below leaves that KPI alone.
STORED_ATTR = "_citykpi_scores_stored"


def mark_stored(obj: Any) -> None:
    setattr(obj, STORED_ATTR, True)


def _rescore_chunk(ids: list[int]) -> None:
    kpis = list(Indicator.objects.filter(id__in=ids).values(*RULE_FIELDS))
    if not kpis:
        return
    levels = levels_of(kpis)
    rows: dict[int, list[QuarterReport]] = defaultdict(list)
    for row in QuarterReport.objects.filter(indicator_id__in=ids).only(
        "id",
        "indicator_id",
        "quarter",
        "planned_target",
        "result",
        "status",
        "score",
        "progress",
        "score_status",
    ):
        rows[row.indicator_id].append(row)
    thresholds = thresholds_by_year({k["fiscal_year_id"] for k in kpis})
    changed: list[QuarterReport] = []
    standings: list[KpiStanding] = []
    for kpi in kpis:
        kpi_changed, standing = score_kpi(
            kpi, rows.get(kpi["id"], []), levels.get(kpi["id"], ()), thresholds[kpi["fiscal_year_id"]]
        )
        changed.extend(kpi_changed)
        standings.append(standing)
    store(changed, standings)


def rescore_years(years: Iterable[int] | None = None) -> int:
    """Rescore every KPI of the years given (every year when None)."""
    queryset = Indicator.objects.all()
    if years is not None:
        queryset = queryset.filter(fiscal_year_id__in=list(years))
    return rescore_kpis(queryset.values_list("id", flat=True))


# What a write may change in the scores, read from its audit rows.
WHOLE_YEAR_TYPES = frozenset({"quality.qualitysettings"})
UNSCORED_TYPES = frozenset(
    {"accounts.membership", "accounts.apitoken", "auth.user", "planning.kpitemplate", "reporting.reminderlog"}
)


def touched_kpis(events: list[AuditEvent], objects: list[Any] | None) -> tuple[set[int], set[int] | None]:
    """(KPI ids, years) whose scores a write may have changed; years None means every year."""
    kpis: set[int] = set()
    years: set[int] | None = set()
    pending_quarters: list[int] = []
    for index, event in enumerate(events):
        obj = objects[index] if objects is not None else None
        if event.object_type in UNSCORED_TYPES or getattr(obj, STORED_ATTR, False):
            continue
        if event.action == "demo.load":
            return kpis, None
        if event.object_type in WHOLE_YEAR_TYPES:
            year = getattr(obj, "fiscal_year_id", None) if obj is not None else None
            if year is None:
                return kpis, None  # the default thresholds: every year
            if years is not None:
                years.add(year)
            continue
        if obj is None:
            if event.object_type == "reporting.quarterreport":
                pending_quarters.append(int(event.object_id))
            elif event.object_type == "indicators.indicator":
                kpis.add(int(event.object_id))
            continue
        if isinstance(obj, Indicator):
            kpis.add(obj.pk)
        elif isinstance(getattr(obj, "indicator_id", None), int):
            kpis.add(obj.indicator_id)
        elif isinstance(getattr(obj, "quarter_report", None), QuarterReport):
            kpis.add(obj.quarter_report.indicator_id)
    if pending_quarters:
        kpis |= set(
            QuarterReport.objects.filter(id__in=pending_quarters).values_list("indicator_id", flat=True)
        )
    return kpis, years


@receiver(recorded, dispatch_uid="quality-rescore-written")
def rescore_written(sender: Any, events: list[AuditEvent], objects: list[Any] | None, **kwargs: Any) -> None:
    kpis, years = touched_kpis(events, objects)
    if years is None:
        rescore_years(None)
        return
    if years:
        rescore_years(years)
    if kpis:
        rescore_kpis(kpis)
