"""Fixtures for the workflow tests: a KPI of agency A in FY 2566 and fixed clocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


# FY 2566 Q2 runs Jan-Mar 2023; its default deadline is 15 April 2023.
IN_Q2 = at(dt.date(2023, 2, 15))
BEFORE_Q2_DEADLINE = at(dt.date(2023, 4, 15), 23)
AFTER_Q2_DEADLINE = at(dt.date(2023, 4, 16), 9)


@pytest.fixture
def kpi_a(make_indicator, agency_a):
    return make_indicator(agency_a)


@pytest.fixture
def kpi_b(make_indicator, agency_b):
    return make_indicator(agency_b)


@pytest.fixture
def evidence_storage(settings, tmp_path):
    """Evidence files in a temporary folder (and a fast password hasher for the log-ins)."""
    settings.STORAGES = {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence")},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return tmp_path / "evidence"
