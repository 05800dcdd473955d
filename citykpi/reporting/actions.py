"""Every write to a KPI's quarter by its agency: save a draft, attach evidence, submit.

Each function checks permission through citykpi.accounts.access, runs in one
transaction with the row locked (select_for_update), bumps the version, saves with
update_fields and writes an audit row. Pages, the API, the Excel importer and commands
all call these. The evaluator's side (return, assess, reopen) is in
citykpi.evaluation.actions.

`actor=None` is the system (a management command); surfaces always pass the request's
user, anonymous included, so None never comes from the web.
`now` lets tests (and importers replaying history) fix the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from citykpi.accounts import access
from citykpi.audit.log import record, snapshot
from citykpi.lib.errors import ActionError, ConflictError
from citykpi.lib.fiscal import QUARTERS, thai_date
from citykpi.lib.thai import NumberParseError, format_number, parse_number
from citykpi.lib.users import Actor, user_of
from citykpi.quality import scoring, standing
from citykpi.quality.actions import store_findings
from citykpi.quality.rules import Finding, check_report_write, findings_for
from citykpi.reporting import context
from citykpi.reporting.evidence import check_upload
from citykpi.reporting.models import Cause, Commitment, Evidence, QuarterReport
from citykpi.reporting.signals import report_changed

if TYPE_CHECKING:
    from citykpi.indicators.models import Indicator

Status = QuarterReport.Status

REPORT_FIELDS = ["result", "narrative", "status", "version", "definition_version"]
NARRATIVE_MAX_CHARS = 20000
# The result column holds 16 digits with 4 decimals.
RESULT_MAX_ABS = Decimal("999999999999")

# The agency may edit in these statuses (subject to the deadline, see is_open).
EDITABLE = {Status.NOT_STARTED, Status.DRAFT, Status.RETURNED, Status.REOPENED}
# The state changes whose block writes the quarter's assessment (citykpi.evaluation.actions.assess):
# their findings read the assessment as the block left it, not as it was read before.
ASSESSING = frozenset({"report.assess"})
SCORE_FIELDS = ["score", "progress", "score_status"]


# ---------------------------------------------------------------- helpers shared with evaluation


def today_of(now: dt.datetime | None) -> dt.date:
    return timezone.localdate(now or timezone.now())


def deadline_of(report: QuarterReport) -> dt.date:
    return report.indicator.fiscal_year.deadline(report.quarter)


def is_open(report: QuarterReport, today: dt.date) -> bool:
    """May the agency still edit and submit this quarter on `today`?

    Before the deadline: yes. After it: only when the evaluator asked for changes
    (returned, reopened) or reopened it until a date that has not passed.
    """
    if report.status not in EDITABLE:
        return False
    if report.reopened_until is not None:
        return today <= report.reopened_until or today <= deadline_of(report)
    if report.status in (Status.RETURNED, Status.REOPENED):
        return True
    return today <= deadline_of(report)


def check_scope(actor: Actor, indicator: Indicator, action: str) -> None:
    """404 outside the actor's agencies, 403 for a role that may look but not act.
    The system actor (None) may do everything. Read upwards from the KPI's agency
    (access.may_act): the actor's memberships, cached on the user, and no query for the
    agencies below theirs."""
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("กรุณาเข้าสู่ระบบ / Log in first")
    if action not in ("report", "submit", "assess"):
        raise KeyError(action)
    access.check(actor, indicator.agency, access.Capability(action), indicator.code)


def lock(report: QuarterReport) -> QuarterReport:
    """The row, locked for this transaction, with what the checks need."""
    return (
        QuarterReport.objects.select_for_update(of=("self",))
        .select_related("indicator__agency", "indicator__fiscal_year", "indicator__unit", "updated_by")
        .get(pk=report.pk)
    )


def refresh_caller_copy(target: QuarterReport, source: QuarterReport) -> None:
    """Callers keep their object; give it the saved values so a second call in a row works."""
    for column in QuarterReport._meta.concrete_fields:
        setattr(target, column.attname, getattr(source, column.attname))


def current_state(report: QuarterReport) -> dict[str, Any]:
    """What stands now: shown to the person whose save came too late."""
    updated_by = report.updated_by
    return {
        "result": None if report.result is None else format_number(report.result).replace(",", ""),
        "narrative": report.narrative,
        "status": report.status,
        "version": report.version,
        "updated_by": getattr(updated_by, "username", None),
        "updated_by_name": (updated_by.get_full_name() or updated_by.username) if updated_by else None,
        "updated_at": report.updated_at.isoformat() if report.updated_at else None,
    }


def check_version(report: QuarterReport, version: int | str | None) -> None:
    if version is None:
        return
    try:
        number = parse_number(version)
        expected = int(number) if number is not None else None
    except (NumberParseError, TypeError, ValueError):
        expected = None
    if expected is None:
        raise ActionError("รุ่นของข้อมูลไม่ถูกต้อง", "The version is not a number", field="version")
    if expected != report.version:
        raise ConflictError(current=current_state(report))


def announce(report: QuarterReport, action: str) -> None:
    """After commit: tell listeners (the data-quality findings) that this KPI's quarter
    changed. Public page caches need no call: they follow the audit log (citykpi.publicdata.invalidation)."""
    indicator = report.indicator

    def send() -> None:
        report_changed.send(sender=QuarterReport, indicator=indicator, report=report, action=action)

    transaction.on_commit(send)


@dataclass
class Change:
    """A state change of a quarter under way (see `changing`): the locked row to change,
    and what its audit row adds to the snapshots (a reason, the assessment...)."""

    row: QuarterReport
    before: dict[str, Any]
    reason: str = ""
    after_extra: dict[str, Any] = field(default_factory=dict)
    # The rest of the KPI, read once after the row lock (citykpi.reporting.context).
    kpi: context.KpiRows | None = None


@contextmanager
def changing(
    actor: Actor,
    report: QuarterReport,
    *,
    may: str,
    version: int | str | None,
    action: str,
    fields: list[str],
    audited: list[str] = REPORT_FIELDS,
    source: str = "web",
) -> Iterator[Change]:
    """The one way a quarter changes state: in one transaction, lock the row, check the
    actor's scope (`may`: report, submit or assess) and the version; the caller then
    refuses (by raising: nothing is written) or changes `change.row`; then the version
    goes up, the row is saved with `fields`, the audit row `action` records the
    `audited` fields before and after, and listeners hear of it after commit. The
    caller's object gets the saved values.

    What the write keeps derived from the KPI is written in the same transaction from the
    rows the helper read once (`change.kpi`, citykpi.reporting.context): the quarters'
    scores (in the row's own UPDATE when its score changed) and the KPI's standing
    (quality.standing.score_kpi), and the KPI's stored findings (quality.rules.findings_for,
    quality.actions.store_findings). On PostgreSQL a draft save is ten statements, BEGIN
    and COMMIT included (docs/read-model.md, "The report save")."""
    with transaction.atomic():
        row = lock(report)
        check_scope(actor, row.indicator, may)
        check_version(row, version)
        kpi = context.read(row)  # after the row lock: takes the audit chain's lock too
        change = Change(row=row, before=snapshot(row, audited), kpi=kpi)
        yield change
        row.version += 1
        row.updated_by = user_of(actor)
        indicator = row.indicator
        quarters = kpi.with_row(row, assessment_changed=action in ASSESSING)
        rescored, kpi_standing = standing.score_kpi(
            standing.kpi_fields(indicator), quarters, kpi.levels, kpi.settings.thresholds
        )
        own_scores = SCORE_FIELDS if any(q is row for q in rescored) else []
        row.save(
            update_fields=[*dict.fromkeys([*fields, "version", "updated_by", "updated_at", *own_scores])]
        )
        standing.store([q for q in rescored if q is not row], [kpi_standing])
        standing.mark_stored(row)  # the audit signal's receiver need not score the KPI again
        store_findings(
            indicator,
            findings_for(indicator, quarters, limits=kpi.limits, levels=kpi.levels, nodes=kpi.nodes()),
        )
        record(
            actor,
            action,
            row,
            before=change.before,
            after={**snapshot(row, audited), **change.after_extra},
            reason=change.reason,
            indicator_code=indicator.code,
            source=source,
            chain_locked=True,
        )
        announce(row, action.split(".", 1)[1])
    refresh_caller_copy(report, row)


def bilingual_status(status: str) -> str:
    return dict(Status.choices).get(status, status)


def illegal(report: QuarterReport, doing_th: str, doing_en: str) -> ActionError:
    label = bilingual_status(report.status)
    label_th, _, label_en = label.partition(" / ")
    return ActionError(
        f"ไม่สามารถ{doing_th}ได้ เพราะไตรมาสที่ {report.quarter} อยู่ในสถานะ “{label_th}”",
        f"Cannot {doing_en}: quarter {report.quarter} is {label_en or label}",
        field="status",
        status=report.status,
    )


def closed(report: QuarterReport) -> ActionError:
    deadline = deadline_of(report)
    return ActionError(
        f"ไตรมาสที่ {report.quarter} ปิดรับรายงานแล้วเมื่อ {thai_date(deadline)} ขอให้ สยป. เปิดให้แก้ไขหากจำเป็น",
        f"Quarter {report.quarter} closed on {deadline.isoformat()}; ask the evaluator to reopen it",
        field="status",
    )


# ---------------------------------------------------------------- value checks


def clean_result(indicator: Indicator, value: Any) -> Decimal | None:
    """Parse a result (Thai or Arabic digits) and check it against the unit's scale."""
    if isinstance(value, str) and not value.strip():
        return None
    try:
        result = parse_number(value)
    except (NumberParseError, ValueError, TypeError):
        raise ActionError(
            f"ผลงาน “{value}” ไม่ใช่ตัวเลข", f"The result “{value}” is not a number", field="result"
        ) from None
    if result is None:
        return None
    if not result.is_finite() or abs(result) > RESULT_MAX_ABS:
        raise ActionError("ผลงานมีค่ามากเกินไป", "The result is too large", field="result")
    if result != result.quantize(Decimal("0.0001")):
        raise ActionError(
            "ผลงานมีทศนิยมได้ไม่เกิน 4 ตำแหน่ง", "The result may have at most 4 decimal places", field="result"
        )
    unit = indicator.unit
    if unit is None:
        return result
    name_th, name_en = unit.name_th, unit.name_en or unit.name_th
    is_percent = unit.kind == unit.Kind.PERCENT
    if unit.scale_min is not None and result < unit.scale_min:
        raise ActionError(
            f"ผลงานต้องไม่น้อยกว่า {format_number(unit.scale_min)} {name_th}",
            f"The result may not be below {format_number(unit.scale_min)} ({name_en})",
            field="result",
        )
    over_100_allowed = is_percent and unit.allows_over_100
    if unit.scale_max is not None and result > unit.scale_max and not over_100_allowed:
        raise ActionError(
            f"ผลงานต้องไม่เกิน {format_number(unit.scale_max)} {name_th}",
            f"The result may not exceed {format_number(unit.scale_max)} ({name_en})",
            field="result",
        )
    if is_percent and result > 100 and not over_100_allowed:
        raise ActionError(
            "ผลงานเป็นร้อยละ ต้องไม่เกิน 100", "The result is a percentage and may not exceed 100", field="result"
        )
    return result


