"""The Content-Security-Policy (docs/security.md section 11): every answer carries the
header (HTML, JSON, CSV, PDF, a redirect, 400, 404, 500, a cached API answer), and the pages
carry nothing inline that the policy would refuse (no <style>, no style="", no inline
<script>, no on...= handler, no javascript: link), so a browser runs them unchanged.

The browser test (test_browser_content_security_policy.py) loads the same pages in Chromium
and listens for violations; this one needs no browser.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import include, path

from citykpi.demo.actions import load_demo
from citykpi.projects.models import Project

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
KPI = "0409-0950"  # the seed KPI, always in the demo


def broken_view(request):
    raise RuntimeError("a bug")


# This module is also the URLconf of the tests marked `urls(__name__)`: the site plus one
# view that fails, so that the 500 answer goes through the real middleware stack.
urlpatterns = [path("broken/", broken_view), path("", include("citykpi.urls"))]
handler404 = "citykpi.portal.views.not_found"
handler500 = "citykpi.portal.views.server_error"


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return load_demo(today=dt.date(2026, 11, 20), agency_count=20, years=[2564, 2565, 2566])


def directives(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.status_code} {response.get('Content-Type')}: no Content-Security-Policy"
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_the_policy_is_strict_nothing_inline_nothing_from_elsewhere(client, db):
    assert directives(client.get("/")) == POLICY


@pytest.mark.parametrize(
    "address, status, content_type",
    [
        ("/", 200, "text/html"),
        (f"/kpi/{KPI}/", 200, "text/html"),
        ("/dashboard/", 200, "text/html"),
        ("/open-data/", 200, "text/html"),
        ("/api/v1/kpis?year=2566&limit=5", 200, "application/json"),
        ("/api/v1/kpis?year=2566&format=csv&limit=5", 200, "text/csv"),
        (f"/api/v1/kpis/{KPI}", 200, "application/json"),
        ("/api/v1/kpis/0000-0000", 404, "application/json"),
        (f"/kpi/{KPI}/pdf/", 200, "application/pdf"),
        ("/no-such-page/", 404, "text/html"),
        ("/work/", 302, None),  # anonymous: to the sign-in page
        ("/accounts/login/", 200, "text/html"),
    ],
)
def test_every_answer_carries_the_policy(client, demo, address, status, content_type):
    response = client.get(address)
    assert response.status_code == status
    if content_type:
        assert response["Content-Type"].startswith(content_type)
    assert directives(response) == POLICY


@pytest.mark.parametrize(
    "username, address",
    [
        ("reporter-0409", "/work/"),
        ("reporter-0409", f"/work/kpi/{KPI}/q/1/"),
        ("evaluator", "/quality/"),
        ("evaluator", "/exchange/export/?year=2566"),
        ("evaluator", "/reports/quarter-summary.pdf?year=2566&quarter=1"),
        ("executive", "/dashboard/staff/"),
        ("admin", "/admin/"),
    ],
)
def test_every_staff_answer_carries_the_policy(demo, username, address):
    response = signed_in(username).get(address)
    assert response.status_code == 200, address
    assert directives(response) == POLICY


@pytest.mark.urls(__name__)
def test_the_server_error_page_carries_the_policy(db):
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert directives(response) == POLICY
    assert_nothing_inline(response.content.decode())


def test_a_refused_request_carries_the_policy(client, db):
    response = client.get("/", {"q": "a\x00b"})  # BadBytesMiddleware: a clear 400
    assert response.status_code == 400
    assert directives(response) == POLICY


def test_a_cached_api_answer_carries_the_policy(client, demo, settings):
    settings.PUBLIC_CACHE_SECONDS = 300
    first = client.get("/api/v1/kpis?year=2566&limit=5")
    again = client.get("/api/v1/kpis?year=2566&limit=5")
    assert again.headers.get("X-Cache") == "hit"
    assert directives(first) == directives(again) == POLICY
    not_modified = client.get("/api/v1/kpis?year=2566&limit=5", HTTP_IF_NONE_MATCH=again["ETag"])
    assert not_modified.status_code == 304
    assert directives(not_modified) == POLICY


INLINE = [
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"""<[a-z][^>]*\sstyle\s*=""", re.I), "a style attribute"),
    (re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.I), "an event-handler attribute"),
    (re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I), "a javascript: address"),
]
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.I | re.S)


def assert_nothing_inline(html: str, where: str = "") -> None:
    for pattern, what in INLINE:
        found = pattern.search(html)
        assert found is None, f"{where}: {what}: {html[max(found.start() - 80, 0) : found.end() + 80]}"
    for attributes, body in SCRIPT.findall(html):
        data_only = re.search(r"""type\s*=\s*["']application/(ld\+)?json["']""", attributes)
        assert data_only or (" src=" in f" {attributes}" and not body.strip()), f"{where}: an inline <script>"


PUBLIC_PAGES = [
    "/",
    "/?q=ร้อยละ",
    f"/kpi/{KPI}/",
    f"/kpi/{KPI}/print/",
    "/agency/0409/",
    "/strategy/",
    "/city-indicators/",
    "/dashboard/",
    "/open-data/",
    "/accounts/login/",
    "/no-such-page/",
]
STAFF_PAGES = {
    "reporter-0409": ["/work/", f"/work/kpi/{KPI}/", f"/work/kpi/{KPI}/q/1/", "/accounts/tokens/"],
    "head-0409": ["/work/", "/setup/", "/setup/0409/2566/"],
    "evaluator": [
        "/work/queue/",
        f"/work/kpi/{KPI}/q/1/assess/",
        "/setup/",
        "/setup/templates/",
        f"/setup/kpi/{KPI}/",
        "/quality/",
        "/dashboard/staff/",
        "/exchange/",
    ],
    "executive": ["/dashboard/staff/"],
    "admin": ["/admin/", "/admin/accounts/membership/", "/admin/audit/auditevent/"],
}


def test_no_page_carries_an_inline_style_or_script(client, demo):
    project = Project.objects.order_by("pk").first()
    for address in [*PUBLIC_PAGES, f"/project/{project.code}/"]:
        response = client.get(address)
        assert response.status_code in (200, 404), address
        assert_nothing_inline(response.content.decode(), address)
    for username, addresses in STAFF_PAGES.items():
        staff = signed_in(username)
        for address in addresses:
            response = staff.get(address)
            assert response.status_code == 200, (username, address)
            assert_nothing_inline(response.content.decode(), f"{username} {address}")
