"""The central evaluator's (สยป.) writes on a quarter: return it for revision, assess
it (overall and component scores), reopen it.

Same discipline as citykpi.reporting.actions: permission via citykpi.accounts.access,
one transaction with the row locked, a version bump, update_fields, an audit row, and
`report_changed` after commit because each of these changes the public page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from citykpi.audit.log import snapshot
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import DEFAULT_COMPONENTS
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import NumberParseError, format_number, parse_number
from citykpi.lib.users import Actor
from citykpi.reporting.actions import (
    REPORT_FIELDS,
    changing,
    illegal,
    naming_the_quarter,
    today_of,
    user_of,
)
from citykpi.reporting.models import QuarterReport

Status = QuarterReport.Status
REASON_MAX_CHARS = 5000
ASSESSMENT_FIELDS = ["score", "components", "comment", "definition_version"]


def _reason(reason: str | None, what_th: str, what_en: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(f"กรุณาระบุเหตุผลที่{what_th}", f"Give a reason to {what_en}", field="reason")
    if len(reason) > REASON_MAX_CHARS:
        raise ActionError(
            f"เหตุผลยาวเกิน {REASON_MAX_CHARS:,} ตัวอักษร",
            f"The reason is longer than {REASON_MAX_CHARS:,} characters",
            field="reason",
        )
    return reason


def _score(value: Any, field: str, label: str) -> Decimal:
    try:
        score = parse_number(value)
    except (NumberParseError, ValueError, TypeError):
        raise ActionError(
            f"คะแนน{label} “{value}” ไม่ใช่ตัวเลข",
            f"The score{label and ' ' + label} “{value}” is not a number",
            field=field,
        ) from None
    if score is None:
        raise ActionError(f"กรุณากรอกคะแนน{label}", f"Enter the score{label and ' ' + label}", field=field)
    if not score.is_finite() or score < 0 or score > 100:
        raise ActionError(
            f"คะแนน{label}ต้องอยู่ระหว่าง 0 ถึง 100",
            f"The score{label and ' ' + label} must be 0 to 100",
            field=field,
        )
    if score != score.quantize(Decimal("0.0001")):
        raise ActionError(
            "คะแนนมีทศนิยมได้ไม่เกิน 4 ตำแหน่ง", "A score may have at most 4 decimal places", field=field
        )
    return score


def component_names(report: QuarterReport) -> list[str]:
    """The fiscal year's scheme of component scores ("2.1", "2.2" by default)."""
    names = report.indicator.fiscal_year.assessment_components
    return [str(name) for name in names] if names else list(DEFAULT_COMPONENTS)


def clean_components(report: QuarterReport, components: dict | None) -> dict[str, str]:
    names = component_names(report)
    components = {str(k).strip(): v for k, v in (components or {}).items()}
    unknown = sorted(set(components) - set(names))
    if unknown:
        raise ActionError(
            f"ไม่มีองค์ประกอบ {', '.join(unknown)} ในเกณฑ์ของปีนี้ (มี {', '.join(names)})",
            f"Unknown component {', '.join(unknown)} for this year's scheme ({', '.join(names)})",
            field="components",
        )
    return {name: clean_component(name, components.get(name)) for name in names}


def clean_component(name: str, value: Any) -> str:
    """One component's score as stored ("95.5"), or an ActionError naming the component."""
    if value in (None, ""):
        raise ActionError(
            f"กรุณากรอกคะแนนองค์ประกอบ {name}",
            f"Enter the score of component {name}",
            field=f"components.{name}",
        )
    return format_number(_score(value, f"components.{name}", name)).replace(",", "")


def checked_scores(
    report: QuarterReport, score: Any, components: dict | None
) -> tuple[Decimal, dict[str, str]]:
    """The overall score and the components, every field checked: when any is wrong, one
    ActionError whose `errors` (extra) maps each wrong field to its message, so a form
    shows them all at once beside their fields."""
    errors: dict[str, str] = {}
    first: ActionError | None = None
    overall: Decimal | None = None
    cleaned: dict[str, str] = {}
    try:
        overall = _score(score, "score", "")
    except ActionError as exc:
        first = first or exc
        errors[exc.field or "score"] = exc.message
    names = component_names(report)
    given = {str(k).strip(): v for k, v in (components or {}).items()}
    unknown = sorted(set(given) - set(names))
    if unknown:
        try:
            clean_components(report, given)
        except ActionError as exc:
            first = first or exc
            errors[exc.field or "components"] = exc.message
    for name in names:
        try:
            cleaned[name] = clean_component(name, given.get(name))
        except ActionError as exc:
            first = first or exc
            errors[exc.field or f"components.{name}"] = exc.message
    if first is not None:
        if len(errors) == 1:
            raise ActionError(first.message_th, first.message_en, field=first.field, errors=errors)
        raise ActionError(
            f"มีข้อผิดพลาด {len(errors)} ช่อง ดูข้อความที่แต่ละช่อง",
            f"{len(errors)} fields need correcting; see the message beside each",
            field=first.field,
            errors=errors,
        )
    assert overall is not None
    return overall, {name: cleaned[name] for name in names}


