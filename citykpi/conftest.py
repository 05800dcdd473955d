"""Shared fixtures: the personas of every permission test, and small domain builders.

Personas: central evaluator, reporter and head of agency A (0409), reporter of agency B
(5047), executive viewer, administrator, anonymous (the plain `client`).
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.indicators.models import FiscalYear, Indicator, Unit

PASSWORD = "test-password-123"

# Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser), with the
# flags that keep it off the closed network; screenshots land in var/screenshots/.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
def browser():
    """A headless Chromium for one test (sync Playwright runs an event loop, hence the flag)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's Chromium is not installed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Tests run with DEBUG off but without collectstatic: use the plain static storage so
    that {% static %} works without the manifest that production builds."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def no_public_page_cache(settings):
    """Tests build data with the ORM directly, which leaves no audit row, so the public page
    cache (keyed by the latest audit row) would not see it. The cache's own tests turn it on."""
    settings.PUBLIC_CACHE_SECONDS = 0


@pytest.fixture
def fiscal_year(db) -> FiscalYear:
    return FiscalYear.objects.create(year=2566)


@pytest.fixture
def agency_a(db) -> Agency:
    return Agency.objects.create(
        code="0409",
        name_th="สถาบันพัฒนาข้าราชการกรุงเทพมหานคร",
        name_en="BMA Civil Service Training Institute",
        abbreviation="สพข.",
        kind=Agency.Kind.DEPARTMENT,
    )


@pytest.fixture
def agency_b(db) -> Agency:
    return Agency.objects.create(
        code="5047", name_th="สำนักงานเขตบางบอน", name_en="Bang Bon District Office", kind=Agency.Kind.DISTRICT
    )


@pytest.fixture
def unit_level(db) -> Unit:
    return Unit.objects.get_or_create(
        name_th="ระดับ", defaults={"name_en": "level", "kind": Unit.Kind.LEVEL, "scale_min": 0, "scale_max": 5}
    )[0]


@pytest.fixture
def unit_percent(db) -> Unit:
    return Unit.objects.get_or_create(
        name_th="ร้อยละ",
        defaults={"name_en": "percent", "kind": Unit.Kind.PERCENT, "scale_min": 0, "scale_max": 100},
    )[0]


@pytest.fixture
def make_indicator(db, fiscal_year, unit_percent):
    counter = {"n": 0}

    def build(agency: Agency, **fields) -> Indicator:
        counter["n"] += 1
        fields.setdefault("code", f"{agency.code}-{9000 + counter['n']:04d}")
        fields.setdefault("name", f"ตัวชี้วัดทดสอบ {counter['n']}")
        fields.setdefault("fiscal_year", fiscal_year)
        fields.setdefault("unit", unit_percent)
        fields.setdefault("target", Decimal("80"))
        return Indicator.objects.create(agency=agency, **fields)

    return build


def _user(username: str, role: str | None, agency: Agency | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.test", **extra
    )
    if role:
        Membership.objects.create(user=user, role=role, agency=agency)
    return user


@pytest.fixture
def evaluator(db):
    return _user("evaluator-t", Role.EVALUATOR)


@pytest.fixture
def reporter_a(agency_a):
    return _user("reporter-a", Role.REPORTER, agency_a)


@pytest.fixture
def head_a(agency_a):
    return _user("head-a", Role.HEAD, agency_a)


@pytest.fixture
def reporter_b(agency_b):
    return _user("reporter-b", Role.REPORTER, agency_b)


@pytest.fixture
def executive(db):
    return _user("executive-t", Role.EXECUTIVE)


@pytest.fixture
def administrator(db):
    return _user("admin-t", Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def today_in_q2_2566(settings):
    """A fixed day inside FY 2566 Q2, for tests that depend on deadlines."""
    return dt.date(2023, 2, 15)
