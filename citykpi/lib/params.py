"""Numbers that arrive in requests (ids, years in a query): plain decimal digits only.

str.isdigit() accepts "²", which int() refuses, and SQLite overflows past 2**63: a value
that is not a bounded run of decimal digits is treated as absent (`plain_int`), or refused
as a choice that does not exist (`PlainIdsChoiceField`), before the database sees it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from citykpi.lib.i18n import both


def plain_int(value: str | None, max_digits: int = 18) -> int | None:
    """The non-negative integer `value` spells, or None. Thai digits are accepted (int() reads them).

    >>> plain_int("42"), plain_int("๔๒"), plain_int("²"), plain_int("-1"), plain_int("9" * 19)
    (42, 42, None, None, None)
    """
    text = (value or "").strip()
    if not text.isdecimal() or len(text) > max_digits:
        return None
    return int(text)


NOT_AN_ID = both("“%(pk)s” ไม่ใช่รหัสที่เลือกได้", "“%(pk)s” is not a valid choice")
NOT_A_CHOICE = both("ไม่มีตัวเลือก “%(value)s” ในรายการ", "“%(value)s” is not one of the choices")


class PlainIdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows by id where a posted id that is not a plain number (a
    letter, "²", a number past 2**63) is an invalid choice, never a database overflow:
    Django filters `pk__in` with the raw values, which SQLite cannot bind past 2**63."""

    default_error_messages = {"invalid_pk_value": NOT_AN_ID, "invalid_choice": NOT_A_CHOICE}

    def _check_values(self, value: Any):
        for pk in value:
            if plain_int(str(pk)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        # django-stubs leaves out ModelMultipleChoiceField._check_values (a private method)
        return super()._check_values(value)  # type: ignore[misc]
