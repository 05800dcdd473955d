"""The seed KPI 0409-0950 matches the project's copy of the seed page, field by field:
the test parses the page text itself and compares every value with the database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from citykpi.demo.seed import load_seed_kpi
from citykpi.indicators.models import Indicator
from citykpi.lib.thai import to_arabic_digits

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_0409-0950.txt"


def parse_seed() -> dict:
    lines = SEED.read_text(encoding="utf-8").split("\n")
    page: dict = {"narratives": {}, "strategy": [], "quarters": []}
    headings = {
        "** สรุปผลการดำเนินงาน **": "annual_summary",
        "นิยาม หรือความหมายของตัวชี้วัด": "definition",
        "วิธีการคำนวณ หรือ เกณฑ์การประเมิน": "calculation_method",
        "วิธีการการเก็บข้อมูล/แหล่งข้อมูล": "data_collection",
    }

    def text_after(index: int) -> str:
        # The paragraph under a heading: the next non-empty line unless it is a heading.
        for line in lines[index + 1 :]:
            if not line.strip():
                continue
            return "" if line in headings or line.startswith("รายงานผลฯ") else line
        return ""

    for index, line in enumerate(lines):
        if line.endswith(" : 0409-0950"):
            label, rest = line.split(" ", 1)
            page["list_label"], page["name"], page["code"] = label, rest[: -len(" : 0409-0950")], "0409-0950"
        elif line.startswith("ค่าเป้าหมาย ") and " : " in line:
            page["unit"], page["target"] = line[len("ค่าเป้าหมาย ") :].split(" : ")
        elif line.startswith("ผลงานที่ทำได้ "):
            page["achieved"] = line.split(" : ")[1]
        elif line.startswith("ประเภทตัวชี้วัด : "):
            page["type"] = line.split(" : ")[1]
            page["level"] = lines[index + 1].strip()[1:-1]
            page["counter"] = next(x for x in lines[index + 2 :] if x.strip())
        elif line.startswith("*** สยป."):
            quarter, score = line.rsplit("ไตรมาสที่ ", 1)[1].split(": ")
            page["headline"] = (int(quarter), score)
        elif line.startswith("(* 2.1 / 2.2 *)"):
            rows = lines[index + 1 : index + 17]
            for n in range(4):
                q, result, score, components = rows[4 * n : 4 * n + 4]
                c21, c22 = components.split(" / ")
                page["quarters"].append((int(q), result, score, c21, c22))
        elif line.startswith("รายงานผลฯ ไตรมาสที่ "):
            page["narratives"][int(line.rsplit(" ", 1)[1])] = text_after(index)
        elif line in headings:
            page[headings[line]] = text_after(index)
        elif line.startswith(":"):
            page["strategy"].append(line[1:])
    return page


@pytest.fixture
def seed_page() -> dict:
    return parse_seed()


@pytest.mark.django_db
def test_the_seed_kpi_matches_the_seed_page_field_by_field(seed_page):
    # The parser found every section (so that the comparisons below compare something).
    assert len(seed_page["quarters"]) == 4 and len(seed_page["strategy"]) == 4
    assert sorted(seed_page["narratives"]) == [1, 2, 3, 4] and all(seed_page["narratives"].values())
    assert seed_page["definition"] and seed_page["calculation_method"] and seed_page["data_collection"]
    kpi = load_seed_kpi()
    kpi = Indicator.objects.select_related("unit", "agency", "fiscal_year").get(pk=kpi.pk)
    assert kpi.code == seed_page["code"]
    assert kpi.list_label == seed_page["list_label"] == "5."
    assert kpi.name == seed_page["name"]
    assert kpi.unit.name_th == seed_page["unit"] == "ระดับ"
    assert kpi.target == Decimal(seed_page["target"])
    assert kpi.achieved == Decimal(seed_page["achieved"])
    assert kpi.get_kpi_type_display() == seed_page["type"]
    assert kpi.get_result_level_display() == seed_page["level"]
    assert kpi.legacy_counter == seed_page["counter"] == "0"
    assert kpi.definition == seed_page["definition"]
    assert kpi.calculation_method == seed_page["calculation_method"]
    assert kpi.data_collection == seed_page["data_collection"]
    assert kpi.annual_summary == seed_page["annual_summary"] == ""
    assert kpi.agency.code == "0409" and kpi.agency.name_th == "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"
    assert kpi.fiscal_year_id == 2564
    assert kpi.scoring_method == Indicator.Method.MILESTONE
    assert not kpi.projects.exists()


@pytest.mark.django_db
def test_the_seed_kpis_quarters_carry_the_seed_results_scores_and_narratives(seed_page):
    kpi = load_seed_kpi()
    quarters = list(kpi.quarters.select_related("assessment").order_by("quarter"))
    assert len(quarters) == 4
    for report, (q, result, score, c21, c22) in zip(quarters, seed_page["quarters"]):
        assert report.quarter == q
        assert report.result == Decimal(result)
        assert report.assessment.score == Decimal(score)
        assert report.assessment.components == {"2.1": c21, "2.2": c22}
        assert report.narrative == seed_page["narratives"][q]
    # The derived headline: the latest quarter whose status is "assessed".
    assessed = [r.quarter for r in quarters if r.status == "assessed"]
    assert assessed == [1, 2]
    assert [r.status for r in quarters[2:]] == ["submitted", "submitted"]
    headline = quarters[max(assessed) - 1]
    assert (headline.quarter, headline.assessment.score) == (
        seed_page["headline"][0],
        Decimal(seed_page["headline"][1]),
    )


@pytest.mark.django_db
def test_the_seed_kpis_strategy_path_reads_as_the_seed_shows_it(seed_page):
    kpi = load_seed_kpi()
    leaf = kpi.strategy_nodes.get()
    assert leaf.path == "7.3.1.1" and leaf.plan.is_primary
    chain = []
    node = leaf
    while node is not None:
        chain.insert(0, node)
        node = node.parent
    assert [n.heading for n in chain] == seed_page["strategy"]
    assert [n.path for n in chain] == ["7", "7.3", "7.3.1", "7.3.1.1"]
    assert [n.path for n in chain] == [to_arabic_digits(n.display_number) for n in chain]
    assert [n.title_truncated for n in chain] == [False, False, True, False]


@pytest.mark.django_db
def test_the_seed_kpis_milestone_levels_follow_its_calculation_method(seed_page):
    kpi = load_seed_kpi()
    levels = list(kpi.milestone_levels.order_by("level").values_list("level", "percent", "points"))
    assert levels == [(n, Decimal(20 * n), Decimal(2 * n)) for n in range(1, 6)]
    for _level, percent, points in levels:
        assert f"ร้อยละ {percent:.0f} ({points:.0f}คะแนน)" in seed_page["calculation_method"]
    for description in kpi.milestone_levels.values_list("description", flat=True):
        assert description in seed_page["definition"]


@pytest.mark.django_db
def test_loading_the_seed_kpi_twice_returns_the_same_kpi():
    assert load_seed_kpi().pk == load_seed_kpi().pk
    assert Indicator.objects.count() == 1
