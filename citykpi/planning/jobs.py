"""Carry-forward (starting a fiscal year from the last one) as a background job
(citykpi.jobs): the same action, checks and audit rows as the page's confirm step."""

from __future__ import annotations

from typing import Any

from citykpi.accounts import access
from citykpi.accounts.access import Capability
from citykpi.agencies.models import Agency
from citykpi.jobs.models import Job
from citykpi.jobs.registry import JobKind, Progress, Result, register
from citykpi.planning.carry_forward import carry_forward
from citykpi.planning.models import KpiTemplate


def what_of(params: dict[str, Any]) -> dict[str, Any]:
    """The action's arguments from the job's params (agency codes, a template's id)."""
    codes = params.get("agencies") or []
    agencies = list(Agency.objects.filter(code__in=codes).order_by("code")) if codes else None
    template = KpiTemplate.objects.filter(pk=params["template"]).first() if params.get("template") else None
    return {
        "from_year": params["from_year"],
        "to_year": params["to_year"],
        "agencies": agencies,
        "template": template,
    }


def check_carry(actor: Any, params: dict[str, Any]) -> None:
    """The permission part of planning.carry_forward, before the job is written: the
    evaluator anything; an agency only its own KPIs, never a template's."""
    if actor is None or access.allows(actor, Capability.CARRY_FORWARD):
        return
    what = what_of(params)
    # The template and city-wide modes (no agency to hold it in) are the evaluator's.
    held_in: list[Agency | None] = (
        [*what["agencies"]] if what["template"] is None and what["agencies"] else [None]
    )
    for agency in held_in:
        access.require(actor, Capability.CARRY_FORWARD, agency)


def run_carry(job: Job, progress: Progress) -> Result:
    what = what_of(job.params)
    progress(0, 1, f"สร้างตัวชี้วัดปีงบประมาณ {what['to_year']}", f"Creating the KPIs of {what['to_year']}")
    result = carry_forward(job.started_by, **what)
    return Result(
        summary_th=f"สร้างตัวชี้วัดปีงบประมาณ {result.fiscal_year.pk} แล้ว {len(result.created)} ตัว "
        f"(มีอยู่แล้ว {len(result.skipped)} ตัว)",
        summary_en=f"Created {len(result.created)} KPIs for fiscal year {result.fiscal_year.pk} "
        f"({len(result.skipped)} already there)",
    )


CARRY_FORWARD = register(
    JobKind(
        "planning.carry_forward",
        "ยกตัวชี้วัดมาจากปีก่อน",
        "Carry forward from last year",
        run=run_carry,
        check=check_carry,
    )
)
