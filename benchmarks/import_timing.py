"""Timing the two imports at the sizes issue 8 sets goals for (not a test: a measurement).

- `time_legacy_import(n_pages=1000)`: writes `n_pages` legacy pages made by varying the
  sample pages of benchmarks/data/legacy (new KPI/project codes, agencies, numbers)
  into a temporary folder and times `citykpi.exchange.legacy.import_paths` over them.
- `time_workbook_import(n_kpis=3000)`: builds the demo dataset for the fiscal year in
  progress, gathers `n_kpis` of its KPIs under one agency, builds that agency's quarter
  template, types a new result and narrative into every row (as a reporter would) and
  times `citykpi.exchange.xlsx.import_workbook(..., commit=True)`.

Both run by default in a subprocess on a fresh, migrated SQLite database (so the numbers
never depend on what the caller's database holds) and return a dict of seconds and
counts. The benchmark (benchmarks.runner) calls them; `citykpi time-import` runs them from the
shell (`--profile FILE` writes cProfile stats of the timed part). `run_legacy_import` and
`run_workbook_import` do the work in the current database, which must be empty.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # the models are imported where they are used, after Django is set up
    from citykpi.indicators.models import Unit

T = TypeVar("T")

# Copies of five legacy pages (the suite keeps its own in citykpi/exchange/tests/data):
# a tool reads its own data, never the test folders.
DATA = Path(__file__).resolve().parent / "data" / "legacy"

# The sample pages that are varied, with the key each one carries. Weights: mostly KPI
# pages (full and compact layouts), some projects and city indicators, as on the old site.
SAMPLES: list[tuple[str, str, str, int]] = [
    # (file, kind, key as written in the page, weight)
    ("seed_0409-0950.txt", "kpi", "0409-0950", 35),
    ("monitor-mykpi_2100-1054.txt", "kpi", "2100-1054", 35),
    ("monitor-mykpi_5004-0849.txt", "kpi", "5004-0849", 15),
    ("monitor-myproject_08000000-3744.txt", "project", "08000000-3744", 10),
    ("dp2-mykpi2563_87.txt", "city_indicator", "87", 5),
]
# Quarter results in the KPI tables ("20.00") and the headline values ("ผลงานที่ทำได้ ระดับ : 100").
_TABLE_NUMBER_RE = re.compile(r"^(\d{1,3})\.(\d{2})$", re.MULTILINE)
_ACHIEVED_RE = re.compile(r"^(ผลงานที่ทำได้ [^:\n]*: )(\d+(?:\.\d+)?)$", re.MULTILINE)
_PROGRESS_RE = re.compile(r"^(ความคืบหน้าโครงการ ร้อยละ )(\d+)$", re.MULTILINE)


# ------------------------------------------------------------------------------ the inputs


def legacy_pages(folder: Path, n_pages: int, *, seed: int = 2566) -> Counter:
    """Write `n_pages` distinct legacy pages into `folder`; return how many of each kind.

    Each page is a sample with a new key (KPI codes "AAAA-NNNN" over 60 agency codes, of
    which most are unknown and become placeholder agencies, as in a first migration),
    and its quarter results, achieved value and progress scaled by a random factor.
    """
    rng = random.Random(seed)
    texts = {name: (DATA / name).read_text(encoding="utf-8") for name, *_ in SAMPLES}
    weights = [w for *_, w in SAMPLES]
    agencies = [f"{n:04d}" for n in range(1000, 1060)]
    folder.mkdir(parents=True, exist_ok=True)
    kinds: Counter = Counter()
    for i in range(n_pages):
        name, kind, key, _ = rng.choices(SAMPLES, weights)[0]
        agency = agencies[i % len(agencies)]
        if kind == "kpi":
            new_key = f"{agency}-{i:04d}" if i < 10000 else f"{agency}-{i}"
        elif kind == "project":
            new_key = f"{agency}0000-{i:04d}"
        else:
            new_key = str(1000 + i)
        text = texts[name]
        if kind == "city_indicator":
            # The id is written as "pid=87" in the address and ": 87" after the name.
            text = text.replace(f"pid={key}", f"pid={new_key}").replace(f": {key}\n", f": {new_key}\n")
        else:
            text = text.replace(key, new_key)
        factor = Decimal(rng.randint(50, 100)) / 100
        # The lambdas run inside sub(), in this iteration: binding `factor` late is intended.
        text = _TABLE_NUMBER_RE.sub(lambda m: f"{Decimal(m.group(0)) * factor:.2f}", text)  # noqa: B023
        text = _ACHIEVED_RE.sub(lambda m: m.group(1) + f"{Decimal(m.group(2)) * factor:.2f}", text)  # noqa: B023
        text = _PROGRESS_RE.sub(lambda m: m.group(1) + str(rng.randint(0, 100)), text)
        (folder / f"page-{i:05d}.txt").write_text(text, encoding="utf-8")
        kinds[kind] += 1
    return kinds


def _profiled(fn: Callable[[], T], profile: str | None) -> T:
    if not profile:
        return fn()
    profiler = cProfile.Profile()
    try:
        return profiler.runcall(fn)
    finally:
        profiler.dump_stats(profile)


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def run_legacy_import(
    n_pages: int = 1000, *, fiscal_year: int = 2564, profile: str | None = None
) -> dict[str, Any]:
    """Import `n_pages` varied legacy pages into the current (empty) database; time it."""
    from citykpi.audit.models import AuditEvent
    from citykpi.exchange.legacy import import_paths

    with tempfile.TemporaryDirectory(prefix="citykpi-legacy-") as tmp:
        kinds = legacy_pages(Path(tmp), n_pages)
        audit_before = AuditEvent.objects.count()
        started = time.perf_counter()
        report = _profiled(lambda: import_paths([tmp], fiscal_year=fiscal_year), profile)
        seconds = time.perf_counter() - started
        audit_first = AuditEvent.objects.count() - audit_before
        # The same pages again: every record is read and compared, nothing changes.
        started = time.perf_counter()
        again = import_paths([tmp], fiscal_year=fiscal_year)
        reimport_seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "pages": n_pages,
        "kinds": dict(kinds),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "failed_files": len(report.failed_files),
        "findings": len(report.findings),
        "placeholder_agencies": len(report.placeholder_agencies),
        "audit_rows": audit_first,
        "reimport_seconds": round(reimport_seconds, 3),
        "reimport_unchanged": again.unchanged,
        "reimport_changed": again.created + again.updated,
        "database": _vendor(),
    }


def _typed_result(
    earlier: list[Decimal | None],
    stored: Decimal | None,
    unit: Unit | None,
    levels_top: Decimal | None,
    rng: random.Random,
) -> Decimal:
    """A new cumulative result a reporter could type: within the unit's scale, not below
    the quarters already reported (a running total), different from the stored one."""
    low = max((r for r in earlier if r is not None), default=Decimal(0))
    top = levels_top
    if top is None and unit is not None and unit.scale_max is not None:
        top = Decimal(unit.scale_max)
    if top is None and unit is not None and unit.kind == unit.Kind.PERCENT:
        top = Decimal(100)
    if top is None:
        value = low + rng.randint(1, 50)
    else:
        value = low + (top - low) * Decimal(rng.randint(20, 100)) / 100 if top > low else top
    value = value.quantize(Decimal("0.01"))
    if stored is not None and value == stored:
        value = value - Decimal("0.01") if value > low else value + Decimal("0.01")
    return value


def run_workbook_import(n_kpis: int = 3000, *, profile: str | None = None) -> dict[str, Any]:
    """Fill the current (empty) database with demo data, put `n_kpis` KPIs of the year in
    progress under one agency, and time the import of its filled quarter-4 template."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from citykpi.accounts.models import Membership, Role
    from citykpi.agencies.models import Agency
    from citykpi.audit.models import AuditEvent
    from citykpi.demo.generator import generate
    from citykpi.exchange import xlsx
    from citykpi.indicators.models import Indicator
    from citykpi.lib import fiscal
    from citykpi.quality.evaluate import level_limit
    from citykpi.reporting.models import QuarterReport

    year = fiscal.fiscal_year_of(timezone.localdate())
    # Quarter 4 stays open until after the year ends, and the demo leaves it not started.
    quarter = 4
    setup_started = time.perf_counter()
    # Roughly 7 KPIs per agency and year per unit of scale (citykpi.demo.generator).
    scale = max(1, -(-n_kpis // (7 * 80)))
    generate(scale=scale, years=[year], agency_count=80)
    agency = Agency.objects.order_by("code").first()
    if agency is None:
        raise RuntimeError("the demo made no agency")
    codes = list(
        Indicator.objects.filter(fiscal_year_id=year).order_by("code").values_list("code", flat=True)[:n_kpis]
    )
    if len(codes) < n_kpis:
        raise RuntimeError(f"the demo made only {len(codes)} KPIs in {year}, fewer than {n_kpis}")
    # One agency's template with n_kpis rows: the demo spreads KPIs over agencies.
    Indicator.objects.filter(code__in=codes).update(agency=agency)
    user = get_user_model().objects.create_user(username="timing-reporter", password=None)
    Membership.objects.create(user=user, role=Role.REPORTER, agency=agency)

    book = xlsx.build_quarter_template(agency, year, quarter)
    sheet = book[xlsx.DATA_SHEET]
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(agency=agency, fiscal_year_id=year)
        .select_related("unit")
        .prefetch_related("milestone_levels")
    }
    results: dict[tuple[int, int], Decimal | None] = {
        (indicator_id, q): value
        for indicator_id, q, value in QuarterReport.objects.filter(
            indicator__agency=agency, indicator__fiscal_year_id=year
        ).values_list("indicator_id", "quarter", "result")
    }
    rng = random.Random(year)
    rows = 0
    for row in range(xlsx.FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row, xlsx.COL["code"]).value
        if not code:
            continue
        indicator = indicators[code]
        unit = indicator.unit
        is_level = indicator.scoring_method == Indicator.Method.MILESTONE or (
            unit is not None and unit.kind == unit.Kind.LEVEL
        )
        value = _typed_result(
            [results.get((indicator.pk, q)) for q in range(1, quarter)],
            results.get((indicator.pk, quarter)),
            unit,
            level_limit(indicator) if is_level else None,
            rng,
        )
        # Thai digits in every tenth row, as some reporters type them.
        sheet.cell(row, xlsx.COL["result"]).value = _thai(value) if rows % 10 == 0 else float(value)
        sheet.cell(
            row, xlsx.COL["narrative"]
        ).value = f"ผลการดำเนินงานไตรมาสที่ {quarter} แถว {row}: ดำเนินการตามแผน"
        rows += 1
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    setup_seconds = time.perf_counter() - setup_started

    audit_before = AuditEvent.objects.count()
    started = time.perf_counter()
    result = _profiled(lambda: xlsx.import_workbook(io.BytesIO(data), user=user, commit=True), profile)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "setup_seconds": round(setup_seconds, 3),
        "rows": rows,
        "bytes": len(data),
        "changed_cells": len(result.changes),
        "saved_rows": result.saved_rows,
        "committed": result.committed,
        "errors": len(result.errors),
        "first_error": str(result.errors[0]) if result.errors else "",
        "audit_rows": AuditEvent.objects.count() - audit_before,
        "fiscal_year": year,
        "quarter": quarter,
        "database": _vendor(),
    }


