"""The reporting season, the benchmark's headline: a population of readers on distinct
addresses with a popularity skew while writers save drafts, submit (publish) quarters and
assess published quarters through the real actions, in the server's database.

- Readers: `clients` processes (forked from the runner, plain http.client, no Django), each
  drawing addresses from one population: KPI pages, API records, agency pages per year,
  dashboards per year, the home page / finder per year. Within each page type the
  addresses are ranked (newest year first) and drawn with Zipf weights (1/rank), the types
  with fixed shares of the traffic. Every answer's `X-Cache` (hit / stale / miss) and time
  are recorded.
- Writers: one thread of the runner process, with Django on the same DATABASE_URL as the
  server, calling citykpi.reporting.actions.save_report (drafts, 1/s by default) and
  submit_report, and citykpi.evaluation.actions.assess, as a reporter of the KPI's agency
  and an evaluator. Submitting a quarter publishes it (submitted, assessed and reopened
  quarters are the public ones).
- Phases: warm-up (not measured), readers without writes, readers with writes. The pages
  a write touched are those showing a scope it bumped (docs/caching.md): the written KPIs'
  pages and records, their agencies' pages, their year's dashboard and home page, the home
  page without a year.

The writers work on a pool of quarter-4 reports of the latest published year, outside the
agency of the same-URL figures, reset on every run (drafts with the quarter reopened until
a future date; reopened quarters to assess), so each run starts from the same state.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import http.client
import itertools
import json
import multiprocessing
import random
import threading
import time
import traceback
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.load import percentile
from benchmarks.scales import Scale

if TYPE_CHECKING:  # the models are imported where they are used, at run time
    from citykpi.reporting.models import QuarterReport

# Shares of the reading traffic by page type (the rest of the population's skew is Zipf
# within the type).
TYPE_SHARES = {
    "kpi_page": 0.40,
    "api_kpi": 0.20,
    "agency_page": 0.15,
    "dashboard": 0.10,
    "home": 0.15,
}
TYPE_TITLES = {
    "kpi_page": "KPI page /kpi/<code>/",
    "api_kpi": "API record /api/v1/kpis/<code>",
    "agency_page": "Agency page /agency/<code>/?year=",
    "dashboard": "Dashboard /dashboard/?year=",
    "home": "Home / finder /?year=[&type=]",
}
ZIPF_S = 1.0
SEASON_QUARTER = 4
EVALUATOR_USERNAME = "bench-evaluator"


@dataclasses.dataclass
class Url:
    kind: str
    path: str
    scopes: tuple[str, ...]
    weight: float = 0.0


@dataclasses.dataclass
class Rates:
    draft_every: float = 1.0  # seconds between draft saves
    submit_every: float = 10.0
    assess_every: float = 10.0

    @classmethod
    def for_seconds(cls, seconds: float) -> Rates:
        """The season's rates; a run shorter than a minute (the smoke run) compresses them
        so that it still submits and assesses a few quarters."""
        if seconds >= 60:
            return cls()
        every = max(0.5, seconds / 5)
        return cls(draft_every=min(1.0, every / 2), submit_every=every, assess_every=every)


# --- the population ---------------------------------------------------------------------


def population(scale: Scale, *, exclude_agency: str | None = None, seed: int = 2566) -> list[Url]:
    """Every address the readers may ask for, with its probability (the weights sum to 1)."""
    from citykpi.agencies.models import Agency
    from citykpi.indicators.models import Indicator

    rng = random.Random(seed)
    years = sorted(scale.years, reverse=True)
    by_kind: dict[str, list[Url]] = {k: [] for k in TYPE_SHARES}
    kpis = list(
        Indicator.objects.published()
        .filter(fiscal_year_id__in=years)
        .values_list("code", "fiscal_year_id", "agency__code")
    )
    rng.shuffle(kpis)
    kpis.sort(key=lambda k: -k[1])  # newest year first, random within a year
    for code, _year, _agency in kpis:
        by_kind["kpi_page"].append(Url("kpi_page", f"/kpi/{code}/", (f"kpi:{code}",)))
    api = kpis[:]
    rng.shuffle(api)
    api.sort(key=lambda k: -k[1])
    for code, _year, _agency in api:
        by_kind["api_kpi"].append(Url("api_kpi", f"/api/v1/kpis/{code}", (f"kpi:{code}",)))
    agencies = list(
        Agency.objects.filter(is_placeholder=False).order_by("code").values_list("code", flat=True)
    )
    for year in years:
        shuffled = agencies[:]
        rng.shuffle(shuffled)
        for code in shuffled:
            by_kind["agency_page"].append(
                Url("agency_page", f"/agency/{code}/?year={year}", (f"agency:{code}",))
            )
        by_kind["dashboard"].append(Url("dashboard", f"/dashboard/?year={year}", (f"year:{year}",)))
    by_kind["home"].append(Url("home", "/", ("all",)))
    for year in years:
        by_kind["home"].append(Url("home", f"/?year={year}", (f"year:{year}",)))
    for year in years:
        for kpi_type in ("routine", "strategic"):
            by_kind["home"].append(Url("home", f"/?year={year}&type={kpi_type}", (f"year:{year}",)))
    urls: list[Url] = []
    for kind, share in TYPE_SHARES.items():
        items = by_kind[kind]
        if not items:
            continue
        raw = [1 / (rank**ZIPF_S) for rank in range(1, len(items) + 1)]
        total = sum(raw)
        for url, w in zip(items, raw, strict=True):
            url.weight = share * w / total
            urls.append(url)
    norm = sum(u.weight for u in urls)
    for u in urls:
        u.weight /= norm
    return urls


def popular_indexes(urls: list[Url], share: float = 0.5) -> set[int]:
    """The most popular addresses that together draw `share` of the requests."""
    order = sorted(range(len(urls)), key=lambda i: -urls[i].weight)
    chosen, total = set(), 0.0
    for i in order:
        if total >= share:
            break
        chosen.add(i)
        total += urls[i].weight
    return chosen


# --- readers (forked processes, no Django) ----------------------------------------------


def _get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response


def _reader(port: int, paths: list[str], cum: list[float], seed: int, until: float, out: str) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Language": "th"}
    codes = {"hit": 0, "stale": 1, "miss": 2}
    rows: list[tuple[int, int, int, float, float]] = []  # url, status, x-cache, ms, at
    total = cum[-1]
    while time.time() < until:
        i = bisect.bisect_left(cum, rng.random() * total)
        i = min(i, len(paths) - 1)
        started = time.perf_counter()
        try:
            response = _get(conn, paths[i], headers)
        except (http.client.HTTPException, OSError):
            # The server closed the keep-alive connection (a sync worker does after each
            # answer): one more try on a new connection, timed from the new start.
            conn.close()
            started = time.perf_counter()
            try:
                response = _get(conn, paths[i], headers)
            except (http.client.HTTPException, OSError):
                conn.close()
                rows.append((i, 0, 3, (time.perf_counter() - started) * 1000, time.time()))
                continue
        ms = (time.perf_counter() - started) * 1000
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        state = codes.get((response.getheader("X-Cache") or "").lower(), 3)
        rows.append((i, response.status, state, ms, time.time()))
    conn.close()
    Path(out).write_text(json.dumps(rows))


class Readers:
    """`clients` reader processes until `seconds` from now; `collect()` waits for them and
    returns every request as (url index, status, x-cache 0 hit / 1 stale / 2 miss / 3 none,
    ms, time.time() at its end)."""

    def __init__(self, port: int, urls: list[Url], *, clients: int, seconds: float, workdir: Path, tag: str):
        ctx = multiprocessing.get_context("fork")
        paths = [u.path for u in urls]
        cum = list(itertools.accumulate(u.weight for u in urls))
        self.seconds = seconds
        until = time.time() + seconds
        workdir.mkdir(parents=True, exist_ok=True)
        self.outs = [workdir / f"season-{tag}-{n}.json" for n in range(clients)]
        self.procs = [
            ctx.Process(
                target=_reader,
                args=(port, paths, cum, zlib.crc32(f"{tag}-{n}".encode()), until, str(self.outs[n])),
                daemon=True,
            )
            for n in range(clients)
        ]
        for p in self.procs:
            p.start()

    def collect(self) -> list:
        for p in self.procs:
            p.join(timeout=self.seconds + 120)
            if p.is_alive():
                p.kill()
                p.join(timeout=10)
        rows: list = []
        for out in self.outs:
            if out.exists():
                rows.extend(json.loads(out.read_text()))
                out.unlink()
        return rows


def read_phase(port: int, urls: list[Url], *, clients: int, seconds: float, workdir: Path, tag: str) -> list:
    """Readers for `seconds`, then their requests (see Readers)."""
    return Readers(port, urls, clients=clients, seconds=seconds, workdir=workdir, tag=tag).collect()


def windows(start: float, seconds: float, count: int) -> list[tuple[float, float, bool]]:
    """Alternating windows after `start`: without writes (half as long), then with writes,
    `count` times; `seconds` in all with writes. (start, end, writing) in time.time()."""
    out, t = [], start
    step = seconds / count
    for _ in range(count):
        out.append((t, t + step / 2, False))
        t += step / 2
        out.append((t, t + step, True))
        t += step
    return out


def split_rows(rows: list, wins: list[tuple[float, float, bool]]) -> tuple[list, list, list]:
    """(before the first window: warm-up, in windows without writes, in windows with writes)."""
    warm: list = []
    base: list = []
    write: list = []
    starts = [w[0] for w in wins]
    for r in rows:
        at = r[4]
        k = bisect.bisect_right(starts, at) - 1
        if k < 0:
            warm.append(r)
        elif at <= wins[k][1] or k == len(wins) - 1:
            (write if wins[k][2] else base).append(r)
        else:
            (write if wins[k][2] else base).append(r)
    return warm, base, write


# --- the writers' pool --------------------------------------------------------------------


@dataclasses.dataclass
class Pool:
    year: int
    drafts: list[int]  # QuarterReport ids, draft, open until a future date
    to_assess: list[int]  # QuarterReport ids, reopened (published)
    reporters: dict[int, int]  # agency id -> reporter user id
    evaluator: int


def prepare_pool(scale: Scale, *, exclude_agency: str, size: int, progress: Callable[[str], None]) -> Pool:
    """Reset the pool of quarter-4 reports of the latest published year (outside the agency
    of the same-URL figures, in agencies with a bench reporter) to the same state on every
    run, store their scores and bump their scopes (the reset is not an action)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from citykpi.accounts.models import Membership, Role
    from citykpi.evaluation.models import Assessment
    from citykpi.indicators.models import Indicator
    from citykpi.publicdata import versions
    from citykpi.quality.standing import rescore_kpis
    from citykpi.reporting.models import QuarterReport

    Status = QuarterReport.Status
    year = (
        Indicator.objects.published().filter(fiscal_year_id__in=scale.years).order_by("-fiscal_year_id")
    ).values_list("fiscal_year_id", flat=True)[0]
    User = get_user_model()
    reporters: dict[int, int] = {}
    for agency_id, user_id in (
        Membership.objects.filter(role=Role.REPORTER, user__username__startswith="bench-reporter")
        .order_by("user__username")
        .values_list("agency_id", "user_id")
    ):
        reporters.setdefault(agency_id, user_id)
    with transaction.atomic():
        evaluator, _ = User.objects.get_or_create(
            username=EVALUATOR_USERNAME, defaults={"email": f"{EVALUATOR_USERNAME}@bench.invalid"}
        )
        Membership.objects.get_or_create(user=evaluator, role=Role.EVALUATOR, agency=None)
        kpi_ids = list(
            Indicator.objects.published()
            .filter(fiscal_year_id=year, agency_id__in=list(reporters))
            .exclude(agency__code=exclude_agency)
            .order_by("id")
            .values_list("id", flat=True)
        )
        step = max(1, len(kpi_ids) // max(1, size))
        chosen = kpi_ids[::step][:size]
        reports = list(
            QuarterReport.objects.filter(indicator_id__in=chosen, quarter=SEASON_QUARTER).order_by(
                "indicator_id"
            )
        )
        half = len(reports) // 2
        drafts, to_assess = reports[:half], reports[half:]
        until = timezone.localdate() + dt.timedelta(days=90)
        Assessment.objects.filter(quarter_report__in=drafts).delete()
        QuarterReport.objects.filter(pk__in=[r.pk for r in drafts]).update(
            status=Status.DRAFT, reopened_until=until, submitted_at=None, return_reason=""
        )
        QuarterReport.objects.filter(pk__in=[r.pk for r in to_assess]).update(
            status=Status.REOPENED, reopened_until=until
        )
        QuarterReport.objects.filter(pk__in=[r.pk for r in to_assess], result__isnull=True).update(
            result=Decimal(1)
        )
        rescore_kpis(chosen)
        codes = Indicator.objects.filter(pk__in=chosen).values_list("code", "agency__code")
        versions.bump(
            [versions.ALL, versions.year(year)]
            + [versions.kpi(c) for c, _ in codes]
            + [versions.agency(a) for _, a in codes]
        )
    progress(f"season pool: FY {year} Q{SEASON_QUARTER}, {len(drafts)} drafts, {len(to_assess)} to assess")
    return Pool(
        year=year,
        drafts=[r.pk for r in drafts],
        to_assess=[r.pk for r in to_assess],
        reporters=reporters,
        evaluator=evaluator.pk,
    )


class Writers(threading.Thread):
    """Drafts saved, quarters submitted and assessed at the given rates, through the actions."""

    def __init__(self, pool: Pool, rates: Rates) -> None:
        super().__init__(daemon=True)
        self.pool = pool
        self.rates = rates
        self.stop = threading.Event()
        self.active = threading.Event()  # set: writing; clear: paused
        self.done: dict[str, list[float]] = {"save": [], "submit": [], "assess": []}
        self.errors: list[str] = []
        self.touched: set[str] = set()  # scopes bumped (submit, assess)
        self.started_at = 0.0

    def run(self) -> None:
        from django.db import connection

        try:
            self._run()
        except Exception:
            self.errors.append(traceback.format_exc(limit=3))
        finally:
            connection.close()

    def _run(self) -> None:
        from django.contrib.auth import get_user_model

        from citykpi.evaluation.actions import assess, component_names
        from citykpi.reporting.actions import save_report, submit_report
        from citykpi.reporting.models import QuarterReport

        User = get_user_model()
        users = User.objects.in_bulk([*self.pool.reporters.values(), self.pool.evaluator])
        evaluator = users[self.pool.evaluator]
        drafts = list(self.pool.drafts)
        to_assess = list(self.pool.to_assess)
        save_cycle = itertools.cycle(drafts)
        submitted: list[int] = []
        self.started_at = time.monotonic()
        next_at = {"save": 0.0, "submit": self.rates.submit_every / 2, "assess": self.rates.assess_every}
        n = 0
        while not self.stop.is_set():
            if not self.active.is_set():
                # Paused (a window without writes): the schedule resumes where it stopped.
                paused_at = time.monotonic()
                while not self.active.wait(0.05):
                    if self.stop.is_set():
                        return
                shift = time.monotonic() - paused_at
                next_at = {k: v + shift for k, v in next_at.items()}
                continue
            now = time.monotonic() - self.started_at
            kind = min(next_at, key=lambda k: next_at[k])
            wait = next_at[kind] - now
            if wait > 0:
                self.stop.wait(min(wait, 0.05))
                continue
            n += 1
            try:
                if kind == "save":
                    pk = next(save_cycle)
                    while pk in submitted and len(submitted) < len(drafts):
                        pk = next(save_cycle)
                    if pk in submitted:
                        next_at["save"] += self.rates.draft_every
                        continue
                    report = self._report(QuarterReport, pk)
                    actor = users[self.pool.reporters[report.indicator.agency_id]]
                    t0 = time.perf_counter()
                    save_report(
                        actor,
                        report,
                        result=draft_result(report, n),
                        narrative=f"ร่างรายงานไตรมาส {SEASON_QUARTER} ครั้งที่ {n} (ทดสอบสมรรถนะ)",
                        version=report.version,
                    )
                    self.done["save"].append((time.perf_counter() - t0) * 1000)
                    next_at["save"] += self.rates.draft_every
                elif kind == "submit":
                    candidates = [pk for pk in drafts if pk not in submitted]
                    if candidates:
                        pk = candidates[0]
                        report = self._report(QuarterReport, pk)
                        actor = users[self.pool.reporters[report.indicator.agency_id]]
                        t0 = time.perf_counter()
                        submit_report(actor, report, version=report.version)
                        self.done["submit"].append((time.perf_counter() - t0) * 1000)
                        submitted.append(pk)
                        to_assess.append(pk)
                        self._touch(report)
                    next_at["submit"] += self.rates.submit_every
                else:
                    if to_assess:
                        pk = to_assess.pop(0)
                        report = self._report(QuarterReport, pk)
                        t0 = time.perf_counter()
                        assess(
                            evaluator,
                            report,
                            score=Decimal(80),
                            components={name: Decimal(80) for name in component_names(report)},
                            comment="ประเมินระหว่างทดสอบสมรรถนะ",
                            version=report.version,
                        )
                        self.done["assess"].append((time.perf_counter() - t0) * 1000)
                        self._touch(report)
                    next_at["assess"] += self.rates.assess_every
            except Exception as exc:
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                next_at[kind] += getattr(self.rates, f"{'draft' if kind == 'save' else kind}_every")

    @staticmethod
    def _report(model: type[QuarterReport], pk: int) -> QuarterReport:
        return model.objects.select_related(
            "indicator__agency", "indicator__fiscal_year", "indicator__unit"
        ).get(pk=pk)

    def _touch(self, report: QuarterReport) -> None:
        ind = report.indicator
        self.touched |= {f"kpi:{ind.code}", f"agency:{ind.agency.code}", f"year:{ind.fiscal_year_id}", "all"}


DEADLINE_QUARTER = 3  # the compressed deadline's quarter (the burst writes quarters 1 and 2)


def compressed_deadline(
    codes: list[str], username: str, *, seconds: float, threads: int = 4, quarter: int = DEADLINE_QUARTER
) -> dict[str, Any]:
    """The deadline compressed: each KPI of `codes` saved then submitted through the actions
    by `username` (a reporter of their agency), the KPIs started evenly over `seconds`
    (2 x len(codes) writes), `threads` writer threads each with its own connection. Returns
    the writes' milliseconds, the errors and the wall time (later than `seconds` when the
    writers fell behind)."""
    import queue

    from django.contrib.auth import get_user_model
    from django.db import connection

    from citykpi.reporting.actions import save_report, submit_report
    from citykpi.reporting.models import QuarterReport

    user_id = get_user_model().objects.only("pk").get(username=username).pk
    ids = list(
        QuarterReport.objects.filter(indicator__code__in=codes, quarter=quarter)
        .order_by("indicator__code")
        .values_list("pk", flat=True)
    )
    work: queue.Queue[tuple[int, int]] = queue.Queue()
    for n, pk in enumerate(ids):
        work.put((n, pk))
    step = seconds / max(1, len(ids))
    start_at = time.perf_counter() + 0.2
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def writer() -> None:
        User = get_user_model()
        try:
            while True:
                try:
                    n, pk = work.get_nowait()
                except queue.Empty:
                    return
                time.sleep(max(0.0, start_at + n * step - time.perf_counter()))
                mine: list[float] = []
                try:
                    actor = User.objects.get(pk=user_id)
                    report = Writers._report(QuarterReport, pk)
                    t0 = time.perf_counter()
                    saved = save_report(
                        actor,
                        report,
                        result=Decimal(40 + n % 60),
                        narrative=f"รายงานไตรมาส {quarter} ก่อนกำหนดส่ง (ทดสอบสมรรถนะ) {n}",
                        version=report.version,
                    )
                    mine.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    submit_report(actor, saved, version=saved.version)
                    mine.append((time.perf_counter() - t0) * 1000)
                except Exception as exc:  # counted: an error of the run, not a crash
                    with lock:
                        errors.append(f"{pk}: {type(exc).__name__}: {exc}"[:200])
                with lock:
                    times.extend(mine)
        finally:
            connection.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=writer, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {
        "kpis": len(ids),
        "writes": len(times),
        "errors": errors,
        "wall_seconds": time.perf_counter() - started,
        "p50": percentile(times, 50) if times else None,
        "p95": percentile(times, 95) if times else None,
    }


def draft_result(report: QuarterReport, n: int) -> Decimal:
    """A result the KPI's unit accepts: between half and nine tenths of its scale (levels
    1-5, percent 0-100, else up to the quarter's planned target), from the quarter's plan
    up (down for a lower-is-better KPI) when it has one, varying with `n`."""
    unit = report.indicator.unit
    lo = unit.scale_min if unit is not None and unit.scale_min is not None else Decimal(0)
    hi = unit.scale_max if unit is not None and unit.scale_max is not None else None
    if hi is None:
        if unit is not None and unit.kind == unit.Kind.PERCENT:
            hi = Decimal(100)
        else:
            hi = report.planned_target or report.indicator.target or Decimal(100)
    # On or ahead of the quarter's plan, so that a submit needs no cause and corrective
    # action (reporting.actions.explanation_missing refuses a red quarter without them).
    plan = report.planned_target
    if plan is not None and lo <= plan <= hi:
        if report.indicator.direction == "lower":
            hi = plan
        else:
            lo = plan
    value = lo + (hi - lo) * Decimal(5 + n % 5) / 10
    if hi - lo <= 10:
        value = value.quantize(Decimal(1))
    return value.quantize(Decimal("0.01"))


def time_report_save(pool: Pool, repeats: int = 20) -> dict[str, Any]:
    """One draft save through save_report, in process: its SQL queries and milliseconds
    (median over `repeats` saves of different pool quarters; the saves are kept)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from citykpi.reporting.actions import save_report
    from citykpi.reporting.models import QuarterReport

    User = get_user_model()
    users = User.objects.in_bulk(list(pool.reporters.values()))
    times: list[float] = []
    queries: list[int] = []
    control: list[int] = []

    def ready(i: int):
        pk = pool.drafts[i % len(pool.drafts)]
        # As the view has it: the quarter from get_quarter's select_related, a fresh user.
        report = QuarterReport.objects.select_related(
            "indicator__agency", "indicator__fiscal_year", "indicator__unit"
        ).get(pk=pk)
        actor = User.objects.get(pk=users[pool.reporters[report.indicator.agency_id]].pk)
        return actor, report, draft_result(report, i)

    # Timed without CaptureQueriesContext (it formats and keeps every statement), then
    # counted with it, on the next drafts of the pool.
    for i in range(repeats):
        actor, report, result = ready(i)
        t0 = time.perf_counter()
        save_report(actor, report, result=result, narrative=f"ร่าง {i}", version=report.version)
        times.append((time.perf_counter() - t0) * 1000)
    for i in range(repeats, 2 * repeats):
        actor, report, result = ready(i)
        with CaptureQueriesContext(connection) as ctx:
            save_report(actor, report, result=result, narrative=f"ร่าง {i}", version=report.version)
        queries.append(len(ctx.captured_queries))
        control.append(
            sum(
                q["sql"].split()[0].upper() in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
                for q in ctx.captured_queries
            )
        )
    return {
        "ms_p50": percentile(times, 50),
        "ms_max": max(times),
        "queries": int(percentile(queries, 50)),
        "queries_max": max(queries),
        "control": int(percentile(control, 50)),
        "repeats": repeats,
        "sql": [q["sql"][:120] for q in ctx.captured_queries],
    }


# --- summaries ---------------------------------------------------------------------------

STATE_NAMES = ("hit", "stale", "miss", "none")


def annotate(rows: list) -> list:
    """Each request with the time its address was last asked for in the whole run (None:
    its first request), so that phases interleaved in time are summarised apart."""
    last: dict[int, float] = {}
    stored: dict[int, float] = {}  # when the address was last built (a miss stores it)
    out = []
    for r in sorted(rows, key=lambda r: r[4]):
        out.append((*r[:5], last.get(r[0]), stored.get(r[0])))
        last[r[0]] = r[4]
        if r[2] == 2:
            stored[r[0]] = r[4]
    return out


def summarise(
    urls: list[Url],
    rows: list,
    *,
    seen_before: set[int] | dict[int, float],
    touched_scopes: set[str],
    ttl: float | None = None,
) -> dict[str, Any]:
    """Per page type: requests, X-Cache states, p50/p95/p99; and the hit rate of the pages no
    write touched, with and without each address's first request of the run (a miss no
    cache can avoid)."""
    by_kind: dict[str, list[float]] = {}
    states: dict[str, list[int]] = {}
    errors = 0
    untouched = {"requests": 0, "hits": 0, "first": 0, "stale": 0, "expired": 0}
    touched = {"requests": 0, "hits": 0, "stale": 0}
    # Address -> when it was last asked for (a set: in an earlier phase, time unknown).
    last = seen_before if isinstance(seen_before, dict) else dict.fromkeys(seen_before, float("-inf"))
    seen = dict(last)
    for row in sorted(rows, key=lambda r: r[4]):
        i, status, state, ms, at = row[:5]
        built_at = None
        if len(row) > 5:  # annotated (see `annotate`): when the address was last asked for
            seen = {i: row[5]} if row[5] is not None else {}
            built_at = row[6] if len(row) > 6 else None
        u = urls[i]
        by_kind.setdefault(u.kind, []).append(ms)
        states.setdefault(u.kind, [0, 0, 0, 0])[state] += 1
        errors += status != 200
        first = i not in seen
        # A miss of an address built (or, without that, last read) longer ago than the cache
        # keeps an entry (the time-out counts from the build): expired.
        since = built_at if built_at is not None else (seen[i] if not first else None)
        expired = since is not None and ttl is not None and state != 0 and at - since > ttl > 0
        seen[i] = at
        if touched_scopes.intersection(u.scopes):
            touched["requests"] += 1
            touched["hits"] += state == 0
            touched["stale"] += state == 1
        else:
            untouched["requests"] += 1
            untouched["hits"] += state == 0
            untouched["stale"] += state == 1
            untouched["first"] += first and state != 0
            untouched["expired"] += expired
    kinds = {}
    for kind in TYPE_SHARES:
        times = by_kind.get(kind, [])
        kinds[kind] = {
            "title": TYPE_TITLES[kind],
            "urls": sum(1 for u in urls if u.kind == kind),
            "distinct": len({i for i, *_ in rows if urls[i].kind == kind}),
            "requests": len(times),
            "p50": percentile(times, 50) if times else None,
            "p95": percentile(times, 95) if times else None,
            "p99": percentile(times, 99) if times else None,
            "states": dict(zip(STATE_NAMES, states.get(kind, [0, 0, 0, 0]), strict=True)),
        }
    return {
        "kinds": kinds,
        "errors": errors,
        "requests": len(rows),
        "untouched": untouched,
        "touched": touched,
    }


def vmrss_mib(pids: list[int]) -> list[float]:
    from benchmarks.servers import rss_kib

    out = []
    for pid in pids:
        try:
            out.append(round(rss_kib(pid) / 1024, 1))
        except OSError:
            out.append(0.0)
    return out


def redis_used_memory() -> dict[str, Any] | None:
    """INFO memory of the cache's Redis server (None when the cache is not Redis)."""
    from django.conf import settings

    backend = settings.CACHES["default"]
    if "redis" not in str(backend["BACKEND"]).lower():
        return None
    import redis

    configured = backend["LOCATION"]
    location = str(configured[0] if isinstance(configured, list | tuple) else configured)
    client = redis.Redis.from_url(location)
    info = client.info("memory")
    return {
        "used_memory": int(info["used_memory"]),
        "used_memory_human": info.get("used_memory_human", ""),
        "keys": int(client.dbsize()),
        "url": location.split("@")[-1],
    }


def cold_gets(port: int, paths: list[str]) -> dict[str, Any]:
    """Each address once, in order, from one keep-alive client: times and X-Cache states."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times: list[float] = []
    states = {"hit": 0, "stale": 0, "miss": 0, "none": 0}
    statuses: dict[int, int] = {}
    for path in paths:
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept-Language": "th"})
            response = conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            started = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Language": "th"})
            response = conn.getresponse()
            response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
        state = (response.getheader("X-Cache") or "none").lower()
        states[state if state in states else "none"] += 1
        statuses[response.status] = statuses.get(response.status, 0) + 1
    conn.close()
    return {
        "n": len(times),
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "states": states,
        "statuses": statuses,
        "errors": sum(v for k, v in statuses.items() if k != 200),
    }


def spread_pick(items: list, n: int) -> list:
    """`n` items spread evenly over `items` (all of them when there are fewer)."""
    if n <= 0:
        return []
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(k * step)] for k in range(n)]
