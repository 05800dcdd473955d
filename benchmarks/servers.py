"""The servers a benchmark run starts on loopback: our gunicorn and the Datasette peer.

Both are context managers that always stop what they started (the process group, by its
id), on free ports chosen at start.

`Gunicorn` starts CITYKPI_BENCH_APP_SERVERS application servers (from the run's environment,
1 by default; `citykpi bench --app-servers N` sets it). With more than one, each gunicorn
listens on its own port and a round-robin TCP balancer (`balance`, its own process) listens
on `port`, so the load reaches the servers the way a proxy in front of N machines spreads
it: gunicorn's sync workers close each connection after one answer, so every request is a
new connection to the next server in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# The repository (the folder holding benchmarks/): `python -m benchmarks.servers` runs from it.
REPOSITORY = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(
    port: int, path: str = "/", timeout: float = 60.0, proc: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError as exc:
            last_error = exc
            time.sleep(0.1)
    raise RuntimeError(f"no answer on 127.0.0.1:{port} within {timeout:.0f} s ({last_error})")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def default_workers() -> int:
    # gunicorn's own advice for sync workers: 2 x cores + 1.
    return 2 * (os.cpu_count() or 1) + 1


APP_SERVERS_ENV = "CITYKPI_BENCH_APP_SERVERS"


class Gunicorn:
    """citykpi under gunicorn on 127.0.0.1:<free port>, with the environment of the run; with
    CITYKPI_BENCH_APP_SERVERS=N (N > 1) in it, N gunicorns behind a TCP balancer on that port."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int,
        worker_class: str = "sync",
        threads: int = 1,
        log: Path,
        ping: str = "/",
    ) -> None:
        self.env = env
        self.ping = ping
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.log = log
        self.servers = max(1, int(env.get(APP_SERVERS_ENV) or 1))
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.backends: list[tuple[int, subprocess.Popen]] = []

    def server_command(self, port: int) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "citykpi.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "120",
        ]
        if self.threads > 1:
            cmd += ["--threads", str(self.threads)]
        return cmd

    @property
    def command(self) -> list[str]:
        """What the report shows: the gunicorn command (of each server, when there are several)."""
        cmd = self.server_command(self.port)
        if self.servers > 1:
            cmd += [f"# x {self.servers} servers behind a round-robin TCP balancer on PORT"]
            if self.env.get("DATABASE_REPLICA_URL"):
                cmd += ["with public reads on the replica (DATABASE_REPLICA_URL)"]
        elif self.env.get("DATABASE_REPLICA_URL"):
            cmd += ["# public reads on the replica (DATABASE_REPLICA_URL)"]
        return cmd

    def _spawn(
        self, cmd: list[str], *, env: dict[str, str] | None, cwd: Path | None = None
    ) -> subprocess.Popen:
        with self.log.open("ab") as log:
            return subprocess.Popen(
                cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def __enter__(self) -> Gunicorn:
        self.port = free_port()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.servers == 1:
                self.proc = self._spawn(self.server_command(self.port), env=self.env)
                wait_for_http(self.port, self.ping, proc=self.proc)
                return self
            for _ in range(self.servers):
                port = free_port()
                self.backends.append((port, self._spawn(self.server_command(port), env=self.env)))
            for port, proc in self.backends:
                wait_for_http(port, self.ping, proc=proc)
            balancer = [sys.executable, "-m", "benchmarks.servers", "balance", str(self.port)]
            self.proc = self._spawn(
                balancer + [str(port) for port, _ in self.backends], env=None, cwd=REPOSITORY
            )
            wait_for_http(self.port, self.ping, proc=self.proc)
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop(self.proc)
        for _, proc in self.backends:
            _stop(proc)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers of every server."""
        masters = [proc.pid for _, proc in self.backends] if self.backends else []
        if not masters:
            assert self.proc is not None
            masters = [self.proc.pid]
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the 2nd field after the parenthesised command name.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid in masters:
                pids.append(int(entry.name))
        return sorted(pids)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _balance(port: int, backends: list[int]) -> None:
    turn = itertools.cycle(backends)

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", next(turn))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


def balance(port: int, backends: list[int]) -> None:
    """Accept connections on 127.0.0.1:`port` and hand each to the next backend port in turn,
    copying bytes both ways (a TCP balancer, like HAProxy's `mode tcp` with `roundrobin`)."""
    asyncio.run(_balance(port, backends))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Datasette:
    """The peer: a SQLite file published with Datasette on loopback."""

    def __init__(self, db_file: Path, *, log: Path) -> None:
        self.db_file = db_file
        self.log = log
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            "--immutable",
            str(self.db_file),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "--setting",
            "sql_time_limit_ms",
            "5000",
            "--setting",
            "num_sql_threads",
            "3",
            "--setting",
            "default_cache_ttl",
            "0",
        ]

    def __enter__(self) -> Datasette:
        self.port = free_port()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for_http(self.port, "/-/versions.json", proc=self.proc)
        except Exception:
            _stop(self.proc)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            _stop(self.proc)


@contextlib.contextmanager
def nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    # python -m benchmarks.servers balance PORT BACKEND_PORT...  (started by Gunicorn)
    if len(sys.argv) < 4 or sys.argv[1] != "balance":
        sys.exit("usage: python -m benchmarks.servers balance PORT BACKEND_PORT...")
    with contextlib.suppress(KeyboardInterrupt):
        balance(int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
