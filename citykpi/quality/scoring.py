"""Scoring KPIs: the one pure module (no Django, no database) that turns results into scores.

Every KPI is scored by its own calculation method (Indicator.scoring_method with its
parameters in Indicator.scoring_config). All scores land on one common scale, a percent
from 0 to 100 (``Score.percent``), so that weighted agency scores and roll-ups can mix
methods; each method also keeps its own points (milestone points 2..10, band score 1..5).

Milestone levels (ระดับความสำเร็จ), the seed's table: level 1 = 20 % (2 points),
levels 1+2 = 40 % (4), ... levels 1-5 = 100 % (10 points).

>>> from decimal import Decimal as D
>>> rule = Rule(method=MILESTONE, target=D(5))
>>> [str(score_value(rule, D(n)).percent) for n in range(0, 6)]
['0', '20', '40', '60', '80', '100']
>>> [str(score_value(rule, D(n)).points) for n in range(1, 6)]
['2', '4', '6', '8', '10']

A level that was not reached in full does not count: 3.5 levels is level 3.

>>> str(score_value(rule, D("3.5")).percent)
'60'

The seed reports "100" on its 5-level scale. That is not a level, so it is not scored:

>>> try:
...     score_value(rule, D(100))
... except ScoringError as exc:
...     print(exc)
ผลงาน 100 อยู่นอกระดับ 0-5 / The result 100 is outside the levels 0-5

A custom level table (three levels, 50/80/100 %):

>>> custom = Rule(method=MILESTONE, target=D(3), levels=(
...     Level(1, D(50), D(5)), Level(2, D(80), D(8)), Level(3, D(100), D(10))))
>>> str(score_value(custom, D(2)).percent)
'80'

Percent of target, higher is better, capped at 100 (the default cap):

>>> pct = Rule(method=PERCENT_OF_TARGET, target=D(80))
>>> str(score_value(pct, D(60)).percent), str(score_value(pct, D(120)).percent)
('75', '100')

Lower is better (minutes of flooding: target 60 minutes, result 90 minutes):

>>> low = Rule(method=PERCENT_OF_TARGET, target=D(60), direction=LOWER)
>>> str(score_value(low, D(90)).percent), str(score_value(low, D(45)).percent)
('66.67', '100')

Score bands (เกณฑ์การให้คะแนน 1-5): the lowest value that earns each score.

>>> bands = Rule(method=BANDS, bands=(Band(1, D(60)), Band(2, D(70)), Band(3, D(80)),
...                                   Band(4, D(90)), Band(5, D(100))))
>>> [str(score_value(bands, D(v)).points) for v in (50, 60, 85, 100)]
['0', '1', '3', '5']
>>> str(score_value(bands, D(85)).percent)
'60'

A range best in the middle (an occupancy rate best between 85 and 95, zero 10 points outside):

>>> mid = Rule(method=RANGE, range_low=D(85), range_high=D(95), tolerance=D(10))
>>> [str(score_value(mid, D(v)).percent) for v in (90, 80, 100, 70)]
['100', '50', '50', '0']

An agency's weighted score (weights sum to 100):

>>> result = agency_score([(D(100), D(60)), (D(50), D(40))])
>>> str(result.value), result.weights_ok
('80', True)
>>> agency_score([(D(100), D(60)), (D(50), D(30))]).message_en
'The weights add up to 90, not 100; the score is weighted by the weights as they stand'

Year-end projection from the quarters so far (pace against the plan when there is one):

>>> qs = [QuarterInput(1, planned=D(20), result=D(15)), QuarterInput(2, planned=D(50), result=D(40))]
>>> p = project_year_end(Rule(method=PERCENT_OF_TARGET, target=D(100)), qs)
>>> str(p.value), p.method
('80', 'pace_against_plan')
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

MILESTONE = "milestone"
PERCENT_OF_TARGET = "percent_of_target"
BANDS = "bands"
RANGE = "range"
METHODS = (MILESTONE, PERCENT_OF_TARGET, BANDS, RANGE)

HIGHER = "higher"
LOWER = "lower"
# The Indicator's "range" direction: scored by RANGE whatever the method says.
WITHIN = "range"

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
STATUS_LABELS = {
    ON_TRACK: ("ตามเป้าหมาย", "On track"),
    AT_RISK: ("มีความเสี่ยง", "At risk"),
    OFF_TRACK: ("ไม่เป็นไปตามเป้าหมาย", "Off track"),
    NO_DATA: ("ยังไม่มีข้อมูล", "No data"),
}

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


class ScoringError(ValueError):
    """A result that this KPI's method cannot score (a bilingual message, Thai first)."""

    def __init__(self, message_th: str, message_en: str):
        self.message_th = message_th
        self.message_en = message_en
        super().__init__(f"{message_th} / {message_en}")


