"""The Thai 404 page, the 500 page, methods, and the English switch."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from citykpi.portal import views
from citykpi.portal.tests.pagetext import visible_text


@pytest.mark.parametrize(
    "path", ["/kpi/0409-9999/", "/kpi/nonsense/", "/kpi/0409-9999/print/", "/no-such-page/"]
)
def test_unknown_codes_get_the_thai_404_page_with_a_way_home(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    markup = response.content.decode()
    assert "ไม่พบหน้าที่ต้องการ" in markup
    assert f'href="{reverse("portal:home")}"' in markup
    assert 'name="q"' in markup  # a search box to try another code


def test_the_500_page_renders_without_the_database_or_context():
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "ระบบขัดข้อง" in response.content.decode()


def test_public_pages_refuse_writes(client, portal_seed_kpi):
    assert client.post(reverse("portal:kpi", args=[portal_seed_kpi.code])).status_code == 405
    assert client.post(reverse("portal:home")).status_code == 405


def test_the_english_switch_shows_english_labels_and_back_to_thai(client, portal_seed_kpi):
    url = reverse("portal:kpi", args=[portal_seed_kpi.code])
    thai = client.get(url).content.decode()
    assert 'name="language" value="en"' in thai
    assert 'action="/i18n/setlang/"' in thai
    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    english = visible_text(client.get(url).content.decode())
    for label in (
        "Indicator details",
        "Target level : 5",
        "Achieved level : 100",
        "KPI type : Strategic KPI",
        "Results against quarterly targets",
        "Progress report, quarter 1",
        "Definition",
        "Supports the Bangkok strategy",
        "City development indicator database",
        "Quarter 2: 100",
    ):
        assert label in english
    assert "ค่าเป้าหมาย ระดับ :" not in english  # the data stays Thai; the labels switch
    client.post("/i18n/setlang/", {"language": "th", "next": url})
    assert "ค่าเป้าหมาย ระดับ : 5" in visible_text(client.get(url).content.decode())


@pytest.mark.parametrize("name", ["portal:home", "portal:strategy", "portal:city_indicators"])
def test_every_list_page_has_english_labels(client, kpi_world, name):
    kpi_world(1)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = visible_text(client.get(reverse(name)).content.decode())
    assert "Find KPIs" in text
    assert "ค้นหาตัวชี้วัด" not in text
