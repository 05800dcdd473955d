"""Fixtures of the exchange tests: plain static files (no collectstatic manifest in tests)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
