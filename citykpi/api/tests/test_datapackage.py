"""/open-data/datapackage.json: a Frictionless Data Package of the open-data CSVs that
the real `frictionless` library validates, with 0 errors, against the CSV bytes the
server sends (fetched over HTTP from the test server, as a harvester does)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone
from frictionless import Package, system

from citykpi.agencies.models import Agency
from citykpi.api import harvest
from citykpi.api.tests.conftest import add_quarter
from citykpi.demo.actions import load_demo
from citykpi.indicators.models import Indicator
from citykpi.projects.models import Project
from citykpi.reporting.models import QuarterReport
from citykpi.strategy.models import StrategyNode

URL = "/open-data/datapackage.json"
NAMES = ["kpis", "agencies", "strategy", "projects", "city-indicators"]


def _errors(report) -> list[str]:
    found = [f"package: {error.message}" for error in report.errors]
    for task in report.tasks:
        found += [f"{task.name}: {error.message}" for error in task.errors]
    return found


def _validated(live_server, query: dict[str, str] | None = None) -> tuple[dict, object]:
    """The served package validated against the served CSVs; `query` adds parameters to
    the path of a resource ({"agencies": "kind=office"}), as a harvester taking a part would."""
    # frictionless fetches through this session; closing it ends the server's keep-alive
    # threads, which close their database connections before the test database is dropped.
    with requests.Session() as session:
        response = session.get(live_server.url + URL, timeout=30)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        descriptor = response.json()
        for resource in descriptor["resources"]:
            if query and resource["name"] in query:
                resource["path"] += "&" + query[resource["name"]]
        # frictionless fetches every resource's `path` over HTTP from the live server.
        with system.use_context(http_session=session):
            report = Package(descriptor).validate()
    return descriptor, report


@pytest.fixture
def tricky_data(open_data, agency_a, agency_b, make_indicator, unit_level):
    """The open-data fixture plus the cells a CSV writer gets wrong: commas, quotes and
    line breaks in Thai text, text that looks like a formula, negative and fractional
    numbers, empty values, a sub-agency, a nested strategy node."""
    agency_b.parent = agency_a
    agency_b.save()
    Agency.objects.create(code="0100", name_th='สำนักงาน "เลขานุการ", ผู้ว่าฯ', kind=Agency.Kind.OFFICE)
    tricky = make_indicator(
        agency_b,
        code="5047-0100",
        name='=ร้อยละของ "ถนน", ทางเท้า\nและสะพานที่ซ่อมแล้ว',
        name_en="-Roads, pavements and bridges",
        unit=unit_level,
        target=Decimal("-2.5"),
        achieved=Decimal("0.0001"),
        weight=Decimal("12.75"),
        target_text="ลดลง ๒.๕",
        direction=Indicator.Direction.LOWER,
    )
    add_quarter(tricky, 1, QuarterReport.Status.ASSESSED, -1.25, "ลดลง", score=87.5)
    make_indicator(agency_a, code="0409-0999", name="ไม่มีเป้าหมาย", target=None, unit=None)
    StrategyNode.objects.create(
        plan=open_data["dim"].plan, parent=open_data["dim"], path="7.3.1", title="@เป้าหมาย ๑, ย่อย"
    )
    Project.objects.create(
        code="50470000-0002",
        name="โครงการ, ไม่มีงบ",
        agency=agency_b,
        fiscal_year=open_data["kpi1"].fiscal_year,
    )
    return open_data


@pytest.mark.django_db(transaction=True)
def test_frictionless_validates_the_package_against_the_served_csvs_with_0_errors(live_server, tricky_data):
    descriptor, report = _validated(live_server)
    assert _errors(report) == []
    assert report.valid and report.stats["errors"] == 0
    assert [task.name for task in report.tasks] == NAMES
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["kpis"] == Indicator.objects.published().count() == 6
    assert rows["agencies"] == Agency.objects.active().count() == 3
    assert rows["projects"] == 2 and rows["city-indicators"] == 1 and rows["strategy"] == 4


@pytest.mark.django_db(transaction=True)
def test_frictionless_validates_the_package_of_the_demo_data_with_0_errors(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(today=dt.date(2026, 11, 20), agency_count=12, years=[2565, 2566])
    descriptor, report = _validated(live_server)
    assert _errors(report) == []
    assert report.valid
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["kpis"] == Indicator.objects.published().count() > 50
    assert all(rows[name] > 0 for name in NAMES)
    # The demo load is recorded: its time dates the package and every resource.
    assert descriptor["created"] and all(r["modified"] for r in descriptor["resources"])


@pytest.mark.django_db(transaction=True)
def test_validation_reads_the_served_bytes_and_catches_a_broken_foreign_key(live_server, tricky_data):
    """The check is real: a KPI whose agency the agencies CSV does not list is an error.
    The package lists every agency its rows name, so the break is in the bytes the
    validator reads: the agencies resource is the served CSV of the offices only
    (?kind=office, the one office 0100 has no KPI), the schema and the other CSVs as served."""
    _, whole = _validated(live_server)
    assert whole.valid
    _, report = _validated(live_server, {"agencies": "kind=office"})
    assert not report.valid
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["agencies"] == 1
    assert {error.type for task in report.tasks for error in task.errors} == {"foreign-key"}
    broken = {task.name: len(task.errors) for task in report.tasks if task.errors}
    # Every KPI and project row names 0409 or 5047, neither an office.
    assert broken == {"kpis": Indicator.objects.published().count(), "projects": 2}


@pytest.mark.django_db(transaction=True)
def test_kpis_of_an_agency_closed_since_keep_a_valid_package(live_server, tricky_data):
    """A reorganisation ends 5047 and the agency above it (closed too, with no KPI of its
    own): the agencies CSV still lists both, marked closed with their last day, so the
    published KPIs and projects of 5047 and its `parent` resolve."""
    today = timezone.localdate()
    above = Agency.objects.create(
        code="0200",
        name_th="กลุ่มเขตที่ยุบแล้ว",
        name_en="A closed district group",
        valid_from=dt.date(2020, 10, 1),
        valid_to=today - dt.timedelta(days=30),
    )
    Agency.objects.filter(code="5047").update(parent=above, valid_to=today - dt.timedelta(days=1))
    Agency.objects.filter(code="0100").update(is_active=False)  # switched off, nothing names it
    descriptor, report = _validated(live_server)
    assert _errors(report) == []
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows["agencies"] == Agency.objects.active().count() + 2 == 3
    fields = {f["name"]: f for f in descriptor["resources"][1]["schema"]["fields"]}
    assert fields["is_active"]["type"] == "boolean" and fields["valid_to"]["type"] == "date"
    with requests.Session() as session:
        body = session.get(descriptor["resources"][1]["path"], timeout=30).content.decode("utf-8-sig")
    listed = {row["code"]: row for row in csv.DictReader(io.StringIO(body))}
    assert sorted(listed) == ["0200", "0409", "5047"]
    assert listed["5047"]["is_active"] == "false" and listed["5047"]["parent"] == "0200"
    assert listed["5047"]["valid_to"] == (today - dt.timedelta(days=1)).isoformat()
    assert listed["0200"]["valid_from"] == "2020-10-01" and listed["0200"]["is_active"] == "false"
    assert listed["0409"]["is_active"] == "true" and listed["0409"]["valid_to"] == ""


@pytest.mark.django_db
def test_every_csv_column_is_described_in_the_schema_in_the_writers_order():
    for dataset in harvest.DATASETS:
        columns = [name for name, _ in dataset.columns]
        assert list(harvest.COLUMNS[dataset.name]) == columns, dataset.name
        fields = harvest.fields_of(dataset)
        assert [f["name"] for f in fields] == columns
        for field in fields:
            assert field["type"] in {"string", "integer", "number", "boolean", "date"}
            assert field["title"] and field["title_en"] and field["title"] != field["title_en"]


@pytest.mark.django_db
def test_resources_point_at_the_absolute_csv_urls_with_the_bytes_encoding(client, open_data):
    response = client.get(URL)
    assert response.status_code == 200
    package = response.json()
    assert package["profile"] == "tabular-data-package"
    assert [r["name"] for r in package["resources"]] == NAMES
    for resource in package["resources"]:
        assert resource["path"].startswith("http://testserver/api/v1/")
        assert resource["path"].endswith("?format=csv")
        assert resource["format"] == "csv" and resource["mediatype"] == "text/csv"
        assert resource["title"] and resource["title_en"]
        body = client.get(resource["path"]).content
        # The writer's byte-order mark and CRLF: utf-8-sig and the dialect say so.
        assert body.startswith(b"\xef\xbb\xbf") and resource["encoding"] == "utf-8-sig"
        assert b"\r\n" in body and resource["dialect"]["lineTerminator"] == "\r\n"
        header = body.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
        assert [f["name"] for f in resource["schema"]["fields"]] == header
        assert resource["schema"]["missingValues"] == [""]
        assert resource["schema"]["primaryKey"]


@pytest.mark.django_db
def test_keys_units_and_licence_are_declared(client, open_data, settings):
    settings.OPEN_DATA_LICENCE_URL = "https://example.go.th/licence"
    package = client.get(URL).json()
    resources = {r["name"]: r for r in package["resources"]}
    kpis = resources["kpis"]["schema"]
    assert kpis["primaryKey"] == ["code"]
    assert kpis["foreignKeys"] == [
        {"fields": ["agency_code"], "reference": {"resource": "agencies", "fields": ["code"]}}
    ]
    assert resources["agencies"]["schema"]["foreignKeys"][0]["reference"] == {
        "resource": "",
        "fields": ["code"],
    }
    assert resources["strategy"]["schema"]["foreignKeys"][0]["fields"] == ["parent_id"]
    fields = {f["name"]: f for f in kpis["fields"]}
    assert fields["fiscal_year"]["type"] == "integer"
    assert fields["target"]["type"] == "number" and fields["target"]["unitField"] == "unit"
    assert fields["weight"]["unit"] == "%"
    assert fields["code"]["title"] == "รหัสตัวชี้วัด" and fields["code"]["title_en"] == "KPI code"
    project_fields = {f["name"]: f for f in resources["projects"]["schema"]["fields"]}
    assert project_fields["budget"]["unit"] == "THB"
    licence = package["licenses"][0]
    assert licence["path"] == "https://example.go.th/licence"
    assert "Open Government Licence - Thailand" in licence["title"]
    settings.OPEN_DATA_LICENCE = "CC BY 4.0 ตามประกาศกรุงเทพมหานคร"
    assert client.get(URL).json()["licenses"][0]["title"] == "CC BY 4.0 ตามประกาศกรุงเทพมหานคร"


@pytest.mark.django_db
def test_dates_come_from_the_data(client, open_data):
    kpi = open_data["kpi1"]
    Indicator.objects.filter(pk=kpi.pk).update(created_at=dt.datetime(2022, 10, 1, 2, 0, tzinfo=dt.UTC))
    QuarterReport.objects.filter(indicator=kpi, quarter=2).update(
        updated_at=dt.datetime(2030, 1, 15, 9, 30, tzinfo=dt.UTC)
    )
    package = client.get(URL).json()
    assert package["created"] == "2022-10-01T02:00:00Z"
    kpis = package["resources"][0]
    assert kpis["created"] == "2022-10-01T02:00:00Z" and kpis["modified"] == "2030-01-15T09:30:00Z"
    # A draft's save is not a change of the published data.
    QuarterReport.objects.filter(indicator=kpi, quarter=3).update(
        updated_at=dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    )
    assert client.get(URL).json()["resources"][0]["modified"] == "2030-01-15T09:30:00Z"


@pytest.mark.django_db
def test_the_package_is_cached_until_a_public_write_and_answers_304(client, open_data, settings):
    from citykpi.audit.log import record

    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    try:
        first = client.get(URL)
        assert first["X-Cache"] == "miss" and first["Access-Control-Allow-Origin"] == "*"
        second = client.get(URL)
        assert second["X-Cache"] == "hit" and second.content == first.content
        assert second["Access-Control-Allow-Origin"] == "*" and second["ETag"] == first["ETag"]
        assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
        kpi = open_data["kpi1"]
        record(None, "kpi.definition_update", kpi, indicator_code=kpi.code)
        assert client.get(URL)["X-Cache"] == "miss"
    finally:
        cache.clear()


@pytest.mark.django_db
def test_the_package_costs_a_few_queries_and_refuses_writes(client, open_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert client.get(URL).status_code == 200
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405
    json.loads(client.get(URL).content.decode("utf-8"))
