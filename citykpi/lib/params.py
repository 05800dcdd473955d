"""Numbers that arrive in requests (ids, years in a query): plain decimal digits only.

str.isdigit() accepts "²", which int() refuses, and SQLite overflows past 2**63: a value
that is not a bounded run of decimal digits is treated as absent.
"""

from __future__ import annotations


def plain_int(value: str | None, max_digits: int = 18) -> int | None:
    """The non-negative integer `value` spells, or None. Thai digits are accepted (int() reads them).

    >>> plain_int("42"), plain_int("๔๒"), plain_int("²"), plain_int("-1"), plain_int("9" * 19)
    (42, 42, None, None, None)
    """
    text = (value or "").strip()
    if not text.isdecimal() or len(text) > max_digits:
        return None
    return int(text)
