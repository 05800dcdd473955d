"""The public document of a KPI: everything its public page and its API record show, in one
row (issue #13.4), so that reading a public KPI is one query, cold or warm.

A document (`publicdata.models.KpiDocument`) holds the KPI's published facts in a
language-neutral JSON body (both languages where they differ; numbers as decimal strings)
and the data versions it was built under: the KPI's scope and ``site``
(citykpi.publicdata.versions). `read(code)` fetches the body and compares those versions
with the current ones in the same query; a document is used only while they match, so it
can never show what a later write changed (the same guarantee as the page cache).

Kept current by the writes themselves: after a write that bumped a KPI's scope commits,
its document is rebuilt in the same request (`transaction.on_commit`, so the rebuild sees
exactly what was committed, whatever order the write's own steps ran in). A write that
bumps ``site`` (a year published, an agency renamed) leaves every document out of date;
each is rebuilt on its next read, or all at once by `citykpi build-documents`.

The page context (`page_context_of`) and the API record (`record_of`) are both made from
the body, so the screen, the print page and the open-data record cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from citykpi.agencies.history import name_then_annotations
from citykpi.agencies.models import Agency
from citykpi.indicators.models import Indicator
from citykpi.lib.i18n import is_english
from citykpi.projects.models import Project
from citykpi.publicdata import kpi_page, versions
from citykpi.publicdata.attached import prefetched
from citykpi.publicdata.models import KpiDocument
from citykpi.quality import scoring
from citykpi.quality.rules import Limits, findings_for
from citykpi.reporting import claims, commitments
from citykpi.reporting.models import QuarterReport, has_evidenced_claim
from citykpi.strategy.models import StrategyNode

# The body's layout; a body of another format is rebuilt on read. Bump it too when
# `record_of` changes what a record holds (the stored record bytes are made from it).
FORMAT = 2
BATCH = 400

# How the open-data API serialises a record (`record_of(body)` -> the bytes it answers),
# registered by the API app (citykpi.api.apps; the read models cannot import a surface),
# with a name for that serialisation (a hash of its schema): a stored record made by
# another is remade at the document's next read. Unset (no API app), no record is stored.
RecordEncoder = Callable[[dict[str, Any]], bytes]
_record_encoder: tuple[str, RecordEncoder] | None = None


def set_record_encoder(name: str, encoder: RecordEncoder) -> None:
    global _record_encoder
    _record_encoder = (name, encoder)


def record_format() -> str:
    """The name of the records the current code makes ("" when it makes none)."""
    return f"{FORMAT}:{_record_encoder[0]}" if _record_encoder else ""


def _record_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The stored record of a body: its bytes (addresses relative, see `read_record`)."""
    if _record_encoder is None:
        return {"record": "", "record_format": "", "record_modified": None}
    return {
        "record": _record_encoder[1](body).decode("utf-8"),
        "record_format": record_format(),
        "record_modified": last_modified(body),
    }


def _dec(value: Any) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _agency(agency: Agency, then: Any = None) -> dict[str, Any]:
    """The agency as it was named in the KPI's year: `then` carries the annotations of
    citykpi.agencies.history.name_then_annotations (no query; docs/setup.md)."""
    name_th = getattr(then, "agency_name_th_then", None)
    return {
        "code": agency.code,
        "long_code": agency.long_code,
        "name_th": name_th or agency.name_th,
        "name_en": getattr(then, "agency_name_en_then", None) if name_th else agency.name_en,
    }


def _node(node: StrategyNode) -> dict[str, Any]:
    return {**kpi_page.node_dict(node), "title_truncated": node.title_truncated}


def _standing(indicator: Indicator) -> dict[str, Any]:
    standing = kpi_page.standing_of(indicator)
    return {
        "status": standing["status"],
        "quarter": standing["quarter"],
        "progress": _dec(standing["progress"]),
    }


def _quarter(report: QuarterReport) -> dict[str, Any]:
    assessment = kpi_page.assessment_of(report)
    return {
        "quarter": report.quarter,
        "planned_target": _dec(report.planned_target),
        "result": _dec(report.result),
        "narrative": report.narrative,
        "status": report.status,
        "version": report.version,
        "updated_at": report.updated_at.isoformat() if report.updated_at else None,
        # Why a quarter behind plan is behind, what will be done, and the evidence cited (#15).
        **commitments.published_account([report]).get(report.quarter, {"causes": [], "actions": []}),
        "references": claims.published_references([report]).get(report.quarter, []),
        "assessment": (
            None
            if assessment is None
            else {
                "score": _dec(assessment.score),
                "components": {str(k): v for k, v in (assessment.components or {}).items()},
                "assessed_at": assessment.assessed_at.isoformat() if assessment.assessed_at else None,
            }
        ),
    }


def body_of(
    indicator: Indicator,
    *,
    quarters: list[QuarterReport],
    nodes: list,
    ancestors: dict,
    projects: list[Project],
    milestone_levels: list,
    limits: Limits | None = None,
) -> dict[str, Any]:
    """The document's body from rows already read (no query when `limits` is given)."""
    paths = kpi_page.paths_through(nodes, ancestors)
    found = kpi_page.headline(quarters)
    unit = indicator.unit if indicator.unit_id else None
    dimension = indicator.dimension if indicator.dimension_id else None
    return {
        "format": FORMAT,
        "code": indicator.code,
        "list_label": indicator.list_label,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "display_name": indicator.display_name,
        "agency": _agency(indicator.agency, indicator),
        "fiscal_year": indicator.fiscal_year_id,
        "components": list(indicator.fiscal_year.assessment_components or kpi_page.DEFAULT_COMPONENTS),
        "unit_name": indicator.unit_name,
        "unit_th": unit.name_th if unit else None,
        "unit_en": unit.name_en if unit else "",
        "target": _dec(indicator.target),
        "target_text": indicator.target_text,
        "achieved": _dec(indicator.achieved),
        "kpi_type": indicator.kpi_type,
        "result_level": indicator.result_level,
        "direction": indicator.direction,
        "weight": _dec(indicator.weight),
        "scoring_method": indicator.scoring_method,
        "dimension": None if dimension is None else {"number": dimension.number, "label": str(dimension)},
        "is_negotiated": indicator.is_negotiated,
        "legacy_counter": indicator.legacy_counter,
        "annual_summary": indicator.annual_summary,
        "definition": indicator.definition,
        "calculation_method": indicator.calculation_method,
        "data_collection": indicator.data_collection,
        "updated_at": indicator.updated_at.isoformat() if indicator.updated_at else None,
        "headline": None if found is None else {"quarter": found.quarter, "score": _dec(found.score)},
        "quarters": [_quarter(report) for report in quarters if report.is_published],
        "milestone_levels": [
            {
                "level": m.level,
                "description": m.description,
                "percent": _dec(m.percent),
                "points": _dec(m.points),
            }
            for m in milestone_levels
        ],
        "strategy": [
            {
                "plan": {
                    "id": item["plan"].pk,
                    "code": item["plan"].code,
                    "name_th": item["plan"].name_th,
                    "name_en": item["plan"].name_en,
                    "is_primary": item["plan"].is_primary,
                },
                "path": [_node(n) for n in item["path"]],
            }
            for item in paths
        ],
        "projects": [
            {
                "code": p.code,
                "name": p.name,
                "agency": _agency(p.agency),
                "progress": _dec(p.progress),
            }
            for p in projects
        ],
        "standing": _standing(indicator),
        "quality_findings": kpi_page.finding_dicts(
            findings_for(
                indicator,
                quarters,
                limits=limits,
                levels=[scoring.Level(m.level, m.percent, m.points) for m in milestone_levels],
                nodes=nodes,
            )
        ),
    }


# ------------------------------------------------------------------------------ building


def _public_kpis() -> QuerySet[Indicator]:
    return kpi_page.public_indicators()


def _with_everything(queryset: QuerySet[Indicator]) -> QuerySet[Indicator]:
    # The agency's name in the KPI's year, as subqueries of the same query.
    return queryset.annotate(**name_then_annotations()).prefetch_related(
        Prefetch(
            "quarters",
            queryset=QuarterReport.objects.published()
            .select_related("assessment")
            .annotate(has_evidenced_claim=has_evidenced_claim(), has_account=commitments.has_account())
            .order_by("quarter"),
            to_attr="document_quarters",
        ),
        Prefetch(
            "strategy_nodes", queryset=StrategyNode.objects.select_related("plan"), to_attr="document_nodes"
        ),
        "milestone_levels",
        Prefetch(
            "projects",
            queryset=Project.objects.published().select_related("agency").order_by("code"),
            to_attr="document_projects",
        ),
    )


