"""The season scenario: how requests are classified (unit), and a smoke run of
`citykpi bench --season-only` at the tiny scale (a SQLite file and local-memory cache, a few
seconds of readers and writers) that checks the headline table and figures of the report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from benchmarks import report, season

ROOT = Path(settings.BASE_DIR)


def test_pages_a_write_touched_are_counted_apart_and_first_requests_are_not_held_against_the_cache():
    urls = [
        season.Url("kpi_page", "/kpi/0100-0001/", ("kpi:0100-0001",), 0.5),
        season.Url("kpi_page", "/kpi/0100-0002/", ("kpi:0100-0002",), 0.3),
        season.Url("dashboard", "/dashboard/?year=2566", ("year:2566",), 0.2),
    ]
    hit, stale, miss = 0, 1, 2
    rows = [
        (0, 200, miss, 5.0, 0),  # first request of the address in the run: unavoidable
        (0, 200, hit, 1.0, 0),
        (1, 200, miss, 6.0, 0),  # seen in an earlier phase: a miss the cache should have avoided
        (2, 200, stale, 2.0, 0),  # touched by a write
        (2, 500, miss, 9.0, 0),
    ]
    s = season.summarise(urls, rows, seen_before={1}, touched_scopes={"year:2566", "kpi:9999-0000"})
    assert s["untouched"] == {"requests": 3, "hits": 1, "first": 1, "stale": 0, "expired": 0}
    assert s["touched"] == {"requests": 2, "hits": 0, "stale": 1}
    assert s["errors"] == 1
    assert s["kinds"]["kpi_page"]["states"] == {"hit": 1, "stale": 0, "miss": 2, "none": 0}
    assert s["kinds"]["kpi_page"]["distinct"] == 2 and s["kinds"]["kpi_page"]["p99"] == 6.0
    assert s["kinds"]["home"]["requests"] == 0 and s["kinds"]["home"]["p95"] is None
    # With the time each address was last read: a miss after the cache's lifetime has expired.
    timed = [(1, 200, miss, 6.0, 400.0), (1, 200, miss, 6.0, 410.0), (0, 200, miss, 5.0, 420.0)]
    s = season.summarise(urls, timed, seen_before={1: 50.0}, touched_scopes=set(), ttl=300)
    assert s["untouched"] == {"requests": 3, "hits": 0, "first": 1, "stale": 0, "expired": 1}
    # The time-out counts from the build, not from the last read: read (hit) at 300, built at
    # 0, missed at 350: expired although it was read 50 s earlier.
    rows = season.annotate([(0, 200, miss, 1.0, 0.0), (0, 200, hit, 1.0, 300.0), (0, 200, miss, 1.0, 350.0)])
    s = season.summarise(urls, rows[1:], seen_before=set(), touched_scopes=set(), ttl=300)
    assert s["untouched"]["expired"] == 1 and s["untouched"]["first"] == 0


def test_the_popular_addresses_are_the_fewest_that_draw_half_of_the_requests():
    urls = [
        season.Url("kpi_page", f"/kpi/{i}/", (f"kpi:{i}",), w) for i, w in enumerate([0.1, 0.4, 0.3, 0.2])
    ]
    assert season.popular_indexes(urls) == {1, 2}
    assert season.spread_pick(list(range(10)), 3) == [0, 3, 6]
    assert season.spread_pick([1, 2], 5) == [1, 2]


def test_short_runs_compress_the_write_rates_and_the_real_run_keeps_the_issues():
    assert season.Rates.for_seconds(600) == season.Rates(1.0, 10.0, 10.0)
    short = season.Rates.for_seconds(4)
    assert short.submit_every < 4 and short.assess_every < 4 and short.draft_every <= 1


def test_a_tiny_season_run_writes_the_headline_table_and_every_season_figure(tmp_path):
    out = tmp_path / "benchmarks.md"
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
        "sqlite",
        "--database-url",
        f"sqlite:///{tmp_path / 'season.sqlite3'}",
        "--workdir",
        str(tmp_path / "work"),
        "--out",
        str(out),
        "--workers",
        "2",
        "--season-only",
        "--season-seconds",
        "6",  # long enough that each page type is read in each phase on a busy machine
    ]
    env = {
        **os.environ,
        "CITYKPI_BENCH_STATIC": str(ROOT / "var" / "bench" / "static-smoke"),
        "CACHE_URL": "",  # local memory: the smoke run needs no Redis
    }
    # 170 s before the compressed deadline (3 s of readers, then 6 s of writes) was added.
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=200, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = out.read_text(encoding="utf-8")

    # The season is the headline: its section comes before the same-URL tables.
    headline = text.index(f"### {report.SEASON_HEADING}")
    assert headline < text.index(f"### {report.SECTIONS[1][1]}")
    season_part = text[headline : text.index(f"### {report.SECTIONS[1][1]}")]
    # The writers went through the actions: drafts saved, quarters submitted and assessed.
    done_writes = re.search(
        r"saved (\d+) drafts .* submitted (\d+) quarters .* assessed (\d+) published", season_part
    )
    assert done_writes and all(int(n) >= 1 for n in done_writes.groups()), season_part[:1500]
    assert "Writer errors" not in season_part
    # One row per page type with its percentiles and cache states.
    for title in season.TYPE_TITLES.values():
        row = [line for line in season_part.splitlines() if line.startswith(f"| {title} |")]
        assert row, title
        assert re.search(
            r"\| [\d,]+ / [\d,]+ / [\d,]+ \| [\d,.]+ ms \| [\d,.]+ ms \| [\d,.]+ ms \| [\d,.]+ ms \|", row[0]
        )
    for title, unit in [
        ("Popular pages p95, with writes / without", "x"),
        ("Cache hit rate of pages no write touched", "%"),
        ("Worker memory after the scenario", "MiB"),
        ("Cold KPI page", "ms"),
        ("Cold API record vs Datasette row JSON", "x"),
        ("One report save in process: SQL queries", "queries"),
        ("One report save in process: time", "ms"),
    ]:
        rows = [line for line in season_part.splitlines() if line.startswith(f"| {title}")]
        assert rows and re.search(rf"\| [\d,.]+ {unit} \|", rows[0]), (title, rows)
    # The deadline compressed runs in the season-only run too (and so in `make bench`).
    deadline_part = text[text.index("### The quarter deadline") :]
    for title, unit in [
        ("The deadline compressed: writes", "ms"),
        ("The deadline compressed: reads during / without", "x"),
        ("The deadline compressed: errors", "errors"),
    ]:
        rows = [line for line in deadline_part.splitlines() if line.startswith(f"| {title}")]
        assert rows and re.search(rf"\| [\d,.]+ {unit} \|", rows[0]), (title, rows)
    # Local memory has no Redis to ask: said so, not made up.
    assert re.search(r"\| Redis memory after the scenario \([\d.]+ s\) \| not available yet \|", season_part)
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert leftover == ""
    assert (docs.read_bytes() if docs.exists() else None) == docs_before


def test_windows_without_and_with_writes_alternate_and_requests_fall_in_theirs():
    wins = season.windows(100.0, 40.0, 2)
    assert wins == [(100.0, 110.0, False), (110.0, 130.0, True), (130.0, 140.0, False), (140.0, 160.0, True)]
    rows = season.annotate(
        [(0, 200, 2, 1.0, 95.0), (0, 200, 0, 1.0, 105.0), (1, 200, 2, 1.0, 120.0), (0, 200, 0, 1.0, 135.0)]
    )
    assert [r[5] for r in rows] == [None, 95.0, None, 105.0]
    assert [r[6] for r in rows] == [None, 95.0, None, 95.0]  # when each address was last built
    warm, base, write = season.split_rows(rows, wins)
    assert [r[4] for r in warm] == [95.0]
    assert [r[4] for r in base] == [105.0, 135.0]
    assert [r[4] for r in write] == [120.0]
