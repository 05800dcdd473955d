"""The public KPI page says whether the KPI is on track and whether its numbers can be
trusted (issue #14.4): the dashboards' status in words (the colour only a cue) with the
progress against the quarter's plan, and a published value that fails a data-quality rule
(the seed KPI's achieved "100" on a 0-5 level scale) flagged beside the value, in Thai and
English."""

from __future__ import annotations

import re

from django.urls import reverse

from citykpi.quality.standing import rescore_kpis


def page(client, code, language="th"):
    client.cookies["django_language"] = language
    return client.get(reverse("portal:kpi", args=[code])).content.decode()


def test_the_seed_kpis_impossible_achieved_value_is_flagged_beside_it(client, portal_seed_kpi):
    html = page(client, portal_seed_kpi.code)
    achieved = re.search(r'<dd class="fact-achieved">(.*?)</dd>', html, re.S).group(1)
    assert "100" in achieved and "ค่านี้น่าสงสัย" in achieved and 'href="#quality-notes"' in achieved
    notes = re.search(r'<aside class="quality-notes".*?</aside>', html, re.S).group(0)
    assert "ข้อสังเกตด้านคุณภาพข้อมูล" in notes
    # Plain Thai and English, naming the value and the scale.
    assert "ผลงานที่ทำได้ มีค่า 100" in notes and "outside the KPI&#x27;s level scale 0-5" in notes


def test_the_page_says_the_status_in_words_with_the_progress_against_plan(client, kpi_world):
    kpi = kpi_world(1)[0]
    rescore_kpis([kpi.pk])
    html = page(client, kpi.code)
    standing = re.search(r'<p class="kpi-standing">(.*?)</p>', html, re.S).group(1)
    # Quarters 1-2 assessed at their plan (20, 40): on track, 100 % of the Q2 plan.
    assert 'class="status st-on_track"' in standing and "ตามเป้าหมาย" in standing
    assert "ไตรมาสที่ 2" in standing and "100%" in standing
    english = page(client, kpi.code, "en")
    assert "On track" in re.search(r'<p class="kpi-standing">(.*?)</p>', english, re.S).group(1)


def test_a_kpi_without_published_results_says_no_data_and_no_notes(client, make_indicator, agency_a):
    kpi = make_indicator(agency_a)
    html = page(client, kpi.code)
    assert "ยังไม่มีข้อมูล" in re.search(r'<p class="kpi-standing">(.*?)</p>', html, re.S).group(1)
    assert "quality-notes" not in html


def row_of(html, code):
    """The finder's or agency page's list row of one KPI."""
    return re.search(rf'<li class="kpi-row">(?:(?!</li>).)*?{re.escape(code)}.*?</li>', html, re.S).group(0)


def test_the_finders_rows_say_the_status_in_words_with_the_progress(client, kpi_world):
    kpi = kpi_world(1)[0]
    rescore_kpis([kpi.pk])
    client.cookies["django_language"] = "th"
    row = row_of(client.get(reverse("portal:home"), {"year": kpi.fiscal_year_id}).content.decode(), kpi.code)
    status = re.search(r'<div class="fact-standing">(.*?)</div>', row, re.S).group(1)
    assert 'class="status st-on_track"' in status and "ตามเป้าหมาย" in status
    assert "100% ของแผนไตรมาสที่ 2" in status


def test_the_agency_page_says_each_kpis_status_in_english_too(client, kpi_world, make_indicator):
    kpi = kpi_world(1)[0]
    rescore_kpis([kpi.pk])
    silent = make_indicator(kpi.agency, fiscal_year=kpi.fiscal_year)
    client.cookies["django_language"] = "en"
    html = client.get(
        reverse("portal:agency", args=[kpi.agency.code]), {"year": kpi.fiscal_year_id}
    ).content.decode()
    assert "On track" in re.search(
        r'<div class="fact-standing">(.*?)</div>', row_of(html, kpi.code), re.S
    ).group(1)
    # A KPI with nothing published says so in words, with no progress figure.
    silent_status = re.search(
        r'<div class="fact-standing">(.*?)</div>', row_of(html, silent.code), re.S
    ).group(1)
    assert "No data" in silent_status and "%" not in silent_status
