"""Public pages of an old fiscal year show the agency as it was then."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies import actions
from citykpi.indicators.models import FiscalYear, Indicator


@pytest.fixture
def renamed(evaluator, agency_a):
    old, new = FiscalYear.objects.create(year=2567), FiscalYear.objects.create(year=2568)
    Indicator.objects.create(code="0409-101", agency=agency_a, fiscal_year=old, name="ตัวชี้วัดปีเก่า")
    Indicator.objects.create(code="0409-201", agency=agency_a, fiscal_year=new, name="ตัวชี้วัดปีใหม่")
    actions.rename_agency(
        evaluator, agency_a, effective=dt.date(2024, 10, 1), name_th="สถาบันพัฒนาบุคลากรกรุงเทพมหานคร"
    )
    return agency_a


def test_the_kpi_page_of_an_old_year_shows_the_agencys_name_then(client, renamed):
    old = client.get("/kpi/0409-101/").content.decode()
    new = client.get("/kpi/0409-201/").content.decode()
    assert "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in old and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" not in old
    assert "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in new


def test_the_agency_page_of_an_old_year_shows_the_name_then_and_the_name_now(client, renamed):
    old = client.get("/agency/0409/?year=2567").content.decode()
    assert "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in old and "ชื่อปัจจุบัน" in old
    now = client.get("/agency/0409/?year=2568").content.decode()
    assert "ชื่อปัจจุบัน" not in now and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in now


# Staff pages and PDFs of an old year: the dashboards' drill-down (title, breadcrumbs,
# ranking) and the printed summaries show the names and the tree of that year.


@pytest.fixture
def reorganised(evaluator, agency_a, agency_b):
    """0409 renamed (1 September 2024) and moved from under 0100 (itself renamed) to under
    0200 (1 October 2024): FY 2567 (read on 1 October 2023) is the old organisation, 2568
    the new one."""
    from citykpi.agencies.models import Agency

    city = Agency.objects.create(code="0100", name_th="สำนักปลัดเดิม")
    other = Agency.objects.create(code="0200", name_th="สำนักยุทธศาสตร์")
    agency_a.parent = city
    agency_a.save(update_fields=["parent"])
    old, new = FiscalYear.objects.create(year=2567), FiscalYear.objects.create(year=2568)
    for year, serial in ((old, 101), (new, 201)):
        Indicator.objects.create(code=f"0409-{serial}", agency=agency_a, fiscal_year=year, name="ก")
        Indicator.objects.create(code=f"5047-{serial}", agency=agency_b, fiscal_year=year, name="ข")
    # A change must come after the agency's previous one: the rename a month before the move.
    renamed, day = dt.date(2024, 9, 1), dt.date(2024, 10, 1)
    actions.rename_agency(evaluator, agency_a, effective=renamed, name_th="สถาบันพัฒนาบุคลากรกรุงเทพมหานคร")
    actions.rename_agency(evaluator, city, effective=day, name_th="สำนักปลัดใหม่")
    actions.move_agency(evaluator, agency_a, parent=other, effective=day)
    return agency_a


@pytest.fixture
def staff(client, evaluator):
    client.force_login(evaluator)
    return client


def _crumbs(html: str) -> str:
    return html.split('class="crumbs"', 1)[1].split("</nav>", 1)[0]


def test_the_staff_agency_page_of_an_old_year_shows_the_name_and_parent_then(staff, reorganised):
    old = staff.get("/dashboard/staff/agency/0409/?year=2567").content.decode()
    assert "0100 สำนักปลัดเดิม" in _crumbs(old) and "0200" not in _crumbs(old)
    assert "0409 สถาบันพัฒนาข้าราชการกรุงเทพมหานคร (ปัจจุบัน สถาบันพัฒนาบุคลากรกรุงเทพมหานคร)" in old
    new = staff.get("/dashboard/staff/agency/0409/?year=2568").content.decode()
    assert "0200 สำนักยุทธศาสตร์" in _crumbs(new) and "0100" not in _crumbs(new)
    assert "0409 สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in new and "ปัจจุบัน" not in new.split("<h1", 1)[1][:300]


def test_the_public_agency_page_reads_the_same_tree(client, reorganised):
    FiscalYear.objects.update(is_published=True)
    Indicator.objects.update(is_published=True)
    old = client.get("/dashboard/agency/0409/?year=2567").content.decode()
    assert "0100 สำนักปลัดเดิม" in _crumbs(old)


def test_a_parents_group_page_of_an_old_year_names_the_parent_as_it_was(staff, reorganised):
    old = staff.get("/dashboard/staff/group/0100/?year=2567").content.decode()
    assert "0100 สำนักปลัดเดิม" in _crumbs(old) and "สำนักปลัดใหม่" not in old
    assert "0409" in old  # the roll-up of that year counts it under its parent then
    # Its sub-agencies link on the agency page follows the year's tree too.
    assert "/group/0100/?year=2567" in staff.get("/dashboard/staff/agency/0100/?year=2567").content.decode()
    assert (
        "/group/0100/?year=2568" not in staff.get("/dashboard/staff/agency/0100/?year=2568").content.decode()
    )


def test_the_ranking_of_an_old_year_lists_the_agency_under_its_name_then(staff, reorganised):
    old = staff.get("/dashboard/staff/group/all/?year=2567").content.decode()
    new = staff.get("/dashboard/staff/group/all/?year=2568").content.decode()
    assert "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in old and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" not in old
    assert "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in new


def test_the_quarter_summary_of_an_old_year_shows_the_name_then_beside_todays(reorganised):
    from citykpi.printing.context import quarter_summary_context
    from citykpi.printing.render import render_html

    rows = {r["agency"].code: r for r in quarter_summary_context(2567, 1)["rows"]}
    assert (rows["0409"]["name_th"], rows["0409"]["renamed"]) == ("สถาบันพัฒนาข้าราชการกรุงเทพมหานคร", True)
    assert (rows["5047"]["name_th"], rows["5047"]["renamed"]) == ("สำนักงานเขตบางบอน", False)
    now = {r["agency"].code: r for r in quarter_summary_context(2568, 1)["rows"]}
    assert (now["0409"]["name_th"], now["0409"]["renamed"]) == ("สถาบันพัฒนาบุคลากรกรุงเทพมหานคร", False)
    html = render_html(
        "printing/quarter_summary.html",
        {**quarter_summary_context(2567, 1), "printed_on": dt.date(2025, 1, 1), "freshness": None},
    )
    assert "0409 สถาบันพัฒนาข้าราชการกรุงเทพมหานคร" in html and "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร" in html


def test_the_annual_report_of_an_old_year_carries_the_name_then(reorganised):
    from citykpi.printing.context import agency_report_context

    FiscalYear.objects.update(is_published=True)
    Indicator.objects.update(is_published=True)
    old = agency_report_context(reorganised, 2567)
    assert old["agency_name_then"] == "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"
    assert [s["agency_name_then"] for s in old["sections"]] == ["สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"]
    assert agency_report_context(reorganised, 2568)["agency_name_then"] == "สถาบันพัฒนาบุคลากรกรุงเทพมหานคร"


def test_the_old_years_pages_cost_no_more_queries_per_renamed_agency(
    staff, reorganised, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40) as one:
        staff.get("/dashboard/staff/group/all/?year=2567")
    from citykpi.agencies.models import Agency

    for n in range(8):
        more = Agency.objects.create(code=f"06{n:02d}", name_th=f"หน่วย {n}")
        Indicator.objects.create(code=f"06{n:02d}-101", agency=more, fiscal_year_id=2567, name="ค")
        actions.rename_agency(None, more, effective=dt.date(2024, 10, 1), name_th=f"หน่วยใหม่ {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = staff.get("/dashboard/staff/group/all/?year=2567").content.decode()
    assert "หน่วย 7" in html and "หน่วยใหม่ 7" not in html
