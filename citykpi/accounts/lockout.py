"""Sign-in lockout with django-axes: failed attempts in the database every worker shares.

One (username, client address) pair is locked after settings.LOGIN_FAILURE_LIMIT failures
within LOGIN_FAILURE_WINDOW_SECONDS of the last one; the same user from another address and
another user from the same address still sign in. The login page, the admin's login and
the API token endpoint all go through `django.contrib.auth.authenticate`, where
`LockoutBackend` refuses a locked pair and axes' database handler counts each failure
inside one transaction (a row lock and an `F() + 1` update), so several workers cannot
multiply the limit. An administrator lifts a lockout in the admin ("Access attempts") or
with `citykpi axes_reset_ip_username <address> <username>`.

The settings point here: AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME, AXES_USERNAME_CALLABLE,
AXES_CLIENT_IP_CALLABLE and AXES_LOCKOUT_CALLABLE.
"""

from __future__ import annotations

import ipaddress
import math
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from citykpi.lib.errors import ActionError

# Set on the request when the login form has already put the lockout message on the page.
SHOWN_ON_FORM = "citykpi_lockout_on_form"


def failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request: HttpRequest | None = None) -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def normal_username(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The username the attempts are counted under: as typed, without surrounding spaces and
    case-folded, so that "Reporter-A " and "reporter-a" share one count."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if username is None:
        return None
    return str(username).strip().lower()[:255]


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR only: X-Forwarded-For is set by the client unless a known proxy strips
    it. Behind a reverse proxy (BEHIND_PROXY=1, which sets SECURE_PROXY_SSL_HEADER) the
    client is the last address the proxy appended to X-Forwarded-For; what the client put
    before it is ignored. Anything that is not an address counts as no address."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if forwarded[-1].strip():
            return _ip(forwarded[-1])
    return _ip(request.META.get("REMOTE_ADDR", "") or "")


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked (username, address) pair before any password is checked.

    Without a request there is no address to count under: that is not a sign-in from the
    web (the test client's `login()`, a shell), so it is left to the next backend. Every
    web sign-in (login page, admin, API token) passes its request."""

    def authenticate(
        self, request: HttpRequest, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def wait_seconds(request: HttpRequest, credentials: dict | None = None) -> int:
    """Seconds until the pair's lock ends: the cool-off counted from its latest failure."""
    latest = (
        AccessAttempt.objects.filter(
            username=normal_username(request, credentials),
            ip_address=(
                request.axes_ip_address if hasattr(request, "axes_ip_address") else client_address(request)
            ),
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    window = cool_off()
    if latest is None:
        return int(window.total_seconds())
    return max(1, math.ceil((latest + window - timezone.now()).total_seconds()))


def lockout_error(request: HttpRequest, credentials: dict | None = None) -> ActionError:
    wait = wait_seconds(request, credentials)
    minutes = max(1, math.ceil(wait / 60))
    error = ActionError(
        f"เข้าสู่ระบบผิดหลายครั้งเกินไปด้วยชื่อผู้ใช้นี้จากเครื่องนี้ กรุณารออีก {minutes} นาทีแล้วลองใหม่ หรือติดต่อผู้ดูแลระบบให้ปลดล็อก",
        f"Too many failed log-ins for this username from this address; wait {minutes} "
        f"minute{'s' if minutes != 1 else ''} and try again, or ask an administrator to lift the lock",
        field="password",
        wait_seconds=wait,
    )
    error.status_code = 429
    return error


def is_locked_out(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """What AxesMiddleware answers for a locked-out attempt (status 429).

    The login page has already shown the message on its form: keep that page. The API
    answers in its error shape. Any other sign-in (the admin's) gets a page of its own."""
    if original_response is not None and getattr(request, SHOWN_ON_FORM, False):
        original_response.status_code = 429
        return original_response
    error = lockout_error(request, credentials)
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_dict(), status=429)
    return render(request, "accounts/locked_out.html", {"error": error}, status=429)
