"""Load drivers: a keep-alive HTTP client that times warm requests, the concurrent
reporters of the quarter deadline, and `wrk` for throughput."""

from __future__ import annotations

import dataclasses
import http.client
import json
import math
import re
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p95 is a measured request)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclasses.dataclass
class Timing:
    count: int
    p50_ms: float
    p95_ms: float
    errors: int
    statuses: dict[int, int]
    bytes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Client:
    """One keep-alive connection (http.client reopens it when the server closes it)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None, timeout: float = 60) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        self.headers = {"Accept-Language": "th", **(headers or {})}

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, float]:
        payload = None
        merged = dict(self.headers, **(headers or {}))
        if body is not None:
            payload = json.dumps(body).encode()
            merged["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=merged)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            # A closed keep-alive connection: reconnect once and retry.
            self.conn.close()
            started = time.perf_counter()
            self.conn.request(method, path, body=payload, headers=merged)
            response = self.conn.getresponse()
            data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data, elapsed

    def close(self) -> None:
        self.conn.close()


def time_get(
    port: int, path: str, *, requests: int, warmup: int, ok: Callable[[int], bool] = lambda s: s == 200
) -> Timing:
    client = Client(port)
    try:
        for _ in range(warmup):
            client.request("GET", path)
        times: list[float] = []
        statuses: dict[int, int] = {}
        errors, size = 0, 0
        for _ in range(requests):
            status, data, ms = client.request("GET", path)
            times.append(ms)
            statuses[status] = statuses.get(status, 0) + 1
            errors += 0 if ok(status) else 1
            size = len(data)
    finally:
        client.close()
    return Timing(len(times), percentile(times, 50), percentile(times, 95), errors, statuses, size)


def spread_gets(port: int, paths: list[str], *, total: int, threads: int = 4) -> int:
    """`total` GETs over `paths`, round robin, from `threads` clients; returns the errors."""
    errors = [0]
    lock = threading.Lock()

    def work(offset: int) -> None:
        client = Client(port)
        failed = 0
        try:
            for i in range(offset, total, threads):
                status, _, _ = client.request("GET", paths[i % len(paths)])
                failed += status >= 500
        finally:
            client.close()
        with lock:
            errors[0] += failed

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors[0]


@dataclasses.dataclass
class WrkResult:
    requests_per_second: float
    non_2xx: int
    socket_errors: str
    command: str
    latency_p50: str = ""
    latency_p99: str = ""


def run_wrk(url: str, *, seconds: int, connections: int, threads: int = 2) -> WrkResult:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("wrk runs against loopback only")
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors:\s+(.*)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    return WrkResult(
        requests_per_second=float(rps.group(1)) if rps else 0.0,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        socket_errors=sock.group(1).strip() if sock else "none",
        command=" ".join(cmd),
        latency_p50=p50.group(1) if p50 else "",
        latency_p99=p99.group(1) if p99 else "",
    )


@dataclasses.dataclass
class DeadlineResult:
    reporters: int
    requests: int
    p50_ms: float
    p95_ms: float
    errors: int
    wall_seconds: float
    first_errors: list[str]


def fetch_tokens(port: int, reporters: list[dict], password: str, *, threads: int = 8) -> dict[str, str]:
    """POST /api/v1/auth/token for each reporter (setup, not measured)."""
    tokens: dict[str, str] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def work(chunk: list[dict]) -> None:
        client = Client(port)
        try:
            for r in chunk:
                status, data, _ = client.request(
                    "POST", "/api/v1/auth/token", {"username": r["username"], "password": password}
                )
                with lock:
                    if status == 200:
                        tokens[r["username"]] = json.loads(data)["token"]
                    else:
                        failures.append(f"{r['username']}: HTTP {status} {data[:200]!r}")
        finally:
            client.close()

    chunks = [reporters[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=work, args=(c,)) for c in chunks if c]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise RuntimeError(f"{len(failures)} token requests failed, e.g. {failures[0]}")
    return tokens


def deadline_rush(
    port: int, reporters: list[dict], tokens: dict[str, str], *, quarter: int = 1, spread_seconds: float = 0.0
) -> DeadlineResult:
    """Every reporter PUTs its quarter's report, then POSTs submit: all at once (a barrier)
    when `spread_seconds` is 0, else starting evenly over that many seconds (the last hour
    before a deadline, compressed)."""
    barrier = threading.Barrier(len(reporters)) if spread_seconds <= 0 else None
    step = spread_seconds / max(1, len(reporters))
    start_at = time.perf_counter() + 0.5
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def work(index: int, r: dict) -> None:
        client = Client(port, headers={"Authorization": f"Bearer {tokens[r['username']]}"})
        base = f"/api/v1/kpis/{r['code']}/quarters/{quarter}"
        mine, failed = [], []
        try:
            if barrier is not None:
                barrier.wait(timeout=60)
            else:
                time.sleep(max(0.0, start_at + index * step - time.perf_counter()))
            status, data, ms = client.request(
                "PUT",
                f"{base}/report",
                {"result": "42.5", "narrative": "รายงานผลการดำเนินงานไตรมาสที่ 1 (ทดสอบสมรรถนะ)", "version": 1},
            )
            mine.append(ms)
            version = None
            if status == 200:
                version = json.loads(data).get("version")
            else:
                failed.append(f"PUT {r['code']}: HTTP {status} {data[:160]!r}")
            body = {"version": version} if version else {}
            status, data, ms = client.request("POST", f"{base}/submit", body)
            mine.append(ms)
            if status not in (200, 201):
                failed.append(f"POST submit {r['code']}: HTTP {status} {data[:160]!r}")
        except Exception as exc:  # a refused or dropped connection is an error of the run, not a crash
            failed.append(f"{r['code']}: {type(exc).__name__} {exc}")
        finally:
            client.close()
        with lock:
            times.extend(mine)
            errors.extend(failed)

    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(i, r)) for i, r in enumerate(reporters)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    return DeadlineResult(
        reporters=len(reporters),
        requests=len(times),
        p50_ms=percentile(times, 50),
        p95_ms=percentile(times, 95),
        errors=len(errors),
        wall_seconds=wall,
        first_errors=errors[:3],
    )
