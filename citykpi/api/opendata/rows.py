"""Pieces of rows and filters that several open-data resources share: numbers as JSON,
an agency's reference, published-KPI counts, the strategy node filter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q

from citykpi.agencies.models import Agency
from citykpi.api.opendata.http import BadParameter
from citykpi.lib.thai import to_arabic_digits
from citykpi.publicdata.kpi_page import published_kpis_q
from citykpi.strategy.models import StrategyNode


def number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def agency_ref(agency: Agency) -> dict[str, Any]:
    return {"code": agency.code, "name_th": agency.name_th, "name_en": agency.name_en}


def published_kpi_filter(year: int | None, prefix: str = "indicators") -> Q:
    """The published KPIs (of `year` when given) behind a relation, for Count(filter=...)."""
    return published_kpis_q(prefix, year)


def node_descendants_q(node: StrategyNode, field: str) -> Q:
    return Q(**{f"{field}__plan_id": node.plan_id}) & (
        Q(**{f"{field}__path": node.path}) | Q(**{f"{field}__path__startswith": node.path + "."})
    )


def find_node(value: str | None) -> StrategyNode | None:
    """The strategy node of a ?node= parameter (its id, Thai digits accepted)."""
    if value in (None, ""):
        return None
    text = to_arabic_digits(str(value)).strip()
    node = StrategyNode.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None
    if node is None:
        raise BadParameter(
            "node",
            f"ไม่พบหมุดยุทธศาสตร์ '{value}' (ใช้ id จาก /api/v1/strategy)",
            f"No strategy node '{value}' (use an id from /api/v1/strategy)",
        )
    return node
