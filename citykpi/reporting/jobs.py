"""The reminders run (`citykpi remind --queue`) as a background job (citykpi.jobs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from citykpi.accounts import access
from citykpi.jobs.models import Job
from citykpi.jobs.registry import JobKind, Progress, Result, register
from citykpi.reporting.reminders import send_reminders


def check_remind(actor: Any, params: dict[str, Any]) -> None:
    """The command line (no actor: the system) or an administrator."""
    if actor is not None:
        access.require(actor, access.Capability.ADMINISTER)


def run_remind(job: Job, progress: Progress) -> Result:
    params = job.params
    progress(0, 1, "หาไตรมาสที่ต้องเตือน", "Finding the quarters to remind of")
    sent = send_reminders(
        dt.date.fromisoformat(params["today"]),
        days_ahead=params.get("days_ahead", 7),
        head_after=params.get("head_after"),
        evaluator_after=params.get("evaluator_after"),
        progress=progress,
    )
    return Result(summary_th=f"ส่งอีเมลเตือน {sent} ฉบับ", summary_en=f"Sent {sent} reminder e-mails")


REMIND = register(
    JobKind("reporting.remind", "ส่งอีเมลเตือนการรายงาน", "Reminder e-mails", run=run_remind, check=check_remind)
)
