"""The public open-data endpoints of /api/v1/, one module a resource: KPIs, agencies, the
strategy tree, projects and city indicators, as JSON or CSV (?format=csv), published data
only. Their router is assembled here and mounted by citykpi.api.core.

Every list follows one pattern (lists.list_response): it filters, pages with a stable
order (limit/offset, total count and next / previous links) and serves CSV of the same
rows. Every read carries ETag, Last-Modified where known, Cache-Control and
Access-Control-Allow-Origin: * (http.respond). The CSV columns of each resource are
importable from here for the data package and DCAT documents (citykpi.api.harvest).
"""

from __future__ import annotations

from ninja import Router

from citykpi.api.opendata import agencies, city, kpis, projects, strategy
from citykpi.api.opendata.agencies import AGENCY_CSV
from citykpi.api.opendata.city import CITY_CSV
from citykpi.api.opendata.kpis import KPI_CSV, NOT_REPORTED
from citykpi.api.opendata.projects import PROJECT_CSV
from citykpi.api.opendata.strategy import STRATEGY_CSV

__all__ = ["AGENCY_CSV", "CITY_CSV", "KPI_CSV", "NOT_REPORTED", "PROJECT_CSV", "STRATEGY_CSV", "router"]

router = Router()
for resource in (kpis, agencies, strategy, projects, city):
    router.add_router("/", resource.router)
