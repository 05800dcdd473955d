"""A non-numeric, superscript or huge id in a setup form post is a 400 that names the
field, never a 500 (SQLite cannot bind a number past 2**63; int() refuses "²")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from citykpi.planning.models import KpiTemplate

ODD_IDS = ["abc", "²", "99999999999999999999999", "9223372036854775808", "-1"]


def template_post(**fields) -> dict:
    return {
        "name": "ร้อยละของจุดเสี่ยงน้ำท่วมที่ได้รับการแก้ไข",
        "direction": "higher",
        "kpi_type": "routine",
        "result_level": "outcome",
        "scoring_method": "percent_of_target",
        **fields,
    }


@pytest.mark.parametrize("value", ODD_IDS)
def test_an_odd_strategy_node_id_in_the_template_form_is_a_bilingual_400(
    client, evaluator, unit_percent, strategy_node, value
):
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:template_create"),
        template_post(unit=unit_percent.pk, strategy_nodes=[strategy_node.pk, value]),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ไม่ใช่รหัสที่เลือกได้" in page and "is not a valid choice" in page
    assert not KpiTemplate.objects.exists()


@pytest.mark.parametrize("value", ODD_IDS)
def test_an_odd_id_in_the_template_edit_form_changes_nothing(
    client, evaluator, template, strategy_node, value
):
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:template_edit", args=[template.pk]),
        template_post(unit=value, strategy_nodes=[value], version=value),
    )
    assert response.status_code == 400
    template.refresh_from_db()
    assert template.version == 1 and template.name == "ร้อยละของขยะมูลฝอยที่คัดแยก"


@pytest.mark.parametrize("value", ODD_IDS)
def test_an_odd_year_or_agency_in_the_assign_form_is_a_400(client, evaluator, template, fiscal_year, value):
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:template_assign", args=[template.pk]),
        {"fiscal_year": value, "agencies": [value], "target": "80"},
    )
    assert response.status_code == 400
    assert not template.assignments.exists()


@pytest.mark.parametrize("value", ODD_IDS)
def test_an_odd_unit_or_version_in_the_kpi_definition_form_is_a_400(client, evaluator, ready_kpis, value):
    client.force_login(evaluator)
    kpi = ready_kpis[0]
    response = client.post(
        reverse("planning:kpi", args=[kpi.code]), {"name": "ชื่อใหม่", "unit": value, "version": value}
    )
    assert response.status_code == 400
    kpi.refresh_from_db()
    assert kpi.name != "ชื่อใหม่"


def test_a_nul_in_a_comment_is_a_bilingual_400(client, evaluator, agency_a, ready_kpis):
    client.force_login(evaluator)
    response = client.post(
        reverse("planning:setup_action", args=[agency_a.code, 2566, "comment"]), {"text": "ข้อ\x00เสนอ"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "ข้อมูลในช่อง text มีอักขระที่ไม่อนุญาต (NUL)" in page
    assert "The field text contains a character that is not allowed (NUL)" in page
