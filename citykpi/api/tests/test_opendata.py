"""The public read endpoints of /api/v1/: published data only, filters, paging, CSV,
caching and cross-origin headers."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


def test_kpi_list_shows_only_published_kpis_in_a_stable_order(client, open_data):
    response = client.get("/api/v1/kpis")
    assert response.status_code == 200
    assert codes(response) == ["0409-0800", "0409-0950", "0409-0951", "5047-0001"]
    assert response.json()["count"] == 4
    assert "5047-0002" not in response.content.decode()


def test_kpi_list_filters_by_year_agency_type_level_and_status(client, open_data):
    assert codes(client.get("/api/v1/kpis?year=2566&agency=0409")) == ["0409-0950", "0409-0951"]
    assert codes(client.get("/api/v1/kpis?year=๒๕๖๕")) == ["0409-0800"]
    assert codes(client.get("/api/v1/kpis?agency=04090000&type=routine")) == ["0409-0951"]
    assert codes(client.get("/api/v1/kpis?level=outcome")) == ["0409-0951"]
    # The latest published quarter of 0409-0950 is Q2 submitted (Q3 is a draft).
    assert codes(client.get("/api/v1/kpis?status=submitted")) == ["0409-0950"]
    assert codes(client.get("/api/v1/kpis?status=not_reported&year=2566")) == ["0409-0951", "5047-0001"]


def test_kpi_list_filter_by_strategy_node_includes_its_descendants(client, open_data):
    area = open_data["area"]
    assert codes(client.get(f"/api/v1/kpis?node={area.pk}")) == ["0409-0950"]
    assert codes(client.get(f"/api/v1/kpis?node={open_data['other_area'].pk}")) == ["0409-0951"]


def test_malformed_filters_are_explained_in_both_languages(client, open_data):
    response = client.get("/api/v1/kpis?year=abc")
    assert response.status_code == 400
    body = response.json()
    assert (
        body["field"] == "year" and "ปีงบประมาณ" in body["message_th"] and "Fiscal year" in body["message_en"]
    )
    assert client.get("/api/v1/kpis?node=999999").json()["field"] == "node"
    assert client.get("/api/v1/kpis?agency=12").status_code == 400
    assert client.get("/api/v1/kpis?limit=0").status_code == 422


def test_kpi_list_pages_with_count_and_next_links(client, open_data):
    first = client.get("/api/v1/kpis?limit=3").json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/kpis?")
    second = client.get(first["next"]).json()
    assert [r["code"] for r in second["results"]] == ["5047-0001"]
    assert second["next"] is None and second["previous"]


def test_kpi_list_headline_is_the_latest_assessed_quarter(client, open_data):
    row = next(r for r in client.get("/api/v1/kpis").json()["results"] if r["code"] == "0409-0950")
    assert row["headline"] == {"quarter": 1, "score": 95.0}
    assert row["agency"]["code"] == "0409" and row["url"] == "http://testserver/kpi/0409-0950/"


def test_kpi_detail_for_the_public_never_shows_drafts(client, open_data):
    body = client.get("/api/v1/kpis/0409-0950").json()
    assert [q["quarter"] for q in body["quarters"]] == [1, 2]
    assert body["quarters"][0]["assessment"]["components"] == {"2.1": 95.0, "2.2": 100.0}
    assert "ร่างลับไตรมาสสาม" not in str(body)
    assert body["headline"] == {"quarter": 1, "score": 95.0}
    assert body["strategy"][0]["nodes"][0]["heading"] == "ด้านที่ ๗ – การบริหารจัดการเมืองมหานคร"
    assert [p["code"] for p in body["projects"]] == ["04090000-3744"]
    assert isinstance(body["quality_findings"], list)


def test_kpi_detail_of_an_unpublished_kpi_is_not_found_for_the_public(client, open_data):
    response = client.get("/api/v1/kpis/5047-0002")
    assert response.status_code == 404
    assert "ไม่พบ" in response.json()["message_th"]
    assert client.get("/api/v1/kpis/9999-0001").status_code == 404


def test_reporter_of_the_agency_sees_its_drafts_with_version(client, open_data, reporter_a):
    client.force_login(reporter_a)
    response = client.get("/api/v1/kpis/0409-0950")
    quarters = response.json()["quarters"]
    assert [(q["quarter"], q["status"], q["version"], q["published"]) for q in quarters][-1] == (
        3,
        "draft",
        4,
        False,
    )
    assert response["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in response


def test_reporter_of_another_agency_never_sees_its_drafts_or_unpublished_kpis(client, open_data, reporter_a):
    client.force_login(reporter_a)
    body = client.get("/api/v1/kpis/5047-0001").json()
    assert body["quarters"] == []
    assert client.get("/api/v1/kpis/5047-0002").status_code == 404


def test_evaluator_sees_every_agencys_drafts(client, open_data, evaluator):
    client.force_login(evaluator)
    assert [q["status"] for q in client.get("/api/v1/kpis/5047-0001").json()["quarters"]] == ["draft"]


def test_kpi_csv_round_trips_the_same_rows_as_the_json_list(client, open_data):
    json_rows = client.get("/api/v1/kpis?year=2566").json()["results"]
    response = client.get("/api/v1/kpis?year=2566&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == [r["code"] for r in json_rows]
    for csv_row, json_row in zip(rows, json_rows, strict=True):
        assert csv_row["name"] == json_row["name"]
        assert float(csv_row["target"]) == json_row["target"]
        assert csv_row["agency_code"] == json_row["agency"]["code"]
        assert csv_row["status"] == json_row["status"]
        assert (csv_row["headline_score"] or None) == (
            None if json_row["headline"] is None else f"{json_row['headline']['score']:g}"
        )


def test_every_list_has_a_csv_download(client, open_data):
    for url, first in [
        ("/api/v1/agencies", "code"),
        ("/api/v1/projects", "code"),
        ("/api/v1/city-indicators", "id"),
        ("/api/v1/strategy", "plan"),
    ]:
        response = client.get(url + "?format=csv")
        assert response.status_code == 200, url
        assert response.content.decode("utf-8-sig").splitlines()[0].split(",")[0] == first


def test_public_reads_carry_etag_cache_control_and_cors_and_answer_304(client, open_data):
    response = client.get("/api/v1/kpis")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert response["Last-Modified"]
    etag = response["ETag"]
    again = client.get("/api/v1/kpis", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/v1/kpis", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_etag_changes_when_the_published_data_changes(client, open_data):
    etag = client.get("/api/v1/kpis").headers["ETag"]
    kpi = open_data["kpi2"]
    kpi.name = "ชื่อใหม่"
    kpi.save()
    assert client.get("/api/v1/kpis", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_agencies_list_and_detail(client, open_data):
    body = client.get("/api/v1/agencies?year=2566").json()
    counts = {r["code"]: r["kpi_count"] for r in body["results"]}
    assert counts == {"0409": 2, "5047": 1}
    detail = client.get("/api/v1/agencies/04090000").json()
    assert detail["code"] == "0409"
    assert [(y["year"], y["kpi_count"], y["project_count"]) for y in detail["years"]] == [
        (2566, 2, 1),
        (2565, 1, 0),
    ]
    assert client.get("/api/v1/agencies/0000").status_code == 404
    assert client.get("/api/v1/agencies/abc").status_code == 404


def test_strategy_tree_counts_published_kpis_per_node(client, open_data):
    plan = client.get("/api/v1/strategy").json()["results"][0]
    assert [n["path"] for n in plan["nodes"]] == ["5", "7", "7.3"]
    assert {n["path"]: n["kpi_count"] for n in plan["nodes"]} == {"5": 1, "7": 0, "7.3": 1}


def test_projects_show_only_published_projects_and_kpis(client, open_data):
    body = client.get("/api/v1/projects").json()
    assert [r["code"] for r in body["results"]] == ["04090000-3744"]
    assert body["results"][0]["kpis"] == ["0409-0950"]
    detail = client.get("/api/v1/projects/04090000-3744").json()
    assert detail["quarter_scores"] == [{"quarter": 1, "score": 90.0}]
    assert detail["officers"] == ["นางสาวหนึ่ง", "นายสอง"]
    assert client.get("/api/v1/projects/50470000-0001").status_code == 404
    assert [r["code"] for r in client.get("/api/v1/projects?kpi=0409-0950").json()["results"]] == [
        "04090000-3744"
    ]


def test_city_indicators_list_and_detail(client, open_data):
    body = client.get("/api/v1/city-indicators").json()
    assert [r["id"] for r in body["results"]] == [87]
    assert body["results"][0]["latest"] == {"year": 2563, "value": 18.0}
    detail = client.get("/api/v1/city-indicators/87").json()
    assert [v["year"] for v in detail["values"]] == [2562, 2563]
    assert client.get("/api/v1/city-indicators/88").status_code == 404
    assert client.get(f"/api/v1/city-indicators?node={open_data['area'].pk}").json()["count"] == 0


def test_kpi_list_queries_do_not_grow_with_the_number_of_kpis(
    open_data, make_indicator, agency_a, django_assert_max_num_queries
):
    client = Client()
    with django_assert_max_num_queries(6):
        client.get("/api/v1/kpis")
    from citykpi.api.tests.conftest import add_quarter
    from citykpi.reporting.models import QuarterReport

    for n in range(20):
        kpi = make_indicator(agency_a)
        add_quarter(kpi, 1, QuarterReport.Status.ASSESSED, n, score=80)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/kpis?limit=100").json()["count"] == 24
