"""Thai text helpers: digits, number parsing, display.

Input everywhere accepts Thai digits (๐-๙) and Arabic digits; storage is canonical
(Arabic digits, Decimal). Display follows the source or a setting.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ARABIC_DIGITS = "0123456789"
_TO_ARABIC = str.maketrans(THAI_DIGITS, ARABIC_DIGITS)
_TO_THAI = str.maketrans(ARABIC_DIGITS, THAI_DIGITS)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def to_arabic_digits(text: str) -> str:
    return text.translate(_TO_ARABIC)


def to_thai_digits(text: str) -> str:
    return str(text).translate(_TO_THAI)


def has_thai_digits(text: str) -> bool:
    return any(ch in THAI_DIGITS for ch in text)


class NumberParseError(ValueError):
    """Raised with a bilingual message when text is not a number."""

    def __init__(self, text: str):
        self.text = text
        super().__init__(f"'{text}' ไม่ใช่ตัวเลข / is not a number")


def parse_number(text: str | int | float | Decimal | None) -> Decimal | None:
    """Parse a number as users and the legacy site write it.

    Accepts Thai or Arabic digits, thousands separators ("1,407.52"), trailing zeros
    ("100.0000"), surrounding spaces, a trailing percent sign and the Unicode minus.
    Returns None for an empty value. Raises NumberParseError otherwise.
    """
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    if isinstance(text, (int, float)):
        return Decimal(str(text))
    cleaned = to_arabic_digits(str(text)).strip().replace("\u2212", "-").replace("\u00a0", "")
    cleaned = cleaned.replace(" ", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if cleaned in {"", "-", "–"}:
        return None
    if "," in cleaned:
        # thousands separators only: 1,407.52 / 12,000
        if not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            raise NumberParseError(str(text))
        cleaned = cleaned.replace(",", "")
    if not _NUMBER_RE.match(cleaned):
        raise NumberParseError(str(text))
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the regex guards this
        raise NumberParseError(str(text)) from exc


def format_number(value: Decimal | int | float | None, places: int | None = None) -> str:
    """Display a number without noise: 100.0000 -> 100, 3.30 -> 3.3, 1407.52 -> 1,407.52."""
    if value is None:
        return "–"
    value = Decimal(str(value))
    if places is not None:
        return f"{value:,.{places}f}"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def parse_typed_date(text: str) -> dt.date:
    """A date as people type it: 2024-10-01, or 1/10/2567 (day/month/year; a year above
    2400 is of the Buddhist Era), Thai digits accepted. ValueError otherwise; each caller
    words its own message (a form's field, a workbook's cell).

    >>> parse_typed_date("๑/๑๐/๒๕๖๗")
    datetime.date(2024, 10, 1)
    >>> parse_typed_date("2024-10-01")
    datetime.date(2024, 10, 1)
    >>> parse_typed_date("31/2/2567")
    Traceback (most recent call last):
    ...
    ValueError: day is out of range for month
    """
    text = to_arabic_digits(text).strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
        year, month, day = (int(p) for p in text.split("-"))
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        day, month, year = (int(p) for p in text.split("/"))
    else:
        raise ValueError(text)
    if year > 2400:
        year -= 543
    return dt.date(year, month, day)
