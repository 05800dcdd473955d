"""A non-numeric, superscript or huge number in a page's query is refused or ignored,
never a 500 (str.isdigit() accepts "²", which int() refuses; SQLite overflows past 2**63)."""

from __future__ import annotations

import pytest
from django.urls import reverse

ODD = ["²", "abc", "99999999999999999999999", "-1", "๒๕๖๖"]


@pytest.mark.parametrize("value", ODD)
def test_the_evaluators_queue_survives_odd_years_and_quarters(value, evaluator, kpi_a, login):
    client = login(evaluator)
    for name in ("year", "quarter"):
        response = client.get(reverse("workspace:queue"), {name: value})
        assert response.status_code < 500, (name, value)


@pytest.mark.parametrize("value", ODD)
def test_the_agency_page_survives_odd_years(value, client, kpi_a, agency_a):
    response = client.get(reverse("portal:agency", args=[agency_a.code]), {"year": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ODD)
def test_the_strategy_tree_survives_odd_nodes(value, client, kpi_a):
    response = client.get(reverse("portal:strategy"), {"node": value, "year": value})
    assert response.status_code < 500


@pytest.mark.parametrize("value", ODD)
def test_the_quarter_summary_pdf_survives_odd_years(value, evaluator, kpi_a, login):
    response = login(evaluator).get(reverse("printing:quarter_summary"), {"year": value, "quarter": value})
    assert response.status_code < 500