def _q(value: Decimal) -> Decimal:
    """Two decimal places, without trailing zeros: 66.666 -> 66.67, 80.00 -> 80."""
    rounded = value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return rounded.to_integral_value() if rounded == rounded.to_integral_value() else rounded.normalize()


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return format(_q(Decimal(value)), "f")


def _clip(value: Decimal, low: Decimal, high: Decimal) -> Decimal:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Level:
    """One level of a milestone table: reaching it (and all below) earns `percent` and `points`."""

    level: int
    percent: Decimal
    points: Decimal


def default_levels(count: int = 5) -> tuple[Level, ...]:
    """The seed's table: `count` equal steps, 100 % and 10 points at the top."""
    step = HUNDRED / count
    return tuple(Level(n, _q(step * n), _q(step * n / 10)) for n in range(1, count + 1))


@dataclass(frozen=True)
class Band:
    """A score band: a result from `low` (the bound nearer the worse side) earns `score`.

    For higher-is-better bands `low` is the lowest value that earns the score; for
    lower-is-better bands it is the highest value that still earns it. `high` is kept
    for display (the band's other end) and is not needed to score.
    """

    score: int
    low: Decimal
    high: Decimal | None = None


@dataclass(frozen=True)
class Rule:
    """How one KPI is scored. Built from an Indicator by `rule_from_config`."""

    method: str = PERCENT_OF_TARGET
    target: Decimal | None = None
    direction: str = HIGHER
    cap: Decimal = HUNDRED
    levels: tuple[Level, ...] = ()
    bands: tuple[Band, ...] = ()
    max_band_score: int = 5
    range_low: Decimal | None = None
    range_high: Decimal | None = None
    tolerance: Decimal | None = None
    # Results are running totals across the year (the usual case: 20, 50, 70, 100).
    cumulative: bool = True

    @property
    def level_table(self) -> tuple[Level, ...]:
        if self.levels:
            return tuple(sorted(self.levels, key=lambda lv: lv.level))
        count = (
            int(self.target)
            if self.target and self.target == int(self.target) and 1 <= self.target <= 10
            else 5
        )
        return default_levels(count)

    @property
    def max_level(self) -> int:
        return self.level_table[-1].level


@dataclass(frozen=True)
class Score:
    """A scored result: `percent` is the common 0-100 scale (or up to the cap)."""

    percent: Decimal
    points: Decimal | None = None
    level: int | None = None
    explanation_th: str = ""
    explanation_en: str = ""

    @property
    def explanation(self) -> str:
        return f"{self.explanation_th} / {self.explanation_en}"


@dataclass(frozen=True)
class QuarterInput:
    """One quarter as scoring sees it: the planned cumulative target and the reported result."""

    quarter: int
    planned: Decimal | None = None
    result: Decimal | None = None


@dataclass(frozen=True)
class Thresholds:
    """Status limits on the common percent scale (of the plan for the quarter).

    At or above `on_track`: on track; at or above `at_risk`: at risk; below: off track.
    """

    on_track: Decimal = HUNDRED
    at_risk: Decimal = Decimal(80)

    def __post_init__(self) -> None:
        if self.at_risk > self.on_track:
            raise ValueError("at_risk must not exceed on_track")


DEFAULT_THRESHOLDS = Thresholds()


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _dec_given(value: Any, name: str) -> Decimal:
    """A number the scoring configuration must give: ScoringError naming it when empty."""
    number = _dec(value)
    if number is None:
        raise ScoringError(
            f"การตั้งค่าการคำนวณไม่มีค่า {name}", f"The scoring configuration gives no value for {name}"
        )
    return number


