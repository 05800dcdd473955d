"""Fixtures of the public-site tests: the seed page parsed line by line, the seed KPI
built from it, and a builder of many KPIs (with quarters, assessments, strategy links
and projects) for the query-ceiling tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

from citykpi.agencies.models import Agency
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.projects.models import Project, ProjectQuarterScore
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan

SEED_FILE = Path(__file__).resolve().parents[2] / "demo" / "data" / "seed_0409-0950.txt"


@dataclass
class SeedRow:
    quarter: int
    result: str
    score: str
    components: str  # "95 / 100"


@dataclass
class SeedPage:
    """Every fact of the legacy seed page, as its text shows it."""

    list_label: str = ""
    name: str = ""
    code: str = ""
    unit: str = ""
    target: str = ""
    achieved: str = ""
    kpi_type: str = ""
    level: str = ""
    counter: str = ""
    headline_quarter: int = 0
    headline_score: str = ""
    rows: list[SeedRow] = field(default_factory=list)
    narratives: dict[int, str] = field(default_factory=dict)
    summary: str = ""
    definition: str = ""
    calculation: str = ""
    collection: str = ""
    strategy_lines: list[str] = field(default_factory=list)
    title_line: str = ""


def parse_seed(path: Path = SEED_FILE) -> SeedPage:
    """Read the legacy page's text extraction, one labelled line at a time."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    page = SeedPage()

    def after(label: str) -> str:
        """The text of the line after the heading `label` (or "" when the next line is a heading)."""
        at = lines.index(label)
        return lines[at + 1]

    # "5. ระดับความสำเร็จ... (Early) : 0409-0950"
    title = next(line for line in lines if re.search(r" : \d{4}-\d{3,6}$", line))
    page.title_line = title
    head, page.code = title.rsplit(" : ", 1)
    match = re.match(r"^(\d+\.)\s+(.*)$", head)
    page.list_label, page.name = (match.group(1), match.group(2)) if match else ("", head)

    for line in lines:
        if m := re.match(r"^ค่าเป้าหมาย (\S+) : (.+)$", line):
            page.unit, page.target = m.group(1), m.group(2)
        elif m := re.match(r"^ผลงานที่ทำได้ (\S+) : (.+)$", line):
            page.achieved = m.group(2)
        elif m := re.match(r"^ประเภทตัวชี้วัด : (.+)$", line):
            page.kpi_type = m.group(1)
        elif m := re.match(r"^\*\*\* สยป\. ตรวจประเมินตัวชี้วัด : ไตรมาสที่ (\d): (.+)$", line):
            page.headline_quarter, page.headline_score = int(m.group(1)), m.group(2)
        elif line.startswith(":"):
            page.strategy_lines.append(line)
    type_at = next(n for n, line in enumerate(lines) if line.startswith("ประเภทตัวชี้วัด"))
    page.level = lines[type_at + 1][1:-1]  # "(ตัวชี้วัดระดับผลผลิต (output))" without the outer brackets
    page.counter = lines[type_at + 2]

    # The table: after its six header lines, groups of four lines per quarter.
    i = lines.index("(* 2.1 / 2.2 *)") + 1
    while re.fullmatch(r"[1-4]", lines[i]):
        page.rows.append(SeedRow(int(lines[i]), lines[i + 1], lines[i + 2], lines[i + 3]))
        i += 4

    for quarter in (1, 2, 3, 4):
        page.narratives[quarter] = after(f"รายงานผลฯ ไตรมาสที่ {quarter}")
    summary = after("** สรุปผลการดำเนินงาน **")
    page.summary = "" if summary == "นิยาม หรือความหมายของตัวชี้วัด" else summary
    page.definition = after("นิยาม หรือความหมายของตัวชี้วัด")
    page.calculation = after("วิธีการคำนวณ หรือ เกณฑ์การประเมิน")
    page.collection = after("วิธีการการเก็บข้อมูล/แหล่งข้อมูล")
    return page


@pytest.fixture(scope="session")
def seed_page() -> SeedPage:
    return parse_seed()


TYPE_BY_LABEL = {label: value for value, label in Indicator.Type.choices}
LEVEL_BY_LABEL = {label: value for value, label in Indicator.Level.choices}


