"""`citykpi carry-forward` (citykpi/planning/management/commands/carry-forward.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import FiscalYear, Indicator
from citykpi.planning import actions


def _run(*args: str, verbosity: int = 1) -> str:
    out = StringIO()
    call_command("carry-forward", *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def test_the_command_carries_every_agency_forward_as_the_system(
    agency_a, agency_b, ready_kpis, make_indicator
):
    make_indicator(agency_b)
    output = _run("--from", "2566", "--to", "๒๕๖๗")
    assert Indicator.objects.filter(fiscal_year_id=2567).count() == 3
    assert "Created 3 KPIs for fiscal year 2567" in output and "not published" in output
    assert FiscalYear.objects.get(pk=2567).is_published is False
    events = AuditEvent.objects.filter(action="kpi.carry_forward")
    assert events.count() == 3
    assert {(e.actor_id, e.actor_name, e.source) for e in events} == {(None, "system", "cli")}
    assert Indicator.objects.filter(fiscal_year_id=2566).count() == 3  # last year untouched


def test_the_command_limits_to_the_agencies_given_and_lists_the_codes(
    agency_a, agency_b, ready_kpis, make_indicator
):
    make_indicator(agency_b)
    output = _run("--from", "2566", "--to", "2567", "--agency", "0409", verbosity=2)
    created = list(Indicator.objects.filter(fiscal_year_id=2567).values_list("agency__code", flat=True))
    assert created == ["0409", "0409"]
    for kpi in ready_kpis:
        assert f"{kpi.code} -> " in output


def test_a_dry_run_keeps_nothing(agency_a, ready_kpis):
    output = _run("--from", "2566", "--to", "2567", "--dry-run")
    assert "Dry run" in output and "would create 2 KPIs" in output
    assert not Indicator.objects.filter(fiscal_year_id=2567).exists()
    assert not FiscalYear.objects.filter(pk=2567).exists()
    assert not AuditEvent.objects.filter(action__in=["kpi.carry_forward", "fiscal_year.create"]).exists()


def test_the_command_carries_one_template_across_agencies(evaluator, template, districts, fiscal_year):
    actions.assign_template(evaluator, template, fiscal_year=2566, agencies=districts[:3])
    output = _run("--from", "2566", "--to", "2567", "--template", str(template.pk))
    assert "Created 3 KPIs" in output
    assert Indicator.objects.filter(fiscal_year_id=2567, template=template).count() == 3


def test_a_second_run_skips_what_was_carried(agency_a, ready_kpis):
    _run("--from", "2566", "--to", "2567")
    assert "Created 0 KPIs for fiscal year 2567 (2 already there)" in _run("--from", "2566", "--to", "2567")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2566", "--to", "2567", "--agency", "9999"], "unknown agencies: 9999"),
        (["--from", "2566", "--to", "2567", "--template", "999"], "no template with id 999"),
        (["--from", "2566", "--to", "2565"], "must be after 2566"),
        (["--from", "2550", "--to", "2567"], "Fiscal year 2550 does not exist"),
        (["--from", "2566", "--to", "สองห้า"], "is not a number"),
    ],
)
def test_the_command_refuses_bad_input_with_a_bilingual_message(agency_a, ready_kpis, args, message):
    with pytest.raises(CommandError) as error:
        _run(*args)
    assert message in str(error.value)
    assert not Indicator.objects.filter(fiscal_year_id=2567).exists()
