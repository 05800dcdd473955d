"""Errors that actions raise and every surface (pages, API, importers) turns into a
clear message: Thai first, then English, naming the field at fault."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied  # noqa: F401  (re-exported: actions raise it)


class ActionError(Exception):
    """A refused write: an illegal transition, a bad value, a closed form."""

    status_code = 400

    def __init__(self, message_th: str, message_en: str, field: str | None = None, **extra: Any):
        self.message_th = message_th
        self.message_en = message_en
        self.field = field
        self.extra = extra
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.message_th} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        data = {"message": self.message, "message_th": self.message_th, "message_en": self.message_en}
        if self.field:
            data["field"] = self.field
        data.update(self.extra)
        return data


class ConflictError(ActionError):
    """Someone else saved first: `current` describes what now stands."""

    status_code = 409

    def __init__(self, current: dict[str, Any], field: str | None = "version"):
        super().__init__(
            "มีผู้อื่นแก้ไขข้อมูลนี้ก่อนคุณ กรุณาตรวจสอบการเปลี่ยนแปลงด้านล่างแล้วบันทึกอีกครั้ง",
            "Someone else changed this before you; review their change below and save again",
            field=field,
            current=current,
        )
        self.current = current
