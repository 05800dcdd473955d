"""Claims bound to evidence (#15.2): what a quarter claims (a milestone KPI's level, a
result the KPI's definition says needs proof) and the evidence each claim cites, an
uploaded file of the quarter or an official document reference (letter number and date as
structured fields: "กท 6909/1116", 15/03/2567; Thai digits accepted).

Which KPIs need proof (`needs_proof`): every milestone KPI (its claimed level), and any KPI
whose scoring configuration says `"evidence_required": true`. A published quarter of such a
KPI with a result and no claim citing live evidence is a data-quality finding
(quality.rules, Q015-claim-without-evidence), refreshed by every write of the quarter and
by these actions.

Writes (claim.add, claim.remove) are permission-checked, in one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from citykpi.audit.log import record
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import NumberParseError, parse_number, to_arabic_digits
from citykpi.lib.users import Actor
from citykpi.quality.actions import store_findings
from citykpi.quality.rules import findings_for, needs_proof
from citykpi.quality.standing import mark_stored
from citykpi.reporting import actions
from citykpi.reporting.commitments import clean_text, own_row, parse_day
from citykpi.reporting.models import Claim, Evidence, QuarterReport

STATEMENT_MAX_CHARS = 2000
LETTER_MAX_CHARS = 100
FORM_ACTIONS = frozenset({"add_claim", "remove_claim"})
# "ที่ กท 6909/1116": the "ที่" ("number") a letter reference opens with is not part of it.
_LETTER_PREFIX = re.compile(r"^(ที่|เลขที่|หนังสือที่)\s*")
_SPACES = re.compile(r"\s+")


def clean_letter_number(value: Any) -> str:
    """A letter number as stored: Arabic digits, single spaces, without a leading "ที่"."""
    text = _SPACES.sub(" ", to_arabic_digits(str(value or ""))).strip()
    text = _LETTER_PREFIX.sub("", text).strip()
    if len(text) > LETTER_MAX_CHARS:
        raise ActionError(
            f"เลขที่หนังสือยาวเกิน {LETTER_MAX_CHARS} ตัวอักษร",
            f"The letter number is longer than {LETTER_MAX_CHARS} characters",
            field="letter_number",
        )
    if text and not re.search(r"\d", text):
        raise ActionError(
            f"เลขที่หนังสือ “{value}” ไม่มีตัวเลข (เช่น กท 6909/1116)",
            f"The letter number “{value}” has no digits (e.g. กท 6909/1116)",
            field="letter_number",
        )
    return text


def _level(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = parse_number(text)
    except (NumberParseError, ValueError, TypeError):
        number = None
    if number is None or number != number.to_integral_value() or not (0 <= number <= 20):
        raise ActionError(f"ระดับ “{value}” ไม่ถูกต้อง", f"The level “{value}” is not valid", field="level")
    return int(number)


def _refresh_findings(row: QuarterReport) -> None:
    """The KPI's stored findings as they stand after the claim's change (Q015)."""
    store_findings(row.indicator, findings_for(row.indicator))


def add_claim(
    actor: Actor,
    report: QuarterReport,
    *,
    statement: str,
    level: Any = None,
    evidence: Evidence | None = None,
    letter_number: Any = "",
    letter_date: Any = "",
    source: str = "web",
    now: dt.datetime | None = None,
) -> Claim:
    """A claim of the quarter citing an evidence file of the quarter, a letter, or both."""
    with transaction.atomic():
        row = actions.lock(report)
        actions.check_scope(actor, row.indicator, "report")
        if row.status not in actions.EDITABLE:
            raise actions.illegal(row, "เพิ่มข้อกล่าวอ้าง", "add a claim")
        if not actions.is_open(row, actions.today_of(now)):
            raise actions.closed(row)
        text = clean_text(
            statement,
            limit=STATEMENT_MAX_CHARS,
            field="statement",
            label_th="สิ่งที่รายงาน",
            label_en="claim",
            required=True,
        )
        number = clean_letter_number(letter_number)
        day: dt.date | None = None
        if number or str(letter_date or "").strip():
            if not number:
                raise ActionError("กรุณาระบุเลขที่หนังสือ", "Enter the letter number", field="letter_number")
            day = (
                letter_date
                if isinstance(letter_date, dt.date)
                else parse_day(
                    letter_date, field="letter_date", label_th="วันที่ของหนังสือ", label_en="letter's date"
                )
            )
            if day > actions.today_of(now):
                raise ActionError(
                    "วันที่ของหนังสือต้องไม่อยู่ในอนาคต",
                    "The letter's date may not be in the future",
                    field="letter_date",
                )
        if evidence is not None and (evidence.quarter_report_id != row.pk or evidence.is_removed):
            raise ActionError(
                "ไฟล์หลักฐานนี้ไม่ใช่ของไตรมาสนี้", "That evidence file is not this quarter's", field="evidence"
            )
        if evidence is None and not number:
            raise ActionError(
                "ข้อกล่าวอ้างต้องอ้างอิงหลักฐาน: เลือกไฟล์ที่แนบ หรือระบุเลขที่และวันที่ของหนังสือ",
                "A claim cites evidence: choose an attached file, or give a letter's number and date",
                field="evidence",
            )
        claim = Claim.objects.create(
            quarter_report=row,
            statement=text,
            level=_level(level),
            evidence=evidence,
            letter_number=number,
            letter_date=day,
            created_by=actions.user_of(actor),
        )
        mark_stored(claim)
        record(
            actor,
            "claim.add",
            claim,
            before={},
            after={
                "quarter": row.quarter,
                "statement": text,
                "level": claim.level,
                "evidence": evidence.original_name if evidence else None,
                "letter_number": number,
                "letter_date": day.isoformat() if day else None,
            },
            indicator_code=row.indicator.code,
            source=source,
        )
        _refresh_findings(row)
    return claim


def remove_claim(actor: Actor, claim: Claim, *, source: str = "web", now: dt.datetime | None = None) -> Claim:
    """Withdraw a claim (kept for the history, hidden from the lists)."""
    with transaction.atomic():
        row = actions.lock(claim.quarter_report)
        actions.check_scope(actor, row.indicator, "report")
        if row.status not in actions.EDITABLE:
            raise actions.illegal(row, "ลบข้อกล่าวอ้าง", "remove a claim")
        if not actions.is_open(row, actions.today_of(now)):
            raise actions.closed(row)
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.is_removed:
            return locked
        locked.is_removed = True
        locked.save(update_fields=["is_removed"])
        mark_stored(locked)
        record(
            actor,
            "claim.remove",
            locked,
            before={"is_removed": False},
            after={"is_removed": True},
            indicator_code=row.indicator.code,
            source=source,
        )
        _refresh_findings(row)
    return locked


def apply_posted(actor: Actor, report: QuarterReport, action: str, data: Mapping[str, Any]) -> None:
    """One post of the quarter form's claims section (`FORM_ACTIONS`)."""
    if action == "add_claim":
        evidence = None
        if data.get("claim_evidence"):
            evidence = own_row(
                Evidence.objects.filter(quarter_report=report, is_removed=False), data.get("claim_evidence")
            )
        add_claim(
            actor,
            report,
            statement=data.get("statement", ""),
            level=data.get("level", ""),
            evidence=evidence,
            letter_number=data.get("letter_number", ""),
            letter_date=data.get("letter_date", ""),
        )
    elif action == "remove_claim":
        remove_claim(
            actor, own_row(Claim.objects.filter(quarter_report=report, is_removed=False), data.get("claim"))
        )
    else:
        raise ActionError("ไม่รู้จักคำสั่งนี้", "Unknown action", field="action")


