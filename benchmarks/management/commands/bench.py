"""`citykpi bench --scale city|national|small|tiny [--db sqlite|postgres|both] [--out docs/benchmarks.md]`

With `--app-servers 2 --replica-url postgres://...:5433/citykpi_bench_<scale>` (PostgreSQL) the
run starts two gunicorns behind a round-robin balancer and sends their public reads to the
streaming replica (scripts/replica.sh makes one on 127.0.0.1:5433; docs/deployment.md).

The command runs in two layers. The outer one (what a person types) chooses each
benchmark database (a SQLite file under the work folder, or the PostgreSQL database
citykpi_bench_<scale>), creates it if needed and starts the inner one as a child process
with DATABASE_URL pointing there, so that migrations, the dataset, the in-process
measurements and the gunicorn server all use the benchmark database and never the
development one. Each inner run writes its figures as JSON; the outer one writes the report.

The cache is the one the environment configures (CACHE_URL: Redis, else local memory). The
benchmark clears it to count the queries of uncached pages: with Redis, point CACHE_URL at a
Redis database used by nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from benchmarks import report
from benchmarks.scales import SCALES, Scale, get_scale
from benchmarks.servers import APP_SERVERS_ENV, default_workers

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_url(database: str) -> str:
    """The URL of `database` on the server of DATABASE_URL when it is PostgreSQL, else local."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        base = DEFAULT_PG
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, ""))


