"""In-process measurements: which parts exist (probes), SQL queries per page, the raw SQL
lower bound, PDFs, imports, and the Datasette export.

Everything here runs in the benchmark's own process against the benchmark database,
through Django's test Client (the same views the server runs), never against the server.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.scales import Scale
from citykpi.agencies.models import Agency
from citykpi.exchange import xlsx
from citykpi.exchange.legacy import import_paths
from citykpi.indicators.models import Indicator
from citykpi.lib.users import AnyUser

CODE_RE = re.compile(rb"\d{4}-\d{3,6}")


class NotAvailable(Exception):
    """The part measured by a figure has not landed yet."""


@dataclasses.dataclass
class Page:
    key: str
    title: str
    path: str
    check: Callable[[int, bytes, str], bool]
    why_unavailable: str
    queries_cold: int | None = None
    queries_warm: int | None = None
    main_sql: str = ""
    main_sql_ms: float | None = None
    all_sql_ms: float | None = None
    available: bool = False
    probe_note: str = ""
    all_sql: list[str] = dataclasses.field(default_factory=list)
    uncached_ms: float | None = None  # in process, cache cleared before each request


def pick_targets(scale: Scale) -> dict[str, Any]:
    """The KPI, agency, filter and word each figure uses: deterministic, from the data."""
    year = scale.latest_year
    kpis = Indicator.objects.published().filter(fiscal_year_id=year)
    # The agency with the most KPIs in the year (the agency report PDF wants about 60).
    top = kpis.values("agency_id").annotate(n=Count("id")).order_by("-n", "agency_id").first()
    if top is None:
        raise RuntimeError(f"no published KPI in fiscal year {year}")
    agency = Agency.objects.get(pk=top["agency_id"])
    codes = list(kpis.filter(agency=agency).order_by("code").values_list("code", flat=True))
    code = codes[len(codes) // 2]
    kpi = Indicator.objects.get(code=code)
    names = list(kpis.order_by("id").values_list("name", flat=True)[:500])
    word = _common_word(names) or kpi.name[:6]
    return {
        "year": year,
        "kpi": code,
        "kpi_type": kpi.kpi_type,
        "agency": agency.code,
        "agency_kpis": top["n"],
        "word": word,
    }


# Words that KPI names of Thai agencies share; the search uses the one matching closest to a
# fifth of the year's KPIs (a realistic search: many results, not all).
SEARCH_WORDS = ["การพัฒนา", "ร้อยละ", "ระดับความสำเร็จ", "จำนวน", "ประชาชน", "โครงการ", "บริการ", "ความพึงพอใจ"]


def _common_word(names: list[str]) -> str:
    if not names:
        return ""
    scored = []
    for word in SEARCH_WORDS:
        share = sum(word in name for name in names) / len(names)
        if share > 0:
            scored.append((abs(share - 0.2), word))
    return min(scored)[1] if scored else ""


def page_specs(t: dict[str, Any]) -> list[Page]:
    from urllib.parse import urlencode

    def html_with(text: str) -> Callable[[int, bytes, str], bool]:
        return lambda status, body, ctype: status == 200 and "html" in ctype and text.encode() in body

    def json_with(text: str) -> Callable[[int, bytes, str], bool]:
        return lambda status, body, ctype: status == 200 and "json" in ctype and text.encode() in body

    home_query = urlencode({"year": t["year"], "type": t["kpi_type"], "q": t["word"]})
    agency_name = Agency.objects.get(code=t["agency"]).name_th
    return [
        Page("kpi_page", "KPI page", f"/kpi/{t['kpi']}/", html_with(t["kpi"]), "the public KPI page"),
        Page(
            "home_search",
            "Home page: filter and word search",
            f"/?{home_query}",
            lambda s, b, c: s == 200 and "html" in c and bool(CODE_RE.search(b)),
            "the home page's search",
        ),
        Page(
            "agency_page",
            "Agency annual page",
            f"/agency/{t['agency']}/?year={t['year']}",
            html_with(agency_name),
            "the agency page",
        ),
        Page(
            "dashboard",
            "Public dashboard",
            f"/dashboard/?year={t['year']}",
            lambda s, b, c: s == 200 and "html" in c,
            "the public dashboard",
        ),
        Page(
            "api_kpi",
            "GET /api/v1/kpis/{code}",
            f"/api/v1/kpis/{t['kpi']}",
            json_with(t["kpi"]),
            "the open-data API record",
        ),
        Page(
            "api_list",
            "GET /api/v1/kpis (filtered)",
            f"/api/v1/kpis?{urlencode({'year': t['year'], 'agency': t['agency'], 'type': t['kpi_type']})}",
            json_with(t["agency"]),
            "the open-data API list",
        ),
    ]


def probe_and_count(page: Page, client: Client) -> bytes:
    """Availability, then the SQL queries of one uncached and one cached request."""
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(page.path)
    body = response.content
    ctype = response.get("Content-Type", "")
    page.available = page.check(response.status_code, body, ctype)
    if not page.available:
        page.probe_note = f"HTTP {response.status_code}, {len(body)} bytes"
        return body
    with CaptureQueriesContext(connection) as warm:
        client.get(page.path)
    page.queries_cold = len(cold.captured_queries)
    page.queries_warm = len(warm.captured_queries)
    page.all_sql = [
        q["sql"] for q in cold.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    return body


def time_uncached(page: Page, client: Client, repeats: int) -> None:
    """The page's time when nothing is cached (the first view after a write), in process."""
    times = []
    for _ in range(repeats):
        cache.clear()
        started = time.perf_counter()
        client.get(page.path)
        times.append((time.perf_counter() - started) * 1000)
    page.uncached_ms = statistics.median(times)


