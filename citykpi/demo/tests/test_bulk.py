"""The demo's bulk writers (citykpi.demo.bulk: COPY on PostgreSQL, executemany elsewhere)
and the definition snapshots the setups freeze in bulk (planning.versions.snapshots_in_bulk):
the same rows and the same JSON as the ORM and the per-KPI snapshot give."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from citykpi.agencies.models import Agency
from citykpi.demo import bulk
from citykpi.evaluation.models import Assessment
from citykpi.indicators.models import FiscalYear, Indicator, MilestoneLevel, Unit
from citykpi.planning import versions
from citykpi.planning.models import DefinitionVersion
from citykpi.projects.models import Project
from citykpi.reporting.models import QuarterReport

BANGKOK = ZoneInfo("Asia/Bangkok")


def _json(data):
    return json.dumps(data, ensure_ascii=False)


def test_the_bulk_snapshots_are_the_per_kpi_snapshots_byte_for_byte(
    small_demo, django_assert_max_num_queries
):
    # A KPI without a unit, quarters or nodes, with a scoring config and a range: the
    # edges the generated KPIs do not all have.
    odd = Indicator.objects.filter(fiscal_year_id=2565).order_by("pk")[3]
    Indicator.objects.filter(pk=odd.pk).update(
        unit=None,
        scoring_config={"low": "1.5", "bands": [{"from": 0, "score": 1}]},
        range_low=Decimal("1.5"),
        range_high=Decimal("7"),
        target=None,
        weight=None,
    )
    QuarterReport.objects.filter(indicator=odd, quarter__in=[2, 4]).update(planned_target=None)
    Assessment.objects.filter(quarter_report__indicator=odd, quarter_report__quarter=3).delete()
    QuarterReport.objects.filter(indicator=odd, quarter=3).delete()
    odd.strategy_nodes.clear()
    MilestoneLevel.objects.create(
        indicator=odd, level=6, description="ระดับที่ 6", percent=Decimal("99.5"), points=Decimal("2.25")
    )

    kpis = Indicator.objects.all()
    count = kpis.count()
    assert count > 200
    chunk = 97  # pages that end anywhere
    with django_assert_max_num_queries(4 * (count // chunk + 1) + 1):
        found = list(versions.snapshots_in_bulk(kpis, chunk=chunk))
    assert [s.indicator_id for s in found] == sorted(kpis.values_list("pk", flat=True))
    years = dict(kpis.values_list("pk", "fiscal_year_id"))
    for frozen in found:
        kpi = Indicator.objects.get(pk=frozen.indicator_id)
        assert frozen.fiscal_year_id == years[kpi.pk]
        assert _json(frozen.snapshot) == _json(versions.snapshot(kpi))
    by_id = {s.indicator_id: s.snapshot for s in found}
    assert by_id[odd.pk]["unit"] == "" and by_id[odd.pk]["unit_id"] is None
    assert by_id[odd.pk]["plan"]["3"] is None and by_id[odd.pk]["strategy_nodes"] == []
    assert any(s["milestone_levels"] for s in by_id.values())
    assert any(len(s["strategy_nodes"]) > 1 for s in by_id.values())
    assert any(s["template_id"] for s in by_id.values())

    # A filtered queryset: only its KPIs, though the ranges read take in others.
    some = kpis.filter(fiscal_year_id=2565, agency__code__in=["5004", "0409", "5009"])
    assert [s.indicator_id for s in versions.snapshots_in_bulk(some, chunk=5)] == sorted(
        some.values_list("pk", flat=True)
    )
    # The bulk snapshot of a KPI is also the one snapshots() gives with its instances.
    assert {s.indicator_id: s.snapshot for s in versions.snapshots_in_bulk(some)} == {
        i.pk: data for i, data in versions.snapshots(some)
    }


def test_the_frozen_definitions_of_the_demo_are_the_per_kpi_snapshots(small_demo):
    stored = dict(DefinitionVersion.objects.values_list("indicator_id", "snapshot"))
    kpis = list(Indicator.objects.filter(pk__in=stored))
    assert len(kpis) == Indicator.objects.count()
    for kpi in kpis:  # (PostgreSQL's jsonb keeps its own order of the keys)
        assert stored[kpi.pk] == versions.snapshot(kpi)
    if connection.vendor == "sqlite":  # stored as text: the same text json.dumps makes
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT indicator_id, snapshot FROM {DefinitionVersion._meta.db_table}")
            for kpi_id, text in cursor.fetchall():
                assert text == json.dumps(versions.snapshot(Indicator.objects.get(pk=kpi_id)))


def _agency_and_year():
    year = FiscalYear.objects.get_or_create(year=2566)[0]
    agency = Agency.objects.create(code="7001", long_code="70010000", name_th="หน่วยงานทดสอบ")
    unit = Unit.objects.create(name_th="หน่วยทดสอบ", kind=Unit.Kind.PERCENT)
    return agency, year, unit


def _columns(model, rows):
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    return [tuple(getattr(r, n) for n in names) for r in rows]


def test_fast_insert_writes_what_the_orm_writes(db):
    agency, year, unit = _agency_and_year()
    kpi = Indicator.objects.create(code="7001-0001", agency=agency, fiscal_year=year, name="ก", unit=unit)
    other = Indicator.objects.create(code="7001-0002", agency=agency, fiscal_year=year, name="ข", unit=unit)
    at = dt.datetime(2022, 9, 9, 15, 0, tzinfo=BANGKOK)
    snapshot = {"name": 'ชื่อ \t\\ "quoted"\n', "target": "25.50", "plan": {"1": None}, "n": [1, 2.5, True]}
    bulk.fast_insert(
        DefinitionVersion,
        ["indicator", "version", "snapshot", "approved_at"],
        [(kpi.pk, 1, snapshot, at), (kpi.pk, 2, {}, at.astimezone(dt.UTC))],
    )
    DefinitionVersion.objects.bulk_create(
        [
            DefinitionVersion(indicator=other, version=1, snapshot=snapshot, approved_at=at),
            DefinitionVersion(indicator=other, version=2, snapshot={}, approved_at=at.astimezone(dt.UTC)),
        ]
    )
    fast = DefinitionVersion.objects.filter(indicator=kpi).order_by("version")
    orm = DefinitionVersion.objects.filter(indicator=other).order_by("version")
    # (the ORM sets approved_at itself: auto_now_add)
    assert [(d.version, d.snapshot, d.approved_by_id) for d in fast] == [
        (d.version, d.snapshot, d.approved_by_id) for d in orm
    ]
    assert fast[0].snapshot == snapshot and [d.approved_at for d in fast] == [at, at]

    levels = [(n, f"ระดับ {n}", Decimal(20 * n), Decimal("2.5") * n) for n in range(1, 4)]
    bulk.fast_insert(
        MilestoneLevel,
        ["indicator", "level", "description", "percent", "points"],
        [(kpi.pk, *r) for r in levels],
    )
    MilestoneLevel.objects.bulk_create(
        [
            MilestoneLevel(indicator=other, level=n, description=d, percent=p, points=q)
            for n, d, p, q in levels
        ]
    )
    assert list(kpi.milestone_levels.values_list("level", "description", "percent", "points")) == list(
        other.milestone_levels.values_list("level", "description", "percent", "points")
    )
    bulk.fast_insert(MilestoneLevel, ["indicator", "level"], [])  # nothing to write


def test_create_objects_gives_the_ids_and_rows_bulk_create_gives(db):
    agency, year, unit = _agency_and_year()

    def projects(prefix):
        return [
            Project(
                code=f"{prefix}-{n:04d}",
                name=f"โครงการ {n}\tแท็บ",
                agency_id=agency.pk,
                fiscal_year=year,
                progress=Decimal(n),
                budget=Decimal("12345.5") if n % 2 else None,
                officers="ก ข\nค ง",
            )
            for n in range(1, 6)
        ]

    made = projects("70010000")
    bulk.create_objects(made, batch_size=2)
    assert all(p.pk and not p._state.adding for p in made)
    assert [p.pk for p in made] == sorted(p.pk for p in made)
    stored = {p.pk: p for p in Project.objects.filter(code__startswith="70010000-")}
    assert sorted(stored) == [p.pk for p in made]
    expected = projects("70010001")
    Project.objects.bulk_create(expected)
    again = list(Project.objects.filter(code__startswith="70010001-").order_by("pk"))
    # The ORM's rows follow, with the next ids: the sequence moved past create_objects' ids.
    assert again[0].pk > made[-1].pk
    assert [c[1:] for c in _columns(Project, [stored[p.pk] for p in made])] == [
        c[1:] for c in _columns(Project, again)
    ]

    kpis = [
        Indicator(
            code=f"7001-{n:04d}",
            agency_id=agency.pk,
            fiscal_year_id=year.pk,
            name="ชื่อ",
            unit=unit,
            target=Decimal("80.5"),
            weight=Decimal("12.25"),
            scoring_config={"low": "1"} if n == 1 else {},
        )
        for n in range(1, 4)
    ]
    bulk.create_objects(kpis, batch_size=2000)
    for kpi in kpis:
        fresh = Indicator.objects.get(pk=kpi.pk)
        assert (fresh.code, fresh.unit_id, fresh.target, fresh.weight, fresh.scoring_config) == (
            kpi.code,
            unit.pk,
            Decimal("80.5"),
            Decimal("12.25"),
            kpi.scoring_config,
        )
        assert fresh.created_at is not None and fresh.updated_at is not None
    bulk.create_objects([], batch_size=10)
