"""Open data of the city development indicators: GET /city-indicators (filtered by
strategy node, paged, JSON or CSV) and GET /city-indicators/{id}."""

from __future__ import annotations

from typing import Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Path, Router

from citykpi.api.errors import responses
from citykpi.api.opendata import schemas as s
from citykpi.api.opendata.http import d, not_found, respond
from citykpi.api.opendata.lists import ERRORS, FORMAT, LIMIT, NODE, OFFSET, csv_extra, list_response
from citykpi.api.opendata.rows import find_node, node_descendants_q, number
from citykpi.cityindicators.models import CityIndicator, CityIndicatorValue
from citykpi.publicdata.attached import prefetched
from citykpi.publicdata.kpi_page import node_dict
from citykpi.strategy.models import StrategyNode

router = Router(tags=["opendata"])


CITY_CSV = [
    ("id", lambda r: r["id"]),
    ("list_label", lambda r: r["list_label"]),
    ("name", lambda r: r["name"]),
    ("catalogue", lambda r: r["catalogue"]),
    ("unit", lambda r: r["unit"]),
    ("target_text", lambda r: r["target_text"]),
    ("target_value", lambda r: r["target_value"]),
    ("data_kind", lambda r: r["data_kind"]),
    ("latest_year", lambda r: (r["latest"] or {}).get("year")),
    ("latest_value", lambda r: (r["latest"] or {}).get("value")),
    ("url", lambda r: r["url"]),
]


def _city_row(request: HttpRequest, item: CityIndicator) -> dict:
    values = [
        (v.year, v.value) for v in prefetched(item, "all_values", CityIndicatorValue) if v.value is not None
    ]
    last = max(values, key=lambda pair: pair[0]) if values else None
    return {
        "id": item.id,
        "list_label": item.list_label,
        "name": item.name,
        "catalogue": item.catalogue,
        "unit": item.unit.name_th if item.unit is not None else None,
        "target_text": item.target_text,
        "target_value": number(item.target_value),
        "data_kind": item.data_kind,
        "latest": {"year": last[0], "value": float(last[1])} if last else None,
        "url": request.build_absolute_uri(reverse("portal:city_indicator", args=[item.id])),
        "api_url": request.build_absolute_uri(reverse("api:opendata_city_indicator", args=[item.id])),
    }


def _values_prefetch() -> Prefetch:
    return Prefetch("values", queryset=CityIndicatorValue.objects.order_by("year"), to_attr="all_values")


def _city_queryset(node: StrategyNode | None) -> QuerySet:
    qs = CityIndicator.objects.published().select_related("unit").order_by("id")
    if node is not None:
        qs = qs.filter(
            pk__in=CityIndicator.objects.filter(node_descendants_q(node, "strategy_nodes")).values("pk")
        )
    return qs


@router.get(
    "/city-indicators",
    response={200: s.OpenCityIndicatorPage, 304: None, **ERRORS},
    url_name="opendata_city_indicators",
    operation_id="citykpi_api_opendata_list_city_indicators",
    summary=d("ตัวชี้วัดการพัฒนาเมือง", "City development indicators"),
    description=d(
        "ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (ตัวชี้วัดเป้าประสงค์) กรองตามหมุดยุทธศาสตร์ เรียงตาม id พร้อมค่าล่าสุด",
        "The city development indicator database (goal indicators) filtered by strategy node, "
        "ordered by id, with the latest value",
    ),
    openapi_extra=csv_extra(),
)
def list_city_indicators(
    request: HttpRequest,
    node: str | None = NODE,
    limit: int = LIMIT,
    offset: int = OFFSET,
    format: Literal["json", "csv"] | None = FORMAT,
) -> HttpResponse:
    return list_response(
        request,
        lambda: _city_queryset(find_node(node)),
        limit=limit,
        offset=offset,
        schema=s.OpenCityIndicatorPage,
        row=_city_row,
        csv_columns=CITY_CSV,
        filename="city-indicators",
        for_page=lambda qs: qs.prefetch_related(_values_prefetch()),
    )


@router.get(
    "/city-indicators/{id}",
    response={200: s.OpenCityIndicatorDetail, 304: None, **ERRORS, **responses(404)},
    url_name="opendata_city_indicator",
    operation_id="citykpi_api_opendata_get_city_indicator",
    summary=d("ตัวชี้วัดการพัฒนาเมืองหนึ่งตัว", "One city development indicator"),
    description=d(
        "ตัวชี้วัดการพัฒนาเมือง พร้อมนิยาม วิธีคำนวณ ค่ารายปี และหมุดยุทธศาสตร์",
        "A city development indicator with its definition, calculation method, values per year and strategy nodes",
    ),
)
def get_city_indicator(
    request: HttpRequest,
    id: int = Path(..., ge=0, le=2**31 - 1, description=d("รหัสตัวชี้วัดการพัฒนาเมือง", "City indicator id")),
) -> HttpResponse:
    item = (
        CityIndicator.objects.published()
        .filter(pk=id)
        .select_related("unit")
        .prefetch_related(
            _values_prefetch(),
            Prefetch(
                "strategy_nodes",
                queryset=StrategyNode.objects.select_related("plan").order_by("plan_id", "sort_key"),
            ),
        )
        .first()
        if 0 <= id < 2**31
        else None
    )
    if item is None:
        return not_found("ตัวชี้วัดการพัฒนาเมือง", "city indicator", str(id))
    data = _city_row(request, item)
    data.update(
        {
            "definition": item.definition,
            "calculation_method": item.calculation_method,
            "values": [
                {"year": v.year, "value": number(v.value), "note": v.note}
                for v in prefetched(item, "all_values", CityIndicatorValue)
            ],
            "strategy_nodes": [node_dict(n) for n in item.strategy_nodes.all()],
        }
    )
    return respond(request, s.OpenCityIndicatorDetail, data)
