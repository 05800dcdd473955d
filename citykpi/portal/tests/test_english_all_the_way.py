"""English all the way (issue #14.7): when English is chosen, dates, units and the charts'
axis titles are English too; Thai stays the default."""

from __future__ import annotations

import datetime as dt
import re

from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from citykpi.lib import fiscal


def test_a_date_is_thai_with_the_be_year_by_default_and_english_when_chosen():
    day = dt.date(2021, 7, 16)
    with translation.override("th"):
        assert fiscal.date_label(day) == "16 กรกฎาคม 2564"
        assert Template("{% load citykpi %}{{ d|thaidate }}").render(Context({"d": day})) == "16 กรกฎาคม 2564"
    with translation.override("en"):
        assert fiscal.date_label(day) == "16 July 2021"
        assert fiscal.date_label(day, short=True) == "16 Jul 2021"
        assert Template("{% load citykpi %}{{ d|thaidate }}").render(Context({"d": day})) == "16 July 2021"
    assert fiscal.date_label(None) == ""


def page(client, address, language, **params):
    client.cookies["django_language"] = language
    return client.get(address, params).content.decode()


def test_the_kpi_page_names_its_unit_in_english_in_the_facts_and_the_charts_axis(client, portal_seed_kpi):
    english = page(client, reverse("portal:kpi", args=[portal_seed_kpi.code]), "en")
    chart = re.search(r'<figure class="quarter-chart">.*?</figure>', english, re.S).group(0)
    assert ">level</text>" in chart and ">ระดับ</text>" not in chart
    thai = page(client, reverse("portal:kpi", args=[portal_seed_kpi.code]), "th")
    assert ">ระดับ</text>" in re.search(r'<figure class="quarter-chart">.*?</figure>', thai, re.S).group(0)


def test_the_finders_rows_name_the_unit_in_english(client, portal_seed_kpi):
    html = page(client, reverse("portal:home"), "en", year=portal_seed_kpi.fiscal_year_id)
    row = re.search(rf'<li class="kpi-row">(?:(?!</li>).)*?{portal_seed_kpi.code}.*?</li>', html, re.S).group(
        0
    )
    target = re.search(r"<dt>Target</dt><dd>(.*?)</dd>", row, re.S).group(1)
    assert "level" in target and "ระดับ" not in target
