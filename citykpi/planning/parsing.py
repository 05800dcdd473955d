"""The values every setup action reads from a form, the API or a command: numbers with
Thai digits or legacy formats, and fiscal years."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from citykpi.indicators.models import FiscalYear
from citykpi.lib.errors import ActionError
from citykpi.lib.thai import NumberParseError, parse_number


def number_of(value: Any, field_name: str, label_th: str, label_en: str) -> Decimal | None:
    try:
        return parse_number(value)
    except NumberParseError:
        raise ActionError(
            f"{label_th}: “{value}” ไม่ใช่ตัวเลข",
            f"{label_en}: “{value}” is not a number",
            field=field_name,
        ) from None


def fiscal_year_of(year: FiscalYear | int | str) -> FiscalYear:
    if isinstance(year, FiscalYear):
        return year
    number = number_of(year, "fiscal_year", "ปีงบประมาณ", "Fiscal year")
    found = FiscalYear.objects.filter(pk=int(number)).first() if number is not None else None
    if found is None:
        raise ActionError(f"ไม่พบปีงบประมาณ {year}", f"Fiscal year {year} does not exist", field="fiscal_year")
    return found
