"""Data-quality rules: the checks that say when a KPI's numbers cannot be trusted.

Each finding has a rule id ("Q001-level-out-of-scale"), a severity ("error": impossible,
a write is refused; "warning": doubtful, the write goes through with a warning) and a
message in Thai and English naming the field or quarter at fault.

Entry points:
- `findings_for(indicator, quarters=None)`: every finding on a KPI as it stands (the
  KPI staff page, the API, the report, the `citykpi quality` command).
- `check_report_write(indicator, quarter, new_result)`: the findings a quarter's new
  result would cause; reporting actions refuse the write when one is an error
  (`raise_if_blocking`).

The rules were drawn from the legacy site's public pages: the seed (a 5-level KPI with
an achieved value of 100), percent results of 1,407.52, cumulative results that go down
(10, 10, 0), assessments of 100 on results of 0, titles cut short with a "%".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from citykpi.indicators.models import Indicator, Unit
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import format_number, parse_number
from citykpi.quality import scoring
from citykpi.quality.evaluate import level_limit, rule_for
from citykpi.quality.models import QualitySettings
from citykpi.reporting.models import has_evidenced_claim

ERROR = "error"
WARNING = "warning"

# rule id -> (Thai name, English name): the report's column heads and the docs.
RULES: dict[str, tuple[str, str]] = {
    "Q001-level-out-of-scale": ("ค่าอยู่นอกระดับความสำเร็จ", "Value outside the level scale"),
    "Q002-cumulative-decrease": ("ผลงานสะสมลดลง", "Cumulative result goes down"),
    "Q003-percent-over-100": ("ร้อยละเกิน 100", "Percent above 100"),
    "Q004-achieved-differs-latest": (
        "ผลงานที่ทำได้ไม่ตรงกับไตรมาสล่าสุด",
        "Achieved differs from the latest quarter",
    ),
    "Q005-assessment-without-report": ("ประเมินโดยไม่มีรายงานผล", "Assessment without a report"),
    "Q006-score-contradicts-result": ("ผลประเมินขัดกับผลงาน", "Score contradicts the result"),
    "Q007-unit-missing": ("ไม่ระบุหน่วยนับ", "Missing unit"),
    "Q008-number-in-unit": ("มีตัวเลขในหน่วยนับ", "Number inside the unit"),
    "Q009-title-truncated": ("ชื่อถูกตัดสั้น", "Title cut short"),
    "Q010-lower-direction-unset": ("ไม่ได้กำหนดทิศทางยิ่งน้อยยิ่งดี", "Lower-is-better direction not set"),
    "Q011-plan-not-cumulative": ("เป้าหมายรายไตรมาสไม่สะสม", "Quarterly plan not cumulative"),
    "Q012-plan-differs-target": ("แผนไตรมาสที่ 4 ไม่ตรงกับเป้าหมาย", "Q4 plan differs from the target"),
    "Q013-negative-value": ("ค่าติดลบ", "Negative value"),
    "Q014-result-over-twice-target": ("ผลงานเกิน 2 เท่าของเป้าหมาย", "Result over twice the target"),
    "Q015-claim-without-evidence": ("ผลงานที่อ้างไม่มีหลักฐาน", "Claim without evidence"),
}

# Q014: a result above this multiple of the annual target is usually a unit mistake.
OVER_TARGET_FACTOR = Decimal(2)

_DIGITS_RE = re.compile(r"[0-9๐-๙]")
# Units that only make sense lower-is-better, when the Unit row does not say so itself.
_LOWER_UNIT_RE = re.compile(r"(นาที|ลดลง|minute|decrease|reduc)", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One data-quality finding on a KPI (optionally on one quarter and field)."""

    rule: str
    severity: str
    message_th: str
    message_en: str
    quarter: int | None = None
    field: str = ""
    # Other quarters the finding is about (a decrease names the quarter before).
    related_quarters: tuple[int, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def rule_name(self) -> str:
        return " / ".join(RULES.get(self.rule, (self.rule, self.rule)))

    def as_dict(self) -> dict[str, Any]:
        """The API's shape: {"rule", "severity", "message"} plus the parts."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "message_th": self.message_th,
            "message_en": self.message_en,
            "quarter": self.quarter,
            "field": self.field,
        }


@dataclass
class Limits:
    """The thresholds the checks use (from QualitySettings)."""

    percent_far_limit: Decimal = Decimal("150")
    contradiction_gap: Decimal = Decimal("30")
    thresholds: scoring.Thresholds = field(default_factory=scoring.Thresholds)

    @classmethod
    def for_year(cls, year: int | None) -> Limits:
        settings = QualitySettings.for_year(year)
        return cls(settings.percent_far_limit, settings.contradiction_gap, settings.thresholds)


@dataclass
class _Context:
    """What the rules read, gathered once per KPI."""

    indicator: Any
    quarters: list[Any]
    rule: scoring.Rule
    limits: Limits
    nodes: list[Any]

    @property
    def unit(self):
        return self.indicator.unit if self.indicator.unit_id else None

    def values(self) -> list[tuple[str, int | None, Decimal, str, str]]:
        """Every number of the KPI: (field, quarter, value, Thai label, English label)."""
        out: list[tuple[str, int | None, Decimal, str, str]] = []
        ind = self.indicator
        if ind.target is not None:
            out.append(("target", None, ind.target, "ค่าเป้าหมาย", "target"))
        if ind.achieved is not None:
            out.append(("achieved", None, ind.achieved, "ผลงานที่ทำได้", "achieved value"))
        for q in self.quarters:
            if q.result is not None:
                out.append(
                    ("result", q.quarter, q.result, f"ผลงานไตรมาสที่ {q.quarter}", f"Q{q.quarter} result")
                )
            if q.planned_target is not None:
                out.append(
                    (
                        "planned_target",
                        q.quarter,
                        q.planned_target,
                        f"เป้าหมายสะสมไตรมาสที่ {q.quarter}",
                        f"Q{q.quarter} planned target",
                    )
                )
        return out


def _n(value: Decimal | None) -> str:
    return format_number(value)


def _assessment(quarter: Any) -> Any | None:
    try:
        return quarter.assessment
    except Exception:  # RelatedObjectDoesNotExist: no assessment on this quarter
        return None


def _is_level_scale(ctx: _Context) -> bool:
    unit = ctx.unit
    return ctx.indicator.scoring_method == Indicator.Method.MILESTONE or (
        unit is not None and unit.kind == Unit.Kind.LEVEL
    )


def rule_level_out_of_scale(ctx: _Context) -> Iterable[Finding]:
    if not _is_level_scale(ctx):
        return
    top = level_limit(ctx.indicator, ctx.rule)
    for name, quarter, value, label_th, label_en in ctx.values():
        if value < 0 or value > top:
            yield Finding(
                "Q001-level-out-of-scale",
                ERROR,
                f"{label_th} มีค่า {_n(value)} อยู่นอกระดับความสำเร็จ 0-{_n(top)} ของตัวชี้วัด "
                f"(อาจรายงานเป็นร้อยละแทนระดับ)",
                f"The {label_en}, {_n(value)}, is outside the KPI's level scale 0-{_n(top)} "
                f"(perhaps a percent was reported instead of a level)",
                quarter,
                name,
            )


def rule_cumulative_decrease(ctx: _Context) -> Iterable[Finding]:
    if not ctx.rule.cumulative or ctx.indicator.direction != "higher":
        return
    reported = sorted((q for q in ctx.quarters if q.result is not None), key=lambda q: q.quarter)
    for before, after in zip(reported, reported[1:]):
        if after.result < before.result:
            yield Finding(
                "Q002-cumulative-decrease",
                WARNING,
                f"ผลงานสะสมไตรมาสที่ {after.quarter} ({_n(after.result)}) ต่ำกว่าไตรมาสที่ {before.quarter} "
                f"({_n(before.result)}) ผลงานสะสมไม่ควรลดลง",
                f"The cumulative Q{after.quarter} result ({_n(after.result)}) is below Q{before.quarter}'s "
                f"({_n(before.result)}); a running total should not go down",
                after.quarter,
                "result",
                (before.quarter,),
            )


def rule_percent_over_100(ctx: _Context) -> Iterable[Finding]:
    unit = ctx.unit
    if unit is None or unit.kind != Unit.Kind.PERCENT or unit.allows_over_100:
        return
    far = ctx.limits.percent_far_limit
    for name, quarter, value, label_th, label_en in ctx.values():
        if value <= 100:
            continue
        if value > far:
            yield Finding(
                "Q003-percent-over-100",
                ERROR,
                f'{label_th} มีค่าร้อยละ {_n(value)} เกินร้อยละ {_n(far)} ซึ่งหน่วย "{unit.name_th}" ไม่อนุญาต',
                f'The {label_en}, {_n(value)} %, is above {_n(far)} %, which the unit "{unit.name_en or unit.name_th}" does not allow',
                quarter,
                name,
            )
        else:
            yield Finding(
                "Q003-percent-over-100",
                WARNING,
                f"{label_th} มีค่าร้อยละ {_n(value)} เกิน 100 กรุณาตรวจสอบ",
                f"The {label_en}, {_n(value)} %, is above 100; please check it",
                quarter,
                name,
            )


def rule_achieved_differs(ctx: _Context) -> Iterable[Finding]:
    achieved = ctx.indicator.achieved
    latest = scoring.latest_reported(
        scoring.QuarterInput(q.quarter, q.planned_target, q.result) for q in ctx.quarters
    )
    if achieved is None or latest is None or not ctx.rule.cumulative or achieved == latest.result:
        return
    yield Finding(
        "Q004-achieved-differs-latest",
        WARNING,
        f"ผลงานที่ทำได้ ({_n(achieved)}) ไม่ตรงกับผลงานไตรมาสที่ {latest.quarter} ({_n(latest.result)})",
        f"The achieved value ({_n(achieved)}) differs from the Q{latest.quarter} result ({_n(latest.result)})",
        None,
        "achieved",
        (latest.quarter,),
    )


def rule_assessment(ctx: _Context) -> Iterable[Finding]:
    for q in ctx.quarters:
        assessment = _assessment(q)
        if assessment is None:
            continue
        if q.result is None or q.status in ("not_started", "draft"):
            yield Finding(
                "Q005-assessment-without-report",
                ERROR,
                f"ไตรมาสที่ {q.quarter} มีผลประเมิน ({_n(assessment.score)}) แต่ยังไม่มีรายงานผลที่ส่งแล้ว",
                f"Q{q.quarter} has an assessment ({_n(assessment.score)}) but no submitted report",
                q.quarter,
                "score",
            )
            continue
        try:
            # The quarter's score measures progress against its plan (not the year's scale).
            computed = scoring.suggested_quarter_score(
                ctx.rule, scoring.QuarterInput(q.quarter, q.planned_target, q.result)
            )
        except scoring.ScoringError:
            continue  # the result itself is at fault; another rule says so
        if computed is not None and abs(assessment.score - computed.percent) > ctx.limits.contradiction_gap:
            yield Finding(
                "Q006-score-contradicts-result",
                WARNING,
                f"ผลประเมินไตรมาสที่ {q.quarter} ({_n(assessment.score)}) ขัดกับผลงาน {_n(q.result)} "
                f"ซึ่งคิดเป็นคะแนน {_n(computed.percent)} ตามวิธีคำนวณของตัวชี้วัดเทียบเป้าหมายสะสมของไตรมาส",
                f"The Q{q.quarter} score ({_n(assessment.score)}) contradicts the result {_n(q.result)}, "
                f"which scores {_n(computed.percent)} by the KPI's method against the quarter's plan",
                q.quarter,
                "score",
            )


def rule_unit(ctx: _Context) -> Iterable[Finding]:
    unit = ctx.unit
    if unit is None:
        yield Finding(
            "Q007-unit-missing",
            WARNING,
            "ตัวชี้วัดไม่ได้ระบุหน่วยนับ",
            "The KPI has no unit",
            None,
            "unit",
        )
    texts = [
        ("unit", unit.name_th if unit else ""),
        ("unit", unit.name_en if unit else ""),
        ("target_text", ctx.indicator.target_text),
    ]
    for name, text in texts:
        if text and _DIGITS_RE.search(text):
            yield Finding(
                "Q008-number-in-unit",
                WARNING,
                f'หน่วยนับ "{text}" มีตัวเลขปนอยู่ ตัวเลขควรอยู่ในค่าเป้าหมายหรือผลงาน',
                f'The unit "{text}" contains a number; numbers belong in the target or result',
                None,
                name,
            )
            return


def _cut_short(text: str) -> bool:
    return text.rstrip().endswith("%")


def rule_title_truncated(ctx: _Context) -> Iterable[Finding]:
    if _cut_short(ctx.indicator.name):
        yield Finding(
            "Q009-title-truncated",
            WARNING,
            "ชื่อตัวชี้วัดถูกตัดสั้นและลงท้ายด้วย % (จากระบบเดิม) กรุณาใส่ชื่อเต็ม",
            "The KPI name was cut short with a trailing % (from the legacy site); please enter it in full",
            None,
            "name",
        )
    for node in ctx.nodes:
        if node.title_truncated or _cut_short(node.title):
            yield Finding(
                "Q009-title-truncated",
                WARNING,
                f'ชื่อยุทธศาสตร์ {node.display_number or node.path} ถูกตัดสั้น ("…{node.title[-30:]}")',
                f'The strategy title {node.path} was cut short ("…{node.title[-30:]}")',
                None,
                "strategy_nodes",
            )


def rule_lower_direction(ctx: _Context) -> Iterable[Finding]:
    unit = ctx.unit
    if unit is None or ctx.indicator.direction != "higher":
        return
    if unit.suggests_lower_is_better or _LOWER_UNIT_RE.search(f"{unit.name_th} {unit.name_en}"):
        yield Finding(
            "Q010-lower-direction-unset",
            WARNING,
            f'หน่วย "{unit.name_th}" มักเป็นแบบยิ่งน้อยยิ่งดี แต่ตัวชี้วัดตั้งไว้เป็นยิ่งมากยิ่งดี',
            f'The unit "{unit.name_en or unit.name_th}" is usually lower-is-better, but the KPI is set higher-is-better',
            None,
            "direction",
        )


def rule_plan(ctx: _Context) -> Iterable[Finding]:
    planned = sorted((q for q in ctx.quarters if q.planned_target is not None), key=lambda q: q.quarter)
    if ctx.rule.cumulative and ctx.indicator.direction == "higher":
        for before, after in zip(planned, planned[1:]):
            if after.planned_target < before.planned_target:
                yield Finding(
                    "Q011-plan-not-cumulative",
                    WARNING,
                    f"เป้าหมายสะสมไตรมาสที่ {after.quarter} ({_n(after.planned_target)}) ต่ำกว่าไตรมาสที่ "
                    f"{before.quarter} ({_n(before.planned_target)}) เป้าหมายรายไตรมาสควรเป็นค่าสะสม",
                    f"The Q{after.quarter} planned target ({_n(after.planned_target)}) is below Q{before.quarter}'s "
                    f"({_n(before.planned_target)}); quarterly targets should be cumulative",
                    after.quarter,
                    "planned_target",
                    (before.quarter,),
                )
    target = ctx.indicator.target
    last = planned[-1] if planned else None
    if (
        ctx.rule.cumulative
        and target is not None
        and last is not None
        and last.quarter == 4
        and last.planned_target != target
    ):
        yield Finding(
            "Q012-plan-differs-target",
            WARNING,
            f"เป้าหมายสะสมไตรมาสที่ 4 ({_n(last.planned_target)}) ไม่เท่ากับค่าเป้าหมายทั้งปี ({_n(target)})",
            f"The Q4 planned target ({_n(last.planned_target)}) differs from the annual target ({_n(target)})",
            4,
            "planned_target",
        )


def rule_negative(ctx: _Context) -> Iterable[Finding]:
    unit = ctx.unit
    if unit is None or _is_level_scale(ctx):
        return  # Q001 already covers the level scale
    floor = unit.scale_min
    if floor is None and unit.kind in (Unit.Kind.PERCENT, Unit.Kind.COUNT):
        floor = Decimal(0)
    if floor is None:
        return
    for name, quarter, value, label_th, label_en in ctx.values():
        if value < floor:
            yield Finding(
                "Q013-negative-value",
                ERROR,
                f'{label_th} มีค่า {_n(value)} ต่ำกว่าค่าต่ำสุดของหน่วย "{unit.name_th}" ({_n(floor)})',
                f'The {label_en}, {_n(value)}, is below the lowest value of the unit "{unit.name_en or unit.name_th}" ({_n(floor)})',
                quarter,
                name,
            )


def rule_over_twice_target(ctx: _Context) -> Iterable[Finding]:
    """A result (a quarter's or the achieved value) more than twice the annual target.

    Usually a unit mistake: a count reported as a percent, a percent progress reported on
    a small target ("1.0000" per cent, results of 10). Only on higher-is-better KPIs: on a
    lower-is-better KPI the target is a ceiling and a result far above it is a bad result,
    which the score already shows (a "half the target" check would flag real successes),
    and a range KPI is judged by its range. Level-scale KPIs are Q001's (their scale bounds
    them). A target of 0 or less has no "twice". Quarterly plans are not used: a cumulative
    Q1 plan is small by design, so only the annual target counts.
    """
    target = ctx.indicator.target
    if target is None or target <= 0 or ctx.indicator.direction != "higher" or _is_level_scale(ctx):
        return
    limit = target * OVER_TARGET_FACTOR
    for name, quarter, value, label_th, label_en in ctx.values():
        if name not in ("result", "achieved") or value <= limit:
            continue
        yield Finding(
            "Q014-result-over-twice-target",
            WARNING,
            f"{label_th} ({_n(value)}) มากกว่า 2 เท่าของค่าเป้าหมาย ({_n(target)}) "
            f"มักเกิดจากรายงานผิดหน่วย กรุณาตรวจสอบ",
            f"The {label_en} ({_n(value)}) is more than twice the target ({_n(target)}); "
            f"this is usually a unit mistake, please check it",
            quarter,
            name,
        )


def needs_proof(indicator: Any) -> bool:
    """Must this KPI's results cite evidence (reporting.claims)? Every milestone KPI (its
    claimed level), and a KPI whose scoring configuration says "evidence_required": true."""
    config = indicator.scoring_config if isinstance(indicator.scoring_config, dict) else {}
    return indicator.scoring_method == scoring.MILESTONE or bool(config.get("evidence_required"))


def rule_claim_without_evidence(ctx: _Context) -> Iterable[Finding]:
    """Q015: a published quarter of a KPI that needs proof, submitted by a person, with a
    result and no claim citing evidence. Read from the rows' `has_evidenced_claim` annotation
    (reporting.models.has_evidenced_claim); rows read without it are not judged."""
    if not needs_proof(ctx.indicator):
        return
    # A level outside the scale is Q001's (the claim is not a level); level 0 claims nothing.
    top = level_limit(ctx.indicator, ctx.rule) if _is_level_scale(ctx) else None
    for q in ctx.quarters:
        if q.result is None or q.status not in ("submitted", "assessed", "reopened"):
            continue
        if top is not None and not (0 < q.result <= top):
            continue
        # Judged where a person submitted through the form that asks for the evidence:
        # imported legacy quarters (no submitter) came without one.
        if getattr(q, "submitted_by_id", None) is None:
            continue
        if getattr(q, "has_evidenced_claim", None) is False:
            yield Finding(
                "Q015-claim-without-evidence",
                WARNING,
                f"ผลงานไตรมาสที่ {q.quarter} ({_n(q.result)}) ไม่ได้อ้างอิงหลักฐาน (ไฟล์ หรือเลขที่และวันที่ของหนังสือ)",
                f"The Q{q.quarter} result ({_n(q.result)}) cites no evidence (a file, or a letter's number and date)",
                q.quarter,
                "result",
            )


ALL_RULES: tuple[Callable[[_Context], Iterable[Finding]], ...] = (
    rule_level_out_of_scale,
    rule_cumulative_decrease,
    rule_percent_over_100,
    rule_achieved_differs,
    rule_assessment,
    rule_unit,
    rule_title_truncated,
    rule_lower_direction,
    rule_plan,
    rule_negative,
    rule_over_twice_target,
    rule_claim_without_evidence,
)

# The rules that look at a quarter's result: the ones a report write can trip.
WRITE_RULES = (rule_level_out_of_scale, rule_cumulative_decrease, rule_percent_over_100, rule_negative)


def _context(
    indicator: Indicator, quarters: Any, limits: Limits | None, levels: Any = None, nodes: Any = None
) -> _Context:
    if quarters is None:
        quarters = list(
            indicator.quarters.select_related("assessment")
            .annotate(has_evidenced_claim=has_evidenced_claim())
            .order_by("quarter")
        )
    if nodes is None:
        nodes = list(indicator.strategy_nodes.all()) if indicator.pk else []
    return _Context(
        indicator=indicator,
        quarters=list(quarters),
        rule=rule_for(indicator, levels),
        limits=limits or Limits.for_year(indicator.fiscal_year_id),
        nodes=list(nodes),
    )


def findings_for(
    indicator: Indicator,
    quarters: Iterable[Any] | None = None,
    *,
    limits: Limits | None = None,
    levels: Iterable[scoring.Level] | None = None,
    nodes: Iterable[Any] | None = None,
) -> list[Finding]:
    """Every finding on a KPI, errors first.

    `quarters` defaults to the KPI's QuarterReport rows (with their assessments);
    `limits`, `levels` (milestone table) and `nodes` (strategy nodes) may be passed by a
    caller that fetched them in bulk, to keep its query count flat.
    """
    ctx = _context(indicator, quarters, limits, levels, nodes)
    found: list[Finding] = []
    for rule in ALL_RULES:
        found.extend(rule(ctx))
    return sorted(found, key=lambda f: (f.severity != ERROR, f.rule, f.quarter or 0))


class _QuarterView:
    """A stand-in quarter with the new result (the stored row is left untouched)."""

    def __init__(self, quarter: int, planned_target: Any, result: Any, status: str = "draft"):
        self.quarter = quarter
        self.planned_target = planned_target
        self.result = result
        self.status = status
        self.assessment = None


def check_report_write(
    indicator: Indicator,
    quarter: int,
    new_result: Any,
    *,
    quarters: Iterable[Any] | None = None,
    limits: Limits | None = None,
    levels: Iterable[scoring.Level] | None = None,
) -> list[Finding]:
    """The findings that entering `new_result` for `quarter` would cause.

    Called by the reporting actions before they save a result: refuse the write when any
    finding is an error (`raise_if_blocking`), show the warnings. `new_result` may be
    text with Thai digits or thousands separators. `quarters` (the KPI's stored quarter
    rows), `limits` and `levels` may be given by a caller that already read them.
    """
    value = parse_number(new_result)
    stored = list(indicator.quarters.order_by("quarter")) if quarters is None else list(quarters)
    views = [
        _QuarterView(q.quarter, q.planned_target, value if q.quarter == quarter else q.result, q.status)
        for q in stored
    ]
    if quarter not in {q.quarter for q in stored}:
        views.append(_QuarterView(quarter, None, value))
    # Only the quarters' numbers matter here: drop the KPI's target/achieved from the checks.
    probe = _ProbeIndicator(indicator)
    # The probe stands in for the KPI: every field but target and achieved is the KPI's.
    ctx = _context(cast(Indicator, probe), views, limits, levels, nodes=[])
    found: list[Finding] = []
    for rule in WRITE_RULES:
        for finding in rule(ctx):
            if finding.quarter == quarter or quarter in finding.related_quarters:
                found.append(finding)
    return sorted(found, key=lambda f: (f.severity != ERROR, f.rule))


class _ProbeIndicator:
    """The KPI as the write checks see it: its fields, without target and achieved value
    (those are the planning's business and are checked by findings_for)."""

    def __init__(self, indicator: Indicator) -> None:
        self._indicator = indicator
        self.target = None
        self.achieved = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._indicator, name)


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def raise_if_blocking(findings: Iterable[Finding], field: str = "result") -> None:
    """Refuse a write with an ActionError carrying every error finding."""
    errors = blocking(findings)
    if errors:
        raise ActionError(
            " ; ".join(f.message_th for f in errors),
            " ; ".join(f.message_en for f in errors),
            field=field,
            findings=[f.as_dict() for f in errors],
        )
