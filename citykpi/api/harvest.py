"""The open-data CSVs described for the portals that harvest them: a Frictionless Data
Package (/open-data/datapackage.json) and a DCAT catalogue in JSON-LD
(/open-data/catalog.jsonld), which CKAN reads with ckanext-dcat's harvester.

Both documents describe the same five CSV downloads of citykpi.api.opendata (KPIs,
agencies, strategy nodes, projects, city indicators). The columns of each Table Schema
follow the writer's own column list (`KPI_CSV`, ...) in its order, so a column added
to a CSV appears in the schema; what each column means, its type, unit and constraints
are described here, and the suite checks that every column is described and that
`frictionless validate` passes on the bytes the server sends.

How the CSV writer (citykpi.api.opendata.http.csv_body) writes a cell decides the types:
UTF-8 with a byte-order mark (encoding utf-8-sig), CRLF line ends, an empty cell for a
missing value, integers without a decimal point, other numbers as Python writes a float
("82.5"), booleans as "true" / "false", dates as ISO 8601 ("2026-10-01"), lists joined
with "; ", text that could start a spreadsheet formula with a leading "'" (still text).

The foreign keys hold by construction: the agencies CSV lists every agency a published
KPI or project names, closed ones included (citykpi.api.opendata.agencies.listed_agencies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max, Min
from django.http import HttpRequest
from django.urls import reverse

from citykpi.agencies.models import Agency
from citykpi.api import opendata
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator
from citykpi.publicdata.kpi_page import published_kpis_q
from citykpi.reporting.models import QuarterReport

# Who publishes the data (dct:publisher, the Data Package's contributors). Overridable
# with settings.OPEN_DATA_PUBLISHER, a dict with any of these keys.
DEFAULT_PUBLISHER = {
    "name_th": "กรุงเทพมหานคร",
    "name_en": "Bangkok Metropolitan Administration",
    "url": "https://www.bangkok.go.th/",
    "email": "",
}
# The licence document the wording of OPEN_DATA_LICENCE refers to (settings.OPEN_DATA_LICENCE_URL).
DEFAULT_LICENCE_URL = "https://www.data.go.th/pages/dga-open-government-license"
# dct:identifier of each dataset: stable across hosts, so a portal harvesting the
# catalogue twice (internal and public address) recognises the same dataset.
IDENTIFIER_PREFIX = "bma-citykpi"

CSV_MEDIA_TYPE = "text/csv"
# The CSV writer prepends a byte-order mark (for Excel): the encoding that matches the bytes.
CSV_ENCODING = "utf-8-sig"
CSV_DIALECT = {
    "delimiter": ",",
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "doubleQuote": True,
    "header": True,
}
MISSING_VALUES = [""]


# ----------------------------------------------------------------- column meanings


def _field(
    kind: str,
    title_th: str,
    title_en: str,
    *,
    unit: str | None = None,
    unit_field: str | None = None,
    **constraints: Any,
) -> dict[str, Any]:
    """A Table Schema field without its name: type, Thai title, English title (custom
    `title_en`), a bilingual description, and optionally a unit (custom `unit`, or
    `unitField` naming the column that holds each row's unit) and constraints."""
    field: dict[str, Any] = {
        "type": kind,
        "title": title_th,
        "title_en": title_en,
        "description": f"{title_th} / {title_en}",
    }
    if kind == "string" and constraints.pop("uri", False):
        field["format"] = "uri"
    if unit:
        field["unit"] = unit
    if unit_field:
        field["unitField"] = unit_field
    if constraints:
        field["constraints"] = constraints
    return field


def _choices(choices: Any) -> list[str]:
    return [str(value) for value in choices.values]


AGENCY_CODE: dict[str, Any] = {"pattern": "[0-9]{4}"}
PERCENT: dict[str, Any] = {"minimum": 0, "maximum": 100}
URL = _field("string", "หน้าเว็บ", "Web page", uri=True)

COLUMNS: dict[str, dict[str, dict[str, Any]]] = {
    "kpis": {
        "code": _field("string", "รหัสตัวชี้วัด", "KPI code", required=True, unique=True),
        "list_label": _field("string", "ลำดับ", "List label"),
        "name": _field("string", "ชื่อตัวชี้วัด", "KPI name"),
        "name_en": _field("string", "ชื่อตัวชี้วัด (อังกฤษ)", "KPI name (English)"),
        "agency_code": _field("string", "รหัสหน่วยงาน", "Agency code", required=True, **AGENCY_CODE),
        "agency_name": _field("string", "ชื่อหน่วยงาน", "Agency name"),
        "fiscal_year": _field("integer", "ปีงบประมาณ พ.ศ.", "Fiscal year (Buddhist Era)", required=True),
        "unit": _field("string", "หน่วยนับ", "Unit of the target and result"),
        "target": _field("number", "ค่าเป้าหมาย", "Annual target", unit_field="unit"),
        "target_text": _field("string", "ค่าเป้าหมาย (ตามต้นฉบับ)", "Target as written"),
        "achieved": _field("number", "ผลงานที่ทำได้", "Achieved value", unit_field="unit"),
        "kpi_type": _field("string", "ประเภทตัวชี้วัด", "KPI type", enum=_choices(Indicator.Type), required=True),
        "result_level": _field(
            "string", "ระดับตัวชี้วัด", "Result level", enum=_choices(Indicator.Level), required=True
        ),
        "direction": _field(
            "string", "ทิศทางที่ดี", "Direction of better", enum=_choices(Indicator.Direction), required=True
        ),
        "weight": _field("number", "น้ำหนัก (ร้อยละ)", "Weight (percent)", unit="%", **PERCENT),
        "status": _field(
            "string",
            "สถานะไตรมาสล่าสุดที่เผยแพร่",
            "Status of the latest published quarter",
            enum=[*QuarterReport.PUBLISHED_STATUSES, opendata.NOT_REPORTED],
            required=True,
        ),
        "headline_quarter": _field(
            "integer", "ไตรมาสล่าสุดที่ สยป. ประเมิน", "Latest assessed quarter", minimum=1, maximum=4
        ),
        "headline_score": _field(
            "number", "คะแนนผลประเมิน (0-100)", "Assessment score (0-100)", unit="score", **PERCENT
        ),
        "url": URL,
    },
    "agencies": {
        "code": _field(
            "string", "รหัสหน่วยงาน (4 หลัก)", "Agency code (4 digits)", required=True, **AGENCY_CODE
        ),
        "long_code": _field(
            "string",
            "รหัสหน่วยงาน (8 หลัก)",
            "Agency code (8 digits)",
            required=True,
            unique=True,
            pattern="[0-9]{8}",
        ),
        "name_th": _field("string", "ชื่อหน่วยงาน", "Agency name (Thai)", required=True),
        "name_en": _field("string", "ชื่อหน่วยงาน (อังกฤษ)", "Agency name (English)"),
        "abbreviation": _field("string", "ชื่อย่อ", "Abbreviation"),
        "kind": _field(
            "string", "ประเภทหน่วยงาน", "Kind of agency", enum=_choices(Agency.Kind), required=True
        ),
        "parent": _field("string", "รหัสหน่วยงานแม่", "Parent agency code", **AGENCY_CODE),
        "is_active": _field(
            "boolean",
            "ใช้งานอยู่ในวันนี้ (false: สิ้นสุดแล้ว แต่ตัวชี้วัดหรือโครงการที่เผยแพร่ยังอ้างถึง)",
            "Exists today (false: closed since, still named by published KPIs or projects)",
            required=True,
        ),
        "valid_from": _field(
            "date", "วันที่เริ่มมีผล (ว่าง: ตั้งแต่ก่อนมีบันทึก)", "First day it exists (empty: since before the records)"
        ),
        "valid_to": _field("date", "วันสุดท้ายที่มีผล (ว่าง: ยังใช้งานอยู่)", "Last day it exists (empty: still open)"),
        "kpi_count": _field(
            "integer", "จำนวนตัวชี้วัดที่เผยแพร่", "Published KPIs", unit="KPIs", required=True, minimum=0
        ),
        "url": URL,
    },
    "strategy": {
        "plan": _field("string", "รหัสแผนยุทธศาสตร์", "Strategy plan code", required=True),
        "id": _field("integer", "id ของหมุดยุทธศาสตร์", "Strategy node id", required=True, unique=True),
        "parent_id": _field("integer", "id ของหมุดแม่", "Parent node id"),
        "path": _field("string", "เลขลำดับ", "Path (Arabic digits)", required=True),
        "display_number": _field("string", "เลขลำดับตามต้นฉบับ", "Number as the plan shows it"),
        "depth": _field("integer", "ระดับชั้น (1 = ด้าน)", "Depth (1 = area)", required=True, minimum=1),
        "level_name": _field("string", "ชื่อระดับ", "Level name"),
        "title": _field("string", "ชื่อหมุด", "Title"),
        "kpi_count": _field(
            "integer",
            "จำนวนตัวชี้วัดที่เผยแพร่ที่เชื่อมโดยตรง",
            "Published KPIs linked directly",
            unit="KPIs",
            required=True,
            minimum=0,
        ),
    },
    "projects": {
        "code": _field("string", "รหัสโครงการ", "Project code", required=True, unique=True),
        "name": _field("string", "ชื่อโครงการ/กิจกรรม", "Project name"),
        "agency_code": _field("string", "รหัสหน่วยงาน", "Agency code", required=True, **AGENCY_CODE),
        "agency_name": _field("string", "ชื่อหน่วยงาน", "Agency name"),
        "fiscal_year": _field("integer", "ปีงบประมาณ พ.ศ.", "Fiscal year (Buddhist Era)", required=True),
        "progress": _field("number", "ความคืบหน้า (ร้อยละ)", "Progress (percent)", unit="%", **PERCENT),
        "budget": _field("number", "งบประมาณ (บาท)", "Budget (baht)", unit="THB", minimum=0),
        "officers": _field("string", "ผู้รับผิดชอบ (คั่นด้วย ; )", "Officers (separated by ; )"),
        "kpis": _field(
            "string",
            "รหัสตัวชี้วัดที่สนับสนุน (คั่นด้วย ; )",
            "Codes of the KPIs it supports (separated by ; )",
        ),
        "url": URL,
    },
    "city-indicators": {
        "id": _field("integer", "รหัสตัวชี้วัดการพัฒนาเมือง", "City indicator id", required=True, unique=True),
        "list_label": _field("string", "ลำดับ", "List label"),
        "name": _field("string", "ชื่อตัวชี้วัด", "Indicator name"),
        "catalogue": _field("string", "ชุดข้อมูลต้นทาง", "Source catalogue"),
        "unit": _field("string", "หน่วยนับ", "Unit of the values"),
        "target_text": _field("string", "ค่าเป้าหมาย (ตามต้นฉบับ)", "Target as written"),
        "target_value": _field("number", "ค่าเป้าหมาย (ตัวเลข)", "Target value", unit_field="unit"),
        "data_kind": _field("string", "ลักษณะข้อมูล", "Kind of data"),
        "latest_year": _field("integer", "ปีของค่าล่าสุด (พ.ศ.)", "Year of the latest value (BE)"),
        "latest_value": _field("number", "ค่าล่าสุด", "Latest value", unit_field="unit"),
        "url": URL,
    },
}


@dataclass(frozen=True)
class Dataset:
    """One open-data CSV: its resource name, URL name in the API, column list and meaning."""

    name: str
    url_name: str
    columns: list[tuple[str, Callable[[dict], Any]]]
    title_th: str
    title_en: str
    description_th: str
    description_en: str
    keywords_th: tuple[str, ...]
    keywords_en: tuple[str, ...]
    primary_key: tuple[str, ...]
    # (column, resource, column there); resource "" is the resource itself.
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    # Audited object types whose writes change it (for the rows that carry no timestamp).
    object_types: tuple[str, ...] = ()
    # Whether its rows show published KPIs (the KPIs themselves, or counts and codes of them).
    shows_kpis: bool = True


DATASETS = (
    Dataset(
        "kpis",
        "api:opendata_kpis",
        opendata.KPI_CSV,
        "ตัวชี้วัดที่เผยแพร่",
        "Published KPIs",
        "ตัวชี้วัดของหน่วยงานกรุงเทพมหานครทุกปีงบประมาณ ค่าเป้าหมาย สถานะไตรมาสล่าสุด และผลการประเมินของ สยป.",
        "The KPIs of Bangkok's agencies in every fiscal year, their targets, the status of the latest "
        "published quarter and the evaluator's latest assessment.",
        ("ตัวชี้วัด", "ผลการดำเนินงาน", "กรุงเทพมหานคร"),
        ("KPI", "performance", "Bangkok"),
        ("code",),
        (("agency_code", "agencies", "code"),),
        ("indicators.indicator", "reporting.quarterreport", "evaluation.assessment"),
    ),
    Dataset(
        "agencies",
        "api:opendata_agencies",
        opendata.AGENCY_CSV,
        "หน่วยงาน",
        "Agencies",
        "สำนัก สำนักงานเขต และสำนักงานของกรุงเทพมหานครที่ใช้งานอยู่ และหน่วยงานที่สิ้นสุดแล้ว (ยุบ รวม แยก) "
        "ซึ่งตัวชี้วัดหรือโครงการที่เผยแพร่ยังอ้างถึง พร้อมวันที่มีผล วันสิ้นสุด และจำนวนตัวชี้วัดที่เผยแพร่",
        "Bangkok's active departments, district offices and offices, and the agencies closed since "
        "(merged, split or ended) that published KPIs or projects still name, with the days they are "
        "valid and their number of published KPIs.",
        ("หน่วยงาน", "สำนักงานเขต", "กรุงเทพมหานคร"),
        ("agencies", "district offices", "Bangkok"),
        ("code",),
        (("parent", "", "code"),),
        ("agencies.agency",),
    ),
    Dataset(
        "strategy",
        "api:opendata_strategy",
        opendata.STRATEGY_CSV,
        "แผนยุทธศาสตร์และหมุดยุทธศาสตร์",
        "Strategy plans and their nodes",
        "หมุดทุกระดับของแผนยุทธศาสตร์ (ด้าน มิติ เป้าหมาย ...) ตามลำดับต้นไม้ และจำนวนตัวชี้วัดที่เชื่อมโดยตรง",
        "Every node of the strategy plans (areas, dimensions, goals, ...) in tree order with the number "
        "of published KPIs linked to it.",
        ("ยุทธศาสตร์", "แผนพัฒนากรุงเทพมหานคร"),
        ("strategy", "development plan"),
        ("id",),
        (("parent_id", "", "id"),),
        ("strategy.strategyplan", "strategy.strategynode"),
    ),
    Dataset(
        "projects",
        "api:opendata_projects",
        opendata.PROJECT_CSV,
        "โครงการ/กิจกรรม",
        "Projects and activities",
        "โครงการที่เผยแพร่ ความคืบหน้า งบประมาณ ผู้รับผิดชอบ และตัวชี้วัดที่สนับสนุน",
        "Published projects with their progress, budget, officers and the KPIs they support.",
        ("โครงการ", "งบประมาณ"),
        ("projects", "budget"),
        ("code",),
        (("agency_code", "agencies", "code"),),
        ("projects.project", "projects.projectquarterscore"),
    ),
    Dataset(
        "city-indicators",
        "api:opendata_city_indicators",
        opendata.CITY_CSV,
        "ตัวชี้วัดการพัฒนาเมือง",
        "City development indicators",
        "ฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (ตัวชี้วัดเป้าประสงค์) พร้อมค่าเป้าหมายและค่าล่าสุด",
        "The city development indicator database (goal indicators) with targets and latest values.",
        ("ตัวชี้วัดการพัฒนาเมือง", "สถิติเมือง"),
        ("city indicators", "urban statistics"),
        ("id",),
        (),
        ("cityindicators.cityindicator", "cityindicators.cityindicatorvalue"),
        shows_kpis=False,
    ),
)

# Publishing or unpublishing a year, a legacy import or a demo load is recorded on the year.
YEAR_OBJECT_TYPE = "indicators.fiscalyear"


def fields_of(dataset: Dataset) -> list[dict[str, Any]]:
    """The Table Schema fields in the CSV's own column order; a column nobody described
    yet is text (the suite fails until it is described)."""
    described = COLUMNS[dataset.name]
    fields = []
    for column, _ in dataset.columns:
        meaning = described.get(column) or {"type": "string", "title": column, "title_en": column}
        fields.append({"name": column, **meaning})
    return fields


def table_schema(dataset: Dataset) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": fields_of(dataset),
        "missingValues": MISSING_VALUES,
        "primaryKey": list(dataset.primary_key),
    }
    if dataset.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": resource, "fields": [target]}}
            for column, resource, target in dataset.foreign_keys
        ]
    return schema


