"""One benchmark run against one database: prepare, measure in process, start the servers,
measure over HTTP, and return every figure as plain data (the report writer formats it).

A figure whose part has not landed yet is recorded as "not available yet" with the reason;
a figure whose measurement fails is recorded as an error with its message. Neither stops
the run: the report always has every section.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client

from benchmarks import dataset, load, measure, season
from benchmarks.measure import NotAvailable
from benchmarks.scales import Scale
from benchmarks.servers import Datasette, Gunicorn, rss_kib
from citykpi.api.auth import issue_token


@dataclasses.dataclass
class Options:
    scale: Scale
    workdir: Path
    workers: int = 5
    worker_class: str = "sync"
    threads: int = 1
    command: str = "citykpi bench"
    season_seconds: float | None = None  # default: the scale's
    readers: int = 4
    season_only: bool = False


@dataclasses.dataclass
class Figure:
    key: str
    section: str
    title: str
    status: str = "ok"  # ok | n/a | error
    value: float | None = None  # what the goal is compared with
    unit: str = ""
    p50: float | None = None
    p95: float | None = None
    n: int | None = None
    queries: str = ""
    note: str = ""
    command: str = ""


class Run:
    def __init__(self, options: Options, say: Callable[[str], None]) -> None:
        self.o = options
        self.say = say
        self.figures: list[Figure] = []
        self.env = dict(os.environ)
        # Sync workers close each connection, so requests spread over the workers: every
        # worker must have served a few before the measured requests start.
        self.warmup = max(options.scale.warmup, 3 * options.workers)

    # --- bookkeeping --------------------------------------------------------------------

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def attempt(
        self, key: str, section: str, title: str, fn: Callable[[Figure], None], command: str = ""
    ) -> Figure:
        figure = Figure(key=key, section=section, title=title, command=command)
        started = time.perf_counter()
        try:
            fn(figure)
        except NotAvailable as exc:
            figure.status, figure.note = "n/a", f"not available yet: {exc}"
        except Exception as exc:  # one failing figure must not lose the others
            figure.status, figure.note = "error", f"{type(exc).__name__}: {exc}"
            self.say(traceback.format_exc())
        self.say(f"  {title}: {figure.status} ({time.perf_counter() - started:.1f} s)")
        return self.add(figure)

    # --- the run ------------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        scale = self.o.scale
        started = time.time()
        self.say(f"migrate ({connection.vendor})")
        call_command("migrate", interactive=False, verbosity=0)
        info = dataset.ensure_dataset(scale, progress=self.say)
        deadline = dataset.prepare_deadline_year(scale, progress=self.say)
        if connection.vendor == "postgresql":
            # What autovacuum does soon after a bulk load anyway: planner statistics, so that
            # the first minutes after a build do not measure plans made without them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = dataset.table_counts()
        targets = measure.pick_targets(scale)
        self.say(f"targets: {targets}")
        static_root = Path(settings.STATIC_ROOT)
        collect_static(static_root, self.say)
        # This run's own files (other runs may share the static folder).
        self.static_dir = f"bench/{os.getpid()}"
        (static_root / self.static_dir).mkdir(parents=True, exist_ok=True)
        (static_root / self.static_dir / "ping.txt").write_text("ok")

        client = Client()
        pages = [] if self.o.season_only else measure.page_specs(targets)
        self.say("in-process: probes, queries, raw SQL")
        for page in pages:
            body = measure.probe_and_count(page, client)
            if page.available:
                measure.measure_sql(page, scale.sql_repeats)
                measure.time_uncached(page, client, max(3, scale.sql_repeats // 5))
            if page.key == "kpi_page" and page.available:
                (static_root / self.static_dir / "kpi.html").write_bytes(body)
        by_key = {p.key: p for p in pages}

        if not self.o.season_only:
            self._pdfs(client, targets)
            self._imports(targets, deadline)

        datasette_db = self.o.workdir / "datasette" / "kpis.db"
        datasette_db.parent.mkdir(parents=True, exist_ok=True)
        exported = measure.export_for_datasette(datasette_db, scale.years)

        workflow = not self.o.season_only and self._workflow_available(client, deadline)
        tokens: dict[str, str] = {}
        if workflow:
            tokens = self._tokens(deadline)
        pool = self._season_pool(targets)
        connection.close()  # SQLite: no open handle while the server writes

        log = self.o.workdir / "logs" / f"gunicorn-{connection.vendor}.log"
        server = Gunicorn(
            self.env,
            workers=self.o.workers,
            worker_class=self.o.worker_class,
            threads=self.o.threads,
            log=log,
            ping=f"{settings.STATIC_URL}{self.static_dir}/ping.txt",
        )
        self.say(f"gunicorn: {self.o.workers} {self.o.worker_class} workers")
        with server:
            if not self.o.season_only:
                self._latencies(server, pages)
                self._throughput(server, by_key["kpi_page"])
                self._datasette(server, by_key, datasette_db, targets)
                self._lower_bound(pages)
                self._memory(server, [p.path for p in pages if p.available] or ["/"])
                self._deadline(server, deadline, tokens, workflow)
            self._season(server, pool, datasette_db, targets)
            self._compressed_deadline(server, deadline)
        gunicorn_command = " ".join(server.command).replace(str(server.port), "PORT")
        return {
            "scale": scale.name,
            "goals_apply": scale.goals_apply,
            "database": self._database(),
            "machine": machine(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
            "seconds": round(time.time() - started, 1),
            "dataset": {**info, "counts": counts, "datasette_rows": exported},
            "targets": targets,
            "deadline_year": deadline["year"],
            "server": gunicorn_command,
            "cache": str(settings.CACHES["default"]["BACKEND"]).rsplit(".", 1)[-1],
            "command": self.o.command,
            "pages": [
                {
                    k: getattr(p, k)
                    for k in (
                        "key",
                        "title",
                        "path",
                        "available",
                        "queries_cold",
                        "queries_warm",
                        "main_sql_ms",
                        "all_sql_ms",
                        "probe_note",
                    )
                }
                | {"main_sql": p.main_sql[:600]}
                for p in pages
            ],
            "figures": [dataclasses.asdict(f) for f in self.figures],
            "season": getattr(self, "season_tables", None),
        }

    def _database(self) -> dict[str, str]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SHOW server_version")
            else:
                cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
        name = settings.DATABASES["default"]["NAME"]
        return {"vendor": connection.vendor, "version": str(version), "name": Path(str(name)).name}

    # --- figures ------------------------------------------------------------------------

    def _latencies(self, server: Gunicorn, pages: list[measure.Page]) -> None:
        scale = self.o.scale
        self.say("latencies")
        for page in pages:

            def fn(f: Figure, page: measure.Page = page) -> None:
                if not page.available:
                    raise NotAvailable(f"{page.why_unavailable} ({page.probe_note})")
                t = load.time_get(server.port, page.path, requests=scale.requests, warmup=self.warmup)
                f.p50, f.p95, f.n, f.value, f.unit = t.p50_ms, t.p95_ms, t.count, t.p95_ms, "ms"
                f.queries = f"{page.queries_cold} / {page.queries_warm}"
                f.note = f"{t.bytes} bytes" + (f"; {t.errors} errors {t.statuses}" if t.errors else "")
                if t.errors:
                    f.status = "error"

            self.attempt(
                page.key,
                "latency",
                page.title,
                fn,
                command=f"GET {unquote(page.path)} x{scale.requests} after {self.warmup} warm-up (one keep-alive client)",
            )

    def _throughput(self, server: Gunicorn, kpi: measure.Page) -> None:
        scale = self.o.scale
        base = f"http://127.0.0.1:{server.port}"
        results: dict[str, load.WrkResult] = {}

        def throughput(f: Figure, name: str, address: str) -> load.WrkResult:
            r = results[name] = load.run_wrk(
                address, seconds=scale.wrk_seconds, connections=scale.wrk_connections
            )
            f.value, f.unit, f.command = (
                r.requests_per_second,
                "req/s",
                r.command.replace(str(server.port), "PORT"),
            )
            return r

        def page(f: Figure) -> None:
            if not kpi.available:
                raise NotAvailable("the public KPI page")
            r = throughput(f, "page", f"{base}{kpi.path}")
            f.note = f"latency p50 {r.latency_p50}, p99 {r.latency_p99}; non-2xx {r.non_2xx}; socket errors: {r.socket_errors}"

        def static(f: Figure) -> None:
            if not kpi.available:
                raise NotAvailable("the public KPI page (its HTML is the static file)")
            r = throughput(f, "static", f"{base}{settings.STATIC_URL}{self.static_dir}/kpi.html")
            f.note = f"the KPI page's HTML saved under STATIC_ROOT, served by whitenoise in the same server; non-2xx {r.non_2xx}"

        def ratio(f: Figure) -> None:
            if "page" not in results or "static" not in results:
                raise NotAvailable("both throughputs are needed")
            f.value, f.unit = results["page"].requests_per_second / results["static"].requests_per_second, "x"
            f.note = "KPI page req/s / static file req/s (1.0 = as fast as a static file)"

        self.say("throughput (wrk)")
        self.attempt("throughput_kpi", "throughput", "KPI page under wrk", page)
        self.attempt("throughput_static", "throughput", "Same HTML as a static file", static)
        self.attempt(
            "throughput_ratio",
            "throughput",
            "KPI page / static file",
            ratio,
            command="the two wrk runs above",
        )

    def _datasette(
        self, server: Gunicorn, by_key: dict[str, measure.Page], db: Path, t: dict[str, Any]
    ) -> None:
        scale = self.o.scale
        from urllib.parse import urlencode

        row_path = f"/kpis/kpis/{t['kpi']}.json"
        search_path = "/kpis/kpis.json?" + urlencode(
            {"name__contains": t["word"], "fiscal_year": t["year"], "kpi_type": t["kpi_type"]}
        )
        self.say("datasette peer")
        peer: dict[str, load.Timing] = {}
        try:
            with Datasette(db, log=self.o.workdir / "logs" / "datasette.log") as ds:
                peer["row"] = load.time_get(ds.port, row_path, requests=scale.requests, warmup=self.warmup)
                peer["search"] = load.time_get(
                    ds.port, search_path, requests=scale.requests, warmup=self.warmup
                )
                ds_command = " ".join(ds.command).replace(str(ds.port), "PORT")
        except Exception as exc:
            ds_command = f"datasette failed: {exc}"
        ours = {f.key: f for f in self.figures}

        def compare(name: str, our_key: str, path: str) -> Callable[[Figure], None]:
            def fn(f: Figure) -> None:
                if name not in peer:
                    raise RuntimeError(ds_command)
                theirs = peer[name]
                f.p50, f.p95, f.n = theirs.p50_ms, theirs.p95_ms, theirs.count
                mine = ours.get(our_key)
                if mine is None or mine.status != "ok" or mine.p95 is None:
                    f.note = (
                        f"Datasette measured; our side not available yet ({by_key[our_key].why_unavailable})"
                    )
                    f.status = "n/a"
                    return
                f.value, f.unit = mine.p95 / theirs.p95_ms, "x"
                f.note = f"ours p95 {mine.p95:.1f} ms / Datasette p95 {theirs.p95_ms:.1f} ms (Datasette p50 {theirs.p50_ms:.1f} ms)"
                if theirs.errors:
                    f.note += f"; Datasette errors {theirs.statuses}"

            return fn

        self.attempt(
            "peer_row",
            "peer",
            "API record vs Datasette row JSON",
            compare("row", "api_kpi", row_path),
            command=f"{ds_command}; GET {row_path} x{scale.requests}",
        )
        self.attempt(
            "peer_search",
            "peer",
            "Word search vs Datasette table search",
            compare("search", "home_search", search_path),
            command=f"GET {unquote(search_path)} x{scale.requests}",
        )

    def _lower_bound(self, pages: list[measure.Page]) -> None:
        ours = {f.key: f for f in self.figures}
        for page in pages:

            def fn(f: Figure, page: measure.Page = page) -> None:
                mine = ours.get(page.key)
                if not page.available or mine is None or mine.status != "ok":
                    raise NotAvailable(page.why_unavailable)
                if not page.main_sql_ms:
                    f.note = "the page ran no SELECT"
                    return
                if page.uncached_ms is None or mine.p50 is None:
                    raise NotAvailable("the page's uncached or warm timing is missing")
                # The value is the uncached page (what a cache cannot hide: the first view after
                # every write); the warm, possibly cached, page is in the notes.
                f.value, f.unit = page.uncached_ms / page.main_sql_ms, "x"
                f.p50 = page.main_sql_ms
                f.note = (
                    f"uncached page {page.uncached_ms:.2f} ms (in process) / main query {page.main_sql_ms:.2f} ms; "
                    f"warm page over HTTP p50 {mine.p50:.2f} ms = {mine.p50 / page.main_sql_ms:.2f}x; "
                    f"all {page.queries_cold} queries of the uncached request run raw: {page.all_sql_ms or 0:.2f} ms"
                )

            self.attempt(
                f"sql_{page.key}",
                "lower_bound",
                page.title,
                fn,
                command=f"the slowest SELECT of an uncached GET {unquote(page.path)}, run {self.o.scale.sql_repeats}x through connection.cursor(); the page uncached, in process",
            )

    def _memory(self, server: Gunicorn, paths: list[str]) -> None:
        total = self.o.scale.memory_requests

        def fn(f: Figure) -> None:
            pids = server.worker_pids()
            # Every worker serves every page first, so that "before" is a warm worker (modules
            # imported, caches filled) and growth means a leak, not a first import.
            load.spread_gets(server.port, paths, total=20 * len(pids) * len(paths))
            before = {pid: rss_kib(pid) for pid in pids}
            errors = load.spread_gets(server.port, paths, total=total // 2)
            half = {pid: rss_kib(pid) for pid in pids if Path(f"/proc/{pid}").exists()}
            errors += load.spread_gets(server.port, paths, total=total - total // 2)
            after = {pid: rss_kib(pid) for pid in pids if Path(f"/proc/{pid}").exists()}

            def mib(values: dict[int, int]) -> str:
                return ", ".join(f"{values.get(p, 0) / 1024:.0f}" for p in pids)

            # A leak grows with every request; a worker settling (allocator arenas, cache
            # entries) grows once. The second half of the run tells them apart.
            second = max((after[p] - half.get(p, after[p]) for p in after), default=0) / 1024
            whole = max((after[p] - before[p] for p in after), default=0) / 1024
            f.value, f.unit, f.n = second, "MiB", total
            f.note = (
                f"{len(pids)} workers; VmRSS before {mib(before)} MiB, half-way {mib(half)} MiB, after {mib(after)} MiB; "
                f"largest growth over the whole run {whole:.1f} MiB, over the second half (the value) {second:.1f} MiB"
                + (f"; {errors} server errors" if errors else "")
            )

        self.say("memory")
        self.attempt(
            "memory",
            "memory",
            f"Worker memory after {total:,} requests",
            fn,
            command=f"{total} GETs round robin over the measured pages (4 clients) after a warm-up of 20 per worker and page; /proc/<pid>/status VmRSS of each worker before, half-way and after",
        )

    def _workflow_available(self, client: Client, deadline: dict[str, Any]) -> bool:
        code = deadline["codes"][0]
        response = client.put(
            f"/api/v1/kpis/{code}/quarters/1/report", data="{}", content_type="application/json"
        )
        return response.status_code in (401, 403)

    def _tokens(self, deadline: dict[str, Any]) -> dict[str, str]:
        User = get_user_model()
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[r["username"] for r in deadline["reporters"]])
        }
        return {name: issue_token(user) for name, user in users.items()}

    def _deadline(
        self, server: Gunicorn, deadline: dict[str, Any], tokens: dict[str, str], workflow: bool
    ) -> None:
        reporters = deadline["reporters"]

        def rush(f: Figure, **how: Any) -> load.DeadlineResult:
            """The reporters' writes (load.deadline_rush), their figure and its note."""
            if not workflow:
                raise NotAvailable("PUT /api/v1/kpis/{code}/quarters/{q}/report and POST .../submit")
            have = tokens or load.fetch_tokens(server.port, reporters, deadline["password"])
            r = load.deadline_rush(server.port, reporters, have, **how)
            f.p50, f.p95, f.n, f.value, f.unit = r.p50_ms, r.p95_ms, r.requests, r.p95_ms, "ms"
            f.queries = ""
            f.note = (
                f"{r.reporters} reporters, {r.requests} requests in {r.wall_seconds:.1f} s, {r.errors} errors"
            )
            if r.first_errors:
                f.note += "; e.g. " + " | ".join(r.first_errors)
            return r

        def fn(f: Figure) -> None:
            self.deadline_errors = rush(f).errors

        self.say("quarter deadline")
        self.attempt(
            "deadline",
            "deadline",
            f"{len(reporters)} reporters submit at once",
            fn,
            command=f"{len(reporters)} threads, each with its own reporter token: PUT /api/v1/kpis/<code>/quarters/1/report then POST .../submit, started together (a barrier)",
        )
        spread = 2.0 if self.o.scale.name == "tiny" else 20.0

        def spread_fn(f: Figure) -> None:
            rush(f, quarter=2, spread_seconds=spread)

        self.attempt(
            "deadline_spread",
            "deadline",
            f"{len(reporters)} reporters over {spread:g} s",
            spread_fn,
            command=f"the same writes on quarter 2, the reporters starting evenly over {spread:g} s (no barrier)",
        )
        errors = getattr(self, "deadline_errors", None)
        figure = Figure("deadline_errors", "deadline", "Errors at the deadline", command="the burst above")
        if errors is None:
            figure.status, figure.note = "n/a", "not available yet: see above"
        else:
            figure.value, figure.unit = float(errors), "errors"
        self.add(figure)

    def _compressed_deadline(self, server: Gunicorn, deadline: dict[str, Any]) -> None:
        """The deadline compressed (issue 13): the deadline year's KPIs saved and submitted
        in `seconds` through the actions while the season's readers browse, after a phase of
        the same readers without writes."""
        scale = self.o.scale
        seconds = 6.0 if scale.name == "tiny" else 60.0
        quiet_seconds = seconds / 2
        urls = season.population(scale)
        workdir = self.o.workdir / "season"
        readers = self.o.readers
        outcome: dict[str, Any] = {}

        def run() -> dict[str, Any]:
            if not outcome:
                self.say(f"compressed deadline: {len(deadline['codes']):,} KPIs in {seconds:g} s")
                quiet = season.read_phase(
                    server.port, urls, clients=readers, seconds=quiet_seconds, workdir=workdir, tag="dl-quiet"
                )
                reading = season.Readers(
                    server.port, urls, clients=readers, seconds=seconds, workdir=workdir, tag="dl-busy"
                )
                writes = season.compressed_deadline(deadline["codes"], deadline["importer"], seconds=seconds)
                busy = reading.collect()
                outcome.update(writes=writes, quiet=[r[3] for r in quiet], busy=[r[3] for r in busy])
                outcome["read_errors"] = sum(r[1] != 200 for r in quiet + busy)
            return outcome

        def writes_fn(f: Figure) -> None:
            w = run()["writes"]
            if not w["writes"]:
                raise RuntimeError(f"no write succeeded: {w['errors'][:2]}")
            f.p50, f.p95, f.n, f.value, f.unit = w["p50"], w["p95"], w["writes"], w["p95"], "ms"
            f.note = (
                f"{w['kpis']:,} KPIs, {w['writes']:,} writes (save + submit) in {w['wall_seconds']:.1f} s "
                f"(scheduled over {seconds:g} s), {len(w['errors'])} errors"
                + (f", e.g. {w['errors'][0]}" if w["errors"] else "")
            )

        def reads_fn(f: Figure) -> None:
            o = run()
            if not o["busy"] or not o["quiet"]:
                raise RuntimeError("no reader request")
            p95_busy, p95_quiet = load.percentile(o["busy"], 95), load.percentile(o["quiet"], 95)
            f.p50, f.p95, f.n = load.percentile(o["busy"], 50), p95_busy, len(o["busy"])
            f.value, f.unit = p95_busy / p95_quiet, "x"
            f.note = (
                f"reader p95 {p95_busy:.1f} ms during the writes, {p95_quiet:.1f} ms in {quiet_seconds:g} s "
                f"without (n {len(o['quiet'])}); {o['read_errors']} reader errors"
            )

        def errors_fn(f: Figure) -> None:
            o = run()
            f.value, f.unit = float(len(o["writes"]["errors"]) + o["read_errors"]), "errors"
            f.note = f"{len(o['writes']['errors'])} write errors, {o['read_errors']} reader errors (not 200)"

        command = (
            f"{readers} season reader processes; season.compressed_deadline: 4 writer threads, save_report "
            f"then submit_report of each of the deadline year's {len(deadline['codes']):,} KPIs "
            f"(Q{season.DEADLINE_QUARTER}), started evenly over {seconds:g} s"
        )
        self.attempt(
            "deadline_compressed", "deadline", "The deadline compressed: writes", writes_fn, command=command
        )
        self.attempt(
            "deadline_compressed_reads",
            "deadline",
            "The deadline compressed: reads during / without",
            reads_fn,
            command=command,
        )
        self.attempt(
            "deadline_compressed_errors",
            "deadline",
            "The deadline compressed: errors",
            errors_fn,
            command=command,
        )

    # --- the season (the headline) --------------------------------------------------------

    def _season_pool(self, targets: dict[str, Any]) -> season.Pool | None:
        scale = self.o.scale
        self.say("season: the writers' pool, one report save in process")
        try:
            pool = season.prepare_pool(
                scale, exclude_agency=targets["agency"], size=scale.season_pool, progress=self.say
            )
            if not pool.drafts or not pool.to_assess or not pool.reporters:
                raise RuntimeError(f"an empty pool: {pool}")
        except Exception as exc:
            self.season_error = f"{type(exc).__name__}: {exc}"
            self.say(traceback.format_exc())
            return None
        try:
            self.save_timing = season.time_report_save(pool)
        except Exception as exc:
            self.save_timing = {"error": f"{type(exc).__name__}: {exc}"}
            self.say(traceback.format_exc())
        return pool

    def _season(
        self, server: Gunicorn, pool: season.Pool | None, datasette_db: Path, t: dict[str, Any]
    ) -> None:
        try:
            self._season_run(server, pool, datasette_db, t)
        except Exception as exc:  # the report still has the section, with the error
            self.say(traceback.format_exc())
            self.add(
                Figure(
                    "season_popular",
                    "season",
                    "Popular pages p95, with writes / without",
                    status="error",
                    note=f"the season scenario failed: {type(exc).__name__}: {exc}",
                )
            )

    def _season_run(
        self, server: Gunicorn, pool: season.Pool | None, datasette_db: Path, t: dict[str, Any]
    ) -> None:
        scale = self.o.scale
        seconds = float(self.o.season_seconds or scale.season_seconds)
        warm, base = max(1.0, seconds / 4), max(1.0, seconds / 2)
        readers = self.o.readers
        rates = season.Rates.for_seconds(seconds)
        section = "season"
        if pool is None:
            reason = getattr(self, "season_error", "no pool")
            for key, title in [
                ("season_popular", "Popular pages p95, with writes / without"),
                ("season_hit", "Cache hit rate of pages no write touched"),
            ]:
                self.add(Figure(key, section, title, status="error", note=reason))
            return
        from django.core.cache import cache

        urls = season.population(scale)
        popular = season.popular_indexes(urls)
        pids = server.worker_pids()
        cache.clear()  # the scenario starts from an empty cache (Redis: shared with the workers)
        redis_before = season.redis_used_memory()
        rss_before = season.vmrss_mib(pids)
        workdir = self.o.workdir / "season"
        self.say(
            f"season: {len(urls):,} addresses, {readers} readers; warm-up {warm:g} s, "
            f"without writes {base:g} s, with writes {seconds:g} s"
        )
        # Windows without and with writes alternate (half as long without), so that both see
        # the cache equally warm; the readers never stop.
        count = max(1, min(10, int(seconds // 20)))
        readers_run = season.Readers(
            server.port, urls, clients=readers, seconds=warm + base + seconds, workdir=workdir, tag="season"
        )
        writers = season.Writers(pool, rates)
        writers.start()
        wins = season.windows(time.time() + warm, seconds, count)
        rss_mid = rss_before
        for start, end, writing in wins:
            time.sleep(max(0.0, start - time.time()))
            if writing:
                writers.active.set()
            else:
                writers.active.clear()
                if start == wins[0][0]:
                    rss_mid = season.vmrss_mib(pids)  # after the warm-up
            time.sleep(max(0.0, end - time.time()))
        writers.active.clear()
        rows = readers_run.collect()
        writers.stop.set()
        writers.join(timeout=120)
        rows_warm, rows_base, rows_write = season.split_rows(season.annotate(rows), wins)
        rss_after = season.vmrss_mib(pids)
        redis_after = season.redis_used_memory()
        ttl = float(getattr(settings, "PAGE_CACHE_LIFETIME_SECONDS", 0) or 0)
        s_base = season.summarise(urls, rows_base, seen_before=set(), touched_scopes=set(), ttl=ttl)
        s_write = season.summarise(
            urls, rows_write, seen_before=set(), touched_scopes=writers.touched, ttl=ttl
        )
        writes = {
            kind: {
                "n": len(v),
                "p50": load.percentile(v, 50) if v else None,
                "p95": load.percentile(v, 95) if v else None,
            }
            for kind, v in writers.done.items()
        }
        self.season_tables = {
            "seconds": seconds,
            "warmup_seconds": warm,
            "base_seconds": base,
            "readers": readers,
            "addresses": len(urls),
            "popular": len(popular),
            "base": s_base,
            "write": s_write,
            "writes": writes,
            "rates": dataclasses.asdict(rates),
            "writer_errors": writers.errors[:5],
            "touched_scopes": len(writers.touched),
            "pool": {"year": pool.year, "drafts": len(pool.drafts), "to_assess": len(pool.to_assess)},
            "windows": count,
        }
        write_text = (
            f"{writes['save']['n']} drafts saved, {writes['submit']['n']} quarters submitted (published), "
            f"{writes['assess']['n']} assessed in {seconds:g} s"
            + (
                f"; {len(writers.errors)} writer errors, e.g. {writers.errors[0][:200]}"
                if writers.errors
                else ""
            )
        )
        scenario = (
            f"{readers} reader processes (closed loop, keep-alive) over {len(urls):,} addresses "
            f"(Zipf 1/rank within each page type; shares {', '.join(f'{k} {v:.0%}' for k, v in season.TYPE_SHARES.items())}); "
            f"writers: save_report every {rates.draft_every:g} s, submit_report every {rates.submit_every:g} s, "
            f"assess every {rates.assess_every:g} s (FY {pool.year} Q{season.SEASON_QUARTER})"
        )

        def popular_fn(f: Figure) -> None:
            with_w = [r[3] for r in rows_write if r[0] in popular]
            without = [r[3] for r in rows_base if r[0] in popular]
            if not with_w or not without:
                raise RuntimeError("no request to a popular page")
            p95_w, p95_0 = load.percentile(with_w, 95), load.percentile(without, 95)
            f.p50, f.p95, f.n = load.percentile(with_w, 50), p95_w, len(with_w)
            f.value, f.unit = p95_w / p95_0, "x"
            f.note = (
                f"the {len(popular)} most popular addresses (half of the requests): p95 {p95_w:.1f} ms with writes, "
                f"{p95_0:.1f} ms without (p50 {load.percentile(without, 50):.1f} ms, n {len(without)}); {write_text}"
            )
            if writers.errors or s_write["errors"]:
                f.note += f"; {s_write['errors']} reader errors"

        def hit_fn(f: Figure) -> None:
            u = s_write["untouched"]
            avoidable = u["requests"] - u["first"]
            if avoidable <= 0:
                raise RuntimeError("no request to an untouched page")
            f.value, f.unit, f.n = 100 * u["hits"] / avoidable, "%", u["requests"]
            tch = s_write["touched"]
            f.note = (
                f"{u['hits']:,} hits of {avoidable:,} requests to pages no write touched, in the phase with writes, "
                f"not counting {u['first']:,} first requests of an address in the run (a miss no cache avoids); "
                f"counting them: {100 * u['hits'] / u['requests']:.1f} %; {u['stale']} stale; "
                f"{u['expired']:,} misses of addresses built more than PAGE_CACHE_LIFETIME_SECONDS={ttl:g} s earlier "
                f"(expired: the time-out counts from the build). Pages a write touched "
                f"({len(writers.touched)} scopes bumped): {tch['hits']:,} hits, {tch['stale']:,} stale of {tch['requests']:,}"
            )

        def redis_fn(f: Figure) -> None:
            if redis_after is None:
                raise NotAvailable("the cache is local memory: set CACHE_URL=redis://... for this figure")
            f.value, f.unit = redis_after["used_memory"] / 1e6, "MB"
            f.note = (
                f"INFO memory used_memory after {warm + base + seconds:g} s of scenario: {redis_after['used_memory_human']}, "
                f"{redis_after['keys']:,} keys (before, cache cleared: "
                f"{(redis_before or {}).get('used_memory_human', '?')}); {redis_after['url']}"
            )

        def workers_fn(f: Figure) -> None:
            f.value, f.unit, f.n = max(rss_after), "MiB", len(pids)
            f.note = (
                f"VmRSS per worker before {rss_before}, after the warm-up {rss_mid}, "
                f"after the scenario {rss_after} MiB; largest growth {max(a - b for a, b in zip(rss_after, rss_before, strict=True)):.1f} MiB"
            )

        requested = {r[0] for rows in (rows_warm, rows_base, rows_write) for r in rows}

        def cold_codes(kind: str, avoid: set[str]) -> tuple[list[str], int]:
            idx = [i for i, u in enumerate(urls) if u.kind == kind and u.scopes[0][4:] not in avoid]
            never = [i for i in idx if i not in requested]
            chosen = season.spread_pick(never, scale.cold_pages)
            extra = season.spread_pick([i for i in idx if i in requested], scale.cold_pages - len(chosen))
            return [urls[i].scopes[0][4:] for i in chosen + extra], len(extra)

        try:
            kpi_codes, kpi_reused = cold_codes("kpi_page", set())
            api_codes, api_reused = cold_codes("api_kpi", set(kpi_codes))
        except Exception:  # the figures below then say so
            self.say(traceback.format_exc())
            kpi_codes, kpi_reused, api_codes, api_reused = [], 0, [], 0

        def cold_kpi_fn(f: Figure) -> None:
            if not kpi_codes:
                raise RuntimeError("no KPI page to read")
            cache.clear()
            r = season.cold_gets(server.port, [f"/kpi/{c}/" for c in kpi_codes])
            f.p50, f.p95, f.n, f.value, f.unit = r["p50"], r["p95"], r["n"], r["p95"], "ms"
            f.note = f"p99 {r['p99']:.1f} ms; X-Cache {r['states']}; HTTP {r['statuses']}" + (
                f"; {kpi_reused} of the pages were read during the scenario (too few KPIs)"
                if kpi_reused
                else ""
            )
            if r["errors"]:
                f.status = "error"

        def cold_api_fn(f: Figure) -> None:
            if not api_codes:
                raise RuntimeError("no API record to read")
            cache.clear()
            ours = season.cold_gets(server.port, [f"/api/v1/kpis/{c}" for c in api_codes])
            with Datasette(datasette_db, log=self.o.workdir / "logs" / "datasette-season.log") as ds:
                theirs = season.cold_gets(ds.port, [f"/kpis/kpis/{c}.json" for c in api_codes])
                self.season_ds_command = " ".join(ds.command).replace(str(ds.port), "PORT")
            f.p50, f.p95, f.n = ours["p50"], ours["p95"], ours["n"]
            f.value, f.unit = ours["p95"] / theirs["p95"], "x"
            f.note = (
                f"ours p50 {ours['p50']:.1f} / p95 {ours['p95']:.1f} / p99 {ours['p99']:.1f} ms (X-Cache {ours['states']}); "
                f"Datasette p50 {theirs['p50']:.1f} / p95 {theirs['p95']:.1f} / p99 {theirs['p99']:.1f} ms "
                f"(just started, HTTP {theirs['statuses']})"
                + (f"; {api_reused} of the records were read during the scenario" if api_reused else "")
            )
            if ours["errors"] or theirs["errors"]:
                f.status = "error"
                f.note += f"; ours HTTP {ours['statuses']}"

        save = getattr(self, "save_timing", {"error": "not measured"})

        def save_queries_fn(f: Figure) -> None:
            if "error" in save:
                raise RuntimeError(save["error"])
            f.value, f.unit, f.n = float(save["queries"]), "queries", save["repeats"]
            f.note = (
                f"median, {save.get('control', 0)} of them BEGIN/COMMIT; at most {save['queries_max']}; the last save's: "
                + " / ".join(
                    q.split(" FROM ")[0][:40]
                    + (" FROM " + q.split(" FROM ")[1].split()[0] if " FROM " in q else "")
                    for q in save["sql"]
                )
            )

        def save_ms_fn(f: Figure) -> None:
            if "error" in save:
                raise RuntimeError(save["error"])
            f.value, f.unit, f.n, f.p50 = save["ms_p50"], "ms", save["repeats"], save["ms_p50"]
            f.note = f"median; slowest {save['ms_max']:.1f} ms"

        self.say("season figures")
        self.attempt(
            "season_popular",
            section,
            "Popular pages p95, with writes / without",
            popular_fn,
            command=scenario,
        )
        self.attempt(
            "season_hit",
            section,
            "Cache hit rate of pages no write touched",
            hit_fn,
            command="X-Cache of every reader request in the phase with writes; touched = the page shows a scope a submit or assess bumped",
        )
        self.attempt(
            "season_redis",
            section,
            f"Redis memory after the scenario ({warm + base + seconds:g} s)",
            redis_fn,
            command="redis INFO memory used_memory (the cache cleared before the warm-up)",
        )
        self.attempt(
            "season_workers",
            section,
            f"Worker memory after the scenario ({len(pids)} workers)",
            workers_fn,
            command="/proc/<pid>/status VmRSS of each gunicorn worker; the value is the largest",
        )
        self.attempt(
            "season_cold_kpi",
            section,
            f"Cold KPI page ({len(kpi_codes):,} distinct KPI pages)",
            cold_kpi_fn,
            command="cache cleared; GET /kpi/<code>/ once each, pages the readers did not read, one keep-alive client",
        )
        self.attempt(
            "season_cold_api",
            section,
            f"Cold API record vs Datasette row JSON ({len(api_codes):,} same rows)",
            cold_api_fn,
            command="cache cleared; GET /api/v1/kpis/<code> once each, then Datasette (started for this) GET /kpis/kpis/<code>.json once each",
        )
        self.attempt(
            "season_save_queries",
            section,
            "One report save in process: SQL queries",
            save_queries_fn,
            command="citykpi.reporting.actions.save_report(reporter, draft of the pool) with CaptureQueriesContext, 20 saves (before the server started)",
        )
        self.attempt(
            "season_save_ms",
            section,
            "One report save in process: time",
            save_ms_fn,
            command="20 saves of other drafts of the pool, time.perf_counter() around save_report, without CaptureQueriesContext",
        )

    def _pdfs(self, client: Client, t: dict[str, Any]) -> None:
        self.say("PDFs")

        def kpi_pdf(f: Figure) -> None:
            r = measure.time_pdf(
                client, f"/kpi/{t['kpi']}/pdf/", repeats=1 if self.o.scale.name == "tiny" else 3
            )
            f.value, f.unit, f.n = r["seconds"], "s", r["runs"]
            f.note = f"{r['bytes']:,} bytes"

        def agency_pdf(f: Figure) -> None:
            r = measure.time_pdf(client, f"/agency/{t['agency']}/report.pdf?year={t['year']}", repeats=1)
            f.value, f.unit, f.n = r["seconds"], "s", r["runs"]
            f.note = f"{t['agency_kpis']} KPIs, {r['bytes']:,} bytes"

        self.attempt(
            "pdf_kpi",
            "pdf",
            "One KPI's PDF",
            kpi_pdf,
            command=f"GET /kpi/{t['kpi']}/pdf/ (in process, uncached, median of 3)",
        )
        self.attempt(
            "pdf_agency",
            "pdf",
            f"Agency report PDF ({t['agency_kpis']} KPIs)",
            agency_pdf,
            command=f"GET /agency/{t['agency']}/report.pdf?year={t['year']} (in process, uncached)",
        )

    def _imports(self, t: dict[str, Any], deadline: dict[str, Any]) -> None:
        scale = self.o.scale
        samples = Path(__file__).resolve().parent / "data" / "legacy"
        self.say("imports")

        def workbook(f: Figure) -> None:
            User = get_user_model()
            importer = User.objects.get(username=deadline["importer"])
            r = measure.time_workbook_import(
                deadline["import_agency"], deadline["year"], 1, importer, len(deadline["codes"])
            )
            f.value, f.unit, f.n = r["seconds"], "s", r["rows"]
            f.note = (
                f"{r['rows']} rows ({r['bytes']:,} bytes), {r['changed']} changed, {r['errors']} errors; "
                "rolled back afterwards" + (f"; first error: {r['first_error']}" if r["errors"] else "")
            )
            if r["errors"]:
                f.status = "error"

        def legacy(f: Figure) -> None:
            r = measure.time_legacy_import(scale, samples, self.o.workdir, t["year"])
            f.value, f.unit, f.n = r["seconds"], "s", r["pages"]
            f.note = f"{r['pages']} pages (copies of 3 sample KPI pages with new codes): {r['created']} created, {r['updated']} updated; rolled back afterwards"

        self.attempt(
            "import_xlsx",
            "imports",
            f"Workbook import ({scale.import_kpis:,} KPIs)",
            workbook,
            command=f"citykpi.exchange.xlsx.import_workbook(quarter template of agency {deadline['import_agency']}, FY {deadline['year']} Q1 with every result typed in, user=bench-importer, commit=True)",
        )
        self.attempt(
            "import_legacy",
            "imports",
            f"Legacy import ({scale.legacy_pages:,} pages)",
            legacy,
            command=f"citykpi.exchange.legacy.import_paths([{scale.legacy_pages} pages], fiscal_year={t['year']})",
        )


def collect_static(static_root: Path, say: Callable[[str], None]) -> None:
    """collectstatic, skipped when the sources have not changed since the last run: whitenoise
    compresses every file, which takes longer than a tiny benchmark run."""
    import hashlib

    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            full = Path(storage.path(path))
            stat = full.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    fingerprint = digest.hexdigest()
    marker = static_root / ".bench-sources"
    manifest = static_root / "staticfiles.json"
    if marker.exists() and manifest.exists() and marker.read_text() == fingerprint:
        say("static files unchanged: collectstatic skipped")
        return
    say("collectstatic")
    call_command("collectstatic", interactive=False, verbosity=0)
    marker.write_text(fingerprint)


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }
