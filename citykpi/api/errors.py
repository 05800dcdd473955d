"""One error shape for the whole API, and the handlers that give every refusal that shape.

Every 4xx body is `ErrorOut`: {"message", "message_th", "message_en", "field"} with Thai
first, plus what a particular refusal adds (`current` on a 409, `detail` on a 422,
`findings` / `unapproved` from planning, `wait_seconds` on a 429). The handlers turn the
actions' ActionError, PermissionDenied and Http404, and ninja's own errors (no
credentials, failed CSRF check, a body that is not JSON, a value that does not fit the
schema) into that shape; `install_error_handlers` registers them on the NinjaAPI once
(api/core.py). Bad bytes (NUL, lone surrogates) are refused before the API by
citykpi.lib.badbytes in the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from citykpi.lib.errors import ActionError
from citykpi.lib.i18n import both


class ErrorOut(Schema):
    message: str = Field(description=both("ข้อความภาษาไทยและอังกฤษ", "Message in Thai and English"))
    message_th: str = Field(description=both("ข้อความภาษาไทย", "Message in Thai"))
    message_en: str = Field(description=both("ข้อความภาษาอังกฤษ", "Message in English"))
    field: str | None = Field(None, description=both("ช่องหรือพารามิเตอร์ที่ผิด", "The field or parameter at fault"))
    current: dict[str, Any] | None = Field(
        None,
        description=both(
            "ข้อมูลที่บันทึกอยู่ตอนนี้ (เมื่อมีผู้อื่นบันทึกก่อน, 409)",
            "What stands now when someone else saved first (409)",
        ),
    )
    detail: list[dict[str, Any]] | None = Field(
        None,
        description=both("รายการช่องที่ไม่ผ่านการตรวจสอบ (422)", "Every field that failed validation (422)"),
    )
    findings: list[dict[str, Any]] | None = Field(
        None, description=both("ผลการตรวจสอบการตั้งค่า", "The setup checks that refused the change")
    )
    unapproved: list[str] | None = Field(
        None,
        description=both(
            "หน่วยงานที่การตั้งค่ายังไม่อนุมัติ (เผยแพร่ปีไม่ได้)",
            "Agencies whose setup is not approved (the year cannot be published)",
        ),
    )
    wait_seconds: int | None = Field(
        None,
        description=both(
            "จำนวนวินาทีที่ต้องรอก่อนลองเข้าสู่ระบบใหม่ (429)", "Seconds to wait before signing in again (429)"
        ),
    )


def responses(*codes: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries for the error codes an operation answers, all ErrorOut."""
    return dict.fromkeys(codes, ErrorOut)


def error_json(
    message_th: str, message_en: str, status: int, field: str | None = None, **extra: Any
) -> JsonResponse:
    body: dict[str, Any] = {
        "message": both(message_th, message_en),
        "message_th": message_th,
        "message_en": message_en,
        "field": field,
    }
    body.update(extra)
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def action_error_response(request: HttpRequest, exc: ActionError) -> JsonResponse:
    body = exc.as_dict()
    body.setdefault("field", None)
    return JsonResponse(body, status=exc.status_code, json_dumps_params={"ensure_ascii": False})


def permission_denied_response(request: HttpRequest, exc: PermissionDenied) -> JsonResponse:
    return error_json("บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้", "Your role may not do this", 403)


def not_found_response(request: HttpRequest, exc: Http404) -> JsonResponse:
    return error_json("ไม่พบข้อมูลนี้ หรือข้อมูลอยู่นอกหน่วยงานของคุณ", "Not found, or outside your agencies", 404)


def unauthenticated_response(request: HttpRequest, exc: AuthenticationError) -> JsonResponse:
    response = error_json(
        "กรุณาเข้าสู่ระบบหรือส่งโทเค็น (Authorization: Bearer)",
        "Log in or send a token (Authorization: Bearer)",
        401,
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


def _plain(error: dict[str, Any]) -> dict[str, Any]:
    # pydantic's error dicts can hold exceptions (ctx) and raw input: keep what JSON can say.
    return {
        "type": str(error.get("type", "")),
        "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", [])],
        "msg": str(error.get("msg", "")),
    }


def validation_error_response(request: HttpRequest, exc: NinjaValidationError) -> JsonResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "payload", "path", "query")]
    field = ".".join(loc) or None
    where = f" ({field})" if field else ""
    return error_json(
        f"ข้อมูลไม่ถูกต้อง{where}: {first.get('msg', '')}",
        f"Invalid input{where}: {first.get('msg', '')}",
        422,
        field=field,
        detail=[_plain(error) for error in exc.errors],
    )


def http_error_response(request: HttpRequest, exc: HttpError) -> JsonResponse:
    """ninja's own refusals: a failed CSRF check (403), a body that is not JSON (400)."""
    if exc.status_code == 403 and "csrf" in str(exc).lower():
        return error_json(
            "การตรวจสอบ CSRF ไม่ผ่าน: ส่งโทเค็น CSRF ในส่วนหัว X-CSRFToken หรือใช้ Authorization: Bearer",
            "CSRF check failed: send the CSRF token in the X-CSRFToken header, or use Authorization: Bearer",
            403,
        )
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_json(
            "อ่านข้อมูลที่ส่งมาไม่ได้: ต้องเป็น JSON ที่ถูกต้อง (UTF-8)",
            "The request body cannot be read: send valid JSON (UTF-8)",
            400,
            field="body",
        )
    return error_json("คำขอไม่ได้รับอนุญาตหรือไม่ถูกต้อง", f"The request was refused: {exc}", exc.status_code)


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the error shapes on the NinjaAPI (called once in api/core.py)."""
    # ninja picks the handler of the exception's nearest class: 401s keep their own.
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ActionError, action_error_response),
        (PermissionDenied, permission_denied_response),
        (Http404, not_found_response),
        (HttpError, http_error_response),
        (AuthenticationError, unauthenticated_response),
        (NinjaValidationError, validation_error_response),
    ]
    for exception, handler in handlers:
        api.add_exception_handler(exception, handler)