# ---------------------------------------------------------------- the reads


def is_evidenced(claim: Claim) -> bool:
    """Does the claim still cite something: a file not withdrawn, or a letter?"""
    evidence = claim.evidence
    return claim.has_letter or (evidence is not None and not evidence.is_removed)


def claims_of(report: QuarterReport) -> list[Claim]:
    if report.pk is None:
        return []
    return list(Claim.objects.filter(quarter_report=report, is_removed=False).select_related("evidence"))


def published_references(reports: Iterable[QuarterReport]) -> dict[int, list[dict[str, Any]]]:
    """The document references (and cited file names) of published quarters, by quarter,
    for the public KPI page (rows prefetched as `public_claims` when the caller has them)."""
    out: dict[int, list[dict[str, Any]]] = {}
    for report in reports:
        if not report.is_published:
            continue
        claims = getattr(report, "public_claims", None)
        if claims is None:
            claims = list(report.claims.filter(is_removed=False).select_related("evidence"))
        items = [
            {
                "statement": c.statement,
                "level": c.level,
                "letter_number": c.letter_number,
                "letter_date": c.letter_date.isoformat() if c.letter_date else None,
                "file": c.evidence.original_name if c.evidence_id and not c.evidence.is_removed else None,
            }
            for c in claims
            if not c.is_removed
        ]
        if items:
            out[report.quarter] = items
    return out


def summary_of(report: QuarterReport) -> dict[str, Any]:
    """What the quarter form and the assessment page show: whether the KPI needs proof,
    the claims beside their evidence, and whether the quarter's result lacks any."""
    claims = claims_of(report)
    evidenced = [c for c in claims if is_evidenced(c)]
    proof = needs_proof(report.indicator)
    return {
        "needs_proof": proof,
        "claims": [{"claim": c, "evidenced": is_evidenced(c)} for c in claims],
        "missing": proof and report.result is not None and not evidenced,
    }
