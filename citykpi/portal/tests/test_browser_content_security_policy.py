"""Every page under the Content-Security-Policy in a real browser (Debian's Chromium):
public pages, each role's staff pages, the confirmations behind their buttons and the
admin, on the demo data. The browser reports every refused style or script twice, as a
`securitypolicyviolation` event (listened for before any page code runs) and as a console
error; the tests collect both, with every other console error and uncaught exception, and
expect none. Screenshots at 1366 and 390 px land in var/screenshots/csp-*.png.
See docs/security.md section 11.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client

from citykpi.cityindicators.models import CityIndicator
from citykpi.conftest import SCREENSHOTS
from citykpi.demo.actions import load_demo
from citykpi.planning.models import KpiTemplate
from citykpi.projects.models import Project
from citykpi.reporting.models import QuarterReport

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError
KPI = "0409-0950"  # the seed KPI of agency 0409 (fiscal year 2564), always in the demo
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolation({directive: e.violatedDirective, blocked: e.blockedURI,
                       source: e.sourceFile + ":" + e.lineNumber, sample: e.sample});
});
"""
S = QuarterReport.Status
WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Watch:
    """What one browser context reported while it loaded pages."""

    violations: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    expected_failures: set[str] = field(default_factory=set)  # addresses meant to answer 404
    page: Any = None


@pytest.fixture
def demo_site(transactional_db, live_server, settings):
    settings.CSRF_COOKIE_SECURE = settings.SESSION_COOKIE_SECURE = False  # the live server is plain HTTP
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The real date: the live server checks the demo's open quarters against today.
    load_demo(agency_count=20, years=[2564, 2565, 2566])
    return live_server.url


def watch(browser, base: str, username: str | None = None, viewport: dict = WIDE) -> Watch:
    """A new browser context (signed in as `username`) whose violations and console errors
    are recorded; a page is opened in it."""
    seen = Watch()
    context = browser.new_context(viewport=viewport, locale="th-TH")
    context.expose_function(
        "cspViolation",
        lambda v: seen.violations.append(
            f"{seen.visited[-1] if seen.visited else '?'}: {v['directive']} {v['blocked']} at {v['source']} {v['sample']}"
        ),
    )
    context.add_init_script(LISTEN)
    if username:
        session = Client()
        session.force_login(get_user_model().objects.get(username=username))
        cookie = django_settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": cookie, "value": session.cookies[cookie].value, "url": base}])

    def on_console(message) -> None:
        if message.type not in ("error", "warning"):
            return
        url = message.location.get("url", "")
        # Headless Chromium asks for /favicon.ico, which the site does not have; a page
        # expected to answer 404 reports its own status as a failed load.
        if "Failed to load resource" in message.text and (
            url.endswith("/favicon.ico") or url in seen.expected_failures
        ):
            return
        seen.console.append(f"{seen.visited[-1] if seen.visited else '?'}: {message.type}: {message.text}")

    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.console.append(f"{seen.visited[-1]}: uncaught {error}"))
    seen.page = page
    return seen


def visit(seen: Watch, base: str, address: str, status: int = 200) -> None:
    seen.visited.append(address)
    if status >= 400:
        seen.expected_failures.add(base + address)
    response = seen.page.goto(base + address)
    seen.page.wait_for_load_state("load")
    assert response is not None and response.status == status, (address, response and response.status)
    assert response.headers.get("content-security-policy"), address


def loaded_its_stylesheet(seen: Watch) -> bool:
    """The page's stylesheet applied (not refused): the site header (or the print page's
    body) has its background colour."""
    colour = seen.page.evaluate(
        "getComputedStyle(document.querySelector('.site-header, body')).backgroundColor"
    )
    return colour not in ("", "rgba(0, 0, 0, 0)")


def links_under(seen: Watch, prefix: str, limit: int = 12) -> list[str]:
    """The first distinct addresses under `prefix` that the current page links to (the
    dashboards' drill-downs, the admin's model pages): pages added later are visited too."""
    found = seen.page.eval_on_selector_all(
        f"main a[href^='{prefix}'], #content-main a[href^='{prefix}']",
        "links => [...new Set(links.map(a => a.getAttribute('href').split('#')[0]))]",
    )
    return [address for address in found if address not in seen.visited][:limit]


def assert_clean(seen: Watch) -> None:
    seen.page.evaluate("1")  # one round trip: every report sent before it has arrived
    assert seen.violations == [], "\n".join(seen.violations)
    assert seen.console == [], "\n".join(seen.console)


