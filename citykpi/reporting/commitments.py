"""Explaining a red quarter (#15.1): the causes of a quarter behind its plan, the
corrective actions (commitments) with an owner and a due date, and their follow-up on the
forms of the quarters after it.

The rule itself ("a quarter scored off track against its plan is not submitted without a
cause and a corrective action") is `reporting.actions.needs_explanation` /
`explanation_missing`, checked by `submit_report`. This module holds the writes (each
permission-checked, in one transaction, audited: cause.add, cause.remove, commitment.add,
commitment.update), the reads the pages need, and the open and overdue counts the
dashboards show.

Follow-up: a commitment is made on the quarter it explains and stays open (open, late)
until a later quarter's form marks it done or dropped (with a reason). The commitments to
update on a quarter's form are the open ones of the KPI's earlier quarters and of the
KPIs it was carried forward from (Indicator.carried_from), so at the year's end the open
commitments follow the KPI's successor without being copied.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from citykpi.audit.log import record
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError
from citykpi.lib.fiscal import be_to_ce
from citykpi.lib.thai import to_arabic_digits
from citykpi.lib.users import Actor
from citykpi.quality.standing import mark_stored
from citykpi.reporting import actions
from citykpi.reporting.models import Cause, Claim, Commitment, CommitmentUpdate, QuarterReport

Status = Commitment.Status
CATEGORIES = dict(Cause.Category.choices)
DETAIL_MAX_CHARS = 2000
ACTION_MAX_CHARS = 2000
OWNER_MAX_CHARS = 200
# How far back a KPI's predecessors are followed (a KPI carried forward year after year).
CARRY_DEPTH = 5
# The quarter form's actions that this module answers (workspace.views dispatches them).
FORM_ACTIONS = frozenset({"add_cause", "remove_cause", "add_commitment", "update_commitment"})

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


# ---------------------------------------------------------------- parsing


def parse_day(value: Any, *, field: str, label_th: str, label_en: str) -> dt.date:
    """A date typed or posted: ISO (2024-03-15, as a date input sends it) or day/month/year
    with a Buddhist Era year (15/03/2567); Thai digits accepted. A year above 2400 is read
    as BE in both forms."""
    text = to_arabic_digits(str(value or "")).strip()
    if not text:
        raise ActionError(f"กรุณาระบุ{label_th}", f"Enter the {label_en}", field=field)
    day: dt.date | None = None
    try:
        match = _DMY.match(text)
        if match:
            d, m, y = (int(g) for g in match.groups())
            day = dt.date(be_to_ce(y) if y > 2400 else y, m, d)
        else:
            parsed = dt.date.fromisoformat(text)
            day = parsed.replace(year=be_to_ce(parsed.year)) if parsed.year > 2400 else parsed
    except ValueError:
        day = None
    if day is None or not (1900 <= day.year <= 2200):
        raise ActionError(
            f"{label_th} “{value}” ไม่ใช่วันที่ (เช่น 2567-03-15 หรือ 15/03/2567)",
            f"The {label_en} “{value}” is not a date (e.g. 2024-03-15 or 15/03/2567)",
            field=field,
        )
    return day


def clean_text(value: Any, *, limit: int, field: str, label_th: str, label_en: str, required: bool) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise ActionError(f"กรุณาระบุ{label_th}", f"Enter the {label_en}", field=field)
    if len(text) > limit:
        raise ActionError(
            f"{label_th}ยาวเกิน {limit:,} ตัวอักษร",
            f"The {label_en} is longer than {limit:,} characters",
            field=field,
        )
    return text


def _open_form(row: QuarterReport, now: dt.datetime | None, doing_th: str, doing_en: str) -> None:
    """The quarter's form must be open to the agency (as for its result and evidence)."""
    if row.status not in actions.EDITABLE:
        raise actions.illegal(row, doing_th, doing_en)
    if not actions.is_open(row, actions.today_of(now)):
        raise actions.closed(row)


