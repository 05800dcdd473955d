"""A small published fiscal year for the dashboard tests, and a builder to grow it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from citykpi.quality.standing import rescore_kpis
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode, StrategyPlan


@pytest.fixture
def plan(db):
    plan = StrategyPlan.objects.create(code="bma20", name_th="แผนพัฒนากรุงเทพมหานคร 20 ปี", is_primary=True)
    area7 = StrategyNode.objects.create(
        plan=plan, path="7", title="การบริหารจัดการเมืองมหานคร", heading_prefix="ด้านที่ ๗ –"
    )
    area5 = StrategyNode.objects.create(
        plan=plan, path="5", title="มหานครประชาธิปไตย", heading_prefix="ด้านที่ ๕ –"
    )
    goal = StrategyNode.objects.create(plan=plan, path="7.3.1", parent=area7, title="บุคลากรมืออาชีพ")
    return {"plan": plan, "area7": area7, "area5": area5, "goal": goal}


def submitted_at(fiscal_year, quarter: int, days_late: int = -3) -> dt.datetime:
    day = fiscal_year.deadline(quarter) + dt.timedelta(days=days_late)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@pytest.fixture
def grow_year(make_indicator, fiscal_year, plan):
    """Add KPIs to agency `agency`: each with Q1-Q2 planned 25/50 and results given."""

    def build(
        agency, results, *, weight=None, node=None, status=QuarterReport.Status.SUBMITTED, days_late=-3
    ):
        kpi = make_indicator(agency, target=Decimal("100"), weight=weight)
        kpi.strategy_nodes.add(node or plan["goal"])
        for quarter, (planned, result) in enumerate(zip((25, 50, 75, 100), results), start=1):
            if result is None:
                continue
            QuarterReport.objects.create(
                indicator=kpi,
                quarter=quarter,
                planned_target=Decimal(planned),
                result=Decimal(result),
                status=status,
                submitted_at=submitted_at(fiscal_year, quarter, days_late)
                if status != QuarterReport.Status.DRAFT
                else None,
            )
        rescore_kpis([kpi.pk])  # written with the ORM, not the actions: store the scores by hand
        return kpi

    return build
