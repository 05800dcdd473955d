"""`citykpi demo`: --if-empty, the refusal on a database with KPIs, --reset, the demo
accounts and their roles, the one audit row, and the default size's load time."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from citykpi.accounts.models import Membership, Role
from citykpi.audit.models import AuditEvent
from citykpi.demo.accounts import DEMO_PASSWORD
from citykpi.demo.actions import load_demo, reset_demo
from citykpi.indicators.models import Indicator
from citykpi.lib.errors import ActionError

SMALL_ARGS = ["--agencies", "20", "--years", "2564-2566"]


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_command_loads_an_empty_database_and_prints_time_and_counts():
    output = run(*SMALL_ARGS)
    assert "Demo loaded in" in output and "indicators:" in output and "quarter_reports:" in output
    assert Indicator.objects.filter(code="0409-0950").exists()
    assert AuditEvent.objects.filter(action="demo.load").count() == 1
    event = AuditEvent.objects.get(action="demo.load")
    assert event.source == "cli" and event.after["counts"]["indicators"] == Indicator.objects.count()


@pytest.mark.django_db
def test_if_empty_does_nothing_when_the_database_holds_kpis(make_indicator, agency_a):
    kpi = make_indicator(agency_a)
    output = run("--if-empty", *SMALL_ARGS)
    assert "KPIs exist" in output
    assert list(Indicator.objects.values_list("pk", flat=True)) == [kpi.pk]
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_without_if_empty_a_database_with_kpis_is_refused_in_thai_and_english(make_indicator, agency_a):
    make_indicator(agency_a)
    with pytest.raises(CommandError) as refused:
        run(*SMALL_ARGS)
    assert "ฐานข้อมูลมีตัวชี้วัดอยู่แล้ว" in str(refused.value) and "--reset" in str(refused.value)
    assert "The database already holds KPIs" in str(refused.value)
    assert Indicator.objects.count() == 1


@pytest.mark.django_db
def test_reset_refuses_a_database_that_the_demo_did_not_load(make_indicator, agency_a):
    make_indicator(agency_a)
    with pytest.raises(CommandError, match="not loaded by the demo"):
        run("--reset", *SMALL_ARGS)
    assert Indicator.objects.count() == 1


@pytest.mark.django_db
def test_reset_replaces_the_demo_data_and_keeps_the_audit_log_and_accounts():
    run(*SMALL_ARGS)
    users = set(get_user_model().objects.values_list("pk", flat=True))
    Indicator.objects.filter(code="0409-0950").update(annual_summary="played with")
    run("--reset", *SMALL_ARGS)
    assert Indicator.objects.get(code="0409-0950").annual_summary == ""
    assert AuditEvent.objects.filter(action="demo.load").count() == 2
    assert set(get_user_model().objects.values_list("pk", flat=True)) == users
    assert Membership.objects.filter(is_demo=True).count() == 6


@pytest.mark.django_db
def test_reset_refuses_when_a_real_users_membership_points_at_a_demo_agency():
    load_demo(agency_count=20, years=[2566])
    real = get_user_model().objects.create_user("real-person", password="x-long-password-1")
    Membership.objects.create(user=real, role=Role.REPORTER, agency=Indicator.objects.first().agency)
    count = Indicator.objects.count()
    with pytest.raises(ActionError):
        reset_demo()
    assert Indicator.objects.count() == count


@pytest.mark.django_db
def test_the_demo_accounts_exist_with_their_roles_and_the_demo_password():
    run(*SMALL_ARGS)
    expected = {
        "admin": (Role.ADMIN, None),
        "evaluator": (Role.EVALUATOR, None),
        "head-0409": (Role.HEAD, "0409"),
        "reporter-0409": (Role.REPORTER, "0409"),
        "reporter-5047": (Role.REPORTER, "5047"),
        "executive": (Role.EXECUTIVE, None),
    }
    for username, (role, agency) in expected.items():
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        memberships = list(user.memberships.values_list("role", "agency__code", "is_demo"))
        assert memberships == [(role, agency, True)]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not get_user_model().objects.filter(is_superuser=True).exclude(username="admin").exists()


@pytest.mark.django_db
def test_the_demo_accounts_have_a_quarter_to_play_in_the_year_in_progress():
    run(*SMALL_ARGS)
    for code in ("0409", "5047"):
        open_q3 = Indicator.objects.filter(
            agency__code=code,
            fiscal_year_id=2566,
            quarters__quarter=3,
            quarters__status__in=["not_started", "draft"],
        )
        assert open_q3.exists(), code


@pytest.mark.django_db
def test_a_scale_below_one_is_refused():
    with pytest.raises(CommandError, match="--scale"):
        run("--scale", "0")


@pytest.mark.django_db
def test_the_default_demo_has_2000_kpis_over_80_agencies_and_loads_in_well_under_a_minute():
    started = time.perf_counter()
    output = run()
    elapsed = time.perf_counter() - started
    kpis = Indicator.objects.count()
    assert kpis >= 2000
    assert Indicator.objects.values("agency").distinct().count() == 80
    assert set(Indicator.objects.values_list("fiscal_year_id", flat=True).distinct()) == {
        2563,
        2564,
        2565,
        2566,
    }
    assert f"indicators: {kpis:,}" in output
    assert elapsed < 60, elapsed