def _bodies(kpis: list[Indicator]) -> dict[int, dict[str, Any]]:
    """The bodies of KPIs read with `_with_everything`: one more query for the strategy
    ancestors of all of them, one per fiscal year for its data-quality limits."""
    # The causes, corrective actions and claims of the quarters that have any (#15).
    commitments.attach_public_account(
        q for kpi in kpis for q in prefetched(kpi, "document_quarters", QuarterReport)
    )
    nodes = [n for kpi in kpis for n in prefetched(kpi, "document_nodes", StrategyNode)]
    ancestors = kpi_page.strategy_ancestors(nodes)
    limits = {year: Limits.for_year(year) for year in {kpi.fiscal_year_id for kpi in kpis}}
    return {
        kpi.pk: body_of(
            kpi,
            quarters=prefetched(kpi, "document_quarters", QuarterReport),
            nodes=prefetched(kpi, "document_nodes", StrategyNode),
            ancestors=ancestors,
            projects=prefetched(kpi, "document_projects", Project),
            milestone_levels=list(kpi.milestone_levels.all()),
            limits=limits[kpi.fiscal_year_id],
        )
        for kpi in kpis
    }


def build(indicator_ids: Iterable[int]) -> int:
    """(Re)build and store the documents of these KPIs in batches: a handful of queries per
    batch. KPIs no longer public lose their document. Returns how many were written."""
    ids = sorted(set(indicator_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        written += len(_build_batch(ids[start : start + BATCH]))
    return written


def _build_batch(ids: list[int]) -> dict[int, dict[str, Any]]:
    codes = dict(Indicator.objects.filter(pk__in=ids).values_list("pk", "code"))
    with transaction.atomic():
        # Versions first, then the data: a write committing in between leaves the document
        # behind (rebuilt at the next read), never ahead.
        numbers = versions.numbers([versions.SITE, *(versions.kpi(code) for code in codes.values())])
        kpis = list(_with_everything(_public_kpis().filter(pk__in=ids)))
        bodies = _bodies(kpis)
        now = timezone.now()
        rows = [
            KpiDocument(
                indicator_id=kpi.pk,
                code=kpi.code,
                kpi_version=numbers.get(versions.kpi(kpi.code), 0),
                site_version=numbers.get(versions.SITE, 0),
                body=bodies[kpi.pk],
                built_at=now,
                **_record_fields(bodies[kpi.pk]),
            )
            for kpi in kpis
        ]
        KpiDocument.objects.filter(pk__in=ids).exclude(pk__in=list(bodies)).delete()
        KpiDocument.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["indicator"],
            update_fields=[
                "code",
                "kpi_version",
                "site_version",
                "body",
                "built_at",
                "record",
                "record_format",
                "record_modified",
            ],
        )
    return bodies


def build_all(year: int | None = None) -> int:
    queryset = _public_kpis()
    if year is not None:
        queryset = queryset.filter(fiscal_year_id=year)
    return build(queryset.values_list("pk", flat=True))


# ------------------------------------------------------------------------------- reading


def read(code: str) -> dict[str, Any] | None:
    """The current document's body of a public KPI, built now if it is missing or out of
    date; None when no public KPI has this code. One query when the document is current.

    With the server-side caches turned off (PUBLIC_CACHE_SECONDS = 0, as in the test suite
    where data is written behind the actions' back), the body is built from the rows on
    every read and not stored: the pages still go through the document."""
    if settings.PUBLIC_CACHE_SECONDS <= 0:
        kpis = list(_with_everything(_public_kpis().filter(code=code)))
        return _bodies(kpis)[kpis[0].pk] if kpis else None
    table = connection.ops.quote_name(KpiDocument._meta.db_table)
    version_table = connection.ops.quote_name("publicdata_dataversion")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.body, d.indicator_id, "
            f"CASE WHEN d.kpi_version = COALESCE(k.number, 0) AND d.site_version = COALESCE(s.number, 0) "
            f"THEN 1 ELSE 0 END, d.record_format "
            f"FROM {table} d "
            f"LEFT JOIN {version_table} k ON k.scope = %s "
            f"LEFT JOIN {version_table} s ON s.scope = %s "
            f"WHERE d.code = %s",
            [versions.kpi(code), versions.SITE, code],
        )
        found = cursor.fetchone()
    if found is not None:
        raw, indicator_id, current, made_by = found
        field = KpiDocument._meta.get_field("body")
        body = field.from_db_value(raw, field.cached_col, connection)
        if current and body.get("format") == FORMAT and made_by == record_format():
            return body
    else:
        indicator_id = Indicator.objects.filter(code=code).values_list("pk", flat=True).first()
        if indicator_id is None:
            return None
    return _build_batch([indicator_id]).get(indicator_id)


