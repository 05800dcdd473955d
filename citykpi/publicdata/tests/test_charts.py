"""The SVG charts: well-formed, accessible, printable, escaped, no script."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D

from citykpi.publicdata import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_quarter_chart_is_accessible_svg_with_a_fixed_viewbox_and_no_script():
    svg = charts.quarter_chart_svg(
        [D(20), D(40), D(60), D(100)], [D(20), D(50), None, None], "ระดับ", "0409-0950 แผนดิจิทัล"
    )
    root = parse(svg)
    assert root.get("viewBox") == "0 0 520 300" and root.get("role") == "img"
    assert root.get("aria-label") == "0409-0950 แผนดิจิทัล"
    assert root.find(f"{SVG}title").text == "0409-0950 แผนดิจิทัล"
    assert "<script" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "ไตรมาส 1: เป้าหมายสะสม 20, ผลงาน 20" in root.find(f"{SVG}desc").text
    assert len(root.findall(f"{SVG}rect")) == 3  # two result bars and the legend swatch
    assert len(root.findall(f"{SVG}circle")) == 5  # four planned points and the legend marker


def test_the_quarter_chart_copes_with_no_data_and_short_lists():
    root = parse(charts.quarter_chart_svg([], [None], "", "ว่าง"))
    assert root.find(f"{SVG}title").text == "ว่าง"


def test_text_is_escaped_so_a_kpi_name_cannot_break_the_svg():
    svg = charts.quarter_chart_svg([1], [1], "<b>", 'ชื่อ "พิเศษ" & <script>alert(1)</script>')
    parse(svg)
    assert "<script>" not in svg


def test_status_bars_link_each_count_to_its_list():
    svg = charts.status_bars_svg([charts.Bar("ตามเป้าหมาย", 3, "/?year=2566&status=on_track")], "สถานะ")
    link = parse(svg).find(f"{SVG}a")
    assert link.get("href") == "/?year=2566&status=on_track"
    assert link.get("aria-label") == "ตามเป้าหมาย: 3"


def test_stacked_bars_skip_empty_segments_and_show_totals():
    row = charts.StackedRow(
        "0409 สพข.", [charts.Segment("on_track", "ตาม", 2, "/a"), charts.Segment("at_risk", "เสี่ยง", 0, "/b")]
    )
    svg = charts.stacked_bars_svg([row], "หน่วยงาน")
    hrefs = [a.get("href") for a in parse(svg).iter(f"{SVG}a")]
    assert hrefs == ["/a"]


def test_ranked_bars_keep_the_given_order_and_number_the_ranks():
    svg = charts.ranked_bars_svg([charts.Bar("ข", D(90)), charts.Bar("ก", D(80))], "อันดับ")
    labels = [t.text for t in parse(svg).iter(f"{SVG}text") if re.match(r"\d+\. ", t.text or "")]
    assert labels == ["1. ข", "2. ก"]


def test_the_heatmap_colours_each_cell_by_its_level_and_keeps_the_text():
    cells = [charts.Cell("on_time", "3/3"), charts.Cell("missing", "0/3", "ยังไม่ส่ง")]
    svg = charts.heatmap_svg([("0409", cells)], ["ไตรมาสที่ 1", "ไตรมาสที่ 2"], "ความตรงเวลา")
    root = parse(svg)
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect")][-2:]
    assert fills == [charts.HEAT_COLORS["on_time"][0], charts.HEAT_COLORS["missing"][0]]
    assert "0/3" in svg and "3/3" in svg
