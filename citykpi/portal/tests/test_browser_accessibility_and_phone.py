"""Every public page as its users meet it (issue #14, part 8), on the demo data in
Debian's Chromium: axe-core (the npm package pinned in the repository's package.json,
installed by the test setup with `npm ci`, injected by Playwright, never served by the
application) runs over every public page at 1366 and 390 px and in English: 0 WCAG 2.1
A/AA violations. The page list is the Content-Security-Policy test's, so a page added
there is checked here too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from citykpi.cityindicators.models import CityIndicator
from citykpi.portal.tests.test_browser_content_security_policy import (
    PHONE,
    PUBLIC_PAGES,
    WIDE,
    demo_site,  # noqa: F401  (the fixture, shared)
    links_under,
    visit,
    watch,
)
from citykpi.projects.models import Project

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the issue asks, nothing more (no "best practice").
AXE_RUN = """
async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
      values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary)}));
}
"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, installed from the npm registry by `npm ci` when it is missing."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: axe-core cannot be installed")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=ROOT, check=True)
    return AXE.read_text(encoding="utf-8")


def violations_of(page, axe_source: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as loaded, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through the DevTools protocol, not a <script>: the CSP stays
    found = page.evaluate(AXE_RUN)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {json.dumps(v['nodes'], ensure_ascii=False)}"
        for v in found
    ]


def public_addresses(seen, base) -> list[str]:
    project = Project.objects.order_by("pk").first()
    city = CityIndicator.objects.order_by("pk").first()
    addresses = [*PUBLIC_PAGES, f"/project/{project.code}/", f"/city-indicators/{city.pk}/"]
    visit(seen, base, "/dashboard/")
    return addresses + links_under(seen, "/dashboard/", limit=6)


@pytest.mark.browser
def test_every_public_page_has_no_wcag_violation_in_thai_or_english(demo_site, browser, axe_source):  # noqa: F811
    base = demo_site
    problems: list[str] = []
    for viewport in (WIDE, PHONE):
        seen = watch(browser, base, viewport=viewport)
        for address in public_addresses(seen, base):
            visit(seen, base, address)
            problems += [f"{viewport['width']} {address}: {v}" for v in violations_of(seen.page, axe_source)]
    seen.page.click(".lang-switch button")
    seen.page.wait_for_load_state("load")
    for address in ("/", "/dashboard/", PUBLIC_PAGES[3]):
        visit(seen, base, address)
        problems += [f"en {address}: {v}" for v in violations_of(seen.page, axe_source)]
    assert problems == [], "\n".join(problems)
