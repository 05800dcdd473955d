"""The demo data generator: agencies, plans, units, fiscal years, KPIs with their quarters,
assessments, milestone levels and projects, and the city indicators, written with bulk
inserts in batches.

Deterministic: every value comes from random.Random(seed) in a fixed order; no wall
clock, no uuid. The same arguments give the same codes, names, numbers and texts.
`generate()` is also the benchmark's only dataset builder (benchmarks.dataset): `scale` multiplies
the KPIs (and their quarters and projects), `agency_count` beyond the ~80 real agencies
adds synthetic ones. Roughly: KPIs = 7 x agencies x years x scale.

The last fiscal year of `years` is the one in progress: quarters 1 and 2 reported and
assessed (a few returned or still waiting for the evaluator), quarters 3 and 4 open.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Sum

from citykpi.agencies.models import Agency
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.lib import fiscal
from citykpi.lib.thai import format_number, to_thai_digits
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

from . import reference, setups, texts
from .bulk import create_objects, fast_insert
from .city import load_city_indicators
from .seed import load_seed_kpi
from .texts import Template

DEFAULT_YEARS = range(2563, 2567)
# Agency codes have 4 digits: 9,000 leaves room for the real codes and a margin.
MAX_AGENCIES = 9000
BATCH = 2000  # rows per INSERT; KPIs are flushed per fiscal year or every FLUSH_KPIS
FLUSH_KPIS = 5000
BANGKOK = ZoneInfo("Asia/Bangkok")
TWO = Decimal("0.01")
S = QuarterReport.Status

Progress = Callable[[str], None] | None


def generate(
    *,
    scale: int = 1,
    years: range | list[int] = DEFAULT_YEARS,
    agency_count: int | None = None,
    seed: int = 2566,
    progress: Progress = None,
) -> dict[str, int]:
    """Write the demo dataset into the (empty) database and return the row counts.

    Includes the seed KPI 0409-0950 when 2564 is among `years` and agency 0409 is chosen.
    Does not create accounts (the demo command does) and writes no audit row.
    """
    if scale < 1:
        raise ValueError("scale must be >= 1")
    years = sorted(set(years))
    if not years:
        raise ValueError("years must not be empty")
    with transaction.atomic():
        counts = _generate(scale, years, agency_count, seed, progress)
    return counts


def _generate(
    scale: int, years: list[int], agency_count: int | None, seed: int, progress: Progress
) -> dict[str, int]:
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    say = progress or (lambda message: None)

    agencies = _agencies(agency_count, counts)
    say(f"agencies: {len(agencies)}")
    units = _units(counts)
    dimensions = _dimensions(counts)
    nodes, gov_nodes = _plans(counts)
    _fiscal_years(years, counts)

    if 2564 in years and any(a.code == "0409" for a in agencies):
        load_seed_kpi()
        counts["seed_kpi"] = 1
        counts["quarter_reports"] += 4
        counts["assessments"] += 4
        counts["milestone_levels"] += 5

    builder = _Builder(rng, years, units, dimensions, nodes, gov_nodes, counts)
    builder.template_ids = setups.create_templates(units, nodes, counts)
    builder.load_existing()
    for year in years:
        for agency in agencies:
            builder.add_agency_year(agency, year, scale)
            if builder.pending >= FLUSH_KPIS:
                builder.flush()
        builder.flush()
        say(f"{year}: {counts['indicators']} KPIs so far")
    setups.complete_templates()
    setups.approve_setups(years, counts)
    say(f"setups approved: {counts['setups']}")

    load_city_indicators(rng, years, units, nodes, counts)
    counts["indicators"] += counts.pop("seed_kpi", 0)
    # Quarter reports were written with ids of our own: move PostgreSQL's sequence past them.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [QuarterReport]):
            cursor.execute(statement)
    return dict(counts)


# --- reference rows -------------------------------------------------------------------


class _AgencyRow:
    """What the KPI builder needs of an agency, without reloading it."""

    __slots__ = ("pk", "code", "long_code", "kind", "theme", "name_th")

    def __init__(self, pk: int, code: str, long_code: str, kind: str, theme: str, name_th: str):
        self.pk, self.code, self.long_code = pk, code, long_code
        self.kind, self.theme, self.name_th = kind, theme, name_th


def _agency_specs(agency_count: int | None) -> list[dict]:
    real = [
        {"code": c, "name_th": n, "name_en": e, "abbreviation": a, "kind": k, "parent": p, "theme": t}
        for c, n, e, a, k, p, t in reference.DEPARTMENTS
    ] + [
        {
            "code": c,
            "name_th": f"สำนักงานเขต{n}",
            "name_en": f"{e} District Office",
            "abbreviation": f"ข.{n}",
            "kind": Agency.Kind.DISTRICT,
            "parent": None,
            "theme": "district",
        }
        for c, n, e in reference.DISTRICTS
    ]
    if agency_count is None or agency_count == len(real):
        return real
    if agency_count < len(real):
        by_code = {spec["code"]: spec for spec in real}
        order = reference.PRIORITY_CODES + [
            s["code"] for s in real if s["code"] not in reference.PRIORITY_CODES
        ]
        chosen = {code for code in order[:agency_count]}
        return [spec for spec in real if spec["code"] in chosen and spec["code"] in by_code]
    wanted = min(agency_count, MAX_AGENCIES)
    used = {spec["code"] for spec in real}
    themes = sorted(texts.THEMES)
    synthetic: list[dict[str, Any]] = []
    # Free codes from 6000 up, then below: the real ones sit in 01xx-22xx and 50xx.
    candidates = [
        f"{n:04d}"
        for n in list(range(6000, 10000))
        + list(range(2300, 5000))
        + list(range(5100, 6000))
        + list(range(1, 2300))
    ]
    for code in candidates:
        if len(real) + len(synthetic) >= wanted:
            break
        if code in used:
            continue
        number = len(synthetic) + 1
        theme = themes[number % len(themes)]
        synthetic.append(
            {
                "code": code,
                "name_th": f"หน่วยงานจำลองที่ {number} ({code})",
                "name_en": f"Synthetic agency {number} ({code})",
                "abbreviation": "",
                "kind": Agency.Kind.DISTRICT if theme == "district" else Agency.Kind.DEPARTMENT,
                "parent": None,
                "theme": theme,
            }
        )
    return real + synthetic


def _agencies(agency_count: int | None, counts: Counter) -> list[_AgencyRow]:
    specs = _agency_specs(agency_count)
    existing = set(Agency.objects.filter(code__in=[s["code"] for s in specs]).values_list("code", flat=True))
    fresh = [s for s in specs if s["code"] not in existing]
    # Parents first, so that children can point at them.
    for with_parent in (False, True):
        group = [s for s in fresh if bool(s["parent"]) == with_parent]
        parent_ids = dict(
            Agency.objects.filter(code__in={s["parent"] for s in group if s["parent"]}).values_list(
                "code", "pk"
            )
        )
        Agency.objects.bulk_create(
            [
                Agency(
                    code=s["code"],
                    long_code=Agency.long_code_for(s["code"]),
                    name_th=s["name_th"],
                    name_en=s["name_en"],
                    abbreviation=s["abbreviation"],
                    kind=s["kind"],
                    parent_id=parent_ids.get(s["parent"]),
                    # Districts let their reporters submit; departments submit through the head.
                    reporter_may_submit=s["kind"] == Agency.Kind.DISTRICT,
                )
                for s in group
            ],
            batch_size=BATCH,
        )
    counts["agencies"] += len(fresh)
    rows = {a.code: a for a in Agency.objects.filter(code__in=[s["code"] for s in specs])}
    return [
        _AgencyRow(
            rows[s["code"]].pk, s["code"], rows[s["code"]].long_code, s["kind"], s["theme"], s["name_th"]
        )
        for s in sorted(specs, key=lambda s: s["code"])
    ]


def _units(counts: Counter) -> dict[str, Unit]:
    existing = {u.name_th: u for u in Unit.objects.all()}
    fresh = []
    for name_th, name_en, kind, low, high, over, lower in reference.UNITS.values():
        if name_th not in existing:
            fresh.append(
                Unit(
                    name_th=name_th,
                    name_en=name_en,
                    kind=kind,
                    scale_min=low,
                    scale_max=high,
                    allows_over_100=over,
                    suggests_lower_is_better=lower,
                )
            )
    Unit.objects.bulk_create(fresh)
    counts["units"] += len(fresh)
    by_name = {u.name_th: u for u in Unit.objects.all()}
    return {key: by_name[spec[0]] for key, spec in reference.UNITS.items()}


def _dimensions(counts: Counter) -> dict[int, EvaluationDimension]:
    existing = set(EvaluationDimension.objects.values_list("number", flat=True))
    fresh = [
        EvaluationDimension(number=n, name_th=th, name_en=en)
        for n, th, en in reference.EVALUATION_DIMENSIONS
        if n not in existing
    ]
    EvaluationDimension.objects.bulk_create(fresh)
    counts["evaluation_dimensions"] += len(fresh)
    return {d.number: d for d in EvaluationDimension.objects.all()}


def _prefix_20y(path: str) -> str:
    # As the seed shows them: "ด้านที่ ๗ –", "๗.๓ -", "๗.๓.๑", "๗.๓.๑.๑"
    depth = path.count(".") + 1
    number = to_thai_digits(path)
    return {1: f"ด้านที่ {number} –", 2: f"{number} -"}.get(depth, number)


def _plan_nodes(
    plan: StrategyPlan, titles: dict[str, tuple[str, str]], prefix: Callable[[str], str], counts: Counter
) -> dict[str, int]:
    ids = dict(StrategyNode.objects.filter(plan=plan).values_list("path", "pk"))
    for depth in sorted({p.count(".") + 1 for p in titles}):
        fresh = []
        for path, (title, title_en) in titles.items():
            if path.count(".") + 1 != depth or path in ids:
                continue
            parent_path = path.rsplit(".", 1)[0] if depth > 1 else None
            fresh.append(
                StrategyNode(
                    plan=plan,
                    parent_id=ids.get(parent_path) if parent_path else None,
                    path=path,
                    depth=depth,
                    display_number=to_thai_digits(path),
                    heading_prefix=prefix(path),
                    title=title,
                    title_en=title_en,
                    title_truncated=title.endswith("%"),
                    sort_key=StrategyNode.sort_key_for(path),
                )
            )
        StrategyNode.objects.bulk_create(fresh)
        counts["strategy_nodes"] += len(fresh)
        ids = dict(StrategyNode.objects.filter(plan=plan).values_list("path", "pk"))
    return ids


def _plans(counts: Counter) -> tuple[dict[str, int], dict[str, int]]:
    plan, created = StrategyPlan.objects.get_or_create(
        code=reference.PLAN_20Y_CODE, defaults=reference.PLAN_20Y
    )
    gov, created_gov = StrategyPlan.objects.get_or_create(
        code=reference.PLAN_GOV_CODE, defaults=reference.PLAN_GOV
    )
    counts["strategy_plans"] += int(created) + int(created_gov)
    titles: dict[str, tuple[str, str]] = {k: v for k, v in reference.AREAS.items()}
    for group in (reference.DIMENSIONS, reference.GOALS, reference.SUBGOALS):
        titles.update({k: (v, "") for k, v in group.items()})
    nodes = _plan_nodes(plan, titles, _prefix_20y, counts)
    gov_titles: dict[str, tuple[str, str]] = dict(reference.GOV_AREAS)
    gov_titles.update({k: (v, "") for k, v in reference.GOV_POLICIES.items()})
    gov_nodes = _plan_nodes(
        gov,
        gov_titles,
        lambda p: f"ด้านที่ {to_thai_digits(p)} –" if "." not in p else to_thai_digits(p),
        counts,
    )
    return nodes, gov_nodes


def _fiscal_years(years: Iterable[int], counts: Counter) -> None:
    for year in years:
        _, created = FiscalYear.objects.get_or_create(year=year)
        counts["fiscal_years"] += int(created)


# --- KPIs -----------------------------------------------------------------------------


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=BANGKOK)


def _dec(value: float, places: Decimal = TWO) -> Decimal:
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


def _score_text(value: Decimal) -> str:
    return format_number(value).replace(",", "")


def _topic(name: str) -> str:
    """The activity a KPI name is about: "ระดับความสำเร็จของการจัดทำแผน..." -> "จัดทำแผน..."."""
    for prefix in (
        "ระดับความสำเร็จของการ",
        "ร้อยละของ",
        "ร้อยละความ",
        "จำนวน",
        "ระยะเวลาเฉลี่ยในการ",
        "ความยาวของ",
        "พื้นที่",
        "ปริมาณ",
        "ค่าเฉลี่ยรายปีของ",
        "อัตรา",
    ):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name.split(" - ")[0][:90]


class _Slot:
    """One KPI an agency carries year after year (a template with its own target)."""

    __slots__ = ("template", "suffix", "target", "perf", "kpi_type", "negotiated", "name", "previous_pk")

    def __init__(self, template: Template, suffix: str, rng: random.Random):
        self.template = template
        self.suffix = suffix
        self.name = template.name + suffix
        steps = (
            int(round((template.high - template.low) / template.step)) if template.high > template.low else 0
        )
        self.target = template.low + template.step * rng.randint(0, steps)
        self.perf = rng.uniform(0.85, 1.15)  # how well this agency tends to do on it
        self.kpi_type = (
            Indicator.Type.ROUTINE
            if template in texts.GENERIC or rng.random() < 0.3
            else Indicator.Type.STRATEGIC
        )
        self.negotiated = self.kpi_type == Indicator.Type.STRATEGIC and rng.random() < 0.1
        self.previous_pk: int | None = None


class _Builder:
    def __init__(
        self,
        rng: random.Random,
        years: range | list[int],
        units: dict[str, Unit],
        dimensions: dict[int, EvaluationDimension],
        nodes: dict[str, int],
        gov_nodes: dict[str, int],
        counts: Counter,
    ) -> None:
        self.rng = rng
        self.years = years
        self.last_year = years[-1]
        self.units = units
        self.dimensions = dimensions
        self.nodes = nodes
        self.gov_nodes = gov_nodes
        self.counts = counts
        self.portfolios: dict[str, list[_Slot]] = {}
        self.template_ids: dict[str, int] = {}  # cascade key -> KpiTemplate id (citykpi.demo.setups)
        # (agency code, cascade key) -> last year's cascaded KPI, which next year's carries forward
        self.cascaded: dict[tuple[str, str], Indicator] = {}
        self.serials: dict[str, int] = {}
        self.project_serials: dict[str, int] = {}
        self.existing_codes: set[str] = set()
        self.existing_weight: dict[tuple[int, int], Decimal] = {}
        self.existing_labels: dict[tuple[int, int], set[str]] = defaultdict(set)
        self.reset_buffers()

    def reset_buffers(self) -> None:
        # Each entry: (Indicator, slot or None, quarters spec, milestone levels, node ids, projects spec)
        self.items: list[dict] = []

    @property
    def pending(self) -> int:
        return len(self.items)

    def load_existing(self) -> None:
        """KPIs already there (the seed KPI): their codes, labels and weights are kept."""
        for code, agency_id, year, label in Indicator.objects.values_list(
            "code", "agency_id", "fiscal_year_id", "list_label"
        ):
            self.existing_codes.add(code)
            self.existing_labels[(agency_id, year)].add(label)
        for row in Indicator.objects.values("agency_id", "fiscal_year_id").annotate(total=Sum("weight")):
            self.existing_weight[(row["agency_id"], row["fiscal_year_id"])] = row["total"] or Decimal(0)

    # -- choosing what an agency measures

    def portfolio(self, agency: _AgencyRow, scale: int) -> list[_Slot]:
        slots = self.portfolios.get(agency.code)
        if slots is None:
            rng = self.rng
            if agency.kind == Agency.Kind.DISTRICT:
                base = rng.randint(5, 7)
            else:
                base = rng.randint(7, 10)
            pool = list(texts.THEMES.get(agency.theme, [])) + list(texts.GENERIC)
            rng.shuffle(pool)
            slots = []
            for i in range(base * scale):
                template = pool[i % len(pool)]
                round_ = i // len(pool)
                suffix = f" (ส่วนที่ {round_ + 1})" if round_ else ""
                slots.append(_Slot(template, suffix, rng))
            self.portfolios[agency.code] = slots
        return slots

    def next_code(self, agency: _AgencyRow) -> str:
        serial = self.serials.get(agency.code)
        if serial is None:
            serial = self.rng.randint(1, 60) * 10  # legacy serials do not start at 1
        while True:
            serial += 1
            code = f"{agency.code}-{serial:04d}"
            if code not in self.existing_codes:
                self.serials[agency.code] = serial
                self.existing_codes.add(code)
                return code

    def add_agency_year(self, agency: _AgencyRow, year: int, scale: int) -> None:
        rng = self.rng
        slots = list(self.portfolio(agency, scale))
        specials = self.specials(agency, year)
        entries: list[tuple[_Slot | None, dict]] = [(slot, {}) for slot in slots] + [
            (None, s) for s in specials
        ]
        key = (agency.pk, year)
        taken_labels = self.existing_labels.get(key, set())
        budget_cents = int((Decimal(100) - self.existing_weight.get(key, Decimal(0))) * 100)
        raw = [rng.randint(1, 5) for _ in entries]
        total = sum(raw)
        cents = [budget_cents * r // total for r in raw]
        cents[0] += budget_cents - sum(cents)  # the remainder: the sum stays exactly 100
        label_no = 0
        for (slot, special), weight in zip(entries, cents):
            label_no += 1
            while f"{label_no}." in taken_labels:
                label_no += 1
            self.items.append(self.kpi(agency, year, slot, special, f"{label_no}.", Decimal(weight) / 100))
        # Projects: about one per three KPIs, each supporting one to three of them.
        mine = self.items[-len(entries) :]
        for _ in range(max(1, len(entries) // 3)):
            supported = rng.sample(mine, k=min(len(mine), rng.randint(1, 3)))
            self.project(agency, year, supported)

    def specials(self, agency: _AgencyRow, year: int) -> list[dict]:
        """The cascaded KPIs of the last two years: waste sorting at a dozen districts, the
        drainage KPI in percent at two districts and in minutes at a third."""
        found = []
        if year in self.years[-2:] and agency.code in reference.WASTE_CASCADE:
            target = reference.WASTE_CASCADE[agency.code]
            found.append(
                {
                    "template": Template(
                        "up", "percent_up", texts.WASTE_NAME, "1.1.2.1", target, target, 1, "outcome", 1
                    ),
                    "negotiated": True,
                    "kpi_type": Indicator.Type.STRATEGIC,
                    "template_key": "waste",
                }
            )
        if year == self.last_year and agency.code in reference.DRAINAGE_CASCADE:
            if reference.DRAINAGE_CASCADE[agency.code] == "percent":
                template = Template(
                    "pct", "percent", texts.DRAINAGE_PERCENT_NAME, "1.3.1.1", 80, 80, 1, "outcome", 1
                )
                key = "drainage_percent"
            else:
                template = Template(
                    "low", "minutes", texts.DRAINAGE_MINUTES_NAME, "1.3.1.1", 120, 120, 1, "outcome", 1
                )
                key = "drainage_minutes"
            found.append(
                {
                    "template": template,
                    "negotiated": False,
                    "kpi_type": Indicator.Type.STRATEGIC,
                    "template_key": key,
                }
            )
        return found

    # -- one KPI

    def kpi(
        self, agency: _AgencyRow, year: int, slot: _Slot | None, special: dict, label: str, weight: Decimal
    ) -> dict:
        rng = self.rng
        if slot is not None:
            template, name = slot.template, slot.name
            target_value, perf = slot.target, slot.perf * rng.uniform(0.9, 1.1)
            kpi_type, negotiated = slot.kpi_type, slot.negotiated
        else:
            template = special["template"]
            name, target_value, perf = template.name, template.low, rng.uniform(0.8, 1.2)
            kpi_type, negotiated = special["kpi_type"], special["negotiated"]
        unit = self.units[template.unit]
        kind = template.kind
        in_progress = year == self.last_year
        defect = None
        if not in_progress and rng.random() < 0.06:
            defect = rng.choice(
                [
                    "level_percent",
                    "over_100",
                    "achieved_mismatch",
                    "missing_target",
                    "thai_digits",
                    "odd_label",
                    "decreasing",
                    "empty_narrative",
                ]
            )
            self.counts["legacy_defects"] += 1

        direction = Indicator.Direction.HIGHER
        method = Indicator.Method.PERCENT_OF_TARGET
        range_low: Decimal | None = None
        range_high: Decimal | None = None
        count_like = kind == "cnt" and unit.kind == Unit.Kind.COUNT
        if kind == "ms":
            method = Indicator.Method.MILESTONE
            target = Decimal(5)
            planned = [Decimal(rng.choice([1, 1, 2])), Decimal(rng.choice([2, 3])), Decimal(4), Decimal(5)]
        elif kind == "low":
            direction = Indicator.Direction.LOWER
            target = _dec(target_value)
            planned = [target] * 4
        elif kind == "rng":
            direction = Indicator.Direction.RANGE
            method = Indicator.Method.RANGE
            range_low = _dec(target_value)
            range_high = _dec(target_value + (target_value * 0.5 if target_value < 10 else 10))
            target = range_low
            planned = [range_low] * 4
        else:
            target = _dec(target_value)
            fractions = (0.25, 0.5, 0.75, 1.0) if rng.random() < 0.7 else (0.1, 0.4, 0.7, 1.0)
            planned = [_dec(target_value * f) for f in fractions]
            if count_like:
                planned = [p.quantize(Decimal(1)) for p in planned]

        # Cumulative results and scores per quarter.
        results: list[Decimal] = []
        scores: list[Decimal] = []
        for q in range(4):
            if kind == "ms":
                level = max(1, min(5, int(planned[q]) + rng.choice([-1, 0, 0, 0, 1])))
                level = max(level, int(results[-1]) if results else 1)
                value = Decimal(level)
                ratio = value / planned[q]
            elif kind == "low":
                value = _dec(float(target) * (2 - perf) * rng.uniform(0.9, 1.1))
                ratio = target / value if value else Decimal(1)
            elif kind == "rng":
                assert range_low is not None and range_high is not None  # set above for "rng"
                value = _dec(
                    float(range_low) + (float(range_high) - float(range_low)) * rng.uniform(-0.3, 1.3)
                )
                inside = range_low <= value <= range_high
                ratio = Decimal(1) if inside else Decimal("0.8")
            else:
                value = _dec(float(planned[q]) * perf * rng.uniform(0.95, 1.05))
                if count_like:
                    value = value.quantize(Decimal(1))
                if results and value < results[-1]:
                    value = results[-1]  # cumulative
                if unit.kind == Unit.Kind.PERCENT and not unit.allows_over_100 and value > 100:
                    value = Decimal(100)
                ratio = value / planned[q] if planned[q] else Decimal(1)
            results.append(value)
            scores.append(min(Decimal(100), (ratio * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)))

        if defect == "level_percent" and kind == "ms":
            results = [Decimal(v) for v in ("20.00", "40.00", "80.00", "100.00")]
        elif defect == "over_100" and unit.kind == Unit.Kind.PERCENT:
            results[3] = _dec(rng.uniform(101, 130))
        elif defect == "decreasing":
            results[2] = _dec(float(results[1]) * 0.5)

        statuses = self.statuses(in_progress)
        achieved_index = max(
            (i for i, s in enumerate(statuses) if s in (S.SUBMITTED, S.ASSESSED)), default=None
        )
        achieved = results[achieved_index] if achieved_index is not None else None
        if defect == "achieved_mismatch" and achieved is not None:
            achieved = _dec(float(achieved) * rng.uniform(1.1, 1.5))

        topic = _topic(name)
        if defect == "thai_digits":
            name = to_thai_digits(name)
        if defect == "odd_label":
            label = rng.choice(["4.1", "มิติที่ 3 (3.2)", f"ปี {year} {to_thai_digits(label)}"])
        stated_target: Decimal | None = None if defect == "missing_target" else target

        unit_name = unit.name_th
        quarters = []
        for q in range(4):
            status = statuses[q]
            period = fiscal.quarter_period(year, q + 1)
            entry = {
                "quarter": q + 1,
                "planned": planned[q],
                "status": status,
                "result": None,
                "narrative": "",
            }
            if status != S.NOT_STARTED:
                entry["result"] = results[q]
                done = q == 3 or (kind == "ms" and results[q] >= 5)
                entry["narrative"] = self.narrative(
                    year, period, topic, results[q], stated_target, unit_name, done
                )
                if defect == "empty_narrative" and q == 1:
                    entry["narrative"] = ""
            if status in (S.SUBMITTED, S.ASSESSED, S.RETURNED):
                entry["submitted_at"] = _at(period.end + dt.timedelta(days=rng.randint(3, 14)), 10)
            if status == S.RETURNED:
                entry["return_reason"] = rng.choice(texts.RETURN_REASONS)
            if status == S.ASSESSED:
                quality = rng.choice([100, 100, 100, 95, 90, 80])
                entry["assessment"] = {
                    "score": scores[q],
                    "components": {"2.1": _score_text(scores[q]), "2.2": str(quality)},
                    "comment": rng.choice(texts.ASSESSOR_COMMENTS),
                    "assessed_at": _at(period.end + dt.timedelta(days=rng.randint(16, 30)), 14),
                }
            quarters.append(entry)

        levels = []
        if kind == "ms":
            levels = [
                (n, step.format(a=topic), Decimal(20 * n), Decimal(2 * n))
                for n, step in enumerate(texts.MILESTONE_STEPS, start=1)
            ]
        node_ids = [self.nodes[template.node]]
        if year >= 2565 and rng.random() < 0.35:
            policy = rng.choice(reference.GOV_FOR_AREA[template.node.split(".")[0]])
            node_ids.append(self.gov_nodes[policy])

        indicator = Indicator(
            code=self.next_code(agency),
            agency_id=agency.pk,
            fiscal_year_id=year,
            list_label=label,
            name=name,
            unit=unit,
            target=stated_target,
            target_text="" if stated_target is not None else "ตามแผนปฏิบัติราชการ",
            achieved=achieved,
            direction=direction,
            range_low=range_low,
            range_high=range_high,
            kpi_type=kpi_type,
            result_level=template.level,
            definition=self.definition(name, topic, levels, unit_name),
            calculation_method=self.calculation(kind, stated_target, unit_name, range_low, range_high),
            scoring_method=method,
            scoring_config={"low": str(range_low), "high": str(range_high)} if kind == "rng" else {},
            data_collection="หลักฐานการประเมิน - " + " - ".join(rng.sample(texts.EVIDENCE, k=3)),
            annual_summary=self.summary(topic, results[3]) if not in_progress and rng.random() < 0.6 else "",
            weight=weight,
            dimension=self.dimensions.get(template.dimension),
            is_negotiated=negotiated,
            template_id=self.template_ids.get(special.get("template_key", "")),
            legacy_counter="0",
        )
        cascade = (agency.code, special["template_key"]) if special.get("template_key") else None
        return {
            "indicator": indicator,
            "slot": slot,
            "quarters": quarters,
            "levels": levels,
            "nodes": node_ids,
            "cascade": cascade,
        }

    def statuses(self, in_progress: bool) -> list[str]:
        rng = self.rng
        if not in_progress:
            last = S.SUBMITTED if rng.random() < 0.03 else S.ASSESSED  # "0 / 0": never assessed
            return [S.ASSESSED, S.ASSESSED, S.ASSESSED, last]
        roll = rng.random()
        q2 = S.ASSESSED if roll < 0.85 else (S.SUBMITTED if roll < 0.95 else S.RETURNED)
        q3 = S.DRAFT if rng.random() < 0.35 else S.NOT_STARTED
        return [S.ASSESSED, q2, q3, S.NOT_STARTED]

    # -- texts

    def narrative(
        self,
        year: int,
        period: fiscal.Period,
        topic: str,
        result: Decimal,
        target: Decimal | None,
        unit: str,
        done: bool,
    ) -> str:
        rng = self.rng

        def day() -> dt.date:
            return period.start + dt.timedelta(days=rng.randint(0, (period.end - period.start).days))

        # Meetings are numbered within the fiscal year, letters within the calendar year (BE).
        meeting, letter = day(), day()
        lines = [
            rng.choice(texts.MEETINGS).format(n=rng.randint(1, 6), y=year, d=fiscal.thai_date(meeting)),
            rng.choice(texts.ACTIONS),
            rng.choice(texts.LETTERS).format(
                no=rng.randint(1000, 9999), y=fiscal.ce_to_be(letter.year), d=fiscal.thai_date(letter)
            ),
        ]
        if rng.random() < 0.5:
            lines.append(rng.choice(texts.ACTIONS))
        lines.append(
            rng.choice(texts.RESULT_LINES).format(
                r=format_number(result), t=format_number(target) if target is not None else "-", u=unit
            )
        )
        opener = rng.choice(texts.OPENERS_DONE if done else texts.OPENERS_PROGRESS)
        return f"{opener} - " + " - ".join(lines)

    def definition(self, name: str, topic: str, levels: list, unit: str) -> str:
        if levels:
            steps = " ".join(f"ระดับที่ {n}. {text}" for n, text, _, _ in levels)
            return f"นิยาม ความสำเร็จของการ{topic} แบ่งเป็น 5 ระดับ ดังนี้ {steps}"
        return (
            f"{name} หมายถึง ผลการดำเนินงานด้าน{topic}ที่หน่วยงานดำเนินการได้สะสมตั้งแต่ต้นปีงบประมาณ "
            f"วัดเป็น{unit} ตามข้อมูลที่บันทึกในทะเบียนของหน่วยงาน"
        )

    def calculation(
        self, kind: str, target: Decimal | None, unit: str, low: Decimal | None, high: Decimal | None
    ) -> str:
        if kind == "ms":
            parts = [
                f"ความสำเร็จระดับที่ {'+'.join(str(i) for i in range(1, n + 1))} คิดผลการดำเนินงานเป็น ร้อยละ {20 * n} ({2 * n}คะแนน)"
                for n in range(1, 6)
            ]
            return "ค่าเป้าหมาย ระดับ ๕ วิธีคำนวณ - " + " - ".join(parts)
        if kind == "rng":
            return f"ค่าที่วัดได้อยู่ในช่วง {format_number(low)} - {format_number(high)} {unit} ได้คะแนนเต็ม นอกช่วงลดลงตามระยะห่าง"
        if kind == "low":
            return f"ค่าเฉลี่ยของผลการดำเนินงาน (ยิ่งน้อยยิ่งดี) เทียบกับค่าเป้าหมายไม่เกิน {format_number(target)} {unit}"
        if kind in ("pct", "up", "down"):
            return "(ผลการดำเนินงานที่ทำได้ ÷ จำนวนทั้งหมดที่ต้องดำเนินการ) × 100"
        return f"นับจำนวนผลการดำเนินงานสะสมเทียบกับค่าเป้าหมาย {format_number(target)} {unit}"

    def summary(self, topic: str, result: Decimal) -> str:
        return f"ในปีงบประมาณนี้ หน่วยงานดำเนินการด้าน{topic} ได้ผลการดำเนินงานสะสม {format_number(result)} ตามหลักฐานที่รายงาน"

    # -- projects

    def project(self, agency: _AgencyRow, year: int, supported: list[dict]) -> None:
        rng = self.rng
        serial = self.project_serials.get(agency.code, rng.randint(100, 3000)) + 1
        self.project_serials[agency.code] = serial
        topic = _topic(supported[0]["indicator"].name)
        in_progress = year == self.last_year
        officers = "\n".join(
            f"{rng.choice(texts.OFFICER_FIRST)} {rng.choice(texts.OFFICER_LAST)}"
            for _ in range(rng.randint(1, 2))
        )
        project = Project(
            code=f"{agency.long_code}-{serial:04d}",
            name=rng.choice(texts.PROJECT_NAMES).format(a=topic)
            + f" ({agency.name_th})" * (rng.random() < 0.2),
            agency_id=agency.pk,
            fiscal_year_id=year,
            progress=Decimal(
                rng.randint(30, 60) if in_progress else rng.choice([100, 100, 100, rng.randint(70, 99)])
            ),
            budget=Decimal(rng.randint(5, 2000) * 10000),
            officers=officers,
            rationale=texts.RATIONALE.format(a=topic),
            objectives=texts.OBJECTIVES.format(a=topic),
        )
        scores = [Decimal(rng.choice([80, 90, 100, 100])) for _ in range(2 if in_progress else 4)]
        supported[0].setdefault("projects", []).append((project, scores, supported))

    # -- writing

    def flush(self) -> None:
        if not self.items:
            return
        items = self.items
        for item in items:
            slot = item["slot"]
            if slot is not None and slot.previous_pk:
                item["indicator"].carried_from_id = slot.previous_pk
            cascade = item.get("cascade")
            previous = self.cascaded.get(cascade) if cascade is not None else None
            if previous is not None and previous.fiscal_year_id < item["indicator"].fiscal_year_id:
                item["indicator"].carried_from_id = previous.pk
        create_objects([i["indicator"] for i in items], batch_size=BATCH)
        for item in items:
            if item["slot"] is not None:
                item["slot"].previous_pk = item["indicator"].pk
            if item.get("cascade"):
                self.cascaded[item["cascade"]] = item["indicator"]
        fast_insert(
            Indicator.strategy_nodes.through,
            ["indicator", "strategynode"],
            [(i["indicator"].pk, n) for i in items for n in i["nodes"]],
        )
        fast_insert(
            MilestoneLevel,
            ["indicator", "level", "description", "percent", "points"],
            [(i["indicator"].pk, n, text, pct, pts) for i in items for n, text, pct, pts in i["levels"]],
        )
        next_id = (QuarterReport.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        reports = []
        assessments = []
        for item in items:
            kpi_pk = item["indicator"].pk
            for q in item["quarters"]:
                # Last touched when submitted, or (never submitted) when the quarter began.
                touched = q.get("submitted_at") or _at(
                    fiscal.quarter_period(item["indicator"].fiscal_year_id, q["quarter"]).start, 8
                )
                reports.append(
                    (
                        next_id,
                        kpi_pk,
                        q["quarter"],
                        q["planned"],
                        q["result"],
                        q["narrative"],
                        q["status"],
                        1,
                        1,
                        q.get("return_reason", ""),
                        q.get("submitted_at"),
                        touched,
                    )
                )
                if "assessment" in q:
                    a = q["assessment"]
                    assessments.append(
                        (next_id, a["score"], a["components"], a["comment"], a["assessed_at"], 1)
                    )
                next_id += 1
        fast_insert(
            QuarterReport,
            [
                "id",
                "indicator",
                "quarter",
                "planned_target",
                "result",
                "narrative",
                "status",
                "version",
                "definition_version",
                "return_reason",
                "submitted_at",
                "updated_at",
            ],
            reports,
        )
        fast_insert(
            Assessment,
            ["quarter_report", "score", "components", "comment", "assessed_at", "definition_version"],
            assessments,
        )
        projects = [p for i in items for p in i.get("projects", [])]
        create_objects([p for p, _, _ in projects], batch_size=BATCH)
        fast_insert(
            ProjectQuarterScore,
            ["project", "quarter", "score"],
            [(p.pk, n, score) for p, scores, _ in projects for n, score in enumerate(scores, start=1)],
        )
        fast_insert(
            Project.indicators.through,
            ["project", "indicator"],
            [(p.pk, s["indicator"].pk) for p, _, supported in projects for s in supported],
        )
        self.counts["indicators"] += len(items)
        self.counts["quarter_reports"] += len(reports)
        self.counts["assessments"] += len(assessments)
        self.counts["milestone_levels"] += sum(len(i["levels"]) for i in items)
        self.counts["projects"] += len(projects)
        self.reset_buffers()
