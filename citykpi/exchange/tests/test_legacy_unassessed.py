"""Issue 11, point 12 ("migration loses nothing"): a quarter reported but not assessed yet
has an empty assessment cell in the legacy quarterly table. Every row is kept (result,
score where there is one, narrative) and the original text of every cell of the table is
stored with the page's provenance.

The page: data/legacy-unassessed_0409-0951.txt, the seed's layout with quarter 2 and
quarter 4 reported (50.00, 100.00) but their assessment cells empty, quarter 3 assessed
(90, "90 / 90") after the gap, and the headline on quarter 3.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from pathlib import Path

import pytest

from citykpi.evaluation.models import Assessment
from citykpi.exchange.legacy import import_paths
from citykpi.exchange.legacy import parse as P
from citykpi.exchange.models import Provenance
from citykpi.indicators.models import Indicator

DATA = Path(__file__).parent / "data"
PAGE = DATA / "legacy-unassessed_0409-0951.txt"
TEXT = PAGE.read_text(encoding="utf-8")
SEED_TEXT = (DATA / "seed_0409-0950.txt").read_text(encoding="utf-8")
ADDRESS = "http://monitor.bangkok.go.th/mobile/mykpi.php?pid=0409-0951"

RESULTS = [Decimal("20.00"), Decimal("50.00"), Decimal("70.00"), Decimal("100.00")]
SCORES = [Decimal("95"), None, Decimal("90"), None]
COMPONENTS = [{"2.1": "95", "2.2": "100"}, {}, {"2.1": "90", "2.2": "90"}, {}]
CELLS = [
    {"quarter": "1", "result": "20.00", "score": "95", "components": "95 / 100"},
    {"quarter": "2", "result": "50.00", "score": "", "components": ""},
    {"quarter": "3", "result": "70.00", "score": "90", "components": "90 / 90"},
    {"quarter": "4", "result": "100.00", "score": "", "components": ""},
]
HEADER = ["ไตรมาสที่", "(1 - 4)", "*ผลงาน*", "(ระดับ)", "*ผลประเมินตัวชี้วัด*", "(* 2.1 / 2.2 *)"]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def narrative(text: str, quarter: int) -> str:
    """The quarter's narrative paragraph as the page writes it."""
    start = text.index(f"รายงานผลฯ ไตรมาสที่ {quarter}")
    return text[start:].split("\n\n", 2)[1].strip()


def as_html(text: str) -> str:
    """The page saved as HTML: one <td> per cell, an empty cell an empty <td>."""
    lines = text.splitlines()
    address = lines.pop(0)
    body = "".join(f"<td>{escape(line)}</td>\n" for line in lines)
    return f'<!doctype html><html><head><link rel="canonical" href="{escape(address)}"></head><body><table><tr>{body}</tr></table></body></html>'


# --- parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["text", "html"])
def test_an_empty_assessment_cell_keeps_its_row_and_every_row_after_it(form):
    page = P.parse_page(TEXT if form == "text" else as_html(TEXT))
    assert isinstance(page, P.ParsedKpi) and page.code == "0409-0951" and page.address == ADDRESS
    assert sorted(page.quarters) == [1, 2, 3, 4]
    assert [page.quarters[q].result for q in (1, 2, 3, 4)] == RESULTS
    assert [page.quarters[q].score for q in (1, 2, 3, 4)] == SCORES
    assert [page.quarters[q].components for q in (1, 2, 3, 4)] == COMPONENTS
    for q in (1, 2, 3, 4):
        assert page.quarters[q].narrative == narrative(TEXT, q)
    assert (page.headline_quarter, page.headline_score) == (3, Decimal("90"))
    # An unassessed quarter is a normal state, not a defect of the page.
    assert page.warnings == []


def test_the_original_text_of_every_cell_of_the_table_is_kept():
    page = P.parse_page(TEXT)
    assert [page.quarters[q].cells for q in (1, 2, 3, 4)] == CELLS
    assert page.source_cells() == {"quarterly_table": {"header": HEADER, "rows": CELLS}}


def test_an_empty_score_with_components_left_is_read_as_no_score():
    text = SEED_TEXT.replace("\n2\n50.00\n100\n100 / 100\n", "\n2\n50.00\n0 / 0\n")
    page = P.parse_page(text)
    assert [page.quarters[q].result for q in (1, 2, 3, 4)] == [
        Decimal("20.00"),
        Decimal("50.00"),
        Decimal("70.00"),
        Decimal("100.00"),
    ]
    assert page.quarters[2].score is None and page.quarters[2].components == {"2.1": "0", "2.2": "0"}
    assert page.quarters[3].score == 100 and page.quarters[4].components == {"2.1": "100", "2.2": "100"}
    assert page.quarters[2].cells == {"quarter": "2", "result": "50.00", "score": "", "components": "0 / 0"}


def test_components_without_a_score_are_kept_and_warned_about():
    text = SEED_TEXT.replace("\n2\n50.00\n100\n100 / 100\n", "\n2\n50.00\n100 / 90\n")
    page = P.parse_page(text)
    assert page.quarters[2].score is None and page.quarters[2].components == {"2.1": "100", "2.2": "90"}
    assert page.quarters[3].result == Decimal("70.00")
    assert any("quarter 2 has components but no score" in w for w in page.warnings)