PUBLIC_PAGES = [
    "/",
    "/?q=ร้อยละ",
    "/?year=2565&agency=0409",
    f"/kpi/{KPI}/",
    f"/kpi/{KPI}/print/",
    "/agency/0409/",
    "/strategy/",
    "/city-indicators/",
    "/dashboard/",
    "/dashboard/?year=2565",
    "/open-data/",
    "/accounts/login/",
]


@pytest.mark.browser
def test_every_public_page_loads_without_a_csp_violation(demo_site, browser):
    base = demo_site
    project = Project.objects.order_by("pk").first()
    city = CityIndicator.objects.order_by("pk").first()
    seen = watch(browser, base)
    for address in [*PUBLIC_PAGES, f"/project/{project.code}/", f"/city-indicators/{city.pk}/"]:
        visit(seen, base, address)
        assert loaded_its_stylesheet(seen), address
    visit(seen, base, "/dashboard/")
    for address in links_under(seen, "/dashboard/"):
        visit(seen, base, address)
    visit(seen, base, "/no-such-page/", status=404)
    seen.page.screenshot(path=str(SCREENSHOTS / "csp-404.png"), full_page=True)
    # The language switch (a form post and a redirect) and the English pages.
    visit(seen, base, f"/kpi/{KPI}/")
    seen.page.click(".lang-switch button")
    seen.page.wait_for_load_state("load")
    assert seen.page.evaluate("document.documentElement.lang") == "en"
    visit(seen, base, "/dashboard/")
    assert_clean(seen)
    assert len(seen.visited) >= len(PUBLIC_PAGES) + 4


@pytest.mark.browser
def test_the_charts_and_the_progress_bar_keep_their_layout_at_1366_and_390_px(demo_site, browser):
    base = demo_site
    project = Project.objects.filter(progress__gt=0, progress__lt=100).order_by("pk").first()
    for width, viewport in (("1366", WIDE), ("390", PHONE)):
        seen = watch(browser, base, viewport=viewport)
        visit(seen, base, "/dashboard/")
        # A chart scales down with the page (the stylesheet's svg.chart rule, not a style="").
        chart = seen.page.locator("svg.chart").first.bounding_box()
        page_width = seen.page.evaluate("document.documentElement.clientWidth")
        assert 0 < chart["width"] <= page_width
        seen.page.screenshot(path=str(SCREENSHOTS / f"csp-dashboard-{width}.png"), full_page=True)
        visit(seen, base, f"/kpi/{KPI}/")
        chart = seen.page.locator("figure.quarter-chart svg.chart").bounding_box()
        assert 0 < chart["width"] <= page_width
        assert abs(chart["height"] / chart["width"] - 300 / 520) < 0.02  # the viewBox's proportions
        seen.page.screenshot(path=str(SCREENSHOTS / f"csp-kpi-{width}.png"), full_page=True)
        visit(seen, base, f"/project/{project.code}/")
        bar = seen.page.locator(".progress-bar").bounding_box()
        filled = seen.page.locator(".progress-bar rect").bounding_box()
        assert abs(filled["width"] / bar["width"] - float(project.progress) / 100) < 0.03
        seen.page.screenshot(path=str(SCREENSHOTS / f"csp-project-{width}.png"), full_page=True)
        assert_clean(seen)


STAFF_PAGES = {
    "reporter-0409": [
        "/work/",
        f"/work/kpi/{KPI}/",
        f"/work/kpi/{KPI}/q/1/",
        f"/work/kpi/{KPI}/q/3/",
        "/accounts/password/",
        "/accounts/tokens/",
        "/exchange/",
    ],
    "reporter-5047": ["/work/"],
    "head-0409": ["/work/", "/setup/", "/setup/0409/2566/", "/setup/carry-forward/", "/exchange/"],
    "evaluator": [
        "/work/",
        "/work/queue/",
        f"/work/kpi/{KPI}/",
        f"/work/kpi/{KPI}/q/1/assess/",
        f"/work/kpi/{KPI}/q/1/",  # the quarter with its conversation
        "/work/queue/?year=all&quarter=all",
        "/setup/reorganisations/",
        "/setup/reorganisations/0409/",
        "/setup/",
        "/setup/?year=2566",
        "/setup/templates/",
        "/setup/templates/new/",
        f"/setup/kpi/{KPI}/",
        "/setup/0409/2566/",
        "/setup/carry-forward/",
        "/quality/",
        "/quality/?year=2566&severity=error",
        "/dashboard/staff/",
        "/exchange/",
    ],
    "executive": ["/work/", "/dashboard/staff/", "/quality/"],
    "admin": ["/work/", "/setup/", "/accounts/tokens/", "/exchange/setup/", "/setup/reorganisations/"],
}


