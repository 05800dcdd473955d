"""A configured replica that cannot be reached: public reads go to the primary, nothing breaks."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citykpi.lib import dbrouting
from citykpi.lib.dbrouting import REPLICA
from citykpi.lib.tests.test_dbrouting import (
    BOTH,
    add_replica_alias,
    agency_name,
    drop_replica_alias,
    make_agency,
)


@pytest.fixture(scope="module")
def unreachable_replica(django_db_setup) -> Iterator[None]:
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("the replica alias is PostgreSQL's (run the suite on PostgreSQL)")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    add_replica_alias(closed_port)
    yield
    drop_replica_alias()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_an_unreachable_replica_sends_public_reads_to_the_primary(client, unreachable_replica, settings):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    dbrouting.health.forget()
    make_agency()
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        assert agency_name(client.get("/api/v1/agencies/0409")) == "สำนักงานทดสอบ"
        assert client.get(reverse("dashboards:public")).status_code == 200
        assert client.get(reverse("portal:home")).status_code == 200
    assert len(on_primary) > 0
    assert dbrouting.health.usable is False
    assert REPLICA in connections.settings