def test_a_score_that_looks_like_the_next_quarters_number_stays_a_score():
    text = SEED_TEXT.replace("\n2\n50.00\n100\n100 / 100\n", "\n2\n50.00\n3\n3 / 3\n")
    page = P.parse_page(text)
    assert page.quarters[2].score == 3 and page.quarters[2].components == {"2.1": "3", "2.2": "3"}
    assert page.quarters[3].result == Decimal("70.00") and page.quarters[3].score == 100


def test_thai_digits_in_an_unassessed_row_are_read_and_kept_as_written():
    text = TEXT.replace("\n2\n50.00\n\n3\n", "\n๒\n๕๐.๐๐\n\n3\n")
    page = P.parse_page(text)
    assert page.quarters[2].result == 50 and page.quarters[2].score is None
    assert page.quarters[2].cells["result"] == "๕๐.๐๐" and page.quarters[3].result == 70


def test_a_page_cut_right_after_an_unassessed_result_keeps_it_and_warns():
    page = P.parse_page(TEXT[: TEXT.index("\n3\n70.00")])
    assert set(page.quarters) == {1, 2}
    assert page.quarters[2].result == 50 and page.quarters[2].score is None
    assert any("may be incomplete" in w for w in page.warnings)


def test_a_row_of_a_quarter_that_does_not_exist_is_still_kept_in_the_cells():
    text = TEXT.replace("\n4\n100.00\n", "\n5\n100.00\n")
    page = P.parse_page(text)
    assert 5 not in page.quarters and any("quarter 5 does not exist" in w for w in page.warnings)
    assert page.source_cells()["quarterly_table"]["rows"][-1] == {
        "quarter": "5",
        "result": "100.00",
        "score": "",
        "components": "",
    }


def test_a_page_without_a_table_stores_no_cells():
    page = P.parse_page((DATA / "monitor-mykpi_5004-0849.txt").read_text(encoding="utf-8"))
    assert page.source_cells() == {}


# --- importing ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_keeps_every_quarters_result_score_and_narrative():
    report = import_paths([PAGE], fiscal_year=2564)
    assert not report.failed_files and report.created
    kpi = Indicator.objects.get(code="0409-0951")
    quarters = {r.quarter: r for r in kpi.quarters.select_related("assessment")}
    assert sorted(quarters) == [1, 2, 3, 4]
    assert [quarters[q].result for q in (1, 2, 3, 4)] == RESULTS
    assert [quarters[q].narrative for q in (1, 2, 3, 4)] == [narrative(TEXT, q) for q in (1, 2, 3, 4)]
    assert [quarters[q].status for q in (1, 2, 3, 4)] == ["assessed", "submitted", "assessed", "submitted"]
    scores = {a.quarter_report.quarter: a for a in Assessment.objects.filter(quarter_report__indicator=kpi)}
    assert sorted(scores) == [1, 3]
    assert (scores[1].score, scores[1].components) == (95, {"2.1": "95", "2.2": "100"})
    assert (scores[3].score, scores[3].components) == (90, {"2.1": "90", "2.2": "90"})


@pytest.mark.django_db
def test_the_provenance_keeps_the_original_text_of_each_cell():
    import_paths([PAGE], fiscal_year=2564)
    kpi = Indicator.objects.get(code="0409-0951")
    provenance = Provenance.objects.get(record_key="0409-0951")
    assert provenance.record == kpi
    assert (provenance.source_file, provenance.address, provenance.page_type) == (str(PAGE), ADDRESS, "kpi")
    assert provenance.raw_text == TEXT
    assert provenance.cells == {"quarterly_table": {"header": HEADER, "rows": CELLS}}


@pytest.mark.django_db
def test_importing_the_page_twice_changes_nothing(tmp_path):
    import_paths([PAGE], fiscal_year=2564)
    provenance = Provenance.objects.get(record_key="0409-0951")
    again = import_paths([PAGE], fiscal_year=2564)
    assert again.created == 0 and again.updated == 0
    assert Provenance.objects.get(record_key="0409-0951").imported_at == provenance.imported_at


@pytest.mark.django_db
def test_the_page_assessed_later_adds_the_scores_and_updates_the_cells(tmp_path):
    import_paths([PAGE], fiscal_year=2564)
    later = TEXT.replace("\n2\n50.00\n\n3\n", "\n2\n50.00\n100\n100 / 100\n3\n").replace(
        "\n4\n100.00\n\n", "\n4\n100.00\n100\n100 / 100\n\n"
    )
    later = later.replace("ไตรมาสที่ 3: 90", "ไตรมาสที่ 4: 100")
    import_paths([write(tmp_path, "later.txt", later)], fiscal_year=2564)
    kpi = Indicator.objects.get(code="0409-0951")
    assert list(kpi.quarters.order_by("quarter").values_list("status", flat=True)) == ["assessed"] * 4
    assert [r.assessment.score for r in kpi.quarters.order_by("quarter")] == [95, 100, 90, 100]
    rows = Provenance.objects.get(record_key="0409-0951").cells["quarterly_table"]["rows"]
    assert rows[1] == {"quarter": "2", "result": "50.00", "score": "100", "components": "100 / 100"}


@pytest.mark.django_db
def test_the_seeds_provenance_keeps_its_table_cells_too():
    import_paths([DATA / "seed_0409-0950.txt"], fiscal_year=2564)
    cells = Provenance.objects.get(record_key="0409-0950").cells["quarterly_table"]
    assert cells["header"] == HEADER
    assert [row["result"] for row in cells["rows"]] == ["20.00", "50.00", "70.00", "100.00"]
    assert cells["rows"][0] == {"quarter": "1", "result": "20.00", "score": "95", "components": "95 / 100"}