def rule_from_config(
    method: str,
    config: dict | None = None,
    *,
    target: Any = None,
    direction: str = HIGHER,
    range_low: Any = None,
    range_high: Any = None,
    levels: Iterable[Level] = (),
) -> Rule:
    """A Rule from an Indicator's fields and its scoring_config JSON.

    scoring_config keys: "cap" (percent, default 100), "levels" ([{"level", "percent",
    "points"}], when there are no MilestoneLevel rows), "bands" ([{"score", "low", "high"}]),
    "tolerance" (range method), "cumulative" (default true).

    >>> r = rule_from_config("bands", {"bands": [{"score": 1, "low": "10"}, {"score": 5, "low": "50"}]})
    >>> [b.score for b in r.bands]
    [1, 5]
    """
    config = config or {}
    if method not in METHODS:
        raise ScoringError(f"ไม่รู้จักวิธีคำนวณ {method}", f"Unknown scoring method {method}")
    table = tuple(levels) or tuple(
        Level(
            int(row["level"]),
            _dec_given(row["percent"], "percent"),
            _dec_given(row.get("points", _dec_given(row["percent"], "percent") / 10), "points"),
        )
        for row in config.get("levels", [])
    )
    bands = tuple(
        Band(int(row["score"]), _dec_given(row["low"], "low"), _dec(row.get("high")))
        for row in config.get("bands", [])
    )
    if direction == WITHIN:
        method = RANGE
    return Rule(
        method=method,
        target=_dec(target),
        direction=LOWER if direction == LOWER else HIGHER,
        cap=_dec(config.get("cap")) or HUNDRED,
        levels=table,
        bands=bands,
        max_band_score=int(config.get("max_band_score", max([b.score for b in bands], default=5))),
        range_low=_dec(config.get("range_low", range_low)),
        range_high=_dec(config.get("range_high", range_high)),
        tolerance=_dec(config.get("tolerance")),
        cumulative=bool(config.get("cumulative", True)),
    )


def _score_milestone(rule: Rule, result: Decimal) -> Score:
    table = rule.level_table
    if result < 0 or result > rule.max_level:
        raise ScoringError(
            f"ผลงาน {_fmt(result)} อยู่นอกระดับ 0-{rule.max_level}",
            f"The result {_fmt(result)} is outside the levels 0-{rule.max_level}",
        )
    reached = int(result.to_integral_value(rounding=ROUND_FLOOR))
    earned = [lv for lv in table if lv.level <= reached]
    if not earned:
        return Score(ZERO, ZERO, 0, "ยังไม่ถึงระดับที่ 1", "Level 1 not reached yet")
    top = earned[-1]
    return Score(
        _q(top.percent),
        _q(top.points),
        top.level,
        f"ผ่านระดับที่ {top.level} คิดเป็นร้อยละ {_fmt(top.percent)} ({_fmt(top.points)} คะแนน)",
        f"Level {top.level} reached: {_fmt(top.percent)} % ({_fmt(top.points)} points)",
    )


def _score_percent(rule: Rule, result: Decimal, target: Decimal | None) -> Score:
    if target is None:
        raise ScoringError("ยังไม่ได้กำหนดค่าเป้าหมาย", "The KPI has no target")
    if rule.direction == LOWER:
        if result <= target:
            raw = rule.cap if result <= 0 or target == 0 else target / result * HUNDRED
        else:
            raw = ZERO if target <= 0 else target / result * HUNDRED
        how_th, how_en = "เป้าหมาย ÷ ผลงาน × 100", "target ÷ result × 100"
    else:
        if target == 0:
            raw = rule.cap if result >= 0 else ZERO
        else:
            raw = result / target * HUNDRED
        how_th, how_en = "ผลงาน ÷ เป้าหมาย × 100", "result ÷ target × 100"
    percent = _q(_clip(raw, ZERO, rule.cap))
    return Score(
        percent,
        None,
        None,
        f"{how_th} = ร้อยละ {_fmt(percent)} (สูงสุด {_fmt(rule.cap)})",
        f"{how_en} = {_fmt(percent)} % (capped at {_fmt(rule.cap)})",
    )


def _score_bands(rule: Rule, result: Decimal) -> Score:
    if not rule.bands:
        raise ScoringError("ยังไม่ได้กำหนดเกณฑ์การให้คะแนน", "The KPI has no score bands")
    bands = sorted(rule.bands, key=lambda b: b.score)
    # Bands whose thresholds fall as the score rises are lower-is-better.
    descending = len(bands) > 1 and bands[-1].low < bands[0].low
    earned = [b.score for b in bands if (result <= b.low if descending else result >= b.low)]
    points = Decimal(max(earned, default=0))
    percent = _q(_clip(points / Decimal(rule.max_band_score) * HUNDRED, ZERO, HUNDRED))
    return Score(
        percent,
        points,
        None,
        f"ได้ {_fmt(points)} คะแนน จาก {rule.max_band_score} ตามเกณฑ์การให้คะแนน",
        f"{_fmt(points)} of {rule.max_band_score} points by the score bands",
    )


