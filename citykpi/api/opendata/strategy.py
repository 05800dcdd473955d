"""Open data of the strategy: GET /strategy, every plan with its nodes in tree order and
their published KPI counts (JSON, or all nodes as CSV)."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from django.db.models import Count, IntegerField
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from citykpi.api.opendata import schemas as s
from citykpi.api.opendata.http import BadParameter, d, parse_year, respond
from citykpi.api.opendata.lists import ERRORS, FORMAT, YEAR, bad_request, csv_extra
from citykpi.api.opendata.rows import published_kpi_filter
from citykpi.publicdata.kpi_page import node_dict
from citykpi.strategy.models import StrategyNode, StrategyPlan

router = Router(tags=["opendata"])


STRATEGY_CSV = [
    ("plan", lambda r: r["plan"]),
    ("id", lambda r: r["id"]),
    ("parent_id", lambda r: r["parent_id"]),
    ("path", lambda r: r["path"]),
    ("display_number", lambda r: r["display_number"]),
    ("depth", lambda r: r["depth"]),
    ("level_name", lambda r: r["level_name"]),
    ("title", lambda r: r["title"]),
    ("kpi_count", lambda r: r["kpi_count"]),
]


@router.get(
    "/strategy",
    response={200: s.OpenStrategyOut, 304: None, **ERRORS},
    url_name="opendata_strategy",
    operation_id="citykpi_api_opendata_strategy",
    summary=d("แผนยุทธศาสตร์และหมุดทั้งหมด", "Strategy plans and their nodes"),
    description=d(
        "แผนยุทธศาสตร์แต่ละแผนพร้อมหมุดทุกระดับ (ด้าน > มิติ > เป้าหมาย > ...) ตามลำดับต้นไม้ "
        "และจำนวนตัวชี้วัดที่เผยแพร่ซึ่งเชื่อมกับหมุดนั้นโดยตรง; ?format=csv ได้หมุดทั้งหมดเป็น CSV",
        "Each strategy plan with its nodes of every level in tree order and the number of published "
        "KPIs linked to each node directly; ?format=csv gives all nodes as CSV",
    ),
    openapi_extra=csv_extra(),
)
def strategy(
    request: HttpRequest,
    year: str | None = YEAR,
    plan: str | None = Query(None, max_length=40, description=d("รหัสแผน", "Plan code")),
    format: Literal["json", "csv"] | None = FORMAT,
) -> HttpResponse:
    try:
        fiscal = parse_year(year)
    except BadParameter as exc:
        return bad_request(exc)
    chosen = StrategyPlan.objects.order_by("-is_primary", "code")
    if plan:
        chosen = chosen.filter(code=plan)
    plans = list(chosen)
    nodes = (
        StrategyNode.objects.filter(plan__in=plans)
        .select_related("plan")
        .annotate(
            kpi_count=Count("indicators", filter=published_kpi_filter(fiscal), output_field=IntegerField())
        )
        .order_by("plan_id", "sort_key")
    )
    by_plan: dict[int, list] = defaultdict(list)
    for node in nodes:
        by_plan[node.plan_id].append(
            {
                **node_dict(node),
                "parent_id": node.parent_id,
                "title": node.title,
                "level_name": node.level_name,
                "kpi_count": node.kpi_count,
            }
        )
    data = {
        "count": len(plans),
        "results": [
            {
                "code": p.code,
                "name_th": p.name_th,
                "name_en": p.name_en,
                "level_names": p.level_names or [],
                "start_year": p.start_year,
                "end_year": p.end_year,
                "is_primary": p.is_primary,
                "nodes": by_plan[p.pk],
            }
            for p in plans
        ],
    }
    return respond(
        request,
        s.OpenStrategyOut,
        data,
        csv_columns=STRATEGY_CSV,
        filename="strategy",
        csv_rows=lambda payload: [n for p in payload["results"] for n in p["nodes"]],
    )
