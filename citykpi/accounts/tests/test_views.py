"""Log in, log out, password change, the demo password, and the deploy check (lockouts: test_lockout.py)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from citykpi.accounts.models import Membership, Role
from citykpi.conftest import PASSWORD


@pytest.fixture(autouse=True)
def setup(settings):
    from django.core.cache import cache

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


def log_in(client, username, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_login_page_is_thai_and_logs_in_to_the_inbox(reporter_a):
    client = Client()
    page = client.get("/accounts/login/").content.decode()
    assert "เข้าสู่ระบบ" in page and 'name="csrfmiddlewaretoken"' in page
    response = log_in(client, "reporter-a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/work/"


def test_a_wrong_password_says_so_in_both_languages(reporter_a):
    page = log_in(Client(), "reporter-a", "wrong").content.decode()
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page and "Wrong username or password" in page


def test_the_demo_password_shows_only_while_demo_is_on(settings, db):
    settings.DEMO = False
    assert "citykpi-demo" not in Client().get("/accounts/login/").content.decode()
    settings.DEMO = True
    page = Client().get("/accounts/login/").content.decode()
    assert "citykpi-demo" in page and "reporter-0409" in page


def test_logout_needs_a_post_and_password_change_works(reporter_a):
    client = Client()
    client.login(username="reporter-a", password=PASSWORD)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "ใหม่-ยาวพอ-2566x", "new_password2": "ใหม่-ยาวพอ-2566x"},
    )
    assert response.status_code == 302
    reporter_a.refresh_from_db()
    assert reporter_a.check_password("ใหม่-ยาวพอ-2566x")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/work/").status_code == 302


def test_password_change_with_a_wrong_old_password_is_refused_in_thai(reporter_a):
    client = Client()
    client.login(username="reporter-a", password=PASSWORD)
    page = client.post(
        "/accounts/password/",
        {"old_password": "nope", "new_password1": "abc-DEF-12345", "new_password2": "abc-DEF-12345"},
    ).content.decode()
    assert "รหัสผ่านเดิมไม่ถูกต้อง" in page


def test_login_needs_csrf(reporter_a):
    client = Client(enforce_csrf_checks=True)
    assert log_in(client, "reporter-a", PASSWORD).status_code == 403


def deploy_check_errors() -> str:
    try:
        call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())
    except SystemCheckError as exc:
        return str(exc)
    return ""


def test_check_deploy_fails_while_demo_accounts_exist(agency_a):
    user = get_user_model().objects.create_user("someone", password="x")
    Membership.objects.create(user=user, role=Role.REPORTER, agency=agency_a, is_demo=True)
    assert "citykpi.E001" in deploy_check_errors()
    Membership.objects.all().delete()
    user.delete()
    get_user_model().objects.create_user("reporter-0409", password="x")
    assert "citykpi.E001" in deploy_check_errors()
    get_user_model().objects.all().delete()
    assert "citykpi.E001" not in deploy_check_errors()


def test_check_deploy_fails_while_the_development_secret_key_is_in_use(db, settings):
    settings.SECRET_KEY = settings.INSECURE_DEV_KEY
    assert "citykpi.E002" in deploy_check_errors()
    settings.SECRET_KEY = "a-long-random-production-key-" + "x" * 40
    assert "citykpi.E002" not in deploy_check_errors()