def quality_findings(
    indicator: Indicator, quarter: int, result: Decimal | None, *, kpi: context.KpiRows | None = None
) -> list[Finding]:
    """The data-quality rules' verdict on a new result. Errors block the write; warnings
    are returned to the caller. `kpi`: the KPI's rows as the action read them (no query)."""
    if result is None:
        return []
    if kpi is None:
        findings = list(check_report_write(indicator, quarter, result))
    else:
        findings = list(
            check_report_write(
                indicator, quarter, result, quarters=kpi.quarters, limits=kpi.limits, levels=kpi.levels
            )
        )
    for finding in findings:
        if finding.severity == "error":
            raise ActionError(finding.message_th, finding.message_en, field="result", rule=finding.rule)
    return findings


# ---------------------------------------------------------------- a red quarter is explained (#15.1)


def needs_explanation(report: QuarterReport) -> bool:
    """Is this quarter red: scored off track against its plan (the stored status, from
    quality.scoring through quality.standing)? Exempt: a quarter without a plan (nothing to
    be behind), a KPI not scored against a plan (a range KPI), a result that cannot be
    scored (no data)."""
    indicator = report.indicator
    if report.planned_target is None or report.result is None:
        return False
    if indicator.scoring_method == scoring.RANGE or indicator.direction == scoring.WITHIN:
        return False
    return report.score_status == scoring.OFF_TRACK