def ensure_postgres_database(url: str, *, drop: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, "")).replace(
        "postgres://", "postgresql://", 1
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def postgres_reachable() -> bool:
    import psycopg

    parts = urlsplit(postgres_url("postgres"))
    try:
        psycopg.connect(urlunsplit(("postgresql",) + tuple(parts[1:])), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


class Command(BaseCommand):
    help = "Benchmarks: build the dataset, start gunicorn on loopback, measure, write docs/benchmarks.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SCALES), default="city")
        parser.add_argument(
            "--db",
            choices=["sqlite", "postgres", "both"],
            default=None,
            help="default: both for city and smaller, postgres for national",
        )
        parser.add_argument("--out", default=None, help="the report (default docs/benchmarks.md)")
        parser.add_argument(
            "--workdir", default=None, help="datasets, static files, logs (default var/bench)"
        )
        parser.add_argument(
            "--database-url", default=None, help="use this database instead of the default bench one"
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="drop the benchmark database and build it again"
        )
        parser.add_argument("--workers", type=int, default=default_workers())
        parser.add_argument("--worker-class", default="sync")
        parser.add_argument("--threads", type=int, default=1)
        parser.add_argument(
            "--season-seconds",
            type=float,
            default=None,
            help="the season scenario's phase with writes (default: the scale's, 600 s at city scale)",
        )
        parser.add_argument("--readers", type=int, default=4, help="reader processes of the season scenario")
        parser.add_argument(
            "--season-only",
            action="store_true",
            help="measure only the season scenario (skip the same-URL figures, PDFs, imports, deadline)",
        )
        parser.add_argument(
            "--app-servers",
            type=int,
            default=1,
            help="application servers (gunicorns of --workers each) behind a round-robin balancer",
        )
        parser.add_argument(
            "--replica-url",
            default=None,
            help="a streaming replica of the benchmark database (DATABASE_REPLICA_URL): public reads go there",
        )
        parser.add_argument("--note", default="", help="a line shown at the top of the report")
        parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--result", default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **o: Any) -> None:
        scale = get_scale(o["scale"])
        workdir = Path(o["workdir"] or Path(settings.BASE_DIR) / "var" / "bench").resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        if o["inner"]:
            self.inner(scale, workdir, o)
            return
        dbs = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[
            o["db"] or ("postgres" if scale.name == "national" else "both")
        ]
        if scale.name == "national" and "sqlite" in dbs:
            raise CommandError("The national scale runs on PostgreSQL only (--db postgres).")
        if o["database_url"] and len(dbs) > 1:
            raise CommandError("--database-url names one database: choose --db sqlite or --db postgres.")
        if o["app_servers"] < 1:
            raise CommandError("--app-servers is 1 or more.")
        if o["replica_url"] and dbs != ["postgres"]:
            raise CommandError("--replica-url is a PostgreSQL replica: use it with --db postgres.")
        out = Path(o["out"] or Path(settings.BASE_DIR) / "docs" / "benchmarks.md")
        if o["db"] is None and "sqlite" in dbs and not o["database_url"] and not postgres_reachable():
            # `make bench` on a machine without PostgreSQL still measures SQLite.
            self.stderr.write(
                "PostgreSQL is not reachable: measuring SQLite only (the deadline goal needs PostgreSQL)"
            )
            dbs = ["sqlite"]
        runs = []
        for db in dbs:
            runs.append(self.outer_run(scale, workdir, db, o))
        report.write(out, runs, note=o["note"])
        self.stdout.write(f"wrote {out}")

    def outer_run(self, scale: Scale, workdir: Path, db: str, o: dict[str, Any]) -> dict[str, Any]:
        if o["database_url"]:
            url = o["database_url"]
        elif db == "sqlite":
            url = f"sqlite:///{workdir / f'{scale.name}.sqlite3'}"
        else:
            url = postgres_url(f"citykpi_bench_{scale.name}")
        if url.startswith("sqlite:///"):
            if o["rebuild"]:
                for suffix in ("", "-wal", "-shm"):
                    Path(url[len("sqlite:///") :] + suffix).unlink(missing_ok=True)
        else:
            ensure_postgres_database(url, drop=o["rebuild"])
        run_dir = workdir / f"{scale.name}-{db}"
        run_dir.mkdir(parents=True, exist_ok=True)
        # One static folder for every run: collectstatic (with whitenoise's compression) then
        # runs only when the sources change.
        shared_static = Path(os.environ.get("CITYKPI_BENCH_STATIC") or workdir / "static")
        shared_static.mkdir(parents=True, exist_ok=True)
        (run_dir / "var").mkdir(exist_ok=True)
        link = run_dir / "var" / "static"
        if link.is_symlink() and link.resolve() != shared_static.resolve():
            link.unlink()
        if not link.exists():
            link.symlink_to(shared_static, target_is_directory=True)
        result = run_dir / "result.json"
        result.unlink(missing_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            # Static files, evidence and logs of this run live in the bench folder.
            "CITYKPI_VAR": str(run_dir / "var"),
            "DEBUG": "0",
            "DEMO": "0",
            "DJANGO_SETTINGS_MODULE": "citykpi.settings",
            "PYTHONUNBUFFERED": "1",
        }
        # Read by benchmarks.servers.Gunicorn (the number of servers) and by the settings of
        # the servers and of the inner run (the replica alias; citykpi.lib.dbrouting).
        env[APP_SERVERS_ENV] = str(o["app_servers"])
        env.pop("DATABASE_REPLICA_URL", None)
        if o["replica_url"]:
            env["DATABASE_REPLICA_URL"] = o["replica_url"]
        shown = ["citykpi", "bench", "--scale", scale.name, "--db", db]
        if o["app_servers"] != 1:
            shown += ["--app-servers", str(o["app_servers"])]
        if o["replica_url"]:
            shown += ["--replica-url", o["replica_url"]]
        season_args = ["--readers", str(o["readers"])]
        if o["season_seconds"]:
            season_args += ["--season-seconds", f"{o['season_seconds']:g}"]
        if o["season_only"]:
            season_args.append("--season-only")
        shown += season_args if o["readers"] != 4 else season_args[2:]
        if o["out"]:
            shown += ["--out", o["out"]]
        cmd = [
            sys.executable,
            "-m",
            "citykpi",
            "bench",
            "--inner",
            "--scale",
            scale.name,
            "--workdir",
            str(run_dir),
            "--result",
            str(result),
            "--workers",
            str(o["workers"]),
            "--worker-class",
            o["worker_class"],
            "--threads",
            str(o["threads"]),
            "--note",
            shlex.join(shown),
            *season_args,
        ]
        self.stdout.write(f"== {db}: {url}")
        started = time.monotonic()
        completed = subprocess.run(cmd, env=env)
        if completed.returncode != 0 or not result.exists():
            raise CommandError(f"the {db} run failed (exit code {completed.returncode}); its output is above")
        self.stdout.write(f"== {db} done in {time.monotonic() - started:.0f} s")
        return json.loads(result.read_text())

    def inner(self, scale: Scale, workdir: Path, o: dict[str, Any]) -> None:
        from benchmarks.runner import Options, Run

        options = Options(
            scale=scale,
            workdir=workdir,
            workers=o["workers"],
            worker_class=o["worker_class"],
            threads=o["threads"],
            command=o["note"] or f"citykpi bench --scale {scale.name}",
            season_seconds=o["season_seconds"],
            readers=o["readers"],
            season_only=o["season_only"],
        )

        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        results = Run(options, say).execute()
        Path(o["result"]).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
