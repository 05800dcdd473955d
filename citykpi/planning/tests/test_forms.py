"""The setup forms (citykpi.planning.forms): labels and choices follow the language of
the request that renders them."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from citykpi.planning import forms


def test_labels_and_choices_are_chosen_when_the_form_is_rendered(db):
    with translation.override("th"):
        html = str(forms.TemplateForm())
    assert "ชื่อตัวชี้วัด" in html and "ยิ่งมากยิ่งดี" in html and "ตัวชี้วัดเชิงยุทธศาสตร์" in html
    assert "Higher is better" not in html and " / " not in html.split("<select")[0]
    with translation.override("en"):
        html = str(forms.TemplateForm())
    assert "Name" in html and "Higher is better" in html and "Strategic KPI" in html
    assert "ชื่อตัวชี้วัด" not in html and "ยิ่งมากยิ่งดี" not in html


def test_year_and_agency_options_follow_the_language(agency_a, fiscal_year):
    agency_a.name_en = "Civil Service Development Institute"
    agency_a.save()
    with translation.override("en"):
        html = str(forms.CarryForwardForm())
    assert "Fiscal year 2566 BE" in html and "0409 Civil Service Development Institute" in html
    with translation.override("th"):
        html = str(forms.CarryForwardForm())
    assert "ปีงบประมาณ 2566" in html and f"0409 {agency_a.name_th}" in html


def test_side_picks_one_half_of_a_pair_and_leaves_other_text_alone():
    with translation.override("en"):
        assert forms.side("ร่าง / Draft") == "Draft"
        assert forms.side("ตัวชี้วัดงานประจำ") == "ตัวชี้วัดงานประจำ"
    with translation.override("th"):
        assert forms.side("ร่าง / Draft") == "ร่าง"


def test_the_template_page_in_english_has_english_labels_and_states(client, evaluator):
    client.force_login(evaluator)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("planning:template_create")).content.decode()
    assert "Calculation method" in body and "Percent of target" in body
    assert "วิธีการคำนวณ" not in body
    client.cookies["django_language"] = "th"
    body = client.get(reverse("planning:template_create")).content.decode()
    assert "วิธีการคำนวณ" in body and "Calculation method" not in body


def test_units_on_the_setup_pages_follow_the_language(client, reporter_a, agency_a, ready_kpis):
    client.force_login(reporter_a)
    url = reverse("planning:agency", args=[agency_a.code, 2566])
    client.cookies["django_language"] = "en"
    row = client.get(url).content.decode().split(f'id="kpi-{ready_kpis[0].code}"')[1].split("</tr>")[0]
    assert ready_kpis[0].unit.name_en in row and ready_kpis[0].unit.name_th not in row
    client.cookies["django_language"] = "th"
    row = client.get(url).content.decode().split(f'id="kpi-{ready_kpis[0].code}"')[1].split("</tr>")[0]
    assert ready_kpis[0].unit.name_th in row
