"""Checks run while a fiscal year is set up.

Each check has an id, a severity and a Thai and English message naming the KPI and the
field. Errors block proposal and approval; warnings are shown. The checks read KPIs with
their quarters, milestone levels and the KPI they were carried forward from, fetched in
a bounded number of queries by `indicators_for_checks`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from citykpi.indicators.models import Indicator
from citykpi.lib.thai import format_number
from citykpi.reporting.models import QuarterReport

if TYPE_CHECKING:
    from citykpi.agencies.models import Agency
    from citykpi.indicators.models import FiscalYear

ERROR = "error"
WARNING = "warning"

# id -> (severity, Thai title, English title): the catalogue shown on the setup pages.
CHECKS: dict[str, tuple[str, str, str]] = {
    "weights.sum": (ERROR, "น้ำหนักรวมไม่เท่ากับ 100", "Weights do not sum to 100"),
    "target.missing": (ERROR, "ไม่มีค่าเป้าหมาย", "No annual target"),
    "plan.incomplete": (ERROR, "แผนรายไตรมาสไม่ครบ", "Quarterly plan incomplete"),
    "plan.not_cumulative": (ERROR, "แผนรายไตรมาสไม่สะสม", "Quarterly plan not cumulative"),
    "plan.not_reaching_target": (
        ERROR,
        "แผนไตรมาสที่ 4 ไม่เท่ากับค่าเป้าหมาย",
        "Quarter 4 plan does not reach the target",
    ),
    "target.below_last_year": (
        WARNING,
        "ค่าเป้าหมายต่ำกว่าผลงานปีที่แล้ว",
        "Target below last year's result",
    ),
    "milestone.no_levels": (
        ERROR,
        "ตัวชี้วัดระดับความสำเร็จไม่มีตารางระดับ",
        "Milestone KPI without its level table",
    ),
    # A warning, not an error: "ลดลงร้อยละ" (percent decrease) is usually lower-is-better on
    # the legacy site, but a KPI may count the size of a reduction, where more is better.
    "direction.lower_unit": (
        WARNING,
        "หน่วยนับแบบยิ่งน้อยยิ่งดี แต่ไม่ได้กำหนดทิศทาง",
        "Lower-is-better unit without the direction set",
    ),
}


@dataclass(frozen=True)
class Finding:
    check_id: str
    severity: str
    message_th: str
    message_en: str
    agency_id: int
    code: str = ""  # the KPI code; empty for checks over a whole agency
    field: str = ""
    extra: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self) -> dict:
        return {
            "id": self.check_id,
            "severity": self.severity,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "message_th": self.message_th,
            "message_en": self.message_en,
        }


def _finding(
    check_id: str,
    indicator_or_agency: Any,
    th: str,
    en: str,
    *,
    code: str = "",
    field: str = "",
    **extra: Any,
):
    agency_id = getattr(indicator_or_agency, "agency_id", None) or indicator_or_agency
    return Finding(check_id, CHECKS[check_id][0], th, en, agency_id, code, field, extra)


def indicators_for_checks(queryset: QuerySet) -> list[Indicator]:
    """The KPIs of `queryset` with everything the checks read (5 queries in all)."""
    return list(
        queryset.select_related("unit", "agency", "carried_from")
        .prefetch_related(
            Prefetch("quarters", queryset=QuarterReport.objects.order_by("quarter")),
            "milestone_levels",
            Prefetch("carried_from__quarters", queryset=QuarterReport.objects.order_by("quarter")),
        )
        .order_by("agency__code", "code")
    )


def last_result(indicator: Indicator | None) -> Decimal | None:
    """The last reported cumulative result of a KPI (the latest published quarter with a
    result), else the achieved value it states for the year."""
    if indicator is None:
        return None
    reported = [
        q
        for q in indicator.quarters.all()
        if q.result is not None and q.status in QuarterReport.PUBLISHED_STATUSES
    ]
    if reported:
        return max(reported, key=lambda q: q.quarter).result
    return indicator.achieved


def plan_values(indicator: Indicator) -> dict[int, Decimal | None]:
    found = {q.quarter: q.planned_target for q in indicator.quarters.all()}
    return {q: found.get(q) for q in (1, 2, 3, 4)}


def check_indicator(indicator: Indicator) -> list[Finding]:
    findings: list[Finding] = []
    code = indicator.code
    name = f"{code} {indicator.name[:60]}"
    target = indicator.target
    if target is None:
        findings.append(
            _finding(
                "target.missing",
                indicator,
                f"{name}: ยังไม่ได้กำหนดค่าเป้าหมาย",
                f"{code}: the annual target is not set",
                code=code,
                field="target",
            )
        )
    plan = plan_values(indicator)
    missing = [q for q, v in plan.items() if v is None]
    if missing:
        quarters = ", ".join(str(q) for q in missing)
        findings.append(
            _finding(
                "plan.incomplete",
                indicator,
                f"{name}: ยังไม่ได้กำหนดเป้าหมายสะสมไตรมาสที่ {quarters}",
                f"{code}: no planned cumulative target for quarter {quarters}",
                code=code,
                field=f"plan_q{missing[0]}",
            )
        )
    else:
        # A cumulative plan never goes down for a KPI that counts up; lower-is-better and
        # range KPIs plan a level per quarter, which may fall.
        if indicator.direction == Indicator.Direction.HIGHER:
            for q in (2, 3, 4):
                now, before = plan[q], plan[q - 1]
                if now is not None and before is not None and now < before:
                    findings.append(
                        _finding(
                            "plan.not_cumulative",
                            indicator,
                            f"{name}: เป้าหมายสะสมไตรมาสที่ {q} ({format_number(plan[q])}) "
                            f"น้อยกว่าไตรมาสที่ {q - 1} ({format_number(plan[q - 1])})",
                            f"{code}: the planned cumulative target of quarter {q} "
                            f"({format_number(plan[q])}) is below quarter {q - 1} "
                            f"({format_number(plan[q - 1])})",
                            code=code,
                            field=f"plan_q{q}",
                        )
                    )
                    break
        if target is not None and plan[4] != target:
            findings.append(
                _finding(
                    "plan.not_reaching_target",
                    indicator,
                    f"{name}: เป้าหมายสะสมไตรมาสที่ 4 ({format_number(plan[4])}) "
                    f"ไม่เท่ากับค่าเป้าหมาย ({format_number(target)})",
                    f"{code}: the quarter 4 plan ({format_number(plan[4])}) does not "
                    f"reach the annual target ({format_number(target)})",
                    code=code,
                    field="plan_q4",
                )
            )
    if indicator.direction == Indicator.Direction.HIGHER and target is not None:
        carried_from = indicator.carried_from
        previous = last_result(carried_from)
        if carried_from is not None and previous is not None and target < previous:
            findings.append(
                _finding(
                    "target.below_last_year",
                    indicator,
                    f"{name}: ค่าเป้าหมาย {format_number(target)} ต่ำกว่าผลงานปีที่แล้ว "
                    f"{format_number(previous)} ({carried_from.code})",
                    f"{code}: the target {format_number(target)} is below last year's "
                    f"result {format_number(previous)} ({carried_from.code})",
                    code=code,
                    field="target",
                    last_year=str(previous),
                )
            )
    if indicator.scoring_method == Indicator.Method.MILESTONE and not indicator.milestone_levels.all():
        findings.append(
            _finding(
                "milestone.no_levels",
                indicator,
                f"{name}: ตัวชี้วัดระดับความสำเร็จต้องมีตารางระดับ (ระดับ ร้อยละ คะแนน)",
                f"{code}: a milestone KPI needs its level table (level, percent, points)",
                code=code,
                field="milestone_levels",
            )
        )
    unit = indicator.unit
    if (
        unit is not None
        and unit.suggests_lower_is_better
        and indicator.direction != Indicator.Direction.LOWER
    ):
        findings.append(
            _finding(
                "direction.lower_unit",
                indicator,
                f"{name}: หน่วย “{unit.name_th}” มักเป็นแบบยิ่งน้อยยิ่งดี แต่ทิศทางไม่ได้ตั้งเป็นยิ่งน้อยยิ่งดี โปรดยืนยันทิศทาง",
                f"{code}: the unit “{unit.name_en or unit.name_th}” is usually lower-is-better but "
                f"the direction is not set to lower-is-better; confirm the direction",
                code=code,
                field="direction",
            )
        )
    return findings


def check_weights(agency_id: int, indicators: list[Indicator]) -> list[Finding]:
    if not indicators:
        return []
    total = sum((i.weight or Decimal("0") for i in indicators), Decimal("0"))
    if total == Decimal("100"):
        return []
    agency = indicators[0].agency
    unset = [i.code for i in indicators if i.weight is None]
    note_th = f" (ยังไม่กำหนดน้ำหนัก: {', '.join(unset)})" if unset else ""
    note_en = f" (no weight: {', '.join(unset)})" if unset else ""
    return [
        _finding(
            "weights.sum",
            agency_id,
            f"{agency.code} {agency.name_th}: น้ำหนักรวม {format_number(total)} ไม่เท่ากับ 100{note_th}",
            f"{agency.code}: the weights sum to {format_number(total)}, not 100{note_en}",
            field="weight",
            total=str(total),
        )
    ]


def check_indicators(indicators: Iterable[Indicator]) -> list[Finding]:
    """All findings over KPIs (fetched with `indicators_for_checks`), grouped per agency."""
    by_agency: dict[int, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        by_agency[indicator.agency_id].append(indicator)
    findings: list[Finding] = []
    for agency_id, items in by_agency.items():
        findings.extend(check_weights(agency_id, items))
        for indicator in items:
            findings.extend(check_indicator(indicator))
    return findings


def check_setup(agency: Agency, fiscal_year: FiscalYear | int) -> list[Finding]:
    """The findings of one agency's KPIs in one fiscal year."""
    year = getattr(fiscal_year, "pk", fiscal_year)
    return check_indicators(
        indicators_for_checks(Indicator.objects.filter(agency=agency, fiscal_year_id=year))
    )


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]
