"""docs/benchmarks.md from the results of one `citykpi bench` command.

The generated part is rewritten on every run; the hand-written part (between the
HAND_START and HAND_END markers: why a goal is missed, what to do about it) is kept.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

HAND_START = "<!-- hand-written: everything up to the end marker is kept by `citykpi bench` -->"
HAND_END = "<!-- end of the hand-written part -->"
DEFAULT_HAND = """## Why goals are missed (hand-written)

Write here, by hand, why each missed goal is missed and what would fix it. `citykpi bench`
keeps this section when it rewrites the tables above.
"""

SEASON_HEADING = "The reporting season: readers on distinct addresses while writers save, submit and assess"
SECTIONS = [
    ("season", SEASON_HEADING),
    ("latency", "Pages and API: latency of warm requests to one address (secondary)"),
    ("throughput", "Throughput of the KPI page (wrk) against the same HTML as a static file"),
    ("peer", "Peer: the same KPI table published with Datasette"),
    ("lower_bound", "Lower bound: the uncached page against its main SQL query run raw"),
    ("deadline", "The quarter deadline: concurrent reporters"),
    ("imports", "Imports"),
    ("pdf", "PDFs"),
    ("memory", "Memory"),
]

# key -> (operator, limit, text); national overrides below. Figures without a goal show "-".
GOALS: dict[str, tuple[str, float, str]] = {
    "kpi_page": ("<=", 20, "p95 <= 20 ms"),
    "api_kpi": ("<=", 20, "p95 <= 20 ms"),
    "home_search": ("<=", 50, "p95 <= 50 ms"),
    "agency_page": ("<=", 50, "p95 <= 50 ms"),
    "dashboard": ("<=", 200, "p95 <= 200 ms"),
    "sql_dashboard": ("<=", 3, "<= 3x its raw SQL (uncached)"),
    "peer_row": ("<=", 1, "no slower than Datasette (<= 1x)"),
    "throughput_kpi": (">=", 300, ">= 300 req/s"),
    "deadline": ("<=", 300, "p95 <= 300 ms (PostgreSQL)"),
    "deadline_errors": ("<=", 0, "0 errors"),
    "deadline_compressed": ("<=", 150, "write p95 <= 150 ms"),
    "deadline_compressed_reads": ("<=", 2, "read p95 <= 2x quiet"),
    "deadline_compressed_errors": ("<=", 0, "0 errors"),
    "import_xlsx": ("<=", 15, "< 15 s"),
    "import_legacy": ("<=", 15, "< 15 s"),
    "pdf_agency": ("<=", 20, "< 20 s"),
    "memory": ("<=", 2, "no growth (<= 2 MiB per worker over the second half)"),
    # The season (issue 13).
    "season_popular": ("<=", 2, "p95 with writes <= 2x without"),
    "season_hit": (">=", 95, ">= 95 %"),
    "season_redis": ("<=", 100, "<= 100 MB after 10 min"),
    "season_cold_kpi": ("<=", 15, "p95 <= 15 ms"),
    "season_cold_api": ("<=", 1, "p95 <= 1.0x Datasette's"),
    "season_save_queries": ("<=", 10, "<= 10 queries"),
    "season_save_ms": ("<=", 10, "<= 10 ms"),
}
NATIONAL_GOALS = {"kpi_page": ("<=", 30, "p95 <= 30 ms")}


def goal_for(key: str, scale: str) -> tuple[str, float, str] | None:
    if scale == "national":
        # At national scale the issue states one goal: the KPI page.
        return NATIONAL_GOALS.get(key)
    return GOALS.get(key)


def verdict(figure: dict[str, Any], scale: str, goals_apply: bool) -> tuple[str, str]:
    """(goal text, met/missed text)."""
    goal = goal_for(figure["key"], scale)
    if goal is None:
        return "-", "-"
    op, limit, text = goal
    if figure["status"] != "ok" or figure["value"] is None:
        return text, "-"
    value = figure["value"]
    met = value <= limit if op == "<=" else value >= limit
    if met:
        result = "met"
    else:
        gap = value - limit if op == "<=" else limit - value
        pct = f" ({gap / limit * 100:.0f} %)" if limit else ""
        result = f"**missed** by {_num(gap)} {figure['unit']}{pct}"
    if not goals_apply:
        result += " (goal is for the city scale)"
    return text, result


def _num(value: float | None, places: int | None = None) -> str:
    if value is None:
        return "-"
    if places is None:
        places = 0 if abs(value) >= 100 else 1 if abs(value) >= 10 else 2
    return f"{value:,.{places}f}"


def _value(f: dict[str, Any]) -> str:
    if f["status"] == "n/a":
        return "not available yet"
    if f["status"] == "error" and f["value"] is None:
        return "error"
    if f["value"] is None:
        return "-"
    return f"{_num(f['value'])} {f['unit']}"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_run(run: dict[str, Any]) -> str:
    db = run["database"]
    ds = run["dataset"]
    lines = [
        f"## {db['vendor']} {db['version']} (`{db['name']}`)",
        "",
        f"- Date: {run['started']}; the run took {run['seconds']:.0f} s.",
        f"- Command: `{run['command']}`",
        f"- Server: `{run['server']}`; cache: {run['cache']}.",
        f"- Dataset: scale **{run['scale']}**, builder `{ds['spec']['builder']}`, "
        + (
            f"reused (built {ds['built_at']})"
            if ds.get("reused")
            else f"built in {ds.get('build_seconds', '?')} s"
        )
        + f"; measured on KPI `{run['targets']['kpi']}`, agency `{run['targets']['agency']}` "
        f"({run['targets']['agency_kpis']} KPIs), fiscal year {run['targets']['year']}, word “{run['targets']['word']}”.",
        f"- Published KPIs of the dataset: {ds['kpis']:,}. The row counts below also hold the unpublished fiscal year "
        f"{run['deadline_year']} that the workbook import and the deadline test write into (reset on every run).",
        "",
        "| table | rows |",
        "|---|---:|",
    ]
    for table, n in ds["counts"].items():
        lines.append(f"| {table} | {n:,} |")
    lines.append(f"| (Datasette export: kpis) | {ds.get('datasette_rows', 0):,} |")
    lines.append("")
    by_section: dict[str, list[dict[str, Any]]] = {}
    for f in run["figures"]:
        by_section.setdefault(f["section"], []).append(f)
    for key, heading in SECTIONS:
        lines += [f"### {heading}", ""]
        figures = by_section.get(key, [])
        if key == "season" and run.get("season"):
            lines += render_season(run["season"])
        if not figures:
            lines += ["Not measured in this run.", ""]
            continue
        lines += [
            "| figure | value | p50 | p95 | n | SQL queries (uncached / cached) | goal | result | notes | command |",
            "|---|---:|---:|---:|---:|---:|---|---|---|---|",
        ]
        for f in figures:
            goal, result = verdict(f, run["scale"], run["goals_apply"])
            p_unit = " ms" if f["p50"] is not None else ""
            lines.append(
                "| "
                + " | ".join(
                    _cell(x)
                    for x in [
                        f["title"],
                        _value(f),
                        _num(f["p50"]) + p_unit if f["p50"] is not None else "-",
                        _num(f["p95"]) + p_unit if f["p95"] is not None else "-",
                        f["n"] if f["n"] is not None else "-",
                        f["queries"] or "-",
                        goal,
                        result,
                        f["note"] or "",
                        f"`{f['command']}`" if f["command"] else "",
                    ]
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{_num(value)} ms"


def render_season(season: dict[str, Any]) -> list[str]:
    """The headline table: per page type, the phase with writes (and the p95 without)."""
    w, b = season["write"], season["base"]
    writes = season["writes"]
    rates = season["rates"]
    lines = [
        f"{season['readers']} reader processes (closed loop, one keep-alive connection each) over "
        f"{season['addresses']:,} distinct addresses drawn with a Zipf skew (1/rank within each page type), "
        f"for {season['warmup_seconds']:g} s of warm-up, {season['base_seconds']:g} s without writes, then "
        f"{season['seconds']:g} s while one writer thread, through the actions, saved "
        f"{writes['save']['n']} drafts (every {rates['draft_every']:g} s, p50 {_ms(writes['save']['p50'])}), "
        f"submitted {writes['submit']['n']} quarters (every {rates['submit_every']:g} s, p50 "
        f"{_ms(writes['submit']['p50'])}) and assessed {writes['assess']['n']} published quarters (every "
        f"{rates['assess_every']:g} s, p50 {_ms(writes['assess']['p50'])}) of FY {season['pool']['year']} Q4. "
        f"Reader requests: {w['requests']:,} with writes ({w['errors']} not 200), {b['requests']:,} without "
        f"({b['errors']} not 200)."
        + (
            f" Writer errors: {'; '.join(season['writer_errors'])[:400]}"
            if season.get("writer_errors")
            else ""
        ),
        "",
        "| page type | addresses | read (with writes) | requests | hit / stale / miss | p50 | p95 | p99 "
        "| p95 without writes | requests without writes |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for kind, k in w["kinds"].items():
        base = b["kinds"].get(kind, {})
        st = k["states"]
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in [
                    k["title"],
                    f"{k['urls']:,}",
                    f"{k['distinct']:,}",
                    f"{k['requests']:,}",
                    f"{st['hit']:,} / {st['stale']:,} / {st['miss']:,}"
                    + (f" (+{st['none']} without X-Cache)" if st["none"] else ""),
                    _ms(k["p50"]),
                    _ms(k["p95"]),
                    _ms(k["p99"]),
                    _ms(base.get("p95")),
                    f"{base.get('requests', 0):,}",
                ]
            )
            + " |"
        )
    lines.append("")
    return lines


def existing_hand_part(path: Path) -> str:
    if not path.exists():
        return DEFAULT_HAND
    text = path.read_text(encoding="utf-8")
    if HAND_START in text and HAND_END in text:
        return text.split(HAND_START, 1)[1].split(HAND_END, 1)[0].strip("\n") + "\n"
    return DEFAULT_HAND


def render(runs: list[dict[str, Any]], *, hand: str, note: str = "") -> str:
    machine = runs[0]["machine"] if runs else {}
    # The date of the measurements (the first run's start), not of the writing.
    now = runs[0]["started"] if runs else dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    head = [
        "# Benchmarks",
        "",
        "Generated by `citykpi bench` (`make bench`, `make bench-national`); the tables are rewritten on every run,",
        "the hand-written section at the end is kept. Goals are those of issue 8, and of issue 13 for the season",
        "scenario (the headline of each run), stated for the city scale (the national scale has one: the KPI",
        "page p95 <= 30 ms).",
        "",
        "The season scenario (`benchmarks/season.py`): reader processes (`--readers`, 4) ask for distinct",
        "addresses with a popularity skew (KPI pages, API records, agency pages per year, dashboards per year, the",
        "home page and finder per year) while a writer thread in the benchmark process saves drafts, submits and",
        "assesses quarters through `citykpi.reporting.actions` and `citykpi.evaluation.actions` in the server's",
        "database. Its phase with writes lasts `--season-seconds` (600 s at city scale), after a quarter as long",
        "of warm-up and half as long without writes; `--season-only` measures it alone. The same-URL tables",
        "after it are the secondary figures.",
        "",
        "How to run: `make bench` (`citykpi bench --scale city`: SQLite, then PostgreSQL when it is reachable,",
        "one report) and `make bench-national` (`citykpi bench --scale national`, PostgreSQL only). Each dataset",
        "is built once (var/bench/<scale>.sqlite3, PostgreSQL database citykpi_bench_<scale>) and reused while its",
        "recorded size matches; `--rebuild` drops it first. Other options: `--db sqlite|postgres|both`,",
        "`--out PATH`, `--workdir DIR`, `--workers N`, `--worker-class sync|gthread`, `--threads N`. Every",
        "dataset is the demo's (`citykpi.demo.generator`, seed 2566) at the scale's agencies, years and KPIs.",
        "Scales `small` (about 2,000 KPIs) and `tiny` (the test suite's smoke run) check the benchmark itself.",
        "Writes (imports) are rolled back; the deadline test writes into an unpublished",
        "fiscal year that is reset on every run. The cache is the one CACHE_URL configures (Redis, else local",
        "memory; `make bench` uses redis://127.0.0.1:6379/2 when it answers); the benchmark clears it, so give it",
        "a Redis database of its own. The season's writes are kept: they work on a pool of quarter-4 reports of",
        "the latest published year, outside the agency of the same-URL figures, reset at the start of every run.",
        "",
    ]
    if note:
        head += [f"> {note}", ""]
    head += [
        f"- Date: {now}",
        f"- Machine: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory_gib')} GiB memory, "
        f"{machine.get('system')}, Python {machine.get('python')}",
        f"- Databases: {', '.join(r['database']['vendor'] + ' ' + r['database']['version'] for r in runs)}",
        "- Latency: the season's per page type over all reader requests; the secondary tables' p50/p95 over warm",
        "  requests to one address from one keep-alive client on loopback (milliseconds, nearest rank);",
        "  SQL queries counted in process with CaptureQueriesContext on the same view through the test Client, once",
        "  with the cache cleared and once cached.",
        "",
    ]
    body = [render_run(run) for run in runs]
    return "\n".join(head) + "\n" + "\n".join(body) + "\n" + HAND_START + "\n" + hand + HAND_END + "\n"


def write(path: Path, runs: list[dict[str, Any]], *, note: str = "") -> None:
    hand = existing_hand_part(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(runs, hand=hand, note=note), encoding="utf-8")