@pytest.mark.browser
def test_every_staff_page_loads_without_a_csp_violation_for_each_role(demo_site, browser):
    base = demo_site
    template = KpiTemplate.objects.order_by("pk").first()
    pages = {**STAFF_PAGES}
    pages["evaluator"] = [
        *pages["evaluator"],
        *(f"/setup/templates/{template.pk}/{p}" for p in ("", "edit/", "assign/")),
    ]
    for username, addresses in pages.items():
        seen = watch(browser, base, username)
        for address in addresses:
            visit(seen, base, address)
            assert loaded_its_stylesheet(seen), (username, address)
            if address == "/dashboard/staff/":
                for drill_down in links_under(seen, "/dashboard/staff/"):
                    visit(seen, base, drill_down)
        assert_clean(seen)

    # The pages behind the buttons: the reporter saves a draft, the head submits another
    # quarter (its confirmation) and reviews the draft for "submit all" (its confirmation),
    # the evaluator opens the submitted quarter and asks for a carry-forward (its dry run).
    open_q3 = list(
        QuarterReport.objects.filter(
            indicator__agency__code="0409", indicator__fiscal_year_id=2566, quarter=3, status=S.NOT_STARTED
        )
        .order_by("indicator__code")
        .values_list("indicator__code", flat=True)[:2]
    )
    assert len(open_q3) == 2
    drafted, submitted = open_q3
    reporter = watch(browser, base, "reporter-0409")
    visit(reporter, base, f"/work/kpi/{drafted}/q/3/")
    reporter.page.fill("#id_result", "๑")
    reporter.page.click("button[name=action][value=save]")
    reporter.page.wait_for_load_state("load")
    assert_clean(reporter)

    head = watch(browser, base, "head-0409")
    visit(head, base, f"/work/kpi/{submitted}/q/3/")
    # On its plan (a quarter behind plan needs a cause before it is submitted, #15.1).
    plan = QuarterReport.objects.get(indicator__code=submitted, quarter=3).planned_target
    head.page.fill("#id_result", "1" if plan is None else f"{plan:f}")
    head.page.fill("#id_narrative", "ดำเนินการตามแผน")
    head.page.click("button[name=action][value=submit]")
    head.page.wait_for_selector("#confirm-submit-form")
    head.page.screenshot(path=str(SCREENSHOTS / "csp-confirm-submit-one.png"), full_page=True)
    head.page.click("#confirm-submit")
    head.page.wait_for_load_state("load")
    assert "ส่งแล้ว" in head.page.inner_text("#status")
    visit(head, base, "/work/")
    head.page.check(f"#ready-{QuarterReport.objects.get(indicator__code=drafted, quarter=3).pk}")
    head.page.click("#submit-ready")
    head.page.wait_for_selector("#confirm-submit-form")
    assert_clean(head)

    evaluator = watch(browser, base, "evaluator")
    visit(evaluator, base, f"/work/kpi/{submitted}/q/3/assess/")
    visit(evaluator, base, "/setup/carry-forward/")
    evaluator.page.click("main form button[type=submit]")
    evaluator.page.wait_for_selector("#confirm-carry-form")
    assert_clean(evaluator)


@pytest.mark.browser
def test_the_admin_loads_without_a_csp_violation(demo_site, browser):
    base = demo_site
    seen = watch(browser, base, "admin")
    visit(seen, base, "/admin/")
    lists = links_under(seen, "/admin/", limit=100)
    assert len(lists) >= 10
    for address in lists:
        visit(seen, base, address)
        first = seen.page.locator("#result_list tbody tr th a").first
        if "/add/" not in address and first.count():
            visit(seen, base, first.get_attribute("href"))
    assert_clean(seen)


@pytest.mark.browser
def test_the_api_documentation_loads_without_a_csp_violation(demo_site, browser):
    """The Swagger page linked from /open-data/ uses django-ninja's own copy of Swagger UI
    (no CDN, no inline script) when "ninja" is an installed app."""
    base = demo_site
    seen = watch(browser, base)
    visit(seen, base, "/api/v1/docs")
    try:
        seen.page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)  # the operations rendered
        rendered = True
    except PlaywrightTimeout:
        rendered = False
    seen.page.screenshot(path=str(SCREENSHOTS / "csp-api-docs.png"))
    assert_clean(seen)  # first: a refused script is the likely reason it did not render
    assert rendered, "Swagger UI did not render"