# ----------------------------------------------------------------------- settings


def publisher() -> dict[str, str]:
    return {**DEFAULT_PUBLISHER, **getattr(settings, "OPEN_DATA_PUBLISHER", {})}


def licence(wording: str) -> dict[str, str]:
    """The licence: its wording (OPEN_DATA_LICENCE, as the /open-data/ page shows it) and
    the address of the licence document (OPEN_DATA_LICENCE_URL)."""
    return {"title": wording, "url": getattr(settings, "OPEN_DATA_LICENCE_URL", DEFAULT_LICENCE_URL)}


# -------------------------------------------------------------------------- dates


Span = tuple[dt.datetime | None, dt.datetime | None]


def _span(*pairs: Span) -> Span:
    firsts = [first for first, _ in pairs if first is not None]
    lasts = [last for _, last in pairs if last is not None]
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def dataset_dates() -> dict[str, Span]:
    """When each dataset was first issued and last modified, from the data: the published
    KPIs' own timestamps and those of their published quarters (for the KPIs and for the
    lists that count or name them: agencies, strategy nodes, projects); for rows that
    carry no timestamp, the audited writes of their objects. Publishing a year (and an
    import or demo load, recorded on the year) counts for every dataset. Three queries."""
    kpis = Indicator.objects.published().aggregate(first=Min("created_at"), last=Max("updated_at"))
    quarters = QuarterReport.objects.published().filter(published_kpis_q("indicator"))
    quarter_last = quarters.aggregate(last=Max("updated_at"))["last"]
    wanted = {YEAR_OBJECT_TYPE, *(t for ds in DATASETS for t in ds.object_types)}
    audited = {
        row["object_type"]: (row["first"], row["last"])
        for row in AuditEvent.objects.filter(object_type__in=sorted(wanted))
        .values("object_type")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .order_by()
    }
    year = audited.get(YEAR_OBJECT_TYPE, (None, None))
    kpi_span = _span((kpis["first"], kpis["last"]), (None, quarter_last))
    dates = {}
    for ds in DATASETS:
        spans = [year, *(audited.get(t, (None, None)) for t in ds.object_types)]
        if ds.shows_kpis:
            spans.append(kpi_span)
        dates[ds.name] = _span(*spans)
    # A dataset nothing dates (rows loaded outside the actions) is no newer than the rest.
    overall = _span(*dates.values())
    return {name: (span[0] or overall[0], span[1] or overall[1]) for name, span in dates.items()}


def iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------- documents


def csv_url(request: HttpRequest, dataset: Dataset) -> str:
    return request.build_absolute_uri(reverse(dataset.url_name)) + "?format=csv"


def api_url(request: HttpRequest, dataset: Dataset) -> str:
    return request.build_absolute_uri(reverse(dataset.url_name))


def data_package(request: HttpRequest, licence_wording: str) -> dict[str, Any]:
    """The Frictionless Data Package (tabular-data-package) of the open-data CSVs."""
    dates = dataset_dates()
    first, last = _span(*dates.values())
    who, terms = publisher(), licence(licence_wording)
    licences = [{"path": terms["url"], "title": terms["title"]}]
    package: dict[str, Any] = {
        "profile": "tabular-data-package",
        "name": IDENTIFIER_PREFIX,
        "id": request.build_absolute_uri(reverse("opendata:datapackage")),
        "title": "ข้อมูลเปิด: ตัวชี้วัดกรุงเทพมหานคร",
        "title_en": "Open data: Bangkok's KPIs",
        "description": (
            "ตัวชี้วัด หน่วยงาน แผนยุทธศาสตร์ โครงการ และตัวชี้วัดการพัฒนาเมืองที่กรุงเทพมหานครเผยแพร่ / "
            "The KPIs, agencies, strategy plans, projects and city development indicators Bangkok publishes."
        ),
        "homepage": request.build_absolute_uri(reverse("opendata:page")),
        "keywords": ["กรุงเทพมหานคร", "ตัวชี้วัด", "Bangkok", "KPI", "open data"],
        "licenses": licences,
        "contributors": [
            {"title": f"{who['name_th']} / {who['name_en']}", "role": "publisher", "path": who["url"]}
        ],
        "resources": [],
    }
    if first is not None:
        package["created"] = iso(first)
    if last is not None:
        package["modified"] = iso(last)
    for ds in DATASETS:
        resource: dict[str, Any] = {
            "profile": "tabular-data-resource",
            "name": ds.name,
            "path": csv_url(request, ds),
            "title": ds.title_th,
            "title_en": ds.title_en,
            "description": f"{ds.description_th} / {ds.description_en}",
            "format": "csv",
            "mediatype": CSV_MEDIA_TYPE,
            "encoding": CSV_ENCODING,
            "dialect": CSV_DIALECT,
            "licenses": licences,
            "schema": table_schema(ds),
        }
        issued, modified = dates[ds.name]
        if issued is not None:
            resource["created"] = iso(issued)
        if modified is not None:
            resource["modified"] = iso(modified)
        package["resources"].append(resource)
    return package