def _score_range(rule: Rule, result: Decimal) -> Score:
    low, high = rule.range_low, rule.range_high
    if low is None or high is None:
        raise ScoringError("ยังไม่ได้กำหนดช่วงค่าที่เหมาะสม", "The KPI has no range")
    if low > high:
        low, high = high, low
    tolerance = rule.tolerance or (high - low) or abs(high) or Decimal(1)
    if low <= result <= high:
        raw = HUNDRED
    else:
        distance = low - result if result < low else result - high
        raw = HUNDRED * (1 - distance / tolerance)
    percent = _q(_clip(raw, ZERO, HUNDRED))
    return Score(
        percent,
        None,
        None,
        f"ดีที่สุดในช่วง {_fmt(low)}-{_fmt(high)} ลดลงจนเป็นศูนย์เมื่อห่างออกไป {_fmt(tolerance)}",
        f"Best within {_fmt(low)}-{_fmt(high)}, falling to zero {_fmt(tolerance)} outside it",
    )


def score_value(rule: Rule, result: Decimal | None, target: Decimal | None = None) -> Score | None:
    """Score one result against `target` (the rule's annual target by default).

    Returns None when there is no result; raises ScoringError when the result cannot be
    scored by this method (a level outside the scale, no target).
    """
    if result is None:
        return None
    result = Decimal(result)
    if rule.method == MILESTONE:
        return _score_milestone(rule, result)
    if rule.method == BANDS:
        return _score_bands(rule, result)
    if rule.method == RANGE:
        return _score_range(rule, result)
    return _score_percent(rule, result, rule.target if target is None else target)


def score_quarter(rule: Rule, quarter: QuarterInput) -> Score | None:
    """A quarter's score: its cumulative result against the plan for that quarter.

    Milestone, band and range KPIs are scored on their own scale whatever the quarter;
    percent-of-target KPIs are scored against the quarter's planned target when there is
    one (a cumulative plan), else against the annual target.
    """
    target = quarter.planned if rule.method == PERCENT_OF_TARGET and quarter.planned is not None else None
    return score_value(rule, quarter.result, target)


def progress_against_plan(rule: Rule, quarter: QuarterInput) -> Decimal | None:
    """How far a quarter's result is along its plan, in percent (100 = exactly on plan).

    A milestone or band KPI is compared on its own scale: level 2 reached where the plan
    says level 2 is 100 %, not the 40 % that level 2 scores for the year. Percent-of-target
    KPIs are already scored against the quarter's plan; range KPIs have no plan to follow.
    Without a plan for the quarter, the quarter's score stands.

    >>> levels = Rule(method=MILESTONE, target=Decimal(5))
    >>> str(progress_against_plan(levels, QuarterInput(2, Decimal(2), Decimal(2))))
    '100'
    >>> str(progress_against_plan(levels, QuarterInput(2, Decimal(2), Decimal(1))))
    '50'
    """
    actual = score_quarter(rule, quarter)
    if actual is None:
        return None
    if quarter.planned is None or rule.method in (PERCENT_OF_TARGET, RANGE):
        return actual.percent
    planned = score_value(rule, quarter.planned)
    if planned is None or planned.percent <= 0:
        return actual.percent
    return _q(actual.percent * HUNDRED / planned.percent)


def suggested_quarter_score(rule: Rule, quarter: QuarterInput) -> Score | None:
    """The score a quarter earns by the KPI's own method: its progress against the
    quarter's plan, capped at 100 (what the evaluator's quarterly score measures: the seed
    reports level 1 of 5 in Q1, on plan, and is scored 95). A milestone or band KPI with
    no plan for the quarter has no basis for a quarter score: None.

    >>> levels = Rule(method=MILESTONE, target=Decimal(5))
    >>> str(suggested_quarter_score(levels, QuarterInput(1, Decimal(1), Decimal(1))).percent)
    '100'
    >>> suggested_quarter_score(levels, QuarterInput(1, None, Decimal(1))) is None
    True
    """
    actual = score_quarter(rule, quarter)
    if actual is None:
        return None
    if quarter.planned is None and rule.method in (MILESTONE, BANDS):
        return None
    progress = progress_against_plan(rule, quarter)
    if progress is None:
        return None
    return Score(
        percent=min(progress, HUNDRED),
        points=actual.points,
        level=actual.level,
        explanation_th=f"{actual.explanation_th}; เทียบเป้าหมายสะสมของไตรมาส ได้ร้อยละ {_fmt(progress)} ของแผน",
        explanation_en=f"{actual.explanation_en}; against the quarter's cumulative plan: {_fmt(progress)} % of plan",
    )


