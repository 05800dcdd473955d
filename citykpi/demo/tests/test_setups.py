"""The demo's fiscal-year setup (citykpi.demo.setups): templates for the cascaded KPIs,
approved setups with frozen definitions, and /setup/ pages with real content."""

from __future__ import annotations

from django.urls import reverse

from citykpi.demo import reference, texts
from citykpi.demo.actions import load_demo
from citykpi.indicators.models import Indicator
from citykpi.planning import actions, versions
from citykpi.planning.models import DefinitionVersion, KpiTemplate, Setup

from .conftest import SMALL, TODAY


def test_the_cascaded_kpis_point_at_their_templates(small_demo):
    waste = KpiTemplate.objects.get(name=texts.WASTE_NAME)
    linked = Indicator.objects.filter(template=waste)
    chosen = set(Indicator.objects.values_list("agency__code", flat=True))
    districts = sorted(set(reference.WASTE_CASCADE) & chosen)
    assert len(districts) >= 10
    # The last two years of the demo, one KPI per district and year.
    assert sorted(linked.values_list("agency__code", "fiscal_year_id")) == sorted(
        (code, year) for code in districts for year in (2565, 2566)
    )
    assert set(linked.values_list("name", flat=True)) == {texts.WASTE_NAME}
    assert waste.definition and waste.calculation_method and waste.strategy_nodes.count() == 1
    percent = KpiTemplate.objects.get(name=texts.DRAINAGE_PERCENT_NAME)
    minutes = KpiTemplate.objects.get(name=texts.DRAINAGE_MINUTES_NAME)
    assert set(Indicator.objects.filter(template=percent).values_list("agency__code", flat=True)) == {
        "5004",
        "5007",
    }
    assert list(Indicator.objects.filter(template=minutes).values_list("agency__code", "unit__name_th")) == [
        ("5009", "นาที")
    ]
    assert minutes.direction == Indicator.Direction.LOWER
    assert small_demo.counts["kpi_templates"] == 3
    # Every other KPI stands alone.
    assert Indicator.objects.filter(template__isnull=False).count() == linked.count() + 3


def test_every_agency_year_is_approved_before_the_year_began_with_frozen_definitions(small_demo):
    pairs = set(Indicator.objects.order_by().values_list("agency_id", "fiscal_year_id").distinct())
    setups = list(Setup.objects.all())
    assert {(s.agency_id, s.fiscal_year_id) for s in setups} == pairs
    assert {s.state for s in setups} == {Setup.State.APPROVED}
    for setup in setups:
        assert setup.proposed_at < setup.approved_at
        assert setup.approved_at.date().isoformat() < f"{setup.fiscal_year_id - 544}-10-01"
    assert DefinitionVersion.objects.count() == Indicator.objects.count() == small_demo.counts["indicators"]
    assert small_demo.counts["setups"] == len(setups)
    kpi = Indicator.objects.filter(fiscal_year_id=2566).order_by("code").first()
    frozen = DefinitionVersion.objects.get(indicator=kpi)
    assert frozen.version == kpi.definition_version == 1
    assert frozen.snapshot == versions.snapshot(kpi)


def test_a_reopened_demo_kpi_starts_a_new_definition_version(small_demo, evaluator):
    kpi = Indicator.objects.filter(fiscal_year_id=2566).order_by("code").first()
    setup = Setup.objects.get(agency=kpi.agency, fiscal_year_id=2566)
    actions.reopen(evaluator, setup, reason="ปรับนิยามตามข้อสั่งการ")
    actions.update_definition(evaluator, kpi, definition="นิยามใหม่")
    kpi.refresh_from_db()
    assert kpi.definition_version == 2
    assert versions.definition_at(kpi, 1)["definition"] != "นิยามใหม่"


def test_the_setup_pages_show_the_demo_templates_and_states(small_demo, client, evaluator):
    client.force_login(evaluator)
    body = client.get(reverse("planning:overview") + "?year=2566").content.decode()
    assert "อนุมัติแล้ว" in body and "เผยแพร่แล้ว" in body
    body = client.get(reverse("planning:templates")).content.decode()
    assert texts.DRAINAGE_MINUTES_NAME in body
    waste = KpiTemplate.objects.get(name=texts.WASTE_NAME)
    url = reverse("planning:template", args=[waste.pk])
    response = client.get(url)  # the latest year, side by side
    assert response.context["years"] == [2566, 2565]
    assert (
        len(response.context["rows"]) == Indicator.objects.filter(template=waste, fiscal_year_id=2566).count()
    )
    response = client.get(url + "?year=all")
    assert len(response.context["rows"]) == Indicator.objects.filter(template=waste).count()


def test_loading_twice_gives_the_same_setup(db):
    def state():
        return (
            sorted(KpiTemplate.objects.values_list("name", "unit__name_th", "definition")),
            sorted(Setup.objects.values_list("agency__code", "fiscal_year_id", "state", "approved_at")),
            sorted(DefinitionVersion.objects.values_list("indicator__code", "version", "approved_at")),
        )

    load_demo(today=TODAY, **SMALL)
    first = state()
    load_demo(today=TODAY, reset=True, **SMALL)
    assert state() == first


def test_a_cascaded_kpi_is_carried_forward_from_last_years_so_its_result_shows(small_demo):
    from citykpi.planning import checks

    waste = KpiTemplate.objects.get(name=texts.WASTE_NAME)
    for kpi in Indicator.objects.filter(template=waste, fiscal_year_id=2566).select_related("carried_from"):
        assert kpi.carried_from.fiscal_year_id == 2565 and kpi.carried_from.agency_id == kpi.agency_id
        assert kpi.carried_from.template_id == waste.pk
        assert checks.last_result(kpi.carried_from) is not None
    assert not Indicator.objects.filter(
        template=waste, fiscal_year_id=2565, carried_from__isnull=False
    ).exists()


def test_the_approved_setups_of_the_year_in_progress_pass_every_blocking_check(small_demo):
    """Approval would have refused them otherwise (a percent-decrease unit once asked
    for lower-is-better on KPIs where a bigger decrease is better)."""
    from citykpi.planning import checks

    findings = checks.check_indicators(
        checks.indicators_for_checks(Indicator.objects.filter(fiscal_year_id=2566))
    )
    assert checks.errors(findings) == []
