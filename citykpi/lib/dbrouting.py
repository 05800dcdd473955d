"""Reads on a PostgreSQL streaming replica (docs/deployment.md, "Reads on a replica").

When settings.DATABASES has a ``replica`` alias (DATABASE_REPLICA_URL), `ReplicaReadMiddleware`
marks a request as a *public read* (GET or HEAD of a public page, a dashboard, the open-data
API or /open-data/, without an Authorization header, from a client not pinned to the
primary) and `ReplicaRouter` sends that request's ORM reads to the replica. Everything else
reads and writes the primary: staff pages, every write, reads inside a transaction on the
primary, migrations, management commands and tests (nothing marks them).

A client that has just written (any POST, PUT, PATCH or DELETE through the site) gets a
cookie that pins its reads to the primary for DATABASE_REPLICA_PIN_SECONDS, so it sees its
own write however far the replica lags. Each process checks the replica at most every
DATABASE_REPLICA_CHECK_SECONDS: when it cannot be reached, or replays more than
DATABASE_REPLICA_MAX_LAG_SECONDS behind the primary, public reads go to the primary until a
later check finds it well again. Without a replica alias nothing here changes anything.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "citykpi_primary"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# The public surfaces (portal, printing, dashboards, open data, the API). Staff pages
# (/work/, /setup/, /exchange/, /quality/, /accounts/, /admin/, /dashboard/staff/) are not here.
PUBLIC_PREFIXES = (
    "/kpi/",
    "/agency/",
    "/project/",
    "/strategy/",
    "/city-indicators/",
    "/reports/",
    "/dashboard/",
    "/open-data/",
    "/api/v1/",
)
PRIVATE_PREFIXES = ("/dashboard/staff/",)

logger = logging.getLogger(__name__)
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("citykpi_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def pin_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_PIN_SECONDS", 10))


def is_public_read(request: HttpRequest) -> bool:
    """A GET/HEAD of a public address, anonymous or not, without an API token, from a client
    that has not written in the pinning window."""
    if request.method not in SAFE_METHODS or PIN_COOKIE in request.COOKIES:
        return False
    if request.META.get("HTTP_AUTHORIZATION"):
        return False  # an API client with a token may read back what it has just written
    path = request.path
    if path.startswith(PRIVATE_PREFIXES):
        return False
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


@contextlib.contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    """ORM reads inside the block go to the replica (when one is configured and `enabled`)."""
    token = _replica_reads.set(enabled and replica_configured())
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reading_replica() -> bool:
    return _replica_reads.get()


class ReplicaRouter:
    """Reads of a public read to the replica, everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if not _replica_reads.get():
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # a transaction on the primary reads what it wrote
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        return False if db == REPLICA else None


class ReplicaHealth:
    """One process's view of the replica: reachable and close enough, checked at most every
    `interval` seconds (a query on the replica: its replay delay)."""

    LAG_SQL = (
        "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
        "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
    )

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable = False
        self.lag: float | None = None

    def check(self) -> bool:
        connection = connections[REPLICA]
        try:
            connection.close_if_health_check_failed()
            with connection.cursor() as cursor:
                cursor.execute(self.LAG_SQL)
                row = cursor.fetchone()
        except DatabaseError as exc:
            logger.warning("replica unavailable, public reads go to the primary: %s", type(exc).__name__)
            with contextlib.suppress(DatabaseError):
                connection.close()
            self.lag = None
            return False
        self.lag = float(row[0]) if row and row[0] is not None else 0.0
        limit = float(getattr(settings, "DATABASE_REPLICA_MAX_LAG_SECONDS", 30))
        if self.lag > limit:
            logger.warning(
                "replica %.1f s behind (limit %.0f s): public reads go to the primary", self.lag, limit
            )
            return False
        return True

    def usable_now(self) -> bool:
        interval = float(getattr(settings, "DATABASE_REPLICA_CHECK_SECONDS", 5))
        now = time.monotonic()
        if now - self.checked_at >= interval:
            with self.lock:
                if now - self.checked_at >= interval:
                    self.usable = self.check()
                    self.checked_at = time.monotonic()
        return self.usable

    def forget(self) -> None:
        """Check again at the next public read (tests; after changing the replica)."""
        self.checked_at = float("-inf")


health = ReplicaHealth()


class ReplicaReadMiddleware:
    """Marks public reads for the router and pins writers to the primary (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        use_replica = is_public_read(request) and health.usable_now()
        with replica_reads(use_replica):
            response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=pin_seconds(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
