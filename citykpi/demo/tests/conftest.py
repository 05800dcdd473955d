"""A reduced demo for the tests: 20 agencies (the priority ones: the seed's institute, the
demo accounts' agencies, the cascade districts) over 2564-2566, a few hundred KPIs."""

from __future__ import annotations

import datetime as dt

import pytest

from citykpi.demo.actions import load_demo

SMALL = {"agency_count": 20, "years": [2564, 2565, 2566]}
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The six demo accounts would spend seconds in PBKDF2 at every load.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_demo(db):
    return load_demo(today=TODAY, **SMALL)
