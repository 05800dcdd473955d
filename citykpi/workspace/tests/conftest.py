"""Fixtures of the staff-page tests: a fiscal year in progress today, KPIs of agencies
A and B in it, evidence stored in a temporary folder, and helpers to log personas in."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from citykpi.conftest import PASSWORD
from citykpi.indicators.models import FiscalYear
from citykpi.lib.fiscal import fiscal_year_of

PERSONAS = ["reporter_a", "head_a", "reporter_b", "evaluator", "executive", "administrator"]

# A minimal valid PDF: enough for content sniffing.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_storage(settings, tmp_path):
    settings.STORAGES = {
        # Templates use {% static %}; the manifest exists only after collectstatic.
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }
    return tmp_path / "evidence"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Logging in is not what these tests measure; PBKDF2 would dominate their run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def current_year(db) -> FiscalYear:
    """The fiscal year of today, with every deadline still ahead (Q1 due in 30 days)."""
    today = timezone.localdate()
    return FiscalYear.objects.create(
        year=fiscal_year_of(today),
        q1_deadline=today + dt.timedelta(days=30),
        q2_deadline=today + dt.timedelta(days=120),
        q3_deadline=today + dt.timedelta(days=210),
        q4_deadline=today + dt.timedelta(days=300),
    )


@pytest.fixture
def kpi_a(make_indicator, agency_a, current_year):
    return make_indicator(agency_a, fiscal_year=current_year)


@pytest.fixture
def kpi_b(make_indicator, agency_b, current_year):
    return make_indicator(agency_b, fiscal_year=current_year)


@pytest.fixture
def login(client):
    def as_user(user):
        if user is not None:
            assert client.login(username=user.username, password=PASSWORD)
        return client

    return as_user


def pdf_upload(name="หลักฐาน.pdf", content=PDF_BYTES):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/pdf")


def file_like(name: str, content: bytes):
    handle = io.BytesIO(content)
    handle.name = name
    return handle
