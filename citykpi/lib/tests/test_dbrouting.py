"""Reads on a streaming replica (citykpi.lib.dbrouting), against a real one.

The replica is a second PostgreSQL cluster on 127.0.0.1:5433 fed by streaming replication
from the primary (scripts/replica.sh makes it; the fixture runs the script when the replica
is not streaming yet). The test database pytest-django creates on the primary streams to it,
so the tests add a ``replica`` alias for that database as a test mirror (never created or
flushed by Django), the way settings.py does with DATABASE_REPLICA_URL. To prove where a
read went, replay is paused on the replica (pg_wal_replay_pause) and a row is changed on
the primary: the replica still shows the old value.
"""

from __future__ import annotations

import contextlib
import copy
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citykpi.agencies.models import Agency
from citykpi.conftest import PASSWORD
from citykpi.lib import dbrouting
from citykpi.lib.dbrouting import PIN_COOKIE, REPLICA, ReplicaRouter, is_public_read, replica_reads

REPLICA_PORT = int(os.environ.get("CITYKPI_TEST_REPLICA_PORT", 5433))
SCRIPT = Path(settings.BASE_DIR) / "scripts" / "replica.sh"
BOTH = [DEFAULT_DB_ALIAS, REPLICA]


def unavailable(reason: str) -> None:
    """Skip, except under REQUIRE_POSTGRES=1 (CI), where a missing replica is a failure."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


def conninfo(settings_dict: dict[str, Any], port: int | None = None) -> dict[str, Any]:
    return {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": port or settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"] or "postgres",
        "password": settings_dict["PASSWORD"] or None,
        "dbname": settings_dict["NAME"],
        "connect_timeout": 3,
        "autocommit": True,
    }


def streaming(info: dict[str, Any]) -> str:
    """'' when the server at `info` is a standby receiving WAL, else why not."""
    try:
        with psycopg.connect(**{**info, "dbname": "postgres"}) as conn:
            recovering = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            receiver = conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
    except psycopg.Error as exc:
        return f"no replica on 127.0.0.1:{info['port']} ({type(exc).__name__})"
    if not (recovering and recovering[0]):
        return f"127.0.0.1:{info['port']} is not a standby"
    if not receiver or receiver[0] != "streaming":
        return f"the standby on 127.0.0.1:{info['port']} is not streaming"
    return ""


class Replica:
    """The replica of the test database, seen directly (psycopg, autocommit)."""

    def __init__(self, primary: dict[str, Any], replica: dict[str, Any]) -> None:
        self.primary = primary
        self.replica = replica

    def sql(self, query: str, params: list[Any] | None = None) -> Any:
        with psycopg.connect(**self.replica) as conn:
            row = conn.execute(query, params or []).fetchone()
        return row[0] if row else None

    def caught_up(self, timeout: float = 30.0) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(**self.primary) as conn:
            row = conn.execute("SELECT pg_current_wal_lsn()").fetchone()
        assert row is not None
        lsn = row[0]
        deadline = time.monotonic() + timeout
        while not self.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
            if time.monotonic() > deadline:
                pytest.fail(f"the replica did not replay up to {lsn} within {timeout:.0f} s")
            time.sleep(0.05)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Replay stopped on the replica for the block (it keeps receiving WAL)."""
        self.caught_up()
        self.sql("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            self.sql("SELECT pg_wal_replay_resume()")


def add_replica_alias(port: int) -> None:
    """A ``replica`` alias: the default's (test) database on another port, as a test mirror."""
    alias = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    alias.update(HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=True)
    alias["OPTIONS"] = {**alias.get("OPTIONS", {}), "connect_timeout": 3}
    alias["TEST"] = {**alias["TEST"], "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[REPLICA] = alias
    dbrouting.health.forget()


def drop_replica_alias() -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]
    dbrouting.health.forget()


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker) -> Iterator[Replica]:
    default = connections[DEFAULT_DB_ALIAS]
    if default.vendor != "postgresql":
        pytest.skip("a streaming replica is PostgreSQL's (run the suite on PostgreSQL)")
    primary_info = conninfo(default.settings_dict)
    replica_info = conninfo(default.settings_dict, port=REPLICA_PORT)
    why = streaming(replica_info)
    if why and SCRIPT.exists():
        made = subprocess.run(["bash", str(SCRIPT), "start"], capture_output=True, text=True, timeout=300)
        why = streaming(replica_info) or why
        if why:
            why += f"; scripts/replica.sh said: {(made.stdout + made.stderr).strip()[-300:]}"
    if why:
        unavailable(why)
    found = Replica(primary_info, replica_info)
    with psycopg.connect(**{**replica_info, "dbname": "postgres"}) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")  # a killed run may have left it paused
    deadline = time.monotonic() + 60
    while True:  # the test database was just created on the primary: wait for it to arrive
        try:
            found.caught_up()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                unavailable(f"the test database {replica_info['dbname']} did not reach the replica")
            time.sleep(0.2)
    add_replica_alias(REPLICA_PORT)
    yield found
    drop_replica_alias()


