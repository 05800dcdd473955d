"""The /open-data/ page: Thai first, the licence, a link to every endpoint and CSV."""

from __future__ import annotations

import re

import pytest

from citykpi.api.core import api

pytestmark = pytest.mark.django_db


def test_open_data_page_links_every_open_data_endpoint_and_csv(client):
    response = client.get("/open-data/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ข้อมูลเปิด" in html and 'lang="th"' in html
    schema = api.get_openapi_schema()
    open_paths = [p for p, ops in schema["paths"].items() if ops.get("get", {}).get("tags") == ["opendata"]]
    assert open_paths
    for api_path in open_paths:
        assert f"<code>{api_path}</code>" in html, api_path
    for csv_path in [
        "/api/v1/kpis",
        "/api/v1/agencies",
        "/api/v1/strategy",
        "/api/v1/projects",
        "/api/v1/city-indicators",
    ]:
        assert f'href="{csv_path}?format=csv"' in html
    assert 'href="/api/v1/openapi.json"' in html


def test_open_data_page_shows_the_configured_licence(client, settings):
    assert "Open Government Licence - Thailand" in client.get("/open-data/").content.decode()
    settings.OPEN_DATA_LICENCE = "CC BY 4.0 ตามประกาศกรุงเทพมหานคร"
    assert "CC BY 4.0 ตามประกาศกรุงเทพมหานคร" in client.get("/open-data/").content.decode()


def test_open_data_page_example_links_answer(client, open_data):
    html = client.get("/open-data/").content.decode()
    for href in re.findall(r'href="(/api/v1/[^"]+)"', html):
        href = href.replace("&amp;", "&")
        if "{" in href or href.endswith("openapi.json"):
            continue
        assert client.get(href).status_code in (200, 404), href


def test_open_data_page_speaks_english_after_the_switch(client):
    client.cookies["django_language"] = "en"
    html = client.get("/open-data/").content.decode()
    assert "Open data: Bangkok" in html and "Download CSV" in html
