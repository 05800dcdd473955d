"""Q014-result-over-twice-target: a result more than twice the annual target is a finding
(usually a unit mistake), on higher-is-better KPIs only.

Decided for the other directions: on a lower-is-better KPI the target is a ceiling and a
result far above it is a bad result, not a sign of a wrong unit (the score shows it), so
the rule does not run there; a range KPI is judged by its range. Level-scale KPIs are
left to Q001. Exactly twice the target is not a finding.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from citykpi.exchange.legacy import import_paths
from citykpi.indicators.models import Indicator, Unit
from citykpi.quality.models import FindingRecord
from citykpi.quality.rules import RULES, findings_for
from citykpi.quality.tests.conftest import add_quarters

pytestmark = pytest.mark.django_db

RULE = "Q014-result-over-twice-target"
DATA = Path(__file__).parent / "data"
PAGE = DATA / "legacy-over-twice_0409-0960.txt"
SAMPLES = Path(__file__).resolve().parents[2] / "exchange" / "tests" / "data"


def over_twice(indicator) -> set[tuple[str, int | None]]:
    return {(f.field, f.quarter) for f in findings_for(indicator) if f.rule == RULE}


@pytest.fixture
def unit_km(db) -> Unit:
    return Unit.objects.create(name_th="กิโลเมตร", name_en="kilometre", kind=Unit.Kind.CUSTOM)


def test_the_rule_is_registered_with_thai_and_english_names():
    assert RULES[RULE] == ("ผลงานเกิน 2 เท่าของเป้าหมาย", "Result over twice the target")


def test_a_result_over_twice_the_target_is_a_warning_in_thai_and_english(make_indicator, agency_a, unit_km):
    kpi = make_indicator(agency_a, unit=unit_km, target=D(12), achieved=D(12500))
    add_quarters(
        kpi, [(1, None, 3, None), (2, None, 6, None), (3, None, D("24.01"), None), (4, None, 12500, None)]
    )
    assert over_twice(kpi) == {("result", 3), ("result", 4), ("achieved", None)}
    q4 = next(f for f in findings_for(kpi) if f.rule == RULE and f.quarter == 4)
    assert q4.severity == "warning"
    assert q4.message_th.startswith("ผลงานไตรมาสที่ 4 (12,500)") and "2 เท่าของค่าเป้าหมาย (12)" in q4.message_th
    assert "twice the target (12)" in q4.message_en and "unit mistake" in q4.message_en
    assert q4.message == f"{q4.message_th} / {q4.message_en}"
    assert q4.rule_name == "ผลงานเกิน 2 เท่าของเป้าหมาย / Result over twice the target"


def test_results_at_or_under_twice_the_target_are_not_findings(make_indicator, agency_a, unit_km):
    kpi = make_indicator(agency_a, unit=unit_km, target=D(12), achieved=D(24))
    add_quarters(kpi, [(1, None, 3, None), (2, None, 12, None), (3, None, 20, None), (4, None, 24, None)])
    assert over_twice(kpi) == set()


def test_a_percent_kpi_with_a_small_target_is_flagged(make_indicator, agency_a):
    # The 2100-1054 sample: a target of 1 per cent, quarters reported as 10 per cent.
    kpi = make_indicator(agency_a, target=D(1), achieved=D("3.3"))
    add_quarters(kpi, [(1, None, 10, None), (2, None, 2, None)])
    assert over_twice(kpi) == {("result", 1), ("achieved", None)}


def test_a_lower_is_better_kpi_far_above_its_ceiling_is_not_flagged(make_indicator, agency_a, unit_km):
    kpi = make_indicator(
        agency_a, unit=unit_km, target=D(15), achieved=D(40), direction=Indicator.Direction.LOWER
    )
    add_quarters(kpi, [(1, None, 40, None), (2, None, 2, None)])
    assert over_twice(kpi) == set()


def test_a_range_kpi_is_not_flagged(make_indicator, agency_a, unit_km):
    kpi = make_indicator(
        agency_a,
        unit=unit_km,
        target=D(10),
        achieved=D(30),
        direction=Indicator.Direction.RANGE,
        range_low=D(5),
        range_high=D(40),
    )
    assert over_twice(kpi) == set()


def test_a_level_scale_kpi_is_left_to_the_level_rule(seed_kpi):
    rules = {f.rule for f in findings_for(seed_kpi)}
    assert "Q001-level-out-of-scale" in rules and RULE not in rules


def test_no_target_or_a_zero_target_gives_no_finding(make_indicator, agency_a, unit_km):
    for target in (None, D(0)):
        kpi = make_indicator(agency_a, unit=unit_km, target=target, achieved=D(50))
        add_quarters(kpi, [(1, None, 50, None)])
        assert over_twice(kpi) == set()


def test_a_legacy_page_with_a_result_over_twice_its_target_is_flagged_on_import():
    # The page: target 12 km, Q3 exactly 24 (twice: not a finding), Q4 and the achieved
    # value 12,500 (metres reported as kilometres), Q4 not assessed yet (empty cell).
    report = import_paths([PAGE], fiscal_year=2564)
    assert not report.failed_files
    kpi = Indicator.objects.get(code="0409-0960")
    assert [q.result for q in kpi.quarters.order_by("quarter")] == [3, 6, 24, 12500]
    flagged = [f for f in report.findings if f.rule == RULE]
    assert {f.key for f in flagged} == {"0409-0960"} and len(flagged) == 2
    assert any("ผลงานไตรมาสที่ 4 (12,500)" in f.message for f in flagged)
    assert any("ผลงานที่ทำได้ (12,500)" in f.message for f in flagged)
    assert not any("ไตรมาสที่ 3" in f.message for f in flagged)
    stored = FindingRecord.objects.filter(indicator=kpi, rule=RULE)
    assert sorted((r.field, r.quarter or 0) for r in stored) == [("achieved", 0), ("result", 4)]
    assert report.findings_by_rule()[RULE] == 2


def test_the_legacy_page_fixed_to_kilometres_is_not_flagged(tmp_path):
    fixed = PAGE.read_text(encoding="utf-8").replace("12,500", "12")
    path = tmp_path / "fixed.txt"
    path.write_text(fixed, encoding="utf-8")
    report = import_paths([path], fiscal_year=2564)
    assert not report.failed_files and RULE not in report.findings_by_rule()


def test_the_2100_1054_sample_is_flagged_on_import():
    report = import_paths([SAMPLES / "monitor-mykpi_2100-1054.txt"], fiscal_year=2563)
    flagged = {f.message.split(" (")[0] for f in report.findings if f.rule == RULE}
    # Target 1.0000 %: Q1 and Q2 (10) and Q4 and the achieved value (3.3); Q3 (0) is not.
    assert flagged == {"ผลงานไตรมาสที่ 1", "ผลงานไตรมาสที่ 2", "ผลงานไตรมาสที่ 4", "ผลงานที่ทำได้"}