def explanation_missing(report: QuarterReport) -> ActionError | None:
    """The refusal of a red quarter's submit without a cause and a corrective action with
    an owner and a due date (None: it may go)."""
    if not needs_explanation(report):
        return None
    has_cause = Cause.objects.filter(quarter_report=report, is_removed=False).exists()
    has_action = (
        Commitment.objects.filter(quarter_report=report).exclude(status=Commitment.Status.DROPPED).exists()
    )
    if has_cause and has_action:
        return None
    return ActionError(
        f"ผลงานไตรมาสที่ {report.quarter} ต่ำกว่าแผน (ร้อยละ {format_number(report.progress)} ของแผน) "
        "กรุณาบันทึกร่าง แล้วระบุสาเหตุและแนวทางแก้ไขอย่างน้อย 1 รายการ (ผู้รับผิดชอบและวันที่กำหนดเสร็จ) ก่อนส่ง",
        f"Quarter {report.quarter} is behind its plan ({format_number(report.progress)} % of plan): "
        "save the draft, then give a cause and at least one corrective action (owner and due date) before submitting",
        field="cause" if not has_cause else "commitment",
    )


# ---------------------------------------------------------------- the actions


def get_quarter(indicator: Indicator, quarter: int) -> QuarterReport:
    """The report row of a KPI's quarter, created (not started) when missing."""
    if quarter not in QUARTERS:
        raise ActionError(
            f"ไตรมาสต้องเป็น 1 ถึง 4 (ได้รับ {quarter})",
            f"The quarter must be 1 to 4 (got {quarter})",
            field="quarter",
        )
    report, _ = QuarterReport.objects.select_related(
        "indicator__agency", "indicator__fiscal_year", "indicator__unit"
    ).get_or_create(
        indicator=indicator,
        quarter=quarter,
        defaults={"definition_version": indicator.definition_version},
    )
    return report


