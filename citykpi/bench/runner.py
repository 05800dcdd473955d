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

from citykpi.bench import dataset, load, measure
from citykpi.bench.measure import NotAvailable
from citykpi.bench.scales import Scale
from citykpi.bench.servers import Datasette, Gunicorn, rss_kib


@dataclasses.dataclass
class Options:
    scale: Scale
    workdir: Path
    builder: str = "auto"
    workers: int = 5
    worker_class: str = "sync"
    threads: int = 1
    command: str = "citykpi bench"


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
        info = dataset.ensure_dataset(scale, builder=self.o.builder, progress=self.say)
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
        pages = measure.page_specs(targets)
        self.say("in-process: probes, queries, raw SQL")
        for page in pages:
            body = measure.probe_and_count(page, client)
            if page.available:
                measure.measure_sql(page, scale.sql_repeats)
                measure.time_uncached(page, client, max(3, scale.sql_repeats // 5))
            if page.key == "kpi_page" and page.available:
                (static_root / self.static_dir / "kpi.html").write_bytes(body)
        by_key = {p.key: p for p in pages}

        self._pdfs(client, targets)
        self._imports(targets, deadline)

        datasette_db = self.o.workdir / "datasette" / "kpis.db"
        datasette_db.parent.mkdir(parents=True, exist_ok=True)
        exported = measure.export_for_datasette(datasette_db, scale.years)

        workflow = self._workflow_available(client, deadline)
        tokens: dict[str, str] = {}
        if workflow:
            tokens = self._tokens(deadline)
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
            self._latencies(server, pages)
            self._throughput(server, by_key["kpi_page"])
            self._datasette(server, by_key, datasette_db, targets)
            self._lower_bound(pages)
            self._memory(server, [p.path for p in pages if p.available] or ["/"])
            self._deadline(server, deadline, tokens, workflow)
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
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
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

        def page(f: Figure) -> None:
            if not kpi.available:
                raise NotAvailable("the public KPI page")
            r = results["page"] = load.run_wrk(
                f"{base}{kpi.path}", seconds=scale.wrk_seconds, connections=scale.wrk_connections
            )
            f.value, f.unit, f.command = (
                r.requests_per_second,
                "req/s",
                r.command.replace(str(server.port), "PORT"),
            )
            f.note = f"latency p50 {r.latency_p50}, p99 {r.latency_p99}; non-2xx {r.non_2xx}; socket errors: {r.socket_errors}"

        def static(f: Figure) -> None:
            if not kpi.available:
                raise NotAvailable("the public KPI page (its HTML is the static file)")
            r = results["static"] = load.run_wrk(
                f"{base}{settings.STATIC_URL}{self.static_dir}/kpi.html",
                seconds=scale.wrk_seconds,
                connections=scale.wrk_connections,
            )
            f.value, f.unit, f.command = (
                r.requests_per_second,
                "req/s",
                r.command.replace(str(server.port), "PORT"),
            )
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
                if mine is None or mine.status != "ok":
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
        try:
            from citykpi.api.auth import issue_token
        except ImportError:
            return {}
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

        def fn(f: Figure) -> None:
            if not workflow:
                raise NotAvailable("PUT /api/v1/kpis/{code}/quarters/{q}/report and POST .../submit")
            have = tokens or load.fetch_tokens(server.port, reporters, deadline["password"])
            r = load.deadline_rush(server.port, reporters, have)
            f.p50, f.p95, f.n, f.value, f.unit = r.p50_ms, r.p95_ms, r.requests, r.p95_ms, "ms"
            f.queries = ""
            f.note = (
                f"{r.reporters} reporters, {r.requests} requests in {r.wall_seconds:.1f} s, {r.errors} errors"
            )
            if r.first_errors:
                f.note += "; e.g. " + " | ".join(r.first_errors)
            self.deadline_errors = r.errors

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
            if not workflow:
                raise NotAvailable("PUT /api/v1/kpis/{code}/quarters/{q}/report and POST .../submit")
            have = tokens or load.fetch_tokens(server.port, reporters, deadline["password"])
            r = load.deadline_rush(server.port, reporters, have, quarter=2, spread_seconds=spread)
            f.p50, f.p95, f.n, f.value, f.unit = r.p50_ms, r.p95_ms, r.requests, r.p95_ms, "ms"
            f.queries = ""
            f.note = (
                f"{r.reporters} reporters, {r.requests} requests in {r.wall_seconds:.1f} s, {r.errors} errors"
            )
            if r.first_errors:
                f.note += "; e.g. " + " | ".join(r.first_errors)

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
