"""The servers a benchmark run starts on loopback: our gunicorn and the Datasette peer.

Both are context managers that always stop what they started (the process group, by its
id), on free ports chosen at start.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


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


class Gunicorn:
    """citykpi under gunicorn on 127.0.0.1:<free port>, with the environment of the run."""

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
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "citykpi.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
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

    def __enter__(self) -> Gunicorn:
        self.port = free_port()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for_http(self.port, self.ping, proc=self.proc)
        except Exception:
            _stop(self.proc)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
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
            if ppid == self.proc.pid:
                pids.append(int(entry.name))
        return sorted(pids)


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

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            _stop(self.proc)


@contextlib.contextmanager
def nothing() -> Iterator[None]:
    yield None