def _thai(value: Decimal) -> str:
    from citykpi.lib.thai import to_thai_digits

    return to_thai_digits(str(value))


# ------------------------------------------------------------------------------ fresh databases


def _in_fresh_database(args: list[str], database_url: str | None) -> dict[str, Any]:
    """Run `citykpi time-import ARGS --json` in a subprocess on a new, migrated database."""
    with tempfile.TemporaryDirectory(prefix="citykpi-timing-") as tmp:
        env = dict(os.environ)
        env["CITYKPI_VAR"] = tmp
        env["DATABASE_URL"] = database_url or f"sqlite:///{Path(tmp) / 'timing.sqlite3'}"
        env.setdefault("DJANGO_SETTINGS_MODULE", "citykpi.settings")
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        command = [sys.executable, "-m", "citykpi"]
        subprocess.run(
            [*command, "migrate", "-v0", "--no-input", "--skip-checks"], env=env, check=True, cwd=tmp
        )
        done = subprocess.run(
            [*command, "time-import", *args, "--json"],
            env=env,
            check=True,
            cwd=tmp,
            capture_output=True,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_legacy_import(
    n_pages: int = 1000, *, fresh: bool = True, profile: str | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Seconds and counts of importing `n_pages` legacy pages (see the module docstring).

    fresh: in a subprocess on a new SQLite database (or on `database_url`, which must be
    an empty database); else in the current database, which must be empty.
    """
    if not fresh:
        return run_legacy_import(n_pages, profile=profile)
    args = ["legacy", "--pages", str(n_pages)] + (
        ["--profile", str(Path(profile).resolve())] if profile else []
    )
    return _in_fresh_database(args, database_url)


def time_workbook_import(
    n_kpis: int = 3000, *, fresh: bool = True, profile: str | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Seconds and counts of importing a quarter workbook of `n_kpis` rows, each changed."""
    if not fresh:
        return run_workbook_import(n_kpis, profile=profile)
    args = ["workbook", "--kpis", str(n_kpis)] + (
        ["--profile", str(Path(profile).resolve())] if profile else []
    )
    return _in_fresh_database(args, database_url)