@pytest.fixture
def portal_seed_kpi(db, seed_page: SeedPage) -> Indicator:
    """The seed KPI built from the seed page's facts, the way the demo data holds it:
    quarters 1-2 assessed, 3-4 submitted with the legacy scores kept as assessments."""
    year = FiscalYear.objects.create(year=2564)
    agency = Agency.objects.create(
        code=seed_page.code.split("-")[0],
        name_th="สถาบันพัฒนาข้าราชการกรุงเทพมหานคร",
        name_en="Bangkok Civil Service Development Institute",
        abbreviation="สพข.",
    )
    unit = Unit.objects.get_or_create(
        name_th=seed_page.unit, defaults={"name_en": "level", "kind": Unit.Kind.LEVEL}
    )[0]
    plan = StrategyPlan.objects.create(
        code="bma-20y",
        name_th="แผนพัฒนากรุงเทพมหานคร ระยะ 20 ปี",
        name_en="BMA 20-year plan",
        level_names=["ด้าน", "มิติ", "เป้าหมาย", "ตัวชี้วัดย่อย"],
        is_primary=True,
    )
    parent = None
    for line, path in zip(seed_page.strategy_lines, ["7", "7.3", "7.3.1", "7.3.1.1"]):
        text = line[1:]
        if path == "7":
            prefix, title = "ด้านที่ ๗ –", text.split("ด้านที่ ๗ – ", 1)[1]
        else:
            prefix, title = text.split(" ", 1)[0], text.split(" ", 1)[1]
            if title.startswith("- "):
                prefix, title = prefix + " -", title[2:]
        parent = StrategyNode.objects.create(
            plan=plan,
            parent=parent,
            path=path,
            heading_prefix=prefix,
            title=title,
            title_truncated=title.endswith("%"),
        )
    kpi = Indicator.objects.create(
        code=seed_page.code,
        agency=agency,
        fiscal_year=year,
        list_label=seed_page.list_label,
        name=seed_page.name,
        unit=unit,
        target=Decimal(seed_page.target),
        achieved=Decimal(seed_page.achieved),
        kpi_type=TYPE_BY_LABEL[seed_page.kpi_type],
        result_level=LEVEL_BY_LABEL[seed_page.level],
        definition=seed_page.definition,
        calculation_method=seed_page.calculation,
        data_collection=seed_page.collection,
        annual_summary=seed_page.summary,
        scoring_method=Indicator.Method.MILESTONE,
        legacy_counter=seed_page.counter,
    )
    kpi.strategy_nodes.add(parent)
    for level in range(1, 6):
        MilestoneLevel.objects.create(
            indicator=kpi, level=level, description=f"ระดับที่ {level}", percent=20 * level, points=2 * level
        )
    for row in seed_page.rows:
        status = (
            QuarterReport.Status.ASSESSED
            if row.quarter <= seed_page.headline_quarter
            else QuarterReport.Status.SUBMITTED
        )
        report = QuarterReport.objects.create(
            indicator=kpi,
            quarter=row.quarter,
            result=Decimal(row.result),
            narrative=seed_page.narratives[row.quarter],
            status=status,
        )
        c21, c22 = (part.strip() for part in row.components.split("/"))
        Assessment.objects.create(
            quarter_report=report, score=Decimal(row.score), components={"2.1": c21, "2.2": c22}
        )
    return kpi


@pytest.fixture
def demo_seed_kpi(db) -> Indicator:
    """The seed KPI as the demo data loads it (citykpi.demo.seed), when that module exists."""
    seed = pytest.importorskip("citykpi.demo.seed")
    return seed.load_seed_kpi()


@pytest.fixture
def kpi_world(db):
    """Build `n` more published KPIs with everything a page lists about them."""
    state: dict = {"n": 0}

    def setup() -> None:
        year = FiscalYear.objects.get_or_create(year=2566)[0]
        agency = Agency.objects.get_or_create(code="0300", defaults={"name_th": "สำนักยุทธศาสตร์และประเมินผล"})[0]
        unit = Unit.objects.get_or_create(name_th="ร้อยละ", defaults={"kind": Unit.Kind.PERCENT})[0]
        plan = StrategyPlan.objects.get_or_create(
            code="world-plan", defaults={"name_th": "แผนทดสอบ", "is_primary": True}
        )[0]
        other = StrategyPlan.objects.get_or_create(code="world-other", defaults={"name_th": "นโยบายผู้ว่าฯ"})[0]
        area = StrategyNode.objects.get_or_create(plan=plan, path="1", defaults={"title": "มหานครปลอดภัย"})[0]
        goal = StrategyNode.objects.get_or_create(
            plan=plan, path="1.1", defaults={"title": "ปลอดมลพิษ", "parent": area}
        )[0]
        policy = StrategyNode.objects.get_or_create(plan=other, path="3", defaults={"title": "เดินทางดี"})[0]
        dimensions = [
            EvaluationDimension.objects.get_or_create(number=n, defaults={"name_th": f"มิติ {n}"})[0]
            for n in (1, 2)
        ]
        state.update(year=year, agency=agency, unit=unit, nodes=[goal, policy], dimensions=dimensions)

    def build(count: int) -> list[Indicator]:
        if "year" not in state:
            setup()
        made = []
        for _ in range(count):
            state["n"] += 1
            n = state["n"]
            kpi = Indicator.objects.create(
                code=f"{state['agency'].code}-{1000 + n}",
                agency=state["agency"],
                fiscal_year=state["year"],
                name=f"ตัวชี้วัดจำนวน {n}",
                unit=state["unit"],
                target=Decimal("80"),
                dimension=state["dimensions"][n % 2],
                is_negotiated=n % 3 == 0,
            )
            kpi.strategy_nodes.add(*state["nodes"])
            for quarter in (1, 2, 3, 4):
                report = QuarterReport.objects.create(
                    indicator=kpi,
                    quarter=quarter,
                    result=Decimal(20 * quarter),
                    planned_target=Decimal(20 * quarter),
                    narrative=f"รายงาน {quarter}",
                    status=QuarterReport.Status.ASSESSED if quarter < 3 else QuarterReport.Status.DRAFT,
                )
                if quarter < 3:
                    Assessment.objects.create(
                        quarter_report=report, score=Decimal("90"), components={"2.1": "90", "2.2": "90"}
                    )
            MilestoneLevel.objects.create(indicator=kpi, level=1, percent=20, points=2)
            project = Project.objects.create(
                code=f"03000000-{n:04d}",
                name=f"โครงการ {n}",
                agency=state["agency"],
                fiscal_year=state["year"],
                progress=Decimal("50"),
            )
            project.indicators.add(kpi)
            ProjectQuarterScore.objects.create(project=project, quarter=1, score=Decimal("80"))
            made.append(kpi)
        return made

    build.state = state
    return build
