"""Failed-login throttling, shared by the login page and the API token endpoint.

Failures are counted in the cache per username and per client address; after
settings.LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_SECONDS, further
attempts are refused until the window that started with the first failure ends.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from citykpi.lib.errors import ActionError


class Throttled(ActionError):
    status_code = 429

    def __init__(self, wait_seconds: int):
        minutes = max(1, math.ceil(wait_seconds / 60))
        super().__init__(
            f"เข้าสู่ระบบผิดหลายครั้งเกินไป กรุณารออีก {minutes} นาทีแล้วลองใหม่",
            f"Too many failed log-ins; wait {minutes} minute{'s' if minutes != 1 else ''} and try again",
            field="password",
            wait_seconds=wait_seconds,
        )
        self.wait_seconds = wait_seconds


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a known proxy strips it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(username: str, address: str) -> list[str]:
    name = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:addr:{address}"]


def check(username: str, address: str, *, now: float | None = None) -> None:
    """Raise Throttled when the username or the address has failed too often."""
    now = time.time() if now is None else now
    limit = settings.LOGIN_FAILURE_LIMIT
    wait = 0
    for key in _keys(username, address):
        entry = cache.get(key)
        if entry and entry["count"] >= limit:
            wait = max(wait, int(math.ceil(entry["start"] + settings.LOGIN_FAILURE_WINDOW_SECONDS - now)))
    if wait > 0:
        raise Throttled(wait)


def fail(username: str, address: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    for key in _keys(username, address):
        entry = cache.get(key)
        if not entry or entry["start"] + window <= now:
            entry = {"start": now, "count": 0}
        entry["count"] += 1
        cache.set(key, entry, timeout=max(1, int(entry["start"] + window - now) + 1))


def succeed(username: str) -> None:
    """A good password clears the username's count (not the address's: one person
    guessing many usernames from one address stays throttled)."""
    cache.delete(_keys(username, "")[0])
