"""PDF fixtures: the seed KPI (the demo's loader when present, else a faithful subset),
and helpers that read a PDF back with Poppler (pdftotext, pdfinfo, pdftoppm)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest

SEED_NAME = (
    "ระดับความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัลของข้าราชการกรุงเทพมหานคร"
    "และบุคลากรกรุงเทพมหานครเพื่อการปรับเปลี่ยนเป็นรัฐบาลดิจิทัล ระยะเริ่มแรก (Early)"
)
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


# Thai marks written above or below a consonant (mai han-akat, sara i..u, phinthu,
# maitaikhu, the tone marks, thanthakhat, nikhahit, yamakkan).
_THAI_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def normalise(text: str) -> str:
    """The skeleton of a text for comparing PDF extraction with the source.

    pdftotext breaks lines anywhere, may move a tone mark onto the next consonant
    ("ตัวชี้วัด" comes out as "ตัวชีวั้ด") and may drop the nikhahit of sara am
    ("สำเร็จ" as "สาเร็จ"): whitespace and the marks above and below the line are
    dropped, sara am becomes sara aa. Consonants, leading and following vowels, digits
    and Latin text remain, so the comparison still checks the real Thai text; the
    stacking of the marks is checked by eye on the PNG of a page.
    """
    text = unicodedata.normalize("NFC", text.replace("\u00ad", ""))
    text = text.replace("\u0e33", "\u0e32")
    text = _THAI_MARKS.sub("", text)
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        return subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", handle.name, "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def pdf_pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_page_png(pdf: bytes, page: int, out: Path, dpi: int = 110) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                handle.name,
                str(out.with_suffix("")),
            ],
            check=True,
        )
    return out


def _fallback_seed_kpi():
    """The seed's facts that the PDF tests read, for a checkout without citykpi.demo.seed."""
    from citykpi.agencies.models import Agency
    from citykpi.evaluation.models import Assessment
    from citykpi.indicators.models import FiscalYear, Indicator, Unit
    from citykpi.reporting.models import QuarterReport

    agency, _ = Agency.objects.get_or_create(
        code="0409", defaults={"name_th": "สถาบันพัฒนาข้าราชการกรุงเทพมหานคร"}
    )
    year, _ = FiscalYear.objects.get_or_create(year=2564)
    unit, _ = Unit.objects.get_or_create(name_th="ระดับ", defaults={"kind": Unit.Kind.LEVEL})
    kpi = Indicator.objects.create(
        code="0409-0950",
        agency=agency,
        fiscal_year=year,
        list_label="5.",
        name=SEED_NAME,
        unit=unit,
        target=Decimal("5"),
        achieved=Decimal("100"),
        legacy_counter="0",
        definition="นิยาม ความสำเร็จของการจัดทำแผนพัฒนาทักษะด้านดิจิทัล แบ่งเป็น 5 ระดับ",
    )
    for quarter, result, score, status in [
        (1, "20", "95", "assessed"),
        (2, "50", "100", "assessed"),
        (3, "70", "100", "submitted"),
        (4, "100", "100", "submitted"),
    ]:
        report = QuarterReport.objects.create(
            indicator=kpi,
            quarter=quarter,
            result=Decimal(result),
            status=status,
            narrative=f"รายงานผลไตรมาส {quarter}",
        )
        Assessment.objects.create(
            quarter_report=report, score=Decimal(score), components={"2.1": score, "2.2": "100"}
        )
    return kpi


@pytest.fixture
def seed_kpi(db):
    try:
        from citykpi.demo.seed import load_seed_kpi
    except ImportError:
        return _fallback_seed_kpi()
    return load_seed_kpi()
