"""The legacy page parsers: pure text in, dataclasses out, never an exception."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citykpi.exchange.legacy import parse as P

DATA = Path(__file__).parent / "data"
SEED = (DATA / "seed_0409-0950.txt").read_text(encoding="utf-8")
PAGES = {p.name: p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt"))}


def as_html(text: str) -> str:
    """The same page saved as HTML: one <p> per line, the address as the canonical link."""
    lines = text.splitlines()
    head = ""
    if lines and lines[0].startswith("http"):
        head = f'<link rel="canonical" href="{escape(lines.pop(0))}">'
    body = "".join(f"<p>{escape(line)}</p>\n" if line.strip() else "<br>" for line in lines)
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}<script>var x='<p>no</p>';</script></head><body>{body}</body></html>"


def test_seed_page_gives_every_field_of_the_kpi():
    page = P.parse_page(SEED)
    assert isinstance(page, P.ParsedKpi) and page.page_type == "kpi"
    assert page.code == "0409-0950" and page.agency_code == "0409"
    assert page.name.list_label == "5."
    assert page.name.title.startswith("ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัล")
    assert page.name.title.endswith("ระยะเริ่มแรก (Early)")
    assert (page.unit_name, page.target, page.achieved) == ("ระดับ", Decimal("5"), Decimal("100"))
    assert (page.kpi_type, page.result_level, page.legacy_counter) == ("strategic", "output", "0")
    assert (page.headline_quarter, page.headline_score) == (2, Decimal("100"))
    assert page.component_names == ["2.1", "2.2"]
    assert [(q.result, q.score, q.components) for q in page.quarters.values()] == [
        (Decimal("20.00"), Decimal("95"), {"2.1": "95", "2.2": "100"}),
        (Decimal("50.00"), Decimal("100"), {"2.1": "100", "2.2": "100"}),
        (Decimal("70.00"), Decimal("100"), {"2.1": "100", "2.2": "100"}),
        (Decimal("100.00"), Decimal("100"), {"2.1": "100", "2.2": "100"}),
    ]
    assert page.quarters[4].narrative.startswith("ดำเนินการครบทั้ง 5 ระดับ")
    assert page.annual_summary == ""
    assert page.data_collection.startswith("หลักฐานการประเมิน")
    assert [(m.level, m.percent, m.points) for m in page.milestones] == [
        (1, 20, 2),
        (2, 40, 4),
        (3, 60, 6),
        (4, 80, 8),
        (5, 100, 10),
    ]
    assert page.milestones[0].description.startswith("ศึกษาและจัดทำร่างแผน")
    assert [(s.path, s.heading_prefix, s.truncated) for s in page.strategy] == [
        ("7", "ด้านที่ ๗ –", False),
        ("7.3", "๗.๓ -", False),
        ("7.3.1", "๗.๓.๑", True),
        ("7.3.1.1", "๗.๓.๑.๑", False),
    ]
    assert page.strategy[2].title.endswith("และเป็นที่เชื่")
    assert page.warnings == []


def test_four_decimal_numbers_and_an_unassessed_quarter_are_read():
    page = P.parse_page(PAGES["monitor-mykpi_2100-1054.txt"])
    assert page.address.endswith("pid=2100-1054")
    assert page.target == Decimal("1.0000") and page.achieved == Decimal("3.3")
    assert page.quarters[1].score == Decimal("100")
    assert page.quarters[4].components == {"2.1": "0", "2.2": "0"}
    assert (page.headline_quarter, page.headline_score) == (4, Decimal("0"))


def test_compact_layout_takes_the_code_from_the_address_and_unlabelled_narratives_in_order():
    page = P.parse_page(PAGES["monitor-mykpi_5004-0849.txt"])
    assert page.page_type == "kpi_compact" and page.code == "5004-0849" and page.name is None
    assert page.kpi_type == "routine" and page.result_level == "outcome"
    assert page.headline_quarter == 3 and page.headline_score is None
    assert page.quarters[1].narrative.startswith("1. โครงการปรับปรุงภูมิทัศน์")
    assert not page.has_table
    assert any("no name line" in w for w in page.warnings)


def test_city_indicator_project_and_agency_pages_are_recognised():
    city = P.parse_page(PAGES["dp2-mykpi2563_87.txt"])
    assert isinstance(city, P.ParsedCityIndicator)
    assert (city.pid, city.name.list_label, city.unit_name, city.target_value) == (
        87,
        "๑.",
        "ร้อยละ",
        Decimal("20"),
    )
    assert city.target_text == "20 ของประชาชนที่ทำการสำรวจ" and city.data_kind == "ตัวชี้วัดเป้าประสงค์"
    assert city.catalogue == "โครงการจัดทำฐานข้อมูลตัวชี้วัดการพัฒนาเมือง (2562-2563)"
    assert [s.heading_prefix for s in city.strategy] == ["ด้านที่ ๕ -", "มิติที่ ๕.๕ -", "เป้าหมายที่ ๕.๕.๑"]
    assert city.strategy[2].truncated and city.definition.startswith("การรับรู้ หมายถึง")

    project = P.parse_page(PAGES["monitor-myproject_08000000-3744.txt"])
    assert isinstance(project, P.ParsedProject)
    assert (project.code, project.agency_code, project.agency_name, project.fiscal_year) == (
        "08000000-3744",
        "0800",
        "สำนักอนามัย",
        2564,
    )
    assert project.progress == 100 and project.scores == {4: Decimal("100")}
    assert project.officers == ["นางสาวดารณี สืบจากดี", "นายจักราธร สิงหาทอ"]
    assert project.rationale.startswith("กรุงเทพมหานคร โดยสำนักงานป้องกัน")

    agency = P.parse_page(PAGES["monitor-index101_50160000.txt"])
    assert isinstance(agency, P.ParsedAgencyPage)
    assert (agency.long_code, agency.agency_code, agency.dimensions) == (
        "50160000",
        "5016",
        {1: "ด้านประสิทธิผลตามพันธกิจ"},
    )
    assert agency.kpis[0].name == "การคัดแยกมูลฝอยที่แหล่งกำเนิด" and agency.kpis[0].negotiated


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_html_version_of_a_page_parses_like_its_text(name):
    text_page = P.parse_page(PAGES[name])
    html_page = P.parse_page(as_html(PAGES[name]))
    assert type(html_page) is type(text_page)
    assert html_page.key == text_page.key and html_page.address == text_page.address
    if isinstance(text_page, P.ParsedKpi):
        assert html_page.quarters == text_page.quarters
        assert html_page.strategy == text_page.strategy


@pytest.mark.parametrize(
    "text,label,year,title",
    [
        ("5. ชื่อ", "5.", "", "ชื่อ"),
        ("4.1 ร้อยละของ", "4.1", "", "ร้อยละของ"),
        ("ปี 2564 ๒. ระดับความสำเร็จ", "ปี 2564 ๒.", "ปี 2564", "ระดับความสำเร็จ"),
        ("(1.1) จำนวน", "(1.1)", "", "จำนวน"),
        ("มิติที่ 3 (3.2) ร้อยละ", "มิติที่ 3 (3.2)", "", "ร้อยละ"),
        ("5.2 ชื่อ", "5.2", "", "ชื่อ"),
        ("ร้อยละของผลการดำเนินงาน", "", "", "ร้อยละของผลการดำเนินงาน"),
        ("2564 ปีแห่งการ", "", "", "2564 ปีแห่งการ"),
    ],
)
def test_names_split_into_list_label_year_prefix_and_title(text, label, year, title):
    name = P.split_name(text)
    assert (name.list_label, name.year_prefix, name.title) == (label, year, title)


def test_thai_digits_and_thousands_separators_are_normalised():
    text = SEED.replace("ค่าเป้าหมาย ระดับ : 5", "ค่าเป้าหมาย ระดับ : ๕").replace(
        "ผลงานที่ทำได้ ระดับ : 100", "ผลงานที่ทำได้ ระดับ : 1,407.52"
    )
    text = text.replace(": 0409-0950", ": ๐๔๐๙-๐๙๕๐").replace("\n2\n50.00\n", "\n๒\n๕๐.๐๐\n")
    page = P.parse_page(text)
    assert page.code == "0409-0950" and page.target == 5 and page.achieved == Decimal("1407.52")
    assert page.quarters[2].result == 50


def test_a_page_cut_in_the_middle_of_the_table_keeps_what_it_read_and_warns():
    cut = SEED[: SEED.index("70.00")]
    page = P.parse_page(cut)
    assert page.code == "0409-0950"
    assert set(page.quarters) == {1, 2}
    assert any("incomplete" in w for w in page.warnings)


def test_a_bad_number_becomes_a_warning_not_an_exception():
    page = P.parse_page(SEED.replace("ผลงานที่ทำได้ ระดับ : 100", "ผลงานที่ทำได้ ระดับ : 1,00,0"))
    assert page.achieved is None
    assert any("not a number" in w for w in page.warnings)


def test_unknown_pages_are_reported_as_unknown():
    page = P.parse_page("hello\nworld")
    assert page.page_type == "unknown" and page.warnings


def test_undecodable_bytes_never_fail():
    assert isinstance(P.decode(b"\xff\xfe\x00abc\x81\xe0"), str)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(PAGES)),
    cut=st.floats(0, 1),
    seed=st.randoms(use_true_random=False),
    noise=st.binary(max_size=40),
    shuffle=st.booleans(),
)
def test_cut_shuffled_and_noisy_pages_never_raise(name, cut, seed, noise, shuffle):
    text = PAGES[name][: int(len(PAGES[name]) * cut)]
    lines = text.splitlines()
    if shuffle:
        seed.shuffle(lines)
    position = seed.randint(0, max(len(lines), 0))
    lines.insert(position, P.decode(noise))
    page = P.parse_page("\n".join(lines))
    assert isinstance(page, P.ParsedPage)
