"""The public pages answer a NUL or an odd number in a query or path with a clear
bilingual 400 (or ignore the number), never a 500 from the database."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/?q=%00", "q"),
        ("/?year=25%0066", "year"),
        ("/?agency=%00", "agency"),
        ("/strategy/?node=1%00", "node"),
        ("/city-indicators/?node=%00", "node"),
        ("/kpi/0409-0950%00/", "path"),
        ("/agency/04%0009/", "path"),
        ("/project/%00/", "path"),
    ],
)
def test_a_nul_in_a_public_page_is_a_bilingual_400_naming_the_field(client, db, path, field):
    response = client.get(path)
    assert response.status_code == 400
    page = response.content.decode()
    thai = f"ข้อมูลในช่อง {field} มีอักขระที่ไม่อนุญาต (NUL)"
    english = f"The field {field} contains a character that is not allowed (NUL)"
    assert thai in page and english in page
    assert page.index(thai) < page.index(english)  # Thai first


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "²", "abc"])
def test_a_huge_or_odd_city_indicator_or_node_id_is_not_a_500(client, db, value):
    assert client.get("/city-indicators/", {"node": value}).status_code == 200
    assert client.get(f"/city-indicators/{value}/").status_code == 404
