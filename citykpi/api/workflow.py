"""The quarterly workflow over JSON: the same actions as the staff pages.

PUT  /api/v1/kpis/{code}/quarters/{q}/report      {"result", "narrative", "version"}
POST /api/v1/kpis/{code}/quarters/{q}/submit      {"version"} (optional)
POST /api/v1/kpis/{code}/quarters/{q}/return      {"reason"}
POST /api/v1/kpis/{code}/quarters/{q}/assessment  {"score", "components", "comment"}
POST /api/v1/kpis/{code}/quarters/{q}/reopen      {"reason", "until"}

Authentication: `Authorization: Bearer <token>` (POST /api/v1/auth/token) or the
browser session (with its CSRF token). Errors are JSON in the one shape of
citykpi.api.errors ({"message", "message_th", "message_en", "field"}): 401 without
credentials, 403 for a role that may not act, 404 for a KPI outside the caller's agencies, 409 when the version is
stale (with "current": what stands now), 400/422 for bad input.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from ninja import Router, Schema, Status

from citykpi.accounts import access
from citykpi.api.auth import caller, session_or_token
from citykpi.api.errors import (
    action_error_response,
    error_json,
    install_error_handlers,  # noqa: F401  (re-exported: older tests import it here)
    permission_denied_response,
    responses,
)
from citykpi.evaluation import actions as evaluation
from citykpi.lib.errors import ActionError
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport

router = Router(tags=["workflow"])

SOURCE = "api"


# ---------------------------------------------------------------- errors as JSON


def kpi_not_found_response(request: HttpRequest, exc: Http404) -> JsonResponse:
    return error_json("ไม่พบตัวชี้วัดนี้", "No such KPI", 404, field="code")


def json_errors(view: Callable[..., Status]) -> Callable[..., Status | JsonResponse]:
    """The endpoints answer with the JSON error shape even before the api object has
    the handlers installed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Status | JsonResponse:
        try:
            return view(request, *args, **kwargs)
        except ActionError as exc:
            return action_error_response(request, exc)
        except PermissionDenied as exc:
            return permission_denied_response(request, exc)
        except Http404 as exc:
            return kpi_not_found_response(request, exc)

    return wrapper


# ---------------------------------------------------------------- schemas


class QuarterOut(Schema):
    code: str
    quarter: int
    status: str
    version: int
    result: str | None
    narrative: str
    return_reason: str
    reopened_until: dt.date | None
    submitted_at: dt.datetime | None
    updated_at: dt.datetime | None


class AssessmentOut(Schema):
    code: str
    quarter: int
    status: str
    version: int
    score: str
    components: dict[str, str]
    comment: str
    assessed_at: dt.datetime | None


class ReportIn(Schema):
    result: str | int | float | None = None
    narrative: str = ""
    version: int


class SubmitIn(Schema):
    version: int | None = None


class SubmitItem(Schema):
    code: str
    quarter: int
    version: int


class SubmitManyIn(Schema):
    items: list[SubmitItem]


class SubmitManyOut(Schema):
    submitted: list[QuarterOut]


class ReasonIn(Schema):
    reason: str
    version: int | None = None


class ReopenIn(Schema):
    reason: str
    until: dt.date | None = None
    version: int | None = None


class AssessIn(Schema):
    score: str | int | float
    components: dict[str, str | int | float] = {}
    comment: str = ""
    version: int | None = None


ERRORS = responses(400, 401, 403, 404, 409, 422)


def quarter_out(report: QuarterReport) -> dict[str, Any]:
    return {
        "code": report.indicator.code,
        "quarter": report.quarter,
        "status": report.status,
        "version": report.version,
        "result": None if report.result is None else reporting.format_number(report.result).replace(",", ""),
        "narrative": report.narrative,
        "return_reason": report.return_reason,
        "reopened_until": report.reopened_until,
        "submitted_at": report.submitted_at,
        "updated_at": report.updated_at,
    }


def _quarter(request: HttpRequest, code: str, quarter: int, action: str) -> QuarterReport:
    indicator = access.indicator_for(caller(request), code, action=action)
    return reporting.get_quarter(indicator, quarter)


def _number_text(value: float | str | None) -> str:
    # JSON numbers arrive as int/float; the actions parse text (Thai digits included).
    return "" if value is None else str(value)


# ---------------------------------------------------------------- endpoints


@router.put(
    "/kpis/{code}/quarters/{quarter}/report",
    response={200: QuarterOut, **ERRORS},
    auth=session_or_token,
    summary="บันทึกผลงานรายไตรมาส / Save a quarter's result",
    description="ผลงานสะสมและรายงานผล ส่ง version ที่อ่านมา; 409 ถ้ามีผู้อื่นบันทึกก่อน / "
    "The cumulative result and narrative, with the version you read; 409 when someone saved first.",
)
@json_errors
def save_report(request: HttpRequest, code: str, quarter: int, payload: ReportIn) -> Status:
    report = _quarter(request, code, quarter, "report")
    report = reporting.save_report(
        caller(request),
        report,
        result=_number_text(payload.result),
        narrative=payload.narrative,
        version=payload.version,
        source=SOURCE,
    )
    return Status(200, quarter_out(report))


