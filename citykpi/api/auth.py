"""API authentication: bearer tokens, and who is calling.

POST /api/v1/auth/token {"username", "password"} -> {"token"}; then send
`Authorization: Bearer <token>`. Only a hash of each token is stored (accounts.ApiToken).
Failed log-ins lock the (username, address) pair exactly like the login page
(django-axes inside `authenticate`, see accounts/lockout.py).

Other API modules use `user_from_request(request)` (session or bearer user, or None)
and the ninja auth objects `token_auth` / `session_or_token`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from citykpi.accounts import actions as account_actions
from citykpi.accounts import lockout
from citykpi.accounts.actions import hash_token, issue_token
from citykpi.accounts.models import ApiToken
from citykpi.api.errors import responses
from citykpi.lib.errors import ActionError

router = Router(tags=["auth"])


def user_for_token(token: str) -> User | None:
    """The active user holding this token, or None (revoked, expired, password changed)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    found = ApiToken.objects.active().select_related("user").filter(key_hash=hash_token(token)).first()
    if found is None or not account_actions.valid_token(found):
        return None
    account_actions.touch(found)
    return found.user


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def user_from_request(request: HttpRequest) -> User | None:
    """The caller: the session's user, else the bearer token's user, else None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    token = bearer_token(request)
    if token:
        return user_for_token(token)
    return None


def caller(request: HttpRequest) -> User:
    """The caller of an endpoint behind `token_auth` or `session_or_token`: the user its
    auth object returned, which django-ninja keeps on request.auth."""
    user: User = request.auth  # type: ignore[attr-defined]  # set by django-ninja; HttpRequest does not declare it
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; request.auth is the user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return user_for_token(token)


class OptionalUser:
    """An auth object that never refuses: request.auth is the user or None-like.
    For public reads that show more to a logged-in caller."""

    def __call__(self, request: HttpRequest) -> User | _Anonymous:
        return user_from_request(request) or _Anonymous()


class _Anonymous:
    # Truthy so that ninja treats the call as authenticated (public), but no user.
    is_authenticated = False

    def __bool__(self) -> bool:
        return True


class SessionCookieAuth(SessionAuth):
    """Django's session, for pages that call the API, with its CSRF check on unsafe
    methods. A request without a session cookie is simply not session-authenticated:
    it gets the 401 of a missing token, not a 403 about a CSRF token it never needed."""

    def __call__(self, request: HttpRequest) -> Any:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super().__call__(request)


token_auth = TokenAuth()
# A bearer client needs no CSRF token; a browser page calling the API must send it.
session_or_token = [token_auth, SessionCookieAuth()]
optional_user = OptionalUser()


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post(
    "/token",
    response={200: TokenOut, **responses(400, 401, 422, 429)},
    summary="ขอโทเค็น / Get an API token",
    description=(
        "ส่งชื่อผู้ใช้และรหัสผ่าน ได้โทเค็นสำหรับส่งใน `Authorization: Bearer <token>` / "
        "Exchange a username and password for a bearer token."
    ),
    auth=None,
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    # LockoutBackend refuses a locked pair inside authenticate; axes counts each failure.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        if lockout.is_locked_out(request):
            return Status(429, lockout.lockout_error(request, {"username": payload.username}).as_dict())
        error = ActionError("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong username or password", field="password")
        return Status(401, error.as_dict())
    return Status(200, {"token": issue_token(user)})
