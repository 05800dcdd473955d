import datetime as dt

import pytest

from citykpi.lib import fiscal


def test_fiscal_year_2564_runs_from_october_2020_to_september_2021():
    period = fiscal.fiscal_year_period(2564)
    assert period.start == dt.date(2020, 10, 1)
    assert period.end == dt.date(2021, 9, 30)


@pytest.mark.parametrize(
    "day, year_be, quarter",
    [
        (dt.date(2020, 9, 30), 2563, 4),  # the day before FY 2564
        (dt.date(2020, 10, 1), 2564, 1),  # its first day
        (dt.date(2020, 12, 31), 2564, 1),
        (dt.date(2021, 1, 1), 2564, 2),
        (dt.date(2021, 3, 31), 2564, 2),
        (dt.date(2021, 4, 1), 2564, 3),
        (dt.date(2021, 6, 30), 2564, 3),
        (dt.date(2021, 7, 1), 2564, 4),
        (dt.date(2021, 9, 30), 2564, 4),  # its last day
        (dt.date(2021, 10, 1), 2565, 1),  # the day after
    ],
)
def test_each_boundary_day_falls_in_the_right_year_and_quarter(day, year_be, quarter):
    assert fiscal.fiscal_year_of(day) == year_be
    assert fiscal.quarter_of(day) == quarter
    assert day in fiscal.quarter_period(year_be, quarter)


@pytest.mark.parametrize(
    "quarter, start, end",
    [
        (1, dt.date(2020, 10, 1), dt.date(2020, 12, 31)),
        (2, dt.date(2021, 1, 1), dt.date(2021, 3, 31)),
        (3, dt.date(2021, 4, 1), dt.date(2021, 6, 30)),
        (4, dt.date(2021, 7, 1), dt.date(2021, 9, 30)),
    ],
)
def test_quarter_dates_of_fiscal_year_2564(quarter, start, end):
    period = fiscal.quarter_period(2564, quarter)
    assert (period.start, period.end) == (start, end)


def test_be_and_ce_convert_both_ways():
    assert fiscal.be_to_ce(2564) == 2021
    assert fiscal.ce_to_be(2021) == 2564


def test_quarter_outside_1_to_4_is_refused():
    with pytest.raises(ValueError):
        fiscal.quarter_period(2564, 5)


def test_default_deadline_is_fifteen_days_after_the_quarter():
    assert fiscal.default_deadline(2564, 1) == dt.date(2021, 1, 15)


def test_thai_date_uses_the_buddhist_era():
    assert fiscal.thai_date(dt.date(2021, 7, 16)) == "16 กรกฎาคม 2564"
