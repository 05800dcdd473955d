"""The open-data CSV downloads never start a field with a formula: names that begin with
=, +, -, @, a tab or a carriage return get a leading single quote; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from citykpi.api.opendata.http import csv_body
from citykpi.lib.spreadsheet import is_dangerous

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil","x")'


def table(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        for field in row:
            assert not is_dangerous(field), field
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def hostile(open_data):
    agency = open_data["kpi1"].agency
    agency.name_th, agency.name_en, agency.abbreviation = HYPERLINK, "+1+1", "@SUM(A1)"
    agency.save()
    kpi = open_data["kpi1"]
    kpi.name, kpi.name_en, kpi.target = "-2+3", "\t=1", Decimal("-5")
    kpi.save()
    project = open_data["kpi1"].projects.get()
    project.name, project.officers = "@SUM(A1)", "=1+1"
    project.save()
    open_data["other_area"].title = "\r=1"
    open_data["other_area"].save()
    return open_data


def test_the_kpi_csv_guards_names_and_keeps_negative_numbers(client, hostile):
    rows = {r["code"]: r for r in table(client.get("/api/v1/kpis?format=csv"))}
    row = rows["0409-0950"]
    assert row["name"] == "'-2+3"
    assert row["name_en"] == "'\t=1"
    assert row["agency_name"] == "'" + HYPERLINK
    assert float(row["target"]) == -5  # a negative number is not guarded


def test_every_open_data_csv_is_inert(client, hostile):
    agencies = {r["code"]: r for r in table(client.get("/api/v1/agencies?format=csv"))}
    assert agencies["0409"]["name_th"] == "'" + HYPERLINK
    assert agencies["0409"]["name_en"] == "'+1+1"
    assert agencies["0409"]["abbreviation"] == "'@SUM(A1)"
    projects = {r["code"]: r for r in table(client.get("/api/v1/projects?format=csv"))}
    assert projects["04090000-3744"]["name"] == "'@SUM(A1)"
    assert projects["04090000-3744"]["agency_name"] == "'" + HYPERLINK
    assert projects["04090000-3744"]["officers"].startswith("'=1+1")
    titles = [r["title"] for r in table(client.get("/api/v1/strategy?format=csv"))]
    assert "'\r=1" in titles
    table(client.get("/api/v1/city-indicators?format=csv"))


def test_csv_body_guards_text_and_lists_but_not_numbers():
    columns = [("v", lambda r: r["v"])]
    rows = [{"v": v} for v in ("+1+1", ["=1", "x"], -5, -2.5, "-5", None, True, "ok")]
    text = csv_body(columns, rows).decode("utf-8-sig")
    fields = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert fields == ["'+1+1", "'=1; x", "-5", "-2.5", "-5", "", "true", "ok"]
