"""After a merge, in Debian's Chromium at 1366 and 390 px: the old district's page of an old
year shows it as it was and links to its successor; the successor's page links back.
Screenshots land in var/screenshots/ (agency-merged-*.png)."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.agencies import actions
from citykpi.agencies.models import Agency
from citykpi.conftest import SCREENSHOTS
from citykpi.indicators.models import FiscalYear, Indicator

SIZES = {"wide": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def merged(db, evaluator):
    old, new = FiscalYear.objects.create(year=2567), FiscalYear.objects.create(year=2568)
    phra_khanong = Agency.objects.create(
        code="5009", name_th="สำนักงานเขตพระโขนง", name_en="Phra Khanong District Office", kind="district"
    )
    min_buri = Agency.objects.create(
        code="5010", name_th="สำนักงานเขตมีนบุรี", name_en="Min Buri District Office", kind="district"
    )
    for agency in (phra_khanong, min_buri):
        for year, serial in ((old, 100), (new, 200)):
            Indicator.objects.create(
                code=f"{agency.code}-{serial}",
                agency=agency,
                fiscal_year=year,
                name=f"ร้อยละของขยะที่คัดแยกได้ ({agency.name_th} ปี {year.year})",
            )
    actions.merge_agencies(
        evaluator,
        [phra_khanong, min_buri],
        successor=actions.NewAgency(
            "5090", "สำนักงานเขตพระโขนง-มีนบุรี", "Phra Khanong-Min Buri District Office", "ข.พม.", "district"
        ),
        effective=dt.date(2024, 10, 1),
    )
    return phra_khanong


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_old_districts_page_after_a_merge_links_to_its_successor_and_back(live_server, browser, merged):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page = browser.new_page(viewport=viewport, locale="th-TH", java_script_enabled=False)
        page.goto(f"{live_server.url}/agency/5009/")
        main = page.inner_text("main")
        assert "สำนักงานเขตพระโขนง" in main and "5009-100" in main and "5009-200" not in main
        assert "รวมเข้ากับ" in page.inner_text(".agency-lineage")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SCREENSHOTS / f"agency-merged-old-{size}.png"), full_page=True)
        page.click(".agency-successor a")
        assert page.url.endswith("/agency/5090/")
        main = page.inner_text("main")
        assert "5009-200" in main and "5010-200" in main  # the year after the merge moved with it
        assert "รวมมาจาก" in page.inner_text(".agency-lineage")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(SCREENSHOTS / f"agency-merged-successor-{size}.png"), full_page=True)
        page.close()