@pytest.fixture
def fresh_checks(settings) -> None:
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0  # every request checks the replica again
    dbrouting.health.forget()


def make_agency(name: str = "สำนักงานทดสอบ") -> Agency:
    return Agency.objects.create(
        code="0409", name_th=name, name_en="Test office", abbreviation="สทส.", kind=Agency.Kind.DEPARTMENT
    )


def agency_name(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.json()["name_th"]


# --- without a replica: nothing changes ---------------------------------------------------


def test_public_reads_are_the_public_pages_dashboards_and_open_data(rf):
    for path in ("/", "/kpi/0409-0950/", "/agency/0409/", "/dashboard/", "/open-data/", "/api/v1/kpis"):
        assert is_public_read(rf.get(path)), path
        assert is_public_read(rf.head(path)), path
    for path in ("/work/", "/setup/2566/", "/dashboard/staff/", "/accounts/login/", "/admin/", "/ready/"):
        assert not is_public_read(rf.get(path)), path
    assert not is_public_read(rf.post("/i18n/setlang/"))
    assert not is_public_read(rf.get("/api/v1/kpis", HTTP_AUTHORIZATION="Bearer x"))
    pinned = rf.get("/kpi/0409-0950/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    assert not is_public_read(pinned)


@pytest.mark.django_db
def test_without_a_replica_every_read_and_write_goes_to_the_primary(client):
    assert REPLICA not in connections.settings
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Agency) is None
        assert router.db_for_write(Agency) == DEFAULT_DB_ALIAS
    make_agency()
    assert agency_name(client.get("/api/v1/agencies/0409")) == "สำนักงานทดสอบ"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert PIN_COOKIE not in response.cookies  # no replica, no pinning


# --- with a real replica ------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_public_read_is_answered_from_the_replica(client, replica, fresh_checks):
    make_agency("ชื่อเดิม")
    with replica.paused():
        Agency.objects.filter(code="0409").update(name_th="ชื่อใหม่")  # on the primary only
        assert replica.sql("SELECT name_th FROM agencies_agency WHERE code = '0409'") == "ชื่อเดิม"
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert agency_name(client.get("/api/v1/agencies/0409")) == "ชื่อเดิม"
        assert len(on_replica) > 0
    replica.caught_up()
    assert agency_name(client.get("/api/v1/agencies/0409")) == "ชื่อใหม่"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_public_dashboards_read_the_replica(client, replica, fresh_checks, fiscal_year):
    replica.caught_up()
    for name in ("dashboards:public", "portal:home", "opendata:page"):
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert client.get(reverse(name)).status_code == 200
        assert len(on_replica) > 0, name


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_post_writes_the_primary_and_the_writers_next_reads_come_from_the_primary(
    client, replica, fresh_checks, reporter_a
):
    Agency.objects.filter(code="0409").update(name_th="ชื่อเดิม")  # reporter_a's agency
    replica.caught_up()
    anonymous = client.__class__()
    with replica.paused():
        Agency.objects.filter(code="0409").update(name_th="ชื่อใหม่")
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary,
        ):
            signed_in = client.post(
                reverse("accounts:login"), {"username": reporter_a.username, "password": PASSWORD}
            )
        assert signed_in.status_code == 302, signed_in.content[:300]
        assert len(on_replica) == 0
        assert any("django_session" in q["sql"] for q in on_primary.captured_queries)
        pin = signed_in.cookies[PIN_COOKIE]
        assert int(pin["max-age"]) == settings.DATABASE_REPLICA_PIN_SECONDS
        assert pin["httponly"]
        # The writer reads the primary (its own world), another visitor still the replica.
        with CaptureQueriesContext(connections[REPLICA]) as on_replica:
            assert agency_name(client.get("/api/v1/agencies/0409")) == "ชื่อใหม่"
            assert client.get(reverse("workspace:inbox")).status_code == 200
        assert len(on_replica) == 0
        assert agency_name(anonymous.get("/api/v1/agencies/0409")) == "ชื่อเดิม"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(replica):
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Agency) == REPLICA
        with transaction.atomic():
            assert router.db_for_read(Agency) == DEFAULT_DB_ALIAS
            make_agency("ในธุรกรรม")
            assert Agency.objects.get(code="0409").name_th == "ในธุรกรรม"
        assert router.db_for_write(Agency) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Agency) is None
    assert ReplicaRouter().allow_migrate(REPLICA, "agencies") is False


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_replica_lagging_beyond_the_limit_sends_public_reads_to_the_primary(
    client, replica, fresh_checks, settings
):
    make_agency("ชื่อเดิม")
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 0.5
    with replica.paused():
        Agency.objects.filter(code="0409").update(name_th="ชื่อใหม่")
        time.sleep(1.2)  # replay is paused: the replica falls behind the new write
        assert agency_name(client.get("/api/v1/agencies/0409")) == "ชื่อใหม่"
        assert dbrouting.health.lag is not None and dbrouting.health.lag > 0.5