def _audit(
    actor: Actor, name: str, obj: Any, row: QuarterReport, *, before: dict, after: dict, source: str
) -> None:
    mark_stored(obj)  # no score changes: the rescoring receiver has nothing to do
    record(actor, name, obj, before=before, after=after, indicator_code=row.indicator.code, source=source)


# ---------------------------------------------------------------- the writes


def add_cause(
    actor: Actor,
    report: QuarterReport,
    *,
    category: str,
    detail: str = "",
    source: str = "web",
    now: dt.datetime | None = None,
) -> Cause:
    """Record why the quarter is behind its plan (one of the taxonomy's categories)."""
    with transaction.atomic():
        row = actions.lock(report)
        actions.check_scope(actor, row.indicator, "report")
        _open_form(row, now, "ระบุสาเหตุ", "give a cause")
        category = str(category or "").strip()
        if category not in CATEGORIES:
            raise ActionError("กรุณาเลือกประเภทของสาเหตุ", "Choose the kind of cause", field="category")
        text = clean_text(
            detail,
            limit=DETAIL_MAX_CHARS,
            field="detail",
            label_th="รายละเอียดของสาเหตุ",
            label_en="cause's detail",
            required=category == Cause.Category.OTHER,
        )
        cause = Cause.objects.create(
            quarter_report=row, category=category, detail=text, created_by=actions.user_of(actor)
        )
        _audit(
            actor,
            "cause.add",
            cause,
            row,
            before={},
            after={"quarter": row.quarter, "category": category, "detail": text},
            source=source,
        )
    return cause


def remove_cause(actor: Actor, cause: Cause, *, source: str = "web", now: dt.datetime | None = None) -> Cause:
    """Withdraw a cause (kept for the history, hidden from the lists)."""
    with transaction.atomic():
        row = actions.lock(cause.quarter_report)
        actions.check_scope(actor, row.indicator, "report")
        _open_form(row, now, "ลบสาเหตุ", "remove a cause")
        locked = Cause.objects.select_for_update().get(pk=cause.pk)
        if locked.is_removed:
            return locked
        locked.is_removed = True
        locked.save(update_fields=["is_removed"])
        _audit(
            actor,
            "cause.remove",
            locked,
            row,
            before={"is_removed": False},
            after={"is_removed": True},
            source=source,
        )
    return locked