@router.post(
    "/kpis/{code}/quarters/{quarter}/submit",
    response={200: QuarterOut, **ERRORS},
    auth=session_or_token,
    summary="ส่งรายงานไตรมาส / Submit a quarter",
    description="หัวหน้าหน่วยงาน (หรือผู้รายงานผลถ้าหน่วยงานอนุญาต) / The agency head, or a reporter where allowed.",
)
@json_errors
def submit(request: HttpRequest, code: str, quarter: int, payload: SubmitIn | None = None) -> Status:
    report = _quarter(request, code, quarter, "submit")
    report = reporting.submit_report(
        caller(request), report, version=payload.version if payload else None, source=SOURCE
    )
    return Status(200, quarter_out(report))


@router.post(
    "/quarters/submit",
    response={200: SubmitManyOut, **ERRORS},
    auth=session_or_token,
    summary="ส่งรายงานหลายไตรมาสพร้อมกัน / Submit several quarters at once",
    description=(
        "เหมือนปุ่ม “ส่งทั้งหมดที่พร้อม” ของหัวหน้าหน่วยงาน: ส่งทุกรายการหรือไม่ส่งเลย พร้อมรุ่นที่เห็น / "
        "The head's “submit all ready”: all or nothing, each with the version the head saw."
    ),
)
@json_errors
def submit_many(request: HttpRequest, payload: SubmitManyIn) -> Status:
    if len(payload.items) > 500:
        raise ActionError("ส่งได้ครั้งละไม่เกิน 500 รายการ", "At most 500 quarters at once", field="items")
    reports = [_quarter(request, item.code, item.quarter, "submit") for item in payload.items]
    versions = {report.pk: item.version for report, item in zip(reports, payload.items)}
    submitted = reporting.submit_many(caller(request), versions, source=SOURCE)
    return Status(200, {"submitted": [quarter_out(report) for report in submitted]})


@router.post(
    "/kpis/{code}/quarters/{quarter}/return",
    response={200: QuarterOut, **ERRORS},
    auth=session_or_token,
    summary="ส่งกลับให้แก้ไข / Return for revision",
    description="สยป. ส่งกลับพร้อมเหตุผล / The evaluator returns a submitted quarter with a reason.",
)
@json_errors
def return_for_revision(request: HttpRequest, code: str, quarter: int, payload: ReasonIn) -> Status:
    report = _quarter(request, code, quarter, "assess")
    report = evaluation.return_report(
        caller(request), report, reason=payload.reason, version=payload.version, source=SOURCE
    )
    return Status(200, quarter_out(report))


@router.post(
    "/kpis/{code}/quarters/{quarter}/assessment",
    response={200: AssessmentOut, **ERRORS},
    auth=session_or_token,
    summary="ประเมินไตรมาส / Assess a quarter",
    description="คะแนนรวมและคะแนนองค์ประกอบตามเกณฑ์ของปี (เช่น 2.1, 2.2) / "
    "The overall score and the fiscal year's component scores (e.g. 2.1, 2.2).",
)
@json_errors
def assessment(request: HttpRequest, code: str, quarter: int, payload: AssessIn) -> Status:
    report = _quarter(request, code, quarter, "assess")
    result = evaluation.assess(
        caller(request),
        report,
        score=_number_text(payload.score),
        components={k: _number_text(v) for k, v in payload.components.items()},
        comment=payload.comment,
        version=payload.version,
        source=SOURCE,
    )
    return Status(
        200,
        {
            "code": report.indicator.code,
            "quarter": report.quarter,
            "status": report.status,
            "version": report.version,
            "score": reporting.format_number(result.score).replace(",", ""),
            "components": result.components,
            "comment": result.comment,
            "assessed_at": result.assessed_at,
        },
    )


@router.post(
    "/kpis/{code}/quarters/{quarter}/reopen",
    response={200: QuarterOut, **ERRORS},
    auth=session_or_token,
    summary="เปิดให้แก้ไข / Reopen a quarter",
    description="สยป. เปิดไตรมาสที่ประเมินแล้ว หรือเลยกำหนด ให้หน่วยงานแก้ไข / "
    "The evaluator reopens an assessed or late quarter for the agency.",
)
@json_errors
def reopen(request: HttpRequest, code: str, quarter: int, payload: ReopenIn) -> Status:
    report = _quarter(request, code, quarter, "assess")
    report = evaluation.reopen(
        caller(request),
        report,
        reason=payload.reason,
        until=payload.until,
        version=payload.version,
        source=SOURCE,
    )
    return Status(200, quarter_out(report))