def read_record(code: str) -> tuple[str, dt.datetime | None] | None:
    """The stored open-data record of a public KPI, as the API answers it, and when its
    data last changed; None unless its document is current and holds a record of the
    current format (then the API builds the document, `read`). One query.

    The record's two addresses are stored relative: ``"url":"/kpi/<code>/"`` and
    ``"api_url":"/api/v1/kpis/<code>"``; `with_host` makes them absolute."""
    made_by = record_format()
    if not made_by or settings.PUBLIC_CACHE_SECONDS <= 0:
        return None
    table = connection.ops.quote_name(KpiDocument._meta.db_table)
    version_table = connection.ops.quote_name("publicdata_dataversion")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT d.record, d.record_modified FROM {table} d "
            f"LEFT JOIN {version_table} k ON k.scope = %s "
            f"LEFT JOIN {version_table} s ON s.scope = %s "
            f"WHERE d.code = %s AND d.record_format = %s "
            f"AND d.kpi_version = COALESCE(k.number, 0) AND d.site_version = COALESCE(s.number, 0)",
            [versions.kpi(code), versions.SITE, code, made_by],
        )
        found = cursor.fetchone()
    if found is None:
        return None
    modified = KpiDocument._meta.get_field("record_modified").to_python(found[1])
    if modified is not None and settings.USE_TZ and timezone.is_naive(modified):
        modified = timezone.make_aware(modified, dt.UTC)  # SQLite gives naive UTC
    return found[0], modified


def with_host(record: str, host: str) -> bytes:
    """A stored record with its addresses made absolute: `host` is ``scheme://name[:port]``.
    In the serialised JSON a key is always preceded by a real quote, which a string's
    content never holds unescaped, so only the record's own two keys can match."""
    return (
        record.replace('"url":"/', f'"url":"{host}/', 1)
        .replace('"api_url":"/', f'"api_url":"{host}/', 1)
        .encode("utf-8")
    )


def fill_records() -> int:
    """Make the stored record of every document that lacks one of the current format, from
    its stored body (no rows read again; a document rebuilt meanwhile is left as it is).
    For a database whose documents were built before records were stored, or by another
    release. Returns how many were made."""
    made_by = record_format()
    if not made_by:
        return 0
    made = 0
    stale = KpiDocument.objects.exclude(record_format=made_by)
    while True:
        batch = list(stale.order_by("pk").values("pk", "kpi_version", "site_version", "body")[:BATCH])
        if not batch:
            return made
        with transaction.atomic():
            for row in batch:
                if row["body"].get("format") != FORMAT:
                    continue  # rebuilt from the rows at its next read
                made += KpiDocument.objects.filter(
                    pk=row["pk"], kpi_version=row["kpi_version"], site_version=row["site_version"]
                ).update(**_record_fields(row["body"]))
        stale = stale.exclude(pk__lte=batch[-1]["pk"])


class _Rebuild:
    """The rebuild one transaction has waiting for its commit: the codes of every write in it."""

    def __init__(self) -> None:
        self.codes: set[str] = set()

    def __call__(self) -> None:
        build(Indicator.objects.filter(code__in=self.codes).values_list("pk", flat=True))


def rebuild_on_commit(scopes: Iterable[str]) -> None:
    """Called by the invalidation with the scopes a write bumped: once the write's
    transaction commits, rebuild the documents of the KPIs among them (one rebuild per
    transaction, however many writes it records). A transaction that rolls back takes its
    waiting rebuild with it (Django drops its on-commit callbacks); a savepoint rolled back
    may drop codes a later write added, which only leaves those documents to be rebuilt at
    their next read (their versions moved)."""
    prefix = versions.kpi("")
    codes = {scope[len(prefix) :] for scope in scopes if scope.startswith(prefix)}
    if not codes:
        return
    conn = transaction.get_connection()
    for _, waiting, _ in conn.run_on_commit:
        if isinstance(waiting, _Rebuild):
            waiting.codes |= codes
            return
    job = _Rebuild()
    job.codes |= codes
    transaction.on_commit(job)