def time_sql(sql: str, repeats: int) -> float:
    """The median time (ms) of one statement straight through the DB cursor, rows fetched."""
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeats + 1):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])  # the first run warms the page cache and plan


def measure_sql(page: Page, repeats: int) -> None:
    """Each SELECT of the uncached request run raw; the slowest of them is the page's main
    query and is timed again `repeats` times."""
    if not page.all_sql:
        return
    times = [time_sql(sql, max(3, repeats // 5)) for sql in page.all_sql]
    page.all_sql_ms = sum(times)
    page.main_sql = page.all_sql[times.index(max(times))]
    page.main_sql_ms = time_sql(page.main_sql, repeats)


# --- PDFs ---------------------------------------------------------------------------------


def time_pdf(client: Client, path: str, repeats: int) -> dict[str, Any]:
    times, pages = [], None
    for _ in range(repeats):
        cache.clear()
        started = time.perf_counter()
        response = client.get(path)
        body = (
            b"".join(response.streaming_content)
            if isinstance(response, StreamingHttpResponse)
            else response.content
        )
        times.append(time.perf_counter() - started)
        if response.status_code != 200 or not body.startswith(b"%PDF"):
            raise NotAvailable(f"{path}: HTTP {response.status_code}, not a PDF")
        pages = body.count(b"/Type /Page\n") or body.count(b"/Type/Page") or None
    return {"seconds": statistics.median(times), "runs": repeats, "bytes": len(body), "pages": pages}


# --- imports ------------------------------------------------------------------------------


def _rolled_back(fn: Callable[[], Any]) -> Any:
    """Run an import inside a transaction that is rolled back: the dataset stays reusable."""
    with transaction.atomic():
        result = fn()
        transaction.set_rollback(True)
    return result


def time_legacy_import(scale: Scale, sample_dir: Path, workdir: Path, fiscal_year: int) -> dict[str, Any]:
    samples = {
        "seed_0409-0950.txt": "0409-0950",
        "monitor-mykpi_2100-1054.txt": "2100-1054",
        "monitor-mykpi_5004-0849.txt": "5004-0849",
    }
    texts = [(sample_dir / name).read_text(encoding="utf-8") for name in samples]
    pages_dir = workdir / "legacy-pages"
    shutil.rmtree(pages_dir, ignore_errors=True)
    pages_dir.mkdir(parents=True)
    codes = list(samples.values())
    for i in range(scale.legacy_pages):
        # Vary the copies: a new KPI code (agency codes 9000-9099 are unknown: they become
        # placeholder agencies, as a real first import of another city's pages would).
        k = i % len(texts)
        new_code = f"9{i % 100:03d}-{7000 + i}"
        (pages_dir / f"page-{i:05d}.txt").write_text(texts[k].replace(codes[k], new_code), encoding="utf-8")
    started = time.perf_counter()
    report = _rolled_back(lambda: import_paths([pages_dir], fiscal_year=fiscal_year))
    seconds = time.perf_counter() - started
    shutil.rmtree(pages_dir, ignore_errors=True)
    return {
        "seconds": seconds,
        "pages": scale.legacy_pages,
        "created": getattr(report, "created", None),
        "updated": getattr(report, "updated", None),
    }


def time_workbook_import(
    agency_code: str, year: int, quarter: int, user: AnyUser, expected: int
) -> dict[str, Any]:
    """The agency's quarter template, a result typed into every row as a reporter would,
    imported with commit=True (and rolled back afterwards)."""
    agency = Agency.objects.get(code=agency_code)
    book = xlsx.build_quarter_template(agency, year, quarter)
    sheet = book[xlsx.DATA_SHEET]
    rows = 0
    for row in range(xlsx.FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(row, xlsx.COL["code"]).value:
            sheet.cell(row, xlsx.COL["result"]).value = 42.5
            rows += 1
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    started = time.perf_counter()
    result = _rolled_back(lambda: xlsx.import_workbook(io.BytesIO(data), user=user, commit=True))
    seconds = time.perf_counter() - started
    errors = list(getattr(result, "errors", []) or [])
    return {
        "seconds": seconds,
        "rows": rows,
        "expected": expected,
        "bytes": len(data),
        "errors": len(errors),
        "first_error": str(errors[0]) if errors else "",
        "changed": len(getattr(result, "changed_codes", []) or []),
    }


# --- the Datasette peer -------------------------------------------------------------------


def export_for_datasette(path: Path, years: tuple[int, ...]) -> int:
    """The published KPI table as one flat SQLite table `kpis` (primary key: code), with an
    FTS5 index on the name as sqlite-utils' enable_fts would make it."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE kpis (code TEXT PRIMARY KEY, name TEXT, agency_code TEXT, agency_name TEXT, fiscal_year INTEGER,"
        " unit TEXT, target REAL, achieved REAL, kpi_type TEXT, result_level TEXT, definition TEXT)"
    )
    rows = (
        Indicator.objects.published()
        .filter(fiscal_year_id__in=years)
        .order_by("id")
        .values_list(
            "code",
            "name",
            "agency__code",
            "agency__name_th",
            "fiscal_year_id",
            "unit__name_th",
            "target",
            "achieved",
            "kpi_type",
            "result_level",
            "definition",
        )
    )
    count = 0
    batch = []
    for row in rows.iterator(chunk_size=5_000):
        batch.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
        if len(batch) >= 5_000:
            db.executemany("INSERT INTO kpis VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
            count += len(batch)
            batch = []
    db.executemany("INSERT INTO kpis VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch)
    count += len(batch)
    db.execute("CREATE INDEX kpis_year_agency ON kpis (fiscal_year, agency_code)")
    db.execute('CREATE VIRTUAL TABLE kpis_fts USING fts5(name, content="kpis", content_rowid="rowid")')
    db.execute("INSERT INTO kpis_fts (rowid, name) SELECT rowid, name FROM kpis")
    db.commit()
    db.close()
    return count


def scratch_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=parent))
