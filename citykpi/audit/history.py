"""Turning audit rows into a readable history: an action label in the active language
and only the fields that changed, with numbers shown without trailing zeros."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from citykpi.audit import catalogue
from citykpi.audit.models import AuditEvent
from citykpi.lib.i18n import tr
from citykpi.lib.thai import format_number

FIELDS = {
    "result": ("ผลงาน", "Result"),
    "narrative": ("รายงานผล", "Narrative"),
    "status": ("สถานะ", "Status"),
    "version": ("รุ่น", "Version"),
    "return_reason": ("เหตุผลที่ส่งกลับ", "Reason returned"),
    "reopened_until": ("เปิดถึง", "Open until"),
    "submitted_at": ("ส่งเมื่อ", "Submitted at"),
    "assessment": ("ผลประเมิน", "Assessment"),
    "name": ("ไฟล์", "File"),
    "score": ("คะแนน", "Score"),
    "components": ("องค์ประกอบ", "Components"),
    "comment": ("ความเห็น", "Comment"),
}
# Bookkeeping that changes on every write and says nothing to a reader.
HIDDEN = {"definition_version", "content_type", "quarter"}


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str


@dataclass
class Entry:
    event: AuditEvent
    label: str
    changes: list[Change]


def _show(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.items())
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return value
        if number.is_finite() and value.strip() and not value.strip().isalpha():
            return format_number(number)
        return value
    if isinstance(value, (int, float, Decimal)):
        return format_number(value)
    return str(value)


def entry(event: AuditEvent) -> Entry:
    th, en = catalogue.label(event.action)
    changes = []
    before, after = event.before or {}, event.after or {}
    for name in list(dict.fromkeys([*before, *after])):
        if name in HIDDEN:
            continue
        old, new = _show(before.get(name)), _show(after.get(name))
        if old == new:
            continue
        label_th, label_en = FIELDS.get(name, (name, name))
        changes.append(Change(name, tr(label_th, label_en), old, new))
    return Entry(event=event, label=tr(th, en), changes=changes)


def history(events: Any) -> list[Entry]:
    return [entry(event) for event in events]
