"""Public pages are served from the cache until any write (every write leaves an audit row)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from citykpi.reporting import actions as reporting_actions


@pytest.fixture(autouse=True)
def clean_cache(settings):
    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_a_public_page_is_served_from_the_cache_the_second_time(
    client, make_indicator, agency_a, django_assert_max_num_queries
):
    kpi = make_indicator(agency_a)
    url = reverse("portal:kpi", args=[kpi.code])
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    with django_assert_max_num_queries(1):  # only the data version
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert "csrftoken" not in second.cookies


def test_a_write_through_the_actions_shows_at_once(client, make_indicator, agency_a, head_a):
    kpi = make_indicator(agency_a, target=Decimal("100"))
    url = reverse("portal:kpi", args=[kpi.code])
    assert "77.00" not in client.get(url).content.decode()
    in_quarter_1 = dt.datetime(2022, 12, 1, 10, tzinfo=dt.UTC)  # FY 2566 Q1, before its deadline
    report = reporting_actions.get_quarter(kpi, 1)
    report = reporting_actions.save_report(
        head_a, report, result="77", narrative="ผลไตรมาสแรก", version=report.version, now=in_quarter_1
    )
    reporting_actions.submit_report(head_a, report, now=in_quarter_1)
    after = client.get(url)
    assert after["X-Cache"] == "miss"
    assert "77.00" in after.content.decode()


def test_signed_in_users_and_english_readers_get_their_own_pages(
    client, make_indicator, agency_a, reporter_a
):
    kpi = make_indicator(agency_a)
    url = reverse("portal:kpi", args=[kpi.code])
    client.get(url)
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    english = client.get(url)
    assert english["X-Cache"] == "miss" and "Target" in english.content.decode()
    client.force_login(reporter_a)
    assert "X-Cache" not in client.get(url)