JSONLD_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    # Thai and English side by side: {"th": "...", "en": "..."} is two language-tagged literals.
    "dct:title": {"@container": "@language"},
    "dct:description": {"@container": "@language"},
    "dcat:keyword": {"@container": "@language"},
    "foaf:name": {"@container": "@language"},
    "dct:issued": {"@type": "xsd:dateTime"},
    "dct:modified": {"@type": "xsd:dateTime"},
    # Links are resources (IRIs), not text.
    "dct:license": {"@type": "@id"},
    "dcat:downloadURL": {"@type": "@id"},
    "dcat:accessURL": {"@type": "@id"},
    "dcat:landingPage": {"@type": "@id"},
    "foaf:homepage": {"@type": "@id"},
    "vcard:hasEmail": {"@type": "@id"},
    "vcard:hasURL": {"@type": "@id"},
    "dct:conformsTo": {"@type": "@id"},
}


def _dated(node: dict[str, Any], span: Span) -> dict[str, Any]:
    issued, modified = span
    if issued is not None:
        node["dct:issued"] = iso(issued)
    if modified is not None:
        node["dct:modified"] = iso(modified)
    return node


def dcat_catalog(request: HttpRequest, licence_wording: str) -> dict[str, Any]:
    """The DCAT catalogue (JSON-LD) of the open-data CSVs: one dcat:Dataset per CSV, with
    a CSV distribution (the download) and a JSON one (the paged API)."""
    dates = dataset_dates()
    who, terms = publisher(), licence(licence_wording)
    catalog_url = request.build_absolute_uri(reverse("opendata:catalog"))
    page_url = request.build_absolute_uri(reverse("opendata:page"))
    package_url = request.build_absolute_uri(reverse("opendata:datapackage"))
    agent: dict[str, Any] = {
        "@id": who["url"],
        "@type": "foaf:Organization",
        "foaf:name": {"th": who["name_th"], "en": who["name_en"]},
        "foaf:homepage": who["url"],
    }
    contact: dict[str, Any] = {
        "@type": "vcard:Organization",
        "vcard:fn": f"{who['name_th']} / {who['name_en']}",
        "vcard:hasURL": page_url,
    }
    if who.get("email"):
        contact["vcard:hasEmail"] = f"mailto:{who['email']}"
    licence_node = {"@id": terms["url"], "@type": "dct:LicenseDocument", "dct:title": {"th": terms["title"]}}
    datasets = []
    for ds in DATASETS:
        csv_link, api_link = csv_url(request, ds), api_url(request, ds)
        datasets.append(
            _dated(
                {
                    "@id": f"{catalog_url}#{ds.name}",
                    "@type": "dcat:Dataset",
                    "dct:identifier": f"{IDENTIFIER_PREFIX}-{ds.name}",
                    "dct:title": {"th": ds.title_th, "en": ds.title_en},
                    "dct:description": {"th": ds.description_th, "en": ds.description_en},
                    "dcat:keyword": {"th": list(ds.keywords_th), "en": list(ds.keywords_en)},
                    "dct:language": [
                        {"@id": "http://publications.europa.eu/resource/authority/language/THA"},
                        {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
                    ],
                    "dct:publisher": {"@id": agent["@id"]},
                    "dcat:contactPoint": contact,
                    "dct:license": terms["url"],
                    "dcat:landingPage": page_url,
                    "dcat:distribution": [
                        {
                            "@id": f"{catalog_url}#{ds.name}-csv",
                            "@type": "dcat:Distribution",
                            "dct:title": {"th": f"{ds.title_th} (CSV)", "en": f"{ds.title_en} (CSV)"},
                            "dcat:downloadURL": csv_link,
                            "dcat:accessURL": csv_link,
                            "dcat:mediaType": CSV_MEDIA_TYPE,
                            "dct:format": "CSV",
                            "dct:license": terms["url"],
                            # The Table Schema of its columns is in the Data Package.
                            "dct:conformsTo": package_url,
                        },
                        {
                            "@id": f"{catalog_url}#{ds.name}-json",
                            "@type": "dcat:Distribution",
                            "dct:title": {
                                "th": f"{ds.title_th} (JSON API แบ่งหน้า)",
                                "en": f"{ds.title_en} (paged JSON API)",
                            },
                            "dcat:accessURL": api_link,
                            "dcat:mediaType": "application/json",
                            "dct:format": "JSON",
                            "dct:license": terms["url"],
                        },
                    ],
                },
                dates[ds.name],
            )
        )
    return {
        "@context": JSONLD_CONTEXT,
        "@graph": [
            _dated(
                {
                    "@id": catalog_url,
                    "@type": "dcat:Catalog",
                    "dct:title": {"th": "ข้อมูลเปิด: ตัวชี้วัดกรุงเทพมหานคร", "en": "Open data: Bangkok's KPIs"},
                    "dct:description": {
                        "th": "ชุดข้อมูลเปิดของระบบติดตามและประเมินผลตัวชี้วัดกรุงเทพมหานคร",
                        "en": "The open data sets of Bangkok's KPI monitoring and evaluation system",
                    },
                    "dct:publisher": {"@id": agent["@id"]},
                    "dct:license": terms["url"],
                    "foaf:homepage": page_url,
                    "dct:language": [
                        {"@id": "http://publications.europa.eu/resource/authority/language/THA"},
                        {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
                    ],
                    "dcat:dataset": [{"@id": item["@id"]} for item in datasets],
                },
                _span(*dates.values()),
            ),
            agent,
            licence_node,
            *datasets,
        ],
    }
