"""The benchmark's TCP balancer and the Gunicorn wrapper's several servers."""

from __future__ import annotations

import http.client
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.servers import APP_SERVERS_ENV, REPOSITORY, Gunicorn, _stop, free_port, wait_for_http


def named_server(name: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")  # like gunicorn's sync workers
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def two_servers() -> Iterator[list[http.server.ThreadingHTTPServer]]:
    servers = [named_server("one"), named_server("two")]
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_balancer_hands_each_connection_to_the_next_server_in_turn(two_servers):
    port = free_port()
    backends = [str(s.server_address[1]) for s in two_servers]
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.servers", "balance", str(port), *backends],
        cwd=REPOSITORY,
        start_new_session=True,
    )
    try:
        wait_for_http(port, "/", timeout=20, proc=proc)
        answers = []
        for _ in range(6):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/")
            answers.append(conn.getresponse().read().decode())
            conn.close()
    finally:
        _stop(proc)
    assert sorted(set(answers)) == ["one", "two"]
    assert all(a != b for a, b in zip(answers, answers[1:], strict=False))  # alternating


def test_the_report_says_how_many_servers_and_whether_reads_go_to_a_replica(tmp_path: Path):
    one = Gunicorn({}, workers=3, log=tmp_path / "g.log")
    assert one.servers == 1
    assert "#" not in " ".join(one.command)
    two = Gunicorn(
        {APP_SERVERS_ENV: "2", "DATABASE_REPLICA_URL": "postgres://x@127.0.0.1:5433/b"},
        workers=3,
        log=tmp_path / "g.log",
    )
    shown = " ".join(two.command)
    assert two.servers == 2
    assert "--workers 3" in shown
    assert "x 2 servers behind a round-robin TCP balancer" in shown
    assert "replica" in shown