def save_report(
    actor: Actor,
    report: QuarterReport,
    *,
    result: Any,
    narrative: str,
    version: int | str | None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> QuarterReport:
    """Save the quarter's cumulative result and narrative (a draft until submitted).

    Raises ConflictError when `version` is not the current one (someone saved first),
    ActionError for a bad value or a closed/locked quarter.
    """
    with changing(
        actor,
        report,
        may="report",
        version=version,
        action="report.save",
        fields=REPORT_FIELDS,
        source=source,
    ) as change:
        row = change.row
        indicator = row.indicator
        if row.status not in EDITABLE:
            raise illegal(row, "แก้ไขผลงาน", "edit the result")
        if not is_open(row, today_of(now)):
            raise closed(row)
        new_result = clean_result(indicator, result)
        narrative = (narrative or "").replace("\r\n", "\n").strip()
        if len(narrative) > NARRATIVE_MAX_CHARS:
            raise ActionError(
                f"รายงานผลยาวเกิน {NARRATIVE_MAX_CHARS:,} ตัวอักษร",
                f"The narrative is longer than {NARRATIVE_MAX_CHARS:,} characters",
                field="narrative",
            )
        warnings = quality_findings(indicator, row.quarter, new_result, kpi=change.kpi)
        row.result = new_result
        row.narrative = narrative
        if row.status == Status.NOT_STARTED:
            row.status = Status.DRAFT
        row.definition_version = indicator.definition_version
    report.warnings = warnings
    return report


def add_evidence(
    actor: Actor,
    report: QuarterReport,
    uploaded_file: UploadedFile,
    source: str = "web",
    *,
    now: dt.datetime | None = None,
) -> Evidence:
    """Attach an evidence file (type checked from its content) to the quarter."""
    with transaction.atomic():
        row = lock(report)
        indicator = row.indicator
        check_scope(actor, indicator, "report")
        if row.status not in EDITABLE:
            raise illegal(row, "แนบหลักฐาน", "attach evidence")
        if not is_open(row, today_of(now)):
            raise closed(row)
        checked = check_upload(uploaded_file)
        evidence = Evidence(
            quarter_report=row,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=user_of(actor),
        )
        uploaded_file.seek(0)
        evidence.file.save(checked.stored_name, uploaded_file, save=False)
        try:
            evidence.save()
            before = snapshot(row, ["version", "status"])
            row.version += 1
            row.updated_by = evidence.uploaded_by
            if row.status == Status.NOT_STARTED:
                row.status = Status.DRAFT
            row.save(update_fields=["version", "status", "updated_by", "updated_at"])
            record(
                actor,
                "evidence.add",
                evidence,
                before=before,
                after={
                    "version": row.version,
                    "status": row.status,
                    "name": checked.name,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "quarter": row.quarter,
                },
                indicator_code=indicator.code,
                source=source,
            )
        except Exception:
            # Nothing half-written: no stored file without its record.
            evidence.file.storage.delete(evidence.file.name)
            raise
    refresh_caller_copy(report, row)
    return evidence


def remove_evidence(
    actor: Actor, evidence: Evidence, source: str = "web", *, now: dt.datetime | None = None
) -> Evidence:
    """Withdraw an evidence file. The file stays stored (history), hidden from lists."""
    with transaction.atomic():
        row = lock(evidence.quarter_report)
        check_scope(actor, row.indicator, "report")
        if row.status not in EDITABLE:
            raise illegal(row, "ลบหลักฐาน", "remove evidence")
        if not is_open(row, today_of(now)):
            raise closed(row)
        locked = Evidence.objects.select_for_update().get(pk=evidence.pk)
        if locked.is_removed:
            return locked
        locked.is_removed = True
        locked.save(update_fields=["is_removed"])
        row.version += 1
        row.save(update_fields=["version", "updated_at"])
        record(
            actor,
            "evidence.remove",
            locked,
            before={"is_removed": False},
            after={"is_removed": True},
            indicator_code=row.indicator.code,
            source=source,
        )
    return locked


def submit_report(
    actor: Actor,
    report: QuarterReport,
    *,
    version: int | str | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> QuarterReport:
    """Submit the quarter to the evaluator (the head, or a reporter where allowed)."""
    with changing(
        actor,
        report,
        may="submit",
        version=version,
        action="report.submit",
        fields=["status", "submitted_at", "submitted_by", "reopened_until"],
        audited=REPORT_FIELDS + ["submitted_at"],
        source=source,
    ) as change:
        row = change.row
        if row.status not in (Status.DRAFT, Status.RETURNED, Status.REOPENED):
            if row.status == Status.NOT_STARTED:
                raise ActionError(
                    f"ยังไม่มีผลงานของไตรมาสที่ {row.quarter} ให้ส่ง กรุณาบันทึกผลงานก่อน",
                    f"Quarter {row.quarter} has no result to submit yet; save a result first",
                    field="result",
                )
            raise illegal(row, "ส่งรายงาน", "submit")
        if not is_open(row, today_of(now)):
            raise closed(row)
        if row.result is None:
            raise ActionError("กรุณากรอกผลงานก่อนส่ง", "Enter the result before submitting", field="result")
        unexplained = explanation_missing(row)
        if unexplained is not None:
            raise unexplained
        row.status = Status.SUBMITTED
        row.submitted_at = now or timezone.now()
        row.submitted_by = user_of(actor)
        row.reopened_until = None
    return report


def recall_report(
    actor: Actor,
    report: QuarterReport,
    *,
    version: int | str | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> QuarterReport:
    """The undo of a submit: whoever may submit takes a submitted quarter back to draft,
    until the evaluator acts on it (assessed or returned quarters stay where they are)."""
    with changing(
        actor,
        report,
        may="submit",
        version=version,
        action="report.recall",
        fields=["status", "submitted_at", "submitted_by"],
        audited=REPORT_FIELDS + ["submitted_at"],
        source=source,
    ) as change:
        row = change.row
        if row.status != Status.SUBMITTED:
            raise ActionError(
                "เรียกคืนได้เฉพาะรายงานที่ส่งแล้วและ สยป. ยังไม่ได้ดำเนินการ",
                "Only a submitted quarter the evaluator has not acted on can be recalled",
                field="status",
            )
        if today_of(now) > deadline_of(row):
            # Recalled after the deadline, it could not be submitted again.
            raise closed(row)
        row.status = Status.DRAFT
        row.submitted_at = None
        row.submitted_by = None
    return report


NOTE_MAX_CHARS = 5000


def return_draft(
    actor: Actor,
    report: QuarterReport,
    *,
    note: str,
    version: int | str | None = None,
    source: str = "web",
) -> QuarterReport:
    """The head sends a draft back to the reporter with a note (the quarter stays a draft,
    its deadline unchanged; the note joins the quarter's thread, citykpi.discussion)."""
    with changing(
        actor, report, may="submit", version=version, action="report.return_draft", fields=[], source=source
    ) as change:
        if change.row.status != Status.DRAFT:
            raise illegal(change.row, "ส่งร่างกลับให้ผู้รายงาน", "send the draft back to the reporter")
        note = (note or "").strip()
        if not note:
            raise ActionError("กรุณาเขียนบันทึกถึงผู้รายงาน", "Write a note to the reporter", field="note")
        if len(note) > NOTE_MAX_CHARS:
            raise ActionError(
                f"บันทึกยาวเกิน {NOTE_MAX_CHARS:,} ตัวอักษร",
                f"The note is longer than {NOTE_MAX_CHARS:,} characters",
                field="note",
            )
        change.reason = note
    return report


# ---------------------------------------------------------------- the head's bulk submit


def is_ready(report: QuarterReport, today: dt.date) -> bool:
    """May this quarter go to the evaluator as it stands: a result saved, the form open,
    and a status that can be submitted."""
    return (
        report.status in (Status.DRAFT, Status.RETURNED, Status.REOPENED)
        and report.result is not None
        and is_open(report, today)
    )


@contextmanager
def naming_the_quarter(row: QuarterReport) -> Iterator[None]:
    """In a batch (submit-all, assess-selected), a refusal of one quarter names it: the
    error's message and its `current` carry the KPI code and quarter, so the page can say
    which row stopped the batch."""
    try:
        yield
    except ConflictError as exc:
        raise ConflictError(
            current={**exc.current, "code": row.indicator.code, "quarter": row.quarter}
        ) from None
    except ActionError as exc:
        raise ActionError(
            f"{row.indicator.code} ไตรมาสที่ {row.quarter}: {exc.message_th}",
            f"{row.indicator.code} Q{row.quarter}: {exc.message_en}",
            field=exc.field,
            code=row.indicator.code,
            quarter=row.quarter,
        ) from None


def submit_many(
    actor: Actor,
    versions: dict[int, Any],
    *,
    source: str = "web",
    now: dt.datetime | None = None,
) -> list[QuarterReport]:
    """Submit several quarters at once (the head's "submit all ready").

    `versions` maps a QuarterReport id to the version the head saw, so nothing that
    changed since the head looked is sent unseen. Each quarter goes through
    `submit_report` (its own checks and audit row) inside one transaction: when any one
    is refused, none is submitted, and the error names the KPI and quarter at fault.
    """
    if not versions:
        raise ActionError("ไม่ได้เลือกรายการที่จะส่ง", "Nothing was selected to submit", field="reports")
    ids = sorted(int(pk) for pk in versions)
    submitted: list[QuarterReport] = []
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in QuarterReport.objects.select_related(
                "indicator__agency", "indicator__fiscal_year", "indicator__unit"
            ).filter(pk__in=ids)
        }
        for pk in ids:
            row = rows.get(pk)
            if row is None:
                raise Http404(str(pk))
            with naming_the_quarter(row):
                submit_report(actor, row, version=versions[pk], source=source, now=now)
            submitted.append(row)
    return submitted
