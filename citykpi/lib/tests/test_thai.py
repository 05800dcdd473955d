from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.lib import thai


@pytest.mark.parametrize(
    "text, expected",
    [
        ("๕", Decimal("5")),
        ("๑๒.๕๐", Decimal("12.50")),
        ("1,407.52", Decimal("1407.52")),
        ("๑,๔๐๗.๕๒", Decimal("1407.52")),
        ("100.0000", Decimal("100")),
        (" 20 ", Decimal("20")),
        ("75%", Decimal("75")),
        ("−3", Decimal("-3")),
    ],
)
def test_parse_number_accepts_thai_and_arabic_digits_and_legacy_formats(text, expected):
    assert thai.parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "  ", None, "-"])
def test_parse_number_gives_none_for_empty_cells(text):
    assert thai.parse_number(text) is None


@pytest.mark.parametrize("text", ["abc", "1,40", "12.3.4", "๕ ระดับ", "1e5"])
def test_parse_number_refuses_text_with_a_bilingual_message(text):
    with pytest.raises(thai.NumberParseError) as excinfo:
        thai.parse_number(text)
    assert "ไม่ใช่ตัวเลข" in str(excinfo.value) and "is not a number" in str(excinfo.value)


def test_digits_convert_both_ways():
    assert thai.to_thai_digits("7.3.1.1") == "๗.๓.๑.๑"
    assert thai.to_arabic_digits("๗.๓.๑.๑") == "7.3.1.1"


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("100.0000"), "100"),
        (Decimal("3.3000"), "3.3"),
        (Decimal("1407.52"), "1,407.52"),
        (None, "–"),
    ],
)
def test_format_number_drops_noise(value, shown):
    assert thai.format_number(value) == shown


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_any_decimal_written_in_thai_digits_parses_back_to_itself(value):
    assert thai.parse_number(thai.to_thai_digits(str(value))) == value
