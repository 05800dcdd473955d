"""Each kind of write invalidates exactly the public pages that show what it changed,
in the local-memory cache and in a real Redis (CI starts one; REQUIRE_REDIS=1 makes a
missing Redis a failure there, elsewhere those cases are skipped)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from citykpi.evaluation import actions as evaluation
from citykpi.indicators.models import FiscalYear
from citykpi.lib.errors import ActionError
from citykpi.publicdata import versions
from citykpi.publicdata.models import DataVersion
from citykpi.reporting import actions as reporting
from citykpi.reporting.tests.conftest import IN_Q2

COMPONENTS = {"2.1": "95", "2.2": "100"}
REDIS_URL = "redis://127.0.0.1:6379/15"
IN_Q2_2565 = IN_Q2.replace(year=IN_Q2.year - 1)


def submit(actor, kpi, result="50", now=IN_Q2):
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(actor, report, result=result, narrative="ผล", version=report.version, now=now)
    reporting.submit_report(actor, report, now=now)
    return report


def pages(city, agency_a, agency_b):
    # The API records first: a KPI's record is answered from its public document, which
    # the KPI page's read rebuilds too (citykpi.publicdata.documents); read after the page,
    # a record the write changed would already be current again ("hit", with the new data).
    return {
        "api kpi a": f"/api/v1/kpis/{city['a'].code}",
        "api kpi b": f"/api/v1/kpis/{city['b'].code}",
        "kpi a": reverse("portal:kpi", args=[city["a"].code]),
        "kpi a2": reverse("portal:kpi", args=[city["a2"].code]),
        "kpi b": reverse("portal:kpi", args=[city["b"].code]),
        "kpi old": reverse("portal:kpi", args=[city["old"].code]),
        "agency a": reverse("portal:agency", args=[agency_a.code]),
        "agency b": reverse("portal:agency", args=[agency_b.code]),
        "dashboard 2566": reverse("dashboards:public") + "?year=2566",
        "dashboard 2565": reverse("dashboards:public") + "?year=2565",
        "home": reverse("portal:home"),
        "api list 2565": "/api/v1/kpis?year=2565",
    }


def warm(client, urls):
    for url in urls.values():
        assert client.get(url).status_code == 200, url
    assert all(client.get(url)["X-Cache"] == "hit" for url in urls.values())


def rebuilt(client, urls) -> set[str]:
    return {name for name, url in urls.items() if client.get(url).get("X-Cache") != "hit"}


def test_a_draft_saved_on_a_public_kpi_rebuilds_no_public_page(
    page_cache, client, city, agency_a, agency_b, head_a
):
    urls = pages(city, agency_a, agency_b)
    warm(client, urls)
    report = reporting.get_quarter(city["a"], 3)
    reporting.save_report(head_a, report, result="60", narrative="ร่าง", version=report.version, now=IN_Q2)
    assert rebuilt(client, urls) == set()


def test_a_submission_rebuilds_that_kpi_its_agency_its_year_and_the_lists_only(
    page_cache, client, city, agency_a, agency_b, head_a
):
    urls = pages(city, agency_a, agency_b)
    warm(client, urls)
    submit(head_a, city["a"], result="61")
    assert rebuilt(client, urls) == {"kpi a", "agency a", "dashboard 2566", "home", "api kpi a"}
    assert "61.00" in client.get(urls["kpi a"]).content.decode()


def test_an_assessment_of_a_published_quarter_leaves_other_kpis_and_other_years_cached(
    page_cache, client, city, agency_a, agency_b, head_a, evaluator
):
    report = submit(None, city["b"])  # the system actor (agency b has no fixture head)
    urls = pages(city, agency_a, agency_b)
    warm(client, urls)
    evaluation.assess(evaluator, report, score="90", components=COMPONENTS, now=IN_Q2)
    assert rebuilt(client, urls) == {"kpi b", "agency b", "dashboard 2566", "home", "api kpi b"}


def test_work_in_an_unpublished_year_rebuilds_nothing(page_cache, client, city, agency_a, agency_b, head_a):
    hidden = city["old"].fiscal_year
    urls = pages(city, agency_a, agency_b)
    hidden.is_published = False
    hidden.save()
    versions.bump([versions.SITE])  # as the unpublish action would
    warm(client, {k: v for k, v in urls.items() if "old" not in k and "2565" not in k})
    before = dict(DataVersion.objects.values_list("scope", "number"))
    submit(head_a, city["old"], now=IN_Q2_2565)
    assert dict(DataVersion.objects.values_list("scope", "number")) == before


def test_publishing_a_year_rebuilds_every_page(page_cache, client, city, agency_a, agency_b, evaluator):
    urls = pages(city, agency_a, agency_b)
    warm(client, urls)
    from citykpi.planning import actions as planning

    FiscalYear.objects.create(year=2567, is_published=False)
    with pytest.raises(ActionError):
        planning.publish_fiscal_year(evaluator, 2567)  # refused (no KPIs): changes nothing
    assert rebuilt(client, urls) == set()
    planning.unpublish_fiscal_year(evaluator, 2565)
    assert rebuilt(client, urls) == set(urls)


def test_a_write_rolled_back_bumps_no_version(page_cache, city, head_a):
    submit(head_a, city["a"])
    before = dict(DataVersion.objects.values_list("scope", "number"))

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        submit(head_a, city["a2"])  # bumps inside the transaction...
        raise Refused  # ...which a later refusal rolls back
    assert dict(DataVersion.objects.values_list("scope", "number")) == before


def test_while_one_worker_rebuilds_a_stale_page_the_others_serve_the_previous_one(
    page_cache, client, city, agency_a, head_a
):
    url = reverse("portal:kpi", args=[city["a"].code])
    first = client.get(url)
    submit(head_a, city["a"], result="62")
    from citykpi.publicdata.pagecache import cache_key

    request = client.get(url).wsgi_request  # the rebuilt page; make it stale again
    submit(head_a, city["a2"])  # another KPI: page a stays fresh
    assert client.get(url)["X-Cache"] == "hit"
    report = reporting.get_quarter(city["a"], 3)
    reporting.save_report(head_a, report, result="70", narrative="x", version=report.version, now=IN_Q2)
    reporting.submit_report(head_a, report, now=IN_Q2)
    cache.add(cache_key(request) + ":building", 1, 30)  # another worker is rebuilding it
    stale = client.get(url)
    assert stale["X-Cache"] == "stale"
    assert "62.00" in stale.content.decode() and first.content != stale.content
    cache.delete(cache_key(request) + ":building")
    fresh = client.get(url)
    assert fresh["X-Cache"] == "miss" and "70.00" in fresh.content.decode()


def test_one_cache_entry_per_page_whatever_the_number_of_writes(page_cache, client, city, agency_a, head_a):
    if page_cache != "redis":
        pytest.skip("counts keys in Redis")
    import redis

    url = reverse("portal:kpi", args=[city["a"].code])
    for quarter in (2, 3, 4):
        report = reporting.get_quarter(city["a"], quarter)
        reporting.save_report(
            head_a, report, result=str(10 * quarter), narrative="x", version=report.version, now=IN_Q2
        )
        reporting.submit_report(head_a, report, now=IN_Q2)
        client.get(url)
    keys = redis.Redis.from_url(REDIS_URL).keys("citykpi-test:*public-page*")
    assert len(keys) == 1
