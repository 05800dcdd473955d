"""The setup workbook's round trip (issue 17): the demo's setup exported, the database
emptied, the workbook imported: the same agencies, people and roles, units, plans,
dimensions, year, templates and KPI definitions, field by field. Then idempotence: the
same file again changes nothing, not even the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from citykpi.accounts.models import Membership
from citykpi.agencies.models import Agency
from citykpi.audit.models import AuditEvent
from citykpi.demo.actions import load_demo, reset_demo
from citykpi.exchange.setup.apply import import_setup
from citykpi.exchange.setup.export import workbook_bytes
from citykpi.exchange.setup.parse import CREATE, UNCHANGED, read_plan
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator, Unit
from citykpi.planning.models import KpiTemplate, Setup
from citykpi.quality.models import KpiStanding
from citykpi.strategy.models import StrategyNode, StrategyPlan

YEAR = 2566
TODAY = dt.date(2026, 11, 20)

# Indicator fields the workbook carries (a KPI's definition); results, the legacy counter,
# the carried-from link and the version counters are not setup.
KPI_FIELDS = [
    "list_label",
    "name",
    "name_en",
    "target",
    "target_text",
    "direction",
    "range_low",
    "range_high",
    "kpi_type",
    "result_level",
    "definition",
    "calculation_method",
    "scoring_method",
    "scoring_config",
    "data_collection",
    "weight",
    "is_negotiated",
    "is_published",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db):
    return load_demo(today=TODAY, agency_count=20, years=[YEAR])


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def capture() -> dict[str, Any]:
    """Every kind the workbook carries, keyed by its natural key, field by field."""
    User = get_user_model()
    people = {}
    for user in User.objects.prefetch_related("memberships__agency").order_by("username"):
        roles = sorted((m.role, m.agency.code if m.agency_id else "") for m in user.memberships.all())
        if roles:
            people[user.username] = (user.first_name, user.last_name, user.email, user.is_active, roles)
    year = FiscalYear.objects.get(pk=YEAR)
    kpis = {}
    for i in (
        Indicator.objects.filter(fiscal_year=year)
        .select_related("agency", "unit", "dimension", "template")
        .prefetch_related("quarters", "milestone_levels", "strategy_nodes__plan")
    ):
        kpis[i.code] = {
            **{name: getattr(i, name) for name in KPI_FIELDS},
            "target": _num(i.target),
            "range_low": _num(i.range_low),
            "range_high": _num(i.range_high),
            "weight": _num(i.weight),
            "agency": i.agency.code,
            "unit": i.unit.name_th if i.unit_id else None,
            "dimension": i.dimension.number if i.dimension_id else None,
            "template": i.template.name if i.template_id else None,
            "plan": {
                q.quarter: _num(q.planned_target) for q in i.quarters.all() if q.planned_target is not None
            },
            "milestones": sorted(
                (m.level, _num(m.percent), _num(m.points), m.description) for m in i.milestone_levels.all()
            ),
            "strategy": sorted((n.plan.code, n.path) for n in i.strategy_nodes.all()),
        }
    return {
        "agencies": {
            a.code: (
                a.long_code,
                a.name_th,
                a.name_en,
                a.abbreviation,
                a.kind,
                a.parent.code if a.parent_id else None,
                a.is_active,
                a.reporter_may_submit,
                a.is_placeholder,
            )
            for a in Agency.objects.select_related("parent")
        },
        "people": people,
        "units": {
            u.name_th: (
                u.name_en,
                u.kind,
                _num(u.scale_min),
                _num(u.scale_max),
                u.allows_over_100,
                u.suggests_lower_is_better,
            )
            for u in Unit.objects.all()
        },
        "plans": {
            p.code: (p.name_th, p.name_en, p.level_names, p.start_year, p.end_year, p.is_primary)
            for p in StrategyPlan.objects.all()
        },
        "nodes": {
            (n.plan.code, n.path): (
                n.depth,
                n.display_number,
                n.heading_prefix,
                n.title,
                n.title_en,
                n.title_truncated,
                n.parent.path if n.parent_id else None,
                n.sort_key,
            )
            for n in StrategyNode.objects.select_related("plan", "parent")
        },
        "dimensions": {d.number: (d.name_th, d.name_en) for d in EvaluationDimension.objects.all()},
        "year": ([year.deadline(q) for q in (1, 2, 3, 4)], year.assessment_components),
        "templates": {
            t.name: (
                t.name_en,
                t.unit.name_th if t.unit_id else None,
                t.direction,
                t.kpi_type,
                t.result_level,
                t.scoring_method,
                t.definition,
                t.calculation_method,
                t.data_collection,
                sorted(
                    (
                        int(r["level"]),
                        _num(Decimal(str(r["percent"]))),
                        _num(Decimal(str(r["points"]))),
                        r["description"],
                    )
                    for r in t.milestone_levels
                ),
                sorted((n.plan.code, n.path) for n in t.strategy_nodes.all()),
                t.is_active,
            )
            for t in KpiTemplate.objects.select_related("unit").prefetch_related("strategy_nodes__plan")
        },
        "kpis": kpis,
    }


def empty_the_database() -> None:
    reset_demo()
    Membership.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.mark.django_db
def test_the_demos_setup_exported_and_imported_into_an_empty_database_is_the_same_field_by_field(demo):
    before = capture()
    data = workbook_bytes(YEAR)
    assert len(before["kpis"]) > 100 and len(before["agencies"]) == 20 and len(before["people"]) == 6

    empty_the_database()
    assert not Agency.objects.exists() and not Indicator.objects.exists()
    assert not get_user_model().objects.exists() and not FiscalYear.objects.exists()

    plan = import_setup(data, actor=None, commit=True, file_name="setup-demo.xlsx")
    assert plan.ok, plan.problems[:5]
    assert plan.committed
    assert {r.action for r in plan.rows} == {CREATE}
    after = capture()
    for kind in before:
        assert len(after[kind]) == len(before[kind]), kind
        assert after[kind] == before[kind], kind

    # People come in without a usable password: none travels in a workbook.
    User = get_user_model()
    assert User.objects.count() == 6
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert not User.objects.filter(is_superuser=True).exists()
    # A year created from a file waits for the evaluator to publish it.
    assert FiscalYear.objects.get(pk=YEAR).is_published is False
    # Every agency carrying KPIs has its setup record (a draft, to be proposed and approved).
    assert Setup.objects.filter(fiscal_year_id=YEAR).count() == len(
        {k["agency"] for k in after["kpis"].values()}
    )
    # The stored scores follow the audit rows of the new KPIs.
    assert KpiStanding.objects.count() == len(after["kpis"])
    assert AuditEvent.objects.filter(action="setup.import").count() == 1
    assert AuditEvent.objects.filter(action="kpi.import", source="xlsx").count() == len(after["kpis"])
    assert AuditEvent.objects.filter(action="user.create").count() == 6


@pytest.mark.django_db
def test_importing_the_same_workbook_twice_changes_nothing_the_second_time(demo):
    data = workbook_bytes(YEAR)
    # Into the database it came from: every row is left as it is.
    plan = read_plan(data)
    assert plan.ok, plan.problems[:5]
    assert plan.rows and {r.action for r in plan.rows} == {UNCHANGED}

    empty_the_database()
    assert import_setup(data, actor=None, commit=True).committed
    events = AuditEvent.objects.count()
    snapshot = capture()
    again = import_setup(data, actor=None, commit=True)
    assert again.ok and not again.committed and not again.changed
    assert AuditEvent.objects.count() == events
    assert capture() == snapshot
    # And the workbook the new database exports is the one it was built from, cell by cell.
    assert _cells(workbook_bytes(YEAR)) == _cells(data)


def _cells(data: bytes) -> dict[str, list[tuple]]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}