# ------------------------------------------------------------------ the page and the record


def _title_of(body: dict[str, Any]) -> str:
    return body["display_name"]


def page_context_of(body: dict[str, Any]) -> dict[str, Any]:
    """The KPI page's template context from a document (no query): the same keys as
    kpi_page.page_context, with dicts where that has model instances."""
    english = is_english()
    components = body["components"]
    by_quarter = {q["quarter"]: q for q in body["quarters"]}
    rows = []
    for number in kpi_page.QUARTERS:
        report = by_quarter.get(number)
        assessment = report["assessment"] if report else None
        raw = (assessment or {}).get("components") or {}
        rows.append(
            {
                "quarter": number,
                "report": report,
                "planned_target": _undec(report["planned_target"]) if report else None,
                "result": _undec(report["result"]) if report else None,
                "assessed": assessment is not None,
                "score": _undec(assessment["score"]) if assessment else None,
                "components": [
                    {"name": name, "value": kpi_page.component_decimal(raw.get(name))} for name in components
                ],
                "narrative": report["narrative"] if report else "",
                "published": report is not None,
                "causes": report.get("causes", []) if report else [],
                "actions": [_dated(a, "due_date") for a in report.get("actions", [])] if report else [],
                "references": [_dated(r, "letter_date") for r in report.get("references", [])]
                if report
                else [],
            }
        )
    primary = [item for item in body["strategy"] if item["plan"]["is_primary"]]
    others: list[dict[str, Any]] = []
    for item in body["strategy"]:
        if item["plan"]["is_primary"]:
            continue
        if not others or others[-1]["plan"]["id"] != item["plan"]["id"]:
            others.append({"plan": item["plan"], "paths": []})
        others[-1]["paths"].append([_page_node(n) for n in item["path"]])
    area = primary[0]["path"][0] if primary and primary[0]["path"] else None
    city_url = reverse("portal:city_indicators")
    if area is not None:
        city_url += "?" + urlencode({"node": area["id"]})
    code = body["code"]
    headline = body["headline"]
    unit_label = body["unit_en"] if english and body["unit_en"] else body["unit_name"]
    return {
        "indicator": {"code": code},
        "code": code,
        "title": _title_of(body),
        "name": body["name_en"] if english and body["name_en"] else body["name"],
        "list_label": body["list_label"],
        "agency": body["agency"],
        "fiscal_year": {"year": body["fiscal_year"], "pk": body["fiscal_year"]},
        "unit_name": body["unit_name"],
        "unit_label": unit_label,
        "target": _undec(body["target"]),
        "target_text": body["target_text"],
        "achieved": _undec(body["achieved"]),
        "type_label": kpi_page.type_label(body["kpi_type"]),
        "level_label": kpi_page.level_label(body["result_level"]),
        "dimension": body["dimension"],
        "is_negotiated": body["is_negotiated"],
        "legacy_counter": body["legacy_counter"],
        "print_url": reverse("portal:kpi_print", args=[code]),
        "kpi_url": reverse("portal:kpi", args=[code]),
        "headline": None
        if headline is None
        else kpi_page.Headline(headline["quarter"], Decimal(headline["score"])),
        "components": components,
        "quarter_rows": rows,
        "chart_svg": kpi_page.quarter_chart(rows, unit_label),
        "narratives": [(row["quarter"], row["narrative"], row["published"]) for row in rows],
        "annual_summary": body["annual_summary"],
        "definition": body["definition"],
        "calculation_method": body["calculation_method"],
        "milestone_levels": [
            {**m, "percent": _undec(m["percent"]), "points": _undec(m["points"])}
            for m in body["milestone_levels"]
        ],
        "data_collection": body["data_collection"],
        "strategy_primary": [[_page_node(n) for n in item["path"]] for item in primary],
        "strategy_other": others,
        "projects": [{**p, "progress": _undec(p["progress"])} for p in body["projects"]],
        "city_area": area,
        "city_indicators_url": city_url,
        "standing": kpi_page.standing_context(
            body["standing"]["status"], body["standing"]["quarter"], _undec(body["standing"]["progress"])
        ),
        "quality_notes": kpi_page.quality_notes(body["quality_findings"]),
    }


