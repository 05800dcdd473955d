"""Every staff page as its users meet it (issue #14, parts 3 and 8), on the demo data in
Debian's Chromium, for each role: axe-core (the npm package pinned in the repository's
package.json, installed by the test setup with `npm ci`, injected by Playwright, never
served by the application) runs over every staff page and the staff dashboard's
drill-downs at 1366 and 390 px: 0 WCAG 2.1 A/AA violations. At 390 px (a phone) no staff
page scrolls sideways: `document.documentElement.scrollWidth` is at most its `clientWidth`
(a wide table scrolls inside its own focusable `.table-wrap`, never the page), and the
inbox is a list of cards (a table at 1366 px). Screenshots land in
var/screenshots/phone-*.png (390 px) and staff-1366-*.png. The page list is the
Content-Security-Policy test's STAFF_PAGES, so a page added there is checked here too.
"""

from __future__ import annotations

import re

import pytest

from citykpi.conftest import SCREENSHOTS
from citykpi.portal.tests.test_browser_accessibility_and_phone import (
    axe_source,  # noqa: F401  (the fixture, shared)
    violations_of,
)
from citykpi.portal.tests.test_browser_content_security_policy import (
    PHONE,
    STAFF_PAGES,
    WIDE,
    Watch,
    demo_site,  # noqa: F401  (the fixture, shared)
    links_under,
    visit,
    watch,
)

# The outermost elements that reach past the right edge of the screen: what to fix.
OVERFLOWING = """
() => {
  const edge = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > edge + 0.5);
  const outermost = wide.filter(e => !wide.includes(e.parentElement));
  return outermost.slice(0, 4).map(e => {
    const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
        + [...e.classList].map(c => "." + c).join("");
    return name + " (" + Math.round(e.getBoundingClientRect().right) + " px)";
  });
}
"""


def staff_addresses(seen: Watch, base: str, addresses: list[str]) -> list[str]:
    """The addresses as listed, the staff dashboard followed by its first drill-downs."""
    found = []
    for address in addresses:
        found.append(address)
        if address == "/dashboard/staff/":
            visit(seen, base, address)
            found += links_under(seen, "/dashboard/staff/", limit=4)
    return found


def screenshot_name(prefix: str, username: str, address: str) -> str:
    """var/screenshots/<prefix>-<user>-<address>.png, the address in letters, digits and dashes."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", address).strip("-") or "home"
    return f"{prefix}-{username}-{name}"[:80] + ".png"


@pytest.mark.browser
def test_every_staff_page_has_no_wcag_violation_for_each_role(demo_site, browser, axe_source):  # noqa: F811
    base = demo_site
    problems: list[str] = []
    for viewport in (WIDE, PHONE):
        for username, addresses in STAFF_PAGES.items():
            seen = watch(browser, base, username, viewport=viewport)
            for address in staff_addresses(seen, base, addresses):
                visit(seen, base, address)
                if viewport is WIDE:
                    seen.page.screenshot(
                        path=str(SCREENSHOTS / screenshot_name("staff-1366", username, address)),
                        full_page=True,
                    )
                problems += [
                    f"{viewport['width']} {username} {address}: {v}"
                    for v in violations_of(seen.page, axe_source)
                ]
            seen.page.context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.browser
def test_every_staff_page_fits_a_390_px_phone_without_horizontal_scroll(demo_site, browser):  # noqa: F811
    base = demo_site
    too_wide: list[str] = []
    for username, addresses in STAFF_PAGES.items():
        seen = watch(browser, base, username, viewport=PHONE)
        for address in staff_addresses(seen, base, addresses):
            visit(seen, base, address)
            width = seen.page.evaluate("document.documentElement.scrollWidth")
            screen = seen.page.evaluate("document.documentElement.clientWidth")
            seen.page.screenshot(
                path=str(SCREENSHOTS / screenshot_name("phone", username, address)), full_page=True
            )
            if width > screen:
                culprits = ", ".join(seen.page.evaluate(OVERFLOWING))
                too_wide.append(f"{username} {address}: {width} px wide on a {screen} px screen: {culprits}")
        seen.page.context.close()
    assert too_wide == [], "\n".join(too_wide)


@pytest.mark.browser
def test_the_inbox_is_a_list_of_cards_on_a_phone_and_a_table_on_a_desktop(demo_site, browser):  # noqa: F811
    base = demo_site
    for viewport, display in ((PHONE, "block"), (WIDE, "table-row")):
        seen = watch(browser, base, "head-0409", viewport=viewport)
        visit(seen, base, "/work/")
        rows = seen.page.locator("main table.cards-on-phone tbody tr")
        assert rows.count() >= 3
        shown = rows.evaluate_all("rows => [...new Set(rows.map(r => getComputedStyle(r).display))]")
        assert shown == [display], viewport
        if viewport is PHONE:
            # One card a row, each within the screen, its deadline labelled (the header is hidden).
            card = rows.first.bounding_box()
            assert card["x"] >= 0 and card["x"] + card["width"] <= viewport["width"]
            assert "กำหนดส่ง" in rows.first.evaluate(
                "r => [...r.querySelectorAll('td[data-label]')].map(td => td.dataset.label).join(' ')"
            )
        seen.page.context.close()
