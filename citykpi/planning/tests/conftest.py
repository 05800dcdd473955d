"""Fixtures of the planning tests: district offices, a template, a prepared setup."""

from __future__ import annotations

from decimal import Decimal

import pytest

from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator, Unit
from citykpi.planning import actions
from citykpi.reporting.models import QuarterReport

DISTRICTS = [
    ("5001", "สำนักงานเขตพระนคร"),
    ("5002", "สำนักงานเขตดุสิต"),
    ("5003", "สำนักงานเขตหนองจอก"),
    ("5004", "สำนักงานเขตบางรัก"),
    ("5005", "สำนักงานเขตบางเขน"),
    ("5006", "สำนักงานเขตบางกะปิ"),
]


@pytest.fixture
def districts(db) -> list[Agency]:
    return [Agency.objects.create(code=c, name_th=n, kind=Agency.Kind.DISTRICT) for c, n in DISTRICTS]


@pytest.fixture
def year_2567(db) -> FiscalYear:
    return FiscalYear.objects.create(year=2567)


@pytest.fixture
def unit_minutes(db) -> Unit:
    return Unit.objects.create(
        name_th="นาที", name_en="minutes", kind=Unit.Kind.PHYSICAL, suggests_lower_is_better=True
    )


@pytest.fixture
def template(evaluator, unit_percent):
    return actions.create_template(
        evaluator,
        name="ร้อยละของขยะมูลฝอยที่คัดแยก",
        unit=unit_percent,
        direction="higher",
        definition="ขยะที่คัดแยก ณ ต้นทาง",
        calculation_method="ปริมาณขยะคัดแยก / ปริมาณขยะทั้งหมด x 100",
        data_collection="รายงานประจำเดือน",
    )


def set_plan(indicator: Indicator, *values) -> None:
    for quarter, value in enumerate(values, start=1):
        QuarterReport.objects.update_or_create(
            indicator=indicator,
            quarter=quarter,
            defaults={"planned_target": Decimal(str(value)) if value is not None else None},
        )


@pytest.fixture
def ready_kpis(make_indicator, agency_a):
    """Two KPIs of agency A in 2566 that pass every check (weights 60 + 40)."""
    first = make_indicator(agency_a, target=Decimal("80"), weight=Decimal("60"))
    second = make_indicator(agency_a, target=Decimal("100"), weight=Decimal("40"))
    set_plan(first, 20, 40, 60, 80)
    set_plan(second, 25, 50, 75, 100)
    return [first, second]


@pytest.fixture
def strategy_node(db):
    from citykpi.strategy.models import StrategyNode, StrategyPlan

    plan = StrategyPlan.objects.create(code="bma20", name_th="แผนพัฒนากรุงเทพมหานคร 20 ปี", is_primary=True)
    return StrategyNode.objects.create(plan=plan, path="7", title="การบริหารจัดการเมืองมหานคร")
