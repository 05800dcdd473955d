"""`citykpi quality --year`: checks a whole year from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from citykpi.quality.models import FindingRecord

pytestmark = pytest.mark.django_db


def test_the_command_counts_findings_by_rule_and_stores_them(seed_kpi):
    out = StringIO()
    call_command("quality", "--year", "2566", "--list", stdout=out)
    text = out.getvalue()
    assert "checked 1 KPIs" in text and "errors: 5" in text
    assert "Q001-level-out-of-scale" in text and "0409-0950 [error]" in text
    assert FindingRecord.objects.count() == 5


def test_a_dry_run_stores_nothing(seed_kpi):
    call_command("quality", "--year", "2566", "--dry-run", stdout=StringIO())
    assert not FindingRecord.objects.exists()


def test_fail_on_error_exits_non_zero(seed_kpi):
    with pytest.raises(SystemExit) as caught:
        call_command("quality", "--year", "2566", "--fail-on-error", stdout=StringIO())
    assert caught.value.code == 1


def test_an_unknown_year_is_refused(db):
    with pytest.raises(CommandError):
        call_command("quality", "--year", "2400", stdout=StringIO())