def latest_reported(quarters: Iterable[QuarterInput]) -> QuarterInput | None:
    reported = [q for q in quarters if q.result is not None]
    return max(reported, key=lambda q: q.quarter) if reported else None


def score_year(rule: Rule, quarters: Iterable[QuarterInput], achieved: Decimal | None = None) -> Score | None:
    """The year's score: the stated achieved value, else the latest quarter's result,
    against the annual target."""
    value = achieved
    if value is None:
        latest = latest_reported(quarters)
        value = latest.result if latest else None
    return score_value(rule, value)


def status(score: Score | Decimal | None, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """on_track / at_risk / off_track / no_data from a quarter's score (percent of its plan).

    >>> status(Decimal(100)), status(Decimal(85)), status(Decimal(10)), status(None)
    ('on_track', 'at_risk', 'off_track', 'no_data')
    """
    if score is None:
        return NO_DATA
    percent = score.percent if isinstance(score, Score) else Decimal(score)
    if percent >= thresholds.on_track:
        return ON_TRACK
    if percent >= thresholds.at_risk:
        return AT_RISK
    return OFF_TRACK


def status_label(code: str) -> tuple[str, str]:
    return STATUS_LABELS.get(code, STATUS_LABELS[NO_DATA])


def quarter_status(rule: Rule, quarter: QuarterInput, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The status of one quarter; a result that cannot be scored counts as no data."""
    try:
        return status(score_quarter(rule, quarter), thresholds)
    except ScoringError:
        return NO_DATA


@dataclass(frozen=True)
class Projection:
    """A projected year-end value, and how it was made, in words for the user."""

    value: Decimal | None
    method: str
    method_th: str
    method_en: str

    @property
    def description(self) -> str:
        return f"{self.method_th} / {self.method_en}"


def project_year_end(rule: Rule, quarters: Sequence[QuarterInput]) -> Projection:
    """Project the year-end value from the quarters reported so far.

    - With a planned target for the latest reported quarter (pace against plan):
      annual target × result ÷ planned, i.e. the year ends as far ahead of or behind the
      plan as the latest quarter is.
    - Without a plan, for a cumulative KPI (run rate): result × 4 ÷ quarters elapsed.
    - A KPI whose results are not running totals: the latest value stands.
    Milestone KPIs never project past their top level.

    >>> r = Rule(method=PERCENT_OF_TARGET, target=Decimal(100))
    >>> str(project_year_end(r, [QuarterInput(1, result=Decimal(30))]).value)
    '120'
    """
    latest = latest_reported(quarters)
    if latest is None or latest.result is None:
        return Projection(
            None, "none", "ยังไม่มีผลงานรายงาน จึงยังคาดการณ์ไม่ได้", "No result reported yet, so no projection"
        )
    result: Decimal = latest.result
    value: Decimal
    q = latest.quarter
    if q >= 4:
        value = result
        method = ("final", "ผลงานไตรมาสที่ 4 คือผลงานทั้งปี", "The fourth quarter's result is the year's result")
    elif rule.target is not None and latest.planned:
        value = rule.target * result / latest.planned
        method = (
            "pace_against_plan",
            f"เป้าหมายทั้งปี × ผลงานไตรมาสที่ {q} ÷ แผนสะสมไตรมาสที่ {q} (สมมติว่าผลงานเทียบแผนคงเดิมถึงสิ้นปี)",
            f"Annual target × Q{q} result ÷ Q{q} planned target (assumes the year keeps the same pace against the plan)",
        )
    elif rule.cumulative:
        value = result * 4 / q
        method = (
            "run_rate",
            f"ผลงานสะสม ÷ {q} ไตรมาส × 4 (สมมติว่าทำได้เท่าเดิมทุกไตรมาส)",
            f"Cumulative result ÷ {q} quarter(s) × 4 (assumes the same amount every quarter)",
        )
    else:
        value = result
        method = (
            "latest",
            "ใช้ผลงานล่าสุด (ตัวชี้วัดไม่ใช่ค่าสะสม)",
            "The latest result (the KPI is not a running total)",
        )
    if rule.method == MILESTONE:
        value = min(value, Decimal(rule.max_level))
    return Projection(_q(value), *method)


@dataclass(frozen=True)
class WeightedScore:
    """A weighted average of scores, with a word on the weights."""

    value: Decimal | None
    weight_total: Decimal
    weights_ok: bool
    scored: int
    unscored: int
    message_th: str = ""
    message_en: str = ""

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}" if self.message_th else ""


@dataclass(frozen=True)
class WeightSums:
    """What a weighted score needs of its KPIs, as sums a database can aggregate:
    ``rows`` KPIs, ``weighted`` of them with a weight, ``weight_total`` Σ weight, ``scored``
    with a score, ``score_sum`` Σ score of the scored, ``product_sum`` Σ score × weight
    (a missing weight as 0) and ``scored_weight`` Σ weight (missing as 0) of the scored."""

    rows: int = 0
    weighted: int = 0
    weight_total: Decimal = ZERO
    scored: int = 0
    score_sum: Decimal = ZERO
    product_sum: Decimal = ZERO
    scored_weight: Decimal = ZERO

    def __add__(self, other: WeightSums) -> WeightSums:
        return WeightSums(
            self.rows + other.rows,
            self.weighted + other.weighted,
            self.weight_total + other.weight_total,
            self.scored + other.scored,
            self.score_sum + other.score_sum,
            self.product_sum + other.product_sum,
            self.scored_weight + other.scored_weight,
        )

    @classmethod
    def of(cls, kpi_scores_with_weights: Iterable[tuple[Decimal | None, Decimal | None]]) -> WeightSums:
        rows = list(kpi_scores_with_weights)
        scored = [(Decimal(s), Decimal(w or 0)) for s, w in rows if s is not None]
        return cls(
            rows=len(rows),
            weighted=sum(1 for _, w in rows if w is not None),
            weight_total=sum((Decimal(w) for _, w in rows if w is not None), ZERO),
            scored=len(scored),
            score_sum=sum((s for s, _ in scored), ZERO),
            product_sum=sum((s * w for s, w in scored), ZERO),
            scored_weight=sum((w for _, w in scored), ZERO),
        )


def agency_score(kpi_scores_with_weights: Iterable[tuple[Decimal | None, Decimal | None]]) -> WeightedScore:
    """An agency's weighted score: Σ(score × weight) ÷ Σ weight over the scored KPIs.

    The weights of an agency's KPIs in a year should sum to 100: when they don't, the
    score is still the weighted average of the weights as they stand, and the message
    says so. KPIs without weights (all of them) are weighted equally. KPIs without a
    score are left out and counted in `unscored`.

    >>> agency_score([(Decimal(90), None), (Decimal(70), None)]).value
    Decimal('80')
    """
    return weighted_score(WeightSums.of(kpi_scores_with_weights))


def weighted_score(sums: WeightSums) -> WeightedScore:
    """The weighted score from its sums (see agency_score for the rule): what a roll-up
    aggregated in SQL turns into a score.

    >>> weighted_score(WeightSums(rows=2, scored=2, score_sum=Decimal(160))).value
    Decimal('80')
    """
    unweighted = sums.weighted == 0
    if unweighted:
        value = _q(Decimal(sums.score_sum) / sums.scored) if sums.scored else None
    else:
        denominator = Decimal(sums.scored_weight)
        value = _q(Decimal(sums.product_sum) / denominator) if denominator > 0 else None
    weight_total = Decimal(sums.weight_total)
    unscored = sums.rows - sums.scored
    msgs_th: list[str] = []
    msgs_en: list[str] = []
    weights_ok = unweighted is False and weight_total == HUNDRED
    if not sums.rows:
        msgs_th.append("ไม่มีตัวชี้วัด")
        msgs_en.append("No KPIs")
    elif unweighted:
        msgs_th.append("ยังไม่ได้กำหนดน้ำหนัก จึงให้น้ำหนักเท่ากันทุกตัวชี้วัด")
        msgs_en.append("No weights are set, so every KPI weighs the same")
    elif weight_total != HUNDRED:
        msgs_th.append(f"น้ำหนักรวมเท่ากับ {_fmt(weight_total)} ไม่ใช่ 100 คะแนนจึงถ่วงตามน้ำหนักที่มีอยู่")
        msgs_en.append(
            f"The weights add up to {_fmt(weight_total)}, not 100; the score is weighted by the weights as they stand"
        )
    if unscored:
        msgs_th.append(f"ตัวชี้วัด {unscored} ตัวยังไม่มีคะแนน จึงไม่นำมาคิด")
        msgs_en.append(f"{unscored} KPI(s) have no score yet and are left out")
    return WeightedScore(
        value, weight_total, weights_ok, sums.scored, unscored, "; ".join(msgs_th), "; ".join(msgs_en)
    )


@dataclass(frozen=True)
class RollupRow:
    """One KPI's score and weight, and the keys (strategy nodes, dimensions) it counts for."""

    keys: tuple[Hashable, ...]
    score: Decimal | None
    weight: Decimal | None = None


def roll_up(rows: Iterable[RollupRow]) -> dict[Hashable, WeightedScore]:
    """The weighted score per key: a KPI counts towards every key it lists.

    >>> rows = [RollupRow(("7", "7.3"), Decimal(100)), RollupRow(("7",), Decimal(50))]
    >>> {k: str(v.value) for k, v in roll_up(rows).items()}
    {'7': '75', '7.3': '100'}
    """
    grouped: dict[Hashable, list[tuple[Decimal | None, Decimal | None]]] = {}
    for row in rows:
        for key in dict.fromkeys(row.keys):
            grouped.setdefault(key, []).append((row.score, row.weight))
    return {key: agency_score(items) for key, items in grouped.items()}


def node_keys(paths: Iterable[str]) -> tuple[str, ...]:
    """A KPI linked to strategy nodes counts for them and all their ancestors.

    >>> node_keys(["7.3.1.1", "7.3.2"])
    ('7', '7.3', '7.3.1', '7.3.1.1', '7.3.2')
    """
    keys: dict[str, None] = {}
    for path in paths:
        parts = path.split(".")
        for i in range(1, len(parts) + 1):
            keys[".".join(parts[:i])] = None
    return tuple(keys)


def roll_up_by_node(
    rows: Iterable[tuple[Iterable[str], Decimal | None, Decimal | None]],
) -> dict[str, WeightedScore]:
    """Roll-up per strategy node: (node paths, score, weight) per KPI."""
    return roll_up(RollupRow(node_keys(paths), score, weight) for paths, score, weight in rows)  # type: ignore[return-value]


def roll_up_by_dimension(
    rows: Iterable[tuple[Any, Decimal | None, Decimal | None]],
) -> dict[Any, WeightedScore]:
    """Roll-up per evaluation dimension: (dimension, score, weight) per KPI."""
    return roll_up(RollupRow((dim,), score, weight) for dim, score, weight in rows if dim is not None)


@dataclass
class KpiEvaluation:
    """Everything scoring says about one KPI: per-quarter scores and statuses, the year."""

    quarters: dict[int, Score | None] = field(default_factory=dict)
    # Percent of each quarter's plan reached (what the statuses are read from).
    progress: dict[int, Decimal | None] = field(default_factory=dict)
    statuses: dict[int, str] = field(default_factory=dict)
    problems: dict[int, ScoringError] = field(default_factory=dict)
    year: Score | None = None
    year_problem: ScoringError | None = None
    status: str = NO_DATA
    projection: Projection | None = None


def evaluate(
    rule: Rule,
    quarters: Sequence[QuarterInput],
    achieved: Decimal | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> KpiEvaluation:
    """Score every quarter, the year, the current status (of the latest reported quarter)
    and the projection, never raising: what cannot be scored is kept in `problems`."""
    out = KpiEvaluation()
    for q in sorted(quarters, key=lambda q: q.quarter):
        try:
            out.quarters[q.quarter] = score_quarter(rule, q)
            out.progress[q.quarter] = progress_against_plan(rule, q)
        except ScoringError as exc:
            out.quarters[q.quarter] = None
            out.progress[q.quarter] = None
            out.problems[q.quarter] = exc
        out.statuses[q.quarter] = status(out.progress[q.quarter], thresholds)
    try:
        out.year = score_year(rule, quarters, achieved)
    except ScoringError as exc:
        out.year_problem = exc
    latest = latest_reported(quarters)
    if latest is not None:
        out.status = out.statuses.get(latest.quarter, NO_DATA)
    out.projection = project_year_end(rule, quarters)
    return out
