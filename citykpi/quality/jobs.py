"""The data-quality refresh of a whole fiscal year as a background job (citykpi.jobs)."""

from __future__ import annotations

from typing import Any

from citykpi.accounts import access
from citykpi.jobs.models import Job
from citykpi.jobs.registry import JobKind, Progress, Result, register
from citykpi.quality.actions import refresh_year


def check_refresh(actor: Any, params: dict[str, Any]) -> None:
    """The same rule as refresh_year's: evaluators and administrators."""
    access.require(actor, access.Capability.REFRESH_QUALITY)


def run_refresh(job: Job, progress: Progress) -> Result:
    year = job.params["year"]
    progress(0, 1, f"ตรวจคุณภาพข้อมูลปีงบประมาณ {year}", f"Checking fiscal year {year}")
    summary = refresh_year(job.started_by, year)
    errors, warnings = summary.by_severity.get("error", 0), summary.by_severity.get("warning", 0)
    return Result(
        summary_th=f"ตรวจคุณภาพข้อมูล {summary.indicators} ตัวชี้วัดแล้ว พบข้อผิดพลาด {errors} และข้อสงสัย {warnings} รายการ",
        summary_en=f"Checked {summary.indicators} KPIs: {errors} errors, {warnings} warnings",
    )


REFRESH_YEAR = register(
    JobKind(
        "quality.refresh_year",
        "ตรวจคุณภาพข้อมูลทั้งปี",
        "Data-quality checks over a year",
        run=run_refresh,
        check=check_refresh,
    )
)
