"""A smoke run of the whole benchmark at the tiny scale: dataset, in-process figures, the
gunicorn server, wrk, the Datasette peer, and the report with every section.

It runs `citykpi bench` as a person would (a child process), against a database of its own
(a SQLite file in a temporary folder, or a PostgreSQL database next to the suite's when the
suite runs on PostgreSQL), and writes the report to a temporary path, never docs/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from benchmarks import report

ROOT = Path(settings.BASE_DIR)


def _bench_database_url(tmp_path: Path) -> tuple[str, str]:
    if connection.vendor == "postgresql":
        parts = urlsplit(os.environ["DATABASE_URL"])
        name = f"{parts.path.lstrip('/')}_bench_smoke"
        return "postgres", urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    return "sqlite", f"sqlite:///{tmp_path / 'smoke.sqlite3'}"


def test_a_tiny_benchmark_run_writes_a_report_with_every_section_and_no_server_left_behind(tmp_path):
    db, url = _bench_database_url(tmp_path)
    out = tmp_path / "benchmarks.md"
    out.write_text(
        f"old tables\n{report.HAND_START}\nWhy: kept by hand.\n{report.HAND_END}\n", encoding="utf-8"
    )
    docs = ROOT / "docs" / "benchmarks.md"
    docs_before = docs.read_bytes() if docs.exists() else None
    cmd = [
        sys.executable,
        "-m",
        "citykpi",
        "bench",
        "--scale",
        "tiny",
        "--db",
        db,
        "--database-url",
        url,
        "--workdir",
        str(tmp_path / "work"),
        "--out",
        str(out),
        "--workers",
        "2",
    ]
    # Static files are collected (and compressed) once for every smoke run, not once per run.
    env = {**os.environ, "CITYKPI_BENCH_STATIC": str(ROOT / "var" / "bench" / "static-smoke")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=170, cwd=ROOT, env=env)
    if done.returncode != 0 and "--rebuild" in done.stdout + done.stderr:
        # A PostgreSQL smoke database left by an older version of the builder: start afresh.
        done = subprocess.run(
            cmd + ["--rebuild"], capture_output=True, text=True, timeout=170, cwd=ROOT, env=env
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    text = out.read_text(encoding="utf-8")
    for _, heading in report.SECTIONS:
        assert f"### {heading}" in text
    assert "Machine: " in text and "cores" in text and "GiB memory" in text
    assert "| indicators_indicator |" in text and "| reporting_quarterreport |" in text
    # The hand-written part survives; the old generated part does not.
    assert "Why: kept by hand." in text and "old tables" not in text
    # Every figure of the issue has a row, measured or explicitly not available yet.
    for title in [
        "KPI page",
        "Home page: filter and word search",
        "Agency annual page",
        "Public dashboard",
        "GET /api/v1/kpis/{code}",
        "GET /api/v1/kpis (filtered)",
        "KPI page under wrk",
        "Same HTML as a static file",
        "API record vs Datasette row JSON",
        "Word search vs Datasette table search",
        "reporters submit at once",
        "Workbook import",
        "Legacy import",
        "One KPI's PDF",
        "Agency report PDF",
        "Worker memory after",
        # The season scenario, the headline.
        "Popular pages p95, with writes / without",
        "Cache hit rate of pages no write touched",
        "Redis memory after the scenario",
        "Worker memory after the scenario",
        "Cold KPI page",
        "Cold API record vs Datasette row JSON",
        "One report save in process",
    ]:
        rows = [line for line in text.splitlines() if line.startswith("| ") and title in line.split(" | ")[0]]
        assert rows, title
        assert all(
            re.search(r"\| (not available yet|error|[\d,.]+ (ms|req/s|x|s|MiB|errors|%|MB|queries)) \|", r)
            for r in rows
        ), rows
    # The static-file baseline needs nothing from the others: it is always measured.
    assert re.search(r"\| Same HTML as a static file \| [\d,.]+ req/s", text)
    # The servers were stopped: nothing listens from this run's gunicorn or Datasette.
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert leftover == ""
    assert (docs.read_bytes() if docs.exists() else None) == docs_before
