"""Buddhist Era fiscal years and their quarters: the one place for calendar arithmetic.

A Thai government fiscal year (ปีงบประมาณ) is named in the Buddhist Era (BE = CE + 543)
and runs from 1 October of the previous CE year to 30 September.
FY 2564 = 1 Oct 2020 - 30 Sep 2021. Q1 Oct-Dec, Q2 Jan-Mar, Q3 Apr-Jun, Q4 Jul-Sep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from citykpi.lib.i18n import is_english

BE_OFFSET = 543
QUARTERS = (1, 2, 3, 4)
THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)


def be_to_ce(year_be: int) -> int:
    return year_be - BE_OFFSET


def ce_to_be(year_ce: int) -> int:
    return year_ce + BE_OFFSET


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def fiscal_year_of(day: dt.date) -> int:
    """The BE fiscal year that contains `day`."""
    return ce_to_be(day.year + 1 if day.month >= 10 else day.year)


def quarter_of(day: dt.date) -> int:
    """The fiscal quarter (1-4) that contains `day`."""
    return {10: 1, 11: 1, 12: 1, 1: 2, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3}.get(day.month, 4)


def fiscal_year_period(year_be: int) -> Period:
    ce = be_to_ce(year_be)
    return Period(dt.date(ce - 1, 10, 1), dt.date(ce, 9, 30))


def quarter_period(year_be: int, quarter: int) -> Period:
    if quarter not in QUARTERS:
        raise ValueError(f"quarter must be 1-4, got {quarter}")
    ce = be_to_ce(year_be)
    start_month = (10, 1, 4, 7)[quarter - 1]
    start_year = ce - 1 if quarter == 1 else ce
    end_month = start_month + 2
    start = dt.date(start_year, start_month, 1)
    next_month_first = (
        dt.date(start_year + 1, 1, 1) if end_month == 12 else dt.date(start_year, end_month + 1, 1)
    )
    return Period(start, next_month_first - dt.timedelta(days=1))


def default_deadline(year_be: int, quarter: int, days_after: int = 15) -> dt.date:
    """The default reporting deadline: `days_after` days after the quarter ends."""
    return quarter_period(year_be, quarter).end + dt.timedelta(days=days_after)


def thai_date(day: dt.date | dt.datetime | None, short: bool = False) -> str:
    """16 กรกฎาคม 2564 (BE year)."""
    if day is None:
        return ""
    months = THAI_MONTHS_SHORT if short else THAI_MONTHS
    return f"{day.day} {months[day.month - 1]} {ce_to_be(day.year)}"


ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def english_date(day: dt.date | dt.datetime | None, short: bool = False) -> str:
    """16 July 2021: an English reader's date, in the Common Era (fiscal years keep their
    BE number, "FY 2564", as the administration names them)."""
    if day is None:
        return ""
    month = ENGLISH_MONTHS[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


def date_label(day: dt.date | dt.datetime | None, short: bool = False) -> str:
    """A date as the reader's language writes it: Thai (BE) by default, English when chosen.

    >>> date_label(dt.date(2021, 7, 16))
    '16 กรกฎาคม 2564'
    """
    return english_date(day, short) if is_english() else thai_date(day, short)
