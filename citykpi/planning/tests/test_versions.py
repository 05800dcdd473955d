"""Versioned definitions (citykpi.planning.versions)."""

from __future__ import annotations

from decimal import Decimal

from citykpi.planning import actions
from citykpi.planning.versions import definition_at, snapshot
from citykpi.reporting.models import QuarterReport


def test_an_earlier_report_reads_the_definition_it_was_made_under(reporter_a, evaluator, agency_a, ready_kpis):
    indicator = ready_kpis[0]
    setup = actions.setup_of(agency_a, 2566)
    actions.propose(reporter_a, setup)
    actions.approve(evaluator, setup)
    report = QuarterReport.objects.get(indicator=indicator, quarter=1)
    report.definition_version = indicator.definition_version
    report.save()

    actions.reopen(evaluator, setup, reason="ปรับนิยาม")
    actions.update_definition(reporter_a, indicator, definition="นิยามใหม่", name="ชื่อใหม่")
    indicator.refresh_from_db()
    assert indicator.definition_version == 2

    old = definition_at(indicator, report.definition_version)
    assert old["frozen"] and old["version"] == 1 and old["name"] == "ตัวชี้วัดทดสอบ 1"
    assert Decimal(old["plan"]["4"]) == Decimal("80")
    current = definition_at(indicator, 2)
    assert current["name"] == "ชื่อใหม่" and current["definition"] == "นิยามใหม่" and not current["frozen"]


def test_a_kpi_never_approved_reads_its_live_definition(ready_kpis):
    data = definition_at(ready_kpis[0], 1)
    assert data == {**snapshot(ready_kpis[0]), "frozen": False}
    assert data["unit"] == "ร้อยละ" and data["method"] == "percent_of_target"