def _dated(item: dict[str, Any], key: str) -> dict[str, Any]:
    """A stored item with its ISO date as a date (for the page's Thai dates)."""
    return {**item, key: dt.date.fromisoformat(item[key]) if item.get(key) else None}


def _page_node(node: dict[str, Any]) -> dict[str, Any]:
    return {**node, "pk": node["id"]}


def _float(value: str | None) -> float | None:
    return None if value is None else float(value)


def record_of(body: dict[str, Any], absolute: Any) -> dict[str, Any]:
    """The open-data API record of a public KPI (`GET /api/v1/kpis/{code}`) from a document.
    `absolute(path)` makes a full address (request.build_absolute_uri)."""
    quarters = body["quarters"]
    status = max(quarters, key=lambda q: q["quarter"])["status"] if quarters else "not_reported"
    headline = body["headline"]
    return {
        "code": body["code"],
        "list_label": body["list_label"],
        "name": body["name"],
        "name_en": body["name_en"],
        "agency": {k: body["agency"][k] for k in ("code", "name_th", "name_en")},
        "fiscal_year": body["fiscal_year"],
        "unit": body["unit_th"],
        "target": _float(body["target"]),
        "target_text": body["target_text"],
        "achieved": _float(body["achieved"]),
        "kpi_type": body["kpi_type"],
        "result_level": body["result_level"],
        "direction": body["direction"],
        "weight": _float(body["weight"]),
        "status": status,
        "headline": None
        if headline is None
        else {"quarter": headline["quarter"], "score": float(headline["score"])},
        "url": absolute(reverse("portal:kpi", args=[body["code"]])),
        "api_url": absolute(reverse("api:opendata_kpi", args=[body["code"]])),
        "definition": body["definition"],
        "calculation_method": body["calculation_method"],
        "scoring_method": body["scoring_method"],
        "data_collection": body["data_collection"],
        "annual_summary": body["annual_summary"],
        "dimension": body["dimension"]["label"] if body["dimension"] else None,
        "is_negotiated": body["is_negotiated"],
        "milestone_levels": [
            {
                "level": m["level"],
                "description": m["description"],
                "percent": float(m["percent"]),
                "points": float(m["points"]),
            }
            for m in body["milestone_levels"]
        ],
        "quarters": [
            {
                "quarter": q["quarter"],
                "planned_target": _float(q["planned_target"]),
                "result": _float(q["result"]),
                "narrative": q["narrative"],
                "status": q["status"],
                "version": q["version"],
                "published": True,
                "assessment": _record_assessment(q["assessment"]),
            }
            for q in quarters
        ],
        "strategy": [
            {
                "plan": item["plan"]["code"],
                "plan_name": item["plan"]["name_th"],
                "nodes": [
                    {k: n[k] for k in ("id", "plan", "path", "display_number", "heading", "depth")}
                    for n in item["path"]
                ],
            }
            for item in body["strategy"]
        ],
        "projects": [
            {
                "code": p["code"],
                "name": p["name"],
                "agency": p["agency"]["code"],
                "progress": _float(p["progress"]),
            }
            for p in body["projects"]
        ],
        "quality_findings": [
            {
                "rule": f["rule"],
                "severity": f["severity"],
                "message": f["message"],
            }
            for f in body["quality_findings"]
        ],
    }


def _record_assessment(assessment: dict[str, Any] | None) -> dict[str, Any] | None:
    if assessment is None:
        return None
    components = {}
    for name, raw in (assessment["components"] or {}).items():
        try:
            components[name] = None if raw in (None, "") else float(raw)
        except (TypeError, ValueError):
            components[name] = None
    assessed = assessment["assessed_at"]
    return {
        "score": float(assessment["score"]),
        "components": components,
        "assessed_at": dt.datetime.fromisoformat(assessed) if assessed else None,
    }


def last_modified(body: dict[str, Any]) -> dt.datetime | None:
    stamps = [body["updated_at"], *(q["updated_at"] for q in body["quarters"])]
    found = [dt.datetime.fromisoformat(s) for s in stamps if s]
    return max(found) if found else None