def return_report(
    actor: Actor,
    report: QuarterReport,
    *,
    reason: str,
    source: str = "web",
    now: dt.datetime | None = None,
    version: int | str | None = None,
) -> QuarterReport:
    """Send a submitted quarter back to its agency with a reason they will see."""
    with changing(
        actor,
        report,
        may="assess",
        version=version,
        action="report.return",
        fields=["status", "return_reason"],
        audited=REPORT_FIELDS + ["return_reason"],
        source=source,
    ) as change:
        row = change.row
        if row.status != Status.SUBMITTED:
            raise illegal(row, "ส่งกลับแก้ไข", "return it for revision")
        change.reason = _reason(reason, "ส่งกลับแก้ไข", "return it")
        row.status = Status.RETURNED
        row.return_reason = change.reason
    return report


def assess(
    actor: Actor,
    report: QuarterReport,
    *,
    score: Any,
    components: dict,
    comment: str = "",
    source: str = "web",
    now: dt.datetime | None = None,
    version: int | str | None = None,
) -> Assessment:
    """Score a submitted (or reopened) quarter; the quarter becomes assessed and locked."""
    with changing(
        actor,
        report,
        may="assess",
        version=version,
        action="report.assess",
        fields=["status", "reopened_until"],
        source=source,
    ) as change:
        row = change.row
        indicator = row.indicator
        if row.status not in (Status.SUBMITTED, Status.REOPENED):
            raise illegal(row, "ประเมิน", "assess it")
        if row.result is None:
            raise ActionError("ไตรมาสนี้ยังไม่มีผลงาน", "This quarter has no result to assess", field="result")
        overall, cleaned = checked_scores(row, score, components)
        comment = (comment or "").strip()
        assessment = Assessment.objects.select_for_update().filter(quarter_report=row).first()
        if assessment is None:
            assessment = Assessment(quarter_report=row)
        else:
            change.before["assessment"] = snapshot(assessment, ASSESSMENT_FIELDS)
        assessment.score = overall
        assessment.components = cleaned
        assessment.comment = comment
        assessment.assessor = user_of(actor)
        assessment.assessed_at = now or timezone.now()
        assessment.definition_version = indicator.definition_version
        assessment.save()
        row.status = Status.ASSESSED
        row.reopened_until = None
        change.reason = comment
        change.after_extra["assessment"] = snapshot(assessment, ASSESSMENT_FIELDS)
    return assessment


def reopen(
    actor: Actor,
    report: QuarterReport,
    *,
    reason: str,
    until: dt.date | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
    version: int | str | None = None,
) -> QuarterReport:
    """Open a quarter again for the agency.

    An assessed quarter becomes "reopened" (until a date, or open-ended). A quarter
    the agency left unsubmitted past its deadline keeps its status and gets
    `reopened_until` (two weeks when no date is given), so a late report becomes possible.
    """
    today = today_of(now)
    with changing(
        actor,
        report,
        may="assess",
        version=version,
        action="report.reopen",
        fields=["status", "reopened_until"],
        audited=REPORT_FIELDS + ["reopened_until"],
        source=source,
    ) as change:
        row = change.row
        if row.status == Status.SUBMITTED:
            raise ActionError(
                "ไตรมาสนี้ส่งมาแล้ว ใช้การส่งกลับแก้ไขแทน",
                "This quarter is submitted: return it for revision instead",
                field="status",
                status=row.status,
            )
        if row.status == Status.REOPENED and until is None:
            raise illegal(row, "เปิดให้แก้ไขซ้ำ", "reopen it again")
        change.reason = _reason(reason, "เปิดให้แก้ไข", "reopen it")
        if until is not None and until < today:
            raise ActionError(
                "วันที่เปิดให้แก้ไขถึงต้องไม่ใช่วันที่ผ่านมาแล้ว",
                "The reopen date may not be in the past",
                field="until",
            )
        if row.status == Status.ASSESSED:
            row.status = Status.REOPENED
            row.reopened_until = until
        else:
            row.reopened_until = until or today + dt.timedelta(days=14)
    return report


BULK_MAX = 200


@dataclass(frozen=True)
class BulkItem:
    """One quarter of a bulk assessment: the version the evaluator confirmed it at and the
    score they confirmed (the suggested one), given to every component too."""

    report_id: int
    version: Any
    score: Any


def assess_many(
    actor: Actor,
    items: list[BulkItem],
    *,
    comment: str = "",
    source: str = "web",
    now: dt.datetime | None = None,
) -> list[Assessment]:
    """Assess several on-plan quarters at once with the scores the evaluator confirmed.

    Each quarter goes through `assess` (its checks, its version, its audit row) inside one
    transaction: when any one is refused (a role that may not assess, a quarter changed
    since it was confirmed, a bad score), none is assessed and the error names the KPI and
    quarter at fault."""
    if not items:
        raise ActionError("ไม่ได้เลือกรายการที่จะประเมิน", "Nothing was selected to assess", field="reports")
    if len(items) > BULK_MAX:
        raise ActionError(
            f"ประเมินพร้อมกันได้ครั้งละไม่เกิน {BULK_MAX} รายการ",
            f"At most {BULK_MAX} quarters at once",
            field="reports",
        )
    done: list[Assessment] = []
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in QuarterReport.objects.select_related(
                "indicator__agency", "indicator__fiscal_year", "indicator__unit"
            ).filter(pk__in=[item.report_id for item in items])
        }
        for item in sorted(items, key=lambda i: i.report_id):
            row = rows.get(item.report_id)
            if row is None:
                raise Http404(str(item.report_id))
            names = component_names(row)
            with naming_the_quarter(row):
                done.append(
                    assess(
                        actor,
                        row,
                        score=item.score,
                        components=dict.fromkeys(names, item.score),
                        comment=comment,
                        source=source,
                        now=now,
                        version=item.version,
                    )
                )
    return done