def add_commitment(
    actor: Actor,
    report: QuarterReport,
    *,
    action: str,
    owner: str,
    due_date: Any,
    cause: Cause | None = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> Commitment:
    """A corrective action for the quarter: what will be done, who answers for it, by when."""
    with transaction.atomic():
        row = actions.lock(report)
        actions.check_scope(actor, row.indicator, "report")
        _open_form(row, now, "เพิ่มแนวทางแก้ไข", "add a corrective action")
        what = clean_text(
            action,
            limit=ACTION_MAX_CHARS,
            field="action_text",
            label_th="แนวทางแก้ไข",
            label_en="corrective action",
            required=True,
        )
        who = clean_text(
            owner, limit=OWNER_MAX_CHARS, field="owner", label_th="ผู้รับผิดชอบ", label_en="owner", required=True
        )
        due = (
            due_date
            if isinstance(due_date, dt.date)
            else parse_day(due_date, field="due_date", label_th="วันที่กำหนดเสร็จ", label_en="due date")
        )
        if due < actions.today_of(now):
            raise ActionError(
                "วันที่กำหนดเสร็จต้องไม่อยู่ในอดีต", "The due date may not be in the past", field="due_date"
            )
        if cause is not None and (cause.quarter_report_id != row.pk or cause.is_removed):
            raise ActionError("สาเหตุนี้ไม่ใช่ของไตรมาสนี้", "That cause is not this quarter's", field="cause")
        commitment = Commitment.objects.create(
            quarter_report=row,
            cause=cause,
            action=what,
            owner=who,
            due_date=due,
            created_by=actions.user_of(actor),
        )
        CommitmentUpdate.objects.create(
            commitment=commitment,
            quarter_report=row,
            status=Status.OPEN,
            due_date=due,
            by=actions.user_of(actor),
        )
        _audit(
            actor,
            "commitment.add",
            commitment,
            row,
            before={},
            after={
                "quarter": row.quarter,
                "action": what,
                "owner": who,
                "due_date": due.isoformat(),
                "status": "open",
            },
            source=source,
        )
    return commitment


def update_commitment(
    actor: Actor,
    commitment: Commitment,
    *,
    on: QuarterReport,
    status: str,
    note: str = "",
    due_date: Any = None,
    version: Any = None,
    source: str = "web",
    now: dt.datetime | None = None,
) -> Commitment:
    """Follow a commitment up on a later quarter's form (`on`): done, late (optionally with
    a new due date) or dropped with a reason. The quarter must be one that follows it up
    (`to_follow_up`), or the quarter it was made in."""
    with transaction.atomic():
        row = actions.lock(on)
        actions.check_scope(actor, row.indicator, "report")
        _open_form(row, now, "ติดตามแนวทางแก้ไข", "update a corrective action")
        locked = Commitment.objects.select_for_update().select_related("quarter_report").get(pk=commitment.pk)
        if locked.quarter_report_id != row.pk and locked.pk not in {c.pk for c in to_follow_up(row)}:
            raise ActionError(
                "แนวทางแก้ไขนี้ไม่ได้ติดตามในไตรมาสนี้",
                "This corrective action is not followed up on this quarter",
                field="commitment",
            )
        if version not in (None, "") and str(version).strip() != str(locked.version):
            raise ActionError(
                "มีผู้อื่นปรับปรุงแนวทางแก้ไขนี้ก่อนคุณ กรุณาเปิดหน้านี้ใหม่",
                "Someone else updated this corrective action first; open the page again",
                field="commitment",
            )
        status = str(status or "").strip()
        if status not in (Status.DONE, Status.LATE, Status.DROPPED):
            raise ActionError(
                "กรุณาเลือก ดำเนินการแล้ว ล่าช้า หรือยกเลิก",
                "Choose done, late or dropped",
                field="commitment_status",
            )
        text = clean_text(
            note,
            limit=DETAIL_MAX_CHARS,
            field="note",
            label_th="เหตุผลที่ยกเลิก" if status == Status.DROPPED else "หมายเหตุ",
            label_en="reason for dropping it" if status == Status.DROPPED else "note",
            required=status == Status.DROPPED,
        )
        due = locked.due_date
        if status == Status.LATE and due_date not in (None, ""):
            due = (
                due_date
                if isinstance(due_date, dt.date)
                else parse_day(
                    due_date, field="due_date", label_th="วันที่กำหนดเสร็จใหม่", label_en="new due date"
                )
            )
        before = {"status": locked.status, "due_date": locked.due_date.isoformat(), "reason": locked.reason}
        locked.status = status
        locked.due_date = due
        if text or status == Status.DROPPED:
            locked.reason = text
        locked.closed_at = (now or timezone.now()) if status in (Status.DONE, Status.DROPPED) else None
        locked.version += 1
        locked.save(update_fields=["status", "due_date", "reason", "closed_at", "version", "updated_at"])
        CommitmentUpdate.objects.create(
            commitment=locked,
            quarter_report=row,
            status=status,
            note=text,
            due_date=due,
            by=actions.user_of(actor),
        )
        _audit(
            actor,
            "commitment.update",
            locked,
            locked.quarter_report,
            before=before,
            after={
                "status": status,
                "due_date": due.isoformat(),
                "reason": locked.reason,
                "on_quarter": row.quarter,
                "on_kpi": row.indicator.code,
            },
            source=source,
        )
    return locked


def apply_posted(actor: Actor, report: QuarterReport, action: str, data: Mapping[str, Any]) -> None:
    """One post of the quarter form's causes and commitments sections (`FORM_ACTIONS`), the
    values as the form sends them."""
    if action == "add_cause":
        add_cause(actor, report, category=data.get("category", ""), detail=data.get("detail", ""))
    elif action == "remove_cause":
        cause = own_row(Cause.objects.filter(quarter_report=report, is_removed=False), data.get("cause"))
        remove_cause(actor, cause)
    elif action == "add_commitment":
        cause = None
        if data.get("cause"):
            cause = own_row(Cause.objects.filter(quarter_report=report, is_removed=False), data.get("cause"))
        add_commitment(
            actor,
            report,
            action=data.get("action_text", ""),
            owner=data.get("owner", ""),
            due_date=data.get("due_date", ""),
            cause=cause,
        )
    elif action == "update_commitment":
        commitment = own_row(Commitment.objects.all(), data.get("commitment"))
        update_commitment(
            actor,
            commitment,
            on=report,
            status=data.get("commitment_status", ""),
            note=data.get("note", ""),
            due_date=data.get("new_due_date", ""),
            version=data.get("commitment_version"),
        )
    else:
        raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")


def own_row(queryset: QuerySet[Any], value: Any) -> Any:
    """The posted row among `queryset`, or a clear refusal (never a 500)."""
    text = to_arabic_digits(str(value or "")).strip()
    found = queryset.filter(pk=int(text)).first() if text.isdigit() and len(text) < 18 else None
    if found is None:
        raise ActionError("ไม่พบรายการที่เลือก", "The chosen item was not found", field="action")
    return found


# ---------------------------------------------------------------- the reads


def lineage(indicator: Indicator) -> list[int]:
    """The KPI and the KPIs it was carried forward from, newest first."""
    ids = [indicator.pk]
    current = indicator.carried_from_id
    while current is not None and len(ids) <= CARRY_DEPTH and current not in ids:
        ids.append(current)
        current = Indicator.objects.filter(pk=current).values_list("carried_from_id", flat=True).first()
    return ids


def to_follow_up(report: QuarterReport) -> list[Commitment]:
    """The open commitments a quarter's form lists to update: those of the KPI's earlier
    quarters and of its predecessors' quarters (carried across the year's end)."""
    indicator = report.indicator
    earlier = lineage(indicator)[1:]
    return list(
        Commitment.objects.filter(status__in=Commitment.OPEN_STATUSES)
        .filter(
            Q(quarter_report__indicator_id=indicator.pk, quarter_report__quarter__lt=report.quarter)
            | Q(quarter_report__indicator_id__in=earlier)
        )
        .select_related("quarter_report__indicator", "cause")
        .order_by("due_date", "pk")
    )


@dataclass
class QuarterAccount:
    """What the quarter form and the assessment page show of a quarter's explanation."""

    red: bool
    causes: list[Cause]
    commitments: list[Commitment]  # made on this quarter
    follow_up: list[Commitment]  # earlier ones, still open
    updated_here: list[CommitmentUpdate]  # follow-ups made on this quarter's form
    explained: bool
    today: dt.date

    @property
    def shown(self) -> bool:
        return bool(self.red or self.causes or self.commitments or self.follow_up or self.updated_here)


def account_of(report: QuarterReport, today: dt.date | None = None) -> QuarterAccount:
    """The quarter's causes, commitments and follow-ups (a handful of queries; only the
    follow-ups for a quarter never saved)."""
    today = today or timezone.localdate()
    if report.pk is None:  # never saved: only the earlier actions to follow up
        return QuarterAccount(False, [], [], to_follow_up(report), [], True, today)
    causes = list(Cause.objects.filter(quarter_report=report, is_removed=False))
    commitments = list(
        Commitment.objects.filter(quarter_report=report).select_related("cause").prefetch_related("updates")
    )
    updated = list(
        CommitmentUpdate.objects.filter(quarter_report=report)
        .exclude(commitment__quarter_report=report)
        .select_related("commitment__quarter_report__indicator")
    )
    red = actions.needs_explanation(report)
    explained = bool(causes) and any(c.status != Status.DROPPED for c in commitments)
    return QuarterAccount(
        red, causes, commitments, to_follow_up(report), updated, explained or not red, today
    )


def is_overdue(commitment: Commitment, today: dt.date) -> bool:
    return commitment.is_open and commitment.due_date < today


def counts_by_agency(agency_ids: Iterable[int] | None, today: dt.date) -> dict[int, dict[str, Any]]:
    """Open and overdue commitments per agency (of the KPI they were made on), with the
    agency's code and names: one query."""
    qs = Commitment.objects.filter(status__in=Commitment.OPEN_STATUSES)
    if agency_ids is not None:
        qs = qs.filter(quarter_report__indicator__agency_id__in=list(agency_ids))
    agency = "quarter_report__indicator__agency"
    rows = (
        qs.values(f"{agency}_id", f"{agency}__code", f"{agency}__name_th", f"{agency}__name_en")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
        .order_by()
    )
    return {
        r[f"{agency}_id"]: {
            "code": r[f"{agency}__code"],
            "name_th": r[f"{agency}__name_th"],
            "name_en": r[f"{agency}__name_en"],
            "open": r["open"],
            "overdue": r["overdue"],
        }
        for r in rows
    }


def has_account() -> ExpressionWrapper:
    """An annotation for QuarterReport querysets: has the quarter a cause, a commitment or a
    claim? (`attach_public_account` reads the rows of those that have.)"""
    return ExpressionWrapper(
        Q(Exists(Cause.objects.filter(quarter_report=OuterRef("pk"), is_removed=False)))
        | Q(Exists(Commitment.objects.filter(quarter_report=OuterRef("pk"))))
        | Q(Exists(Claim.objects.filter(quarter_report=OuterRef("pk"), is_removed=False))),
        output_field=BooleanField(),
    )


def attach_public_account(reports: Iterable[QuarterReport]) -> None:
    """Give the quarters (annotated with `has_account`) their causes, commitments and
    claims as `public_causes` / `public_commitments` / `public_claims`: no query when none
    has any, three otherwise, however many quarters."""
    reports = list(reports)
    wanted = {r.pk for r in reports if getattr(r, "has_account", True)}
    causes: dict[int, list[Cause]] = {}
    made: dict[int, list[Commitment]] = {}
    cited: dict[int, list[Claim]] = {}
    if wanted:
        for cause in Cause.objects.filter(quarter_report_id__in=wanted, is_removed=False):
            causes.setdefault(cause.quarter_report_id, []).append(cause)
        for commitment in Commitment.objects.filter(quarter_report_id__in=wanted):
            made.setdefault(commitment.quarter_report_id, []).append(commitment)
        for claim in Claim.objects.filter(quarter_report_id__in=wanted, is_removed=False).select_related(
            "evidence"
        ):
            cited.setdefault(claim.quarter_report_id, []).append(claim)
    for report in reports:
        vars(report)["public_causes"] = causes.get(report.pk, [])
        vars(report)["public_commitments"] = made.get(report.pk, [])
        vars(report)["public_claims"] = cited.get(report.pk, [])


def _labels(label: str) -> dict[str, str]:
    """ "ไทย / English" choice labels as the two halves a stored document keeps."""
    thai, _, english = str(label).partition(" / ")
    return {"label_th": thai, "label_en": english or thai}


def published_account(reports: Iterable[QuarterReport]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """The causes and corrective actions of published quarters, by quarter number, for the
    public KPI page (rows prefetched as `public_causes` / `public_commitments` when the
    caller has them; one query each otherwise)."""
    out: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for report in reports:
        if not report.is_published:
            continue
        causes = getattr(report, "public_causes", None)
        if causes is None:
            causes = list(report.causes.filter(is_removed=False))
        commitments = getattr(report, "public_commitments", None)
        if commitments is None:
            commitments = list(report.commitments.all())
        if not causes and not commitments:
            continue
        out[report.quarter] = {
            "causes": [
                {
                    "category": c.category,
                    **_labels(CATEGORIES.get(c.category, c.category)),
                    "detail": c.detail,
                }
                for c in causes
                if not c.is_removed
            ],
            "actions": [
                {
                    "action": c.action,
                    "owner": c.owner,
                    "due_date": c.due_date.isoformat(),
                    "status": c.status,
                    **{
                        f"status_{k}": v
                        for k, v in _labels(dict(Status.choices).get(c.status, c.status)).items()
                    },
                    "reason": c.reason,
                }
                for c in commitments
            ],
        }
    return out
