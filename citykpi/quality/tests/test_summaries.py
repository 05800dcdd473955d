"""The summary rows the triggers keep (citykpi.quality.summaries) equal a roll-up made from
scratch in Python over the KPIs, their standings, their strategy links and the nodes,
after every kind of write: through the actions (save, submit, recall, assess, reopen, a
weight, a year published and unpublished), and by the ORM on random data (results,
weights, dimensions, publication, links added and removed, a node renumbered, a
reorganisation's move of KPIs to another agency, a KPI deleted)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citykpi.evaluation import actions as evaluation
from citykpi.indicators.models import EvaluationDimension, FiscalYear, Indicator
from citykpi.quality import scoring, summaries
from citykpi.quality.models import AgencySummary, FindingRecord, KpiStanding
from citykpi.quality.standing import rescore_kpis
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2
from citykpi.strategy.models import StrategyNode, StrategyPlan

pytestmark = pytest.mark.django_db(transaction=False)
LINKS = Indicator.strategy_nodes.through
COMPONENTS = {"2.1": "95", "2.2": "100"}
Q4 = Decimal("0.0001")


def _blank() -> list:
    return [0, 0, 0, 0, 0, 0, Decimal(0), Decimal(0), Decimal(0), Decimal(0)]


def _add(row: list, status: str | None, current: Decimal | None, weight: Decimal | None) -> None:
    row[0] += 1
    for index, code in ((1, scoring.ON_TRACK), (2, scoring.AT_RISK), (3, scoring.OFF_TRACK)):
        row[index] += status == code
    row[4] += weight is not None
    row[6] += weight or 0
    if current is not None:
        row[5] += 1
        row[7] += current
        row[8] += current * (weight or 0)
        row[9] += weight or 0


def expected() -> tuple[set, set]:
    """(agency rows, node rows) as summaries.stored reads them, computed in Python."""
    standings = {s.indicator_id: s for s in KpiStanding.objects.all()}
    nodes = list(StrategyNode.objects.values("id", "plan_id", "path"))
    by_id = {n["id"]: n for n in nodes}
    linked: dict[int, set[int]] = defaultdict(set)
    for link in LINKS.objects.values("indicator_id", "strategynode_id"):
        linked[link["indicator_id"]].add(link["strategynode_id"])
    agency_rows: dict[tuple, list] = defaultdict(_blank)
    node_rows: dict[tuple, list] = defaultdict(_blank)
    for kpi in Indicator.objects.values(
        "id", "fiscal_year_id", "agency_id", "dimension_id", "weight", "is_published"
    ):
        standing = standings.get(kpi["id"])
        under = {
            n["id"]
            for n in nodes
            for ln in (by_id[i] for i in linked[kpi["id"]])
            if ln["plan_id"] == n["plan_id"]
            and (ln["path"] == n["path"] or ln["path"].startswith(n["path"] + "."))
        }
        for public in (False, True):
            if public and not kpi["is_published"]:
                continue
            status = getattr(standing, "public_status" if public else "staff_status", None)
            current = getattr(standing, "public_current" if public else "staff_current", None)
            key = (kpi["fiscal_year_id"], public, kpi["agency_id"], kpi["dimension_id"] or 0)
            _add(agency_rows[key], status, current, kpi["weight"])
            for node in under:
                _add(
                    node_rows[(kpi["fiscal_year_id"], public, node, kpi["agency_id"])],
                    status,
                    current,
                    kpi["weight"],
                )

    def rows(table: dict[tuple, list]) -> set:
        return {
            key + tuple(int(v) for v in row[:6]) + tuple(Decimal(v).quantize(Q4) for v in row[6:])
            for key, row in table.items()
        }

    return rows(agency_rows), rows(node_rows)


def assert_summaries_current() -> None:
    agency_rows, node_rows = expected()
    assert summaries.stored(summaries.AGENCY_SUMMARY) == agency_rows
    assert summaries.stored(summaries.NODE_SUMMARY) == node_rows
    # and the SQL from scratch (what rescore rebuilds) says the same
    assert summaries.computed(summaries.AGENCY_SUMMARY) == agency_rows
    assert summaries.computed(summaries.NODE_SUMMARY) == node_rows


@pytest.fixture
def plan(db):
    plan = StrategyPlan.objects.create(code="bma20", name_th="แผน 20 ปี", is_primary=True)
    area7 = StrategyNode.objects.create(plan=plan, path="7", title="ด้าน 7")
    goal = StrategyNode.objects.create(plan=plan, path="7.3", parent=area7, title="7.3", depth=2)
    leaf = StrategyNode.objects.create(plan=plan, path="7.3.1", parent=goal, title="7.3.1", depth=3)
    area5 = StrategyNode.objects.create(plan=plan, path="5", title="ด้าน 5")
    return [area7, goal, leaf, area5]


@pytest.fixture
def dimensions(db):
    return [
        EvaluationDimension.objects.get_or_create(number=n, defaults={"name_th": f"มิติที่ {n}"})[0]
        for n in (1, 2)
    ]


@pytest.fixture
def kpi(make_indicator, agency_a, plan, dimensions):
    kpi = make_indicator(agency_a, target=Decimal("100"), weight=Decimal("40"), dimension=dimensions[0])
    kpi.strategy_nodes.add(plan[2])
    rescore_kpis([kpi.pk])
    return kpi


def test_each_write_through_the_actions_keeps_the_summary_rows(
    kpi, head_a, evaluator, make_indicator, agency_a
):
    from citykpi.planning import actions as planning

    other = make_indicator(agency_a, target=Decimal("100"))  # no standing yet: counts as no data
    assert_summaries_current()
    planning.unpublish_fiscal_year(evaluator, kpi.fiscal_year_id)
    assert_summaries_current()  # a year's publication is read with the rows: nothing to change
    planning.publish_fiscal_year(evaluator, kpi.fiscal_year_id, override_reason="ทดสอบ")
    assert_summaries_current()
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="70", narrative="ร่าง", version=report.version, now=IN_Q2)
    assert_summaries_current()
    reporting.submit_report(head_a, report, now=IN_Q2)
    assert_summaries_current()
    assert AgencySummary.objects.get(public=True, agency=agency_a, dimension=kpi.dimension_id).off_track == 1
    reporting.recall_report(head_a, report, now=IN_Q2)
    assert_summaries_current()
    report.refresh_from_db()
    reporting.save_report(head_a, report, result="95", narrative="ดีขึ้น", version=report.version, now=IN_Q2)
    reporting.submit_report(head_a, report, now=IN_Q2)
    assert_summaries_current()
    evaluation.assess(evaluator, report, score="90", components=COMPONENTS, now=IN_Q2)
    assert_summaries_current()
    evaluation.reopen(evaluator, report, reason="ตรวจใหม่", now=IN_Q2)
    assert_summaries_current()
    kpi.refresh_from_db()
    planning.update_plan(evaluator, kpi, weight="60")
    assert_summaries_current()
    other.delete()
    assert_summaries_current()


def test_a_reorganisations_move_of_kpis_moves_their_rows(kpi, agency_a, agency_b):
    """agencies.actions._move_kpis: one UPDATE of the KPIs' agency, one of their standings'."""
    ids = [kpi.pk]
    Indicator.objects.filter(pk__in=ids).update(agency=agency_b)
    KpiStanding.objects.filter(indicator_id__in=ids).update(agency=agency_b)
    FindingRecord.objects.filter(indicator_id__in=ids).update(agency=agency_b)
    assert_summaries_current()
    assert not AgencySummary.objects.filter(agency=agency_a).exists()
    assert AgencySummary.objects.filter(agency=agency_b).count() == 2


def test_a_split_of_an_agency_keeps_the_summary_rows(evaluator, agency_a, plan):
    """The real reorganisation (agencies.actions.split_agency -> _move_kpis): FY 2568's KPIs
    go to the successors, FY 2567's stay."""
    import datetime as dt

    from citykpi.agencies import actions as agencies

    years = [FiscalYear.objects.get_or_create(year=year)[0] for year in (2567, 2568)]
    for n in range(4):
        k = Indicator.objects.create(
            code=f"0409-{300 + n}",
            agency=agency_a,
            fiscal_year=years[n % 2],
            name="ก",
            weight=Decimal(10 + n),
        )
        k.strategy_nodes.add(plan[n % 3])
        QuarterReport.objects.create(
            indicator=k, quarter=1, planned_target=25, result=20 + n, status=QuarterReport.Status.SUBMITTED
        )
        rescore_kpis([k.pk])
    assert_summaries_current()
    agencies.split_agency(
        evaluator,
        agency_a,
        successors=[agencies.NewAgency("0411", "สถาบันฝึกอบรม"), agencies.NewAgency("0412", "สถาบันพัฒนาผู้นำ")],
        effective=dt.date(2024, 10, 1),
        kpi_successors={"0409-303": "0412"},
    )
    assert set(Indicator.objects.values_list("agency__code", flat=True)) == {"0409", "0411", "0412"}
    assert_summaries_current()
    assert not AgencySummary.objects.filter(agency=agency_a, fiscal_year_id=2568).exists()


statuses = st.sampled_from([s.value for s in QuarterReport.Status])
amounts = st.one_of(st.none(), st.decimals(min_value=0, max_value=150, places=2))
weights = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("new"), st.integers(0, 1), weights, st.integers(0, 2), st.booleans()),
        st.tuples(st.just("report"), st.integers(0, 9), st.integers(1, 4), amounts, statuses),
        st.tuples(st.just("weight"), st.integers(0, 9), weights),
        st.tuples(st.just("dimension"), st.integers(0, 9), st.integers(0, 2)),
        st.tuples(st.just("publish"), st.integers(0, 9), st.booleans()),
        st.tuples(st.just("link"), st.integers(0, 9), st.integers(0, 3)),
        st.tuples(st.just("unlink"), st.integers(0, 9), st.integers(0, 3)),
        st.tuples(st.just("links"), st.integers(0, 9), st.sets(st.integers(0, 3))),
        st.tuples(st.just("move"), st.integers(0, 9), st.integers(0, 1)),
        st.tuples(st.just("year"), st.integers(0, 9)),
        st.tuples(st.just("renumber"), st.sampled_from(["7.3", "5.1"])),
        st.tuples(st.just("delete"), st.integers(0, 9)),
        st.tuples(st.just("unscore"), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=12,
)


def test_random_writes_keep_the_summary_rows(
    make_indicator, agency_a, agency_b, plan, dimensions, fiscal_year
):
    agencies = [agency_a, agency_b]
    years = [fiscal_year, FiscalYear.objects.create(year=2567)]

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(ops=operations)
    def check(ops):
        for op in ops:
            kpis = list(Indicator.objects.order_by("id"))
            if op[0] == "new":
                _, agency, weight, dimension, published = op
                k = make_indicator(
                    agencies[agency],
                    target=Decimal("100"),
                    weight=weight,
                    dimension=dimensions[dimension - 1] if dimension else None,
                    is_published=published,
                )
                if published:
                    rescore_kpis([k.pk])
                continue
            if op[0] == "renumber":
                goal = StrategyNode.objects.get(pk=plan[1].pk)
                goal.path = op[1] if goal.path == "7.3" else "7.3"
                goal.save()
                continue
            if not kpis:
                continue
            k = kpis[op[1] % len(kpis)]
            if op[0] == "report":
                _, _, quarter, result, status = op
                QuarterReport.objects.update_or_create(
                    indicator=k,
                    quarter=quarter,
                    defaults={"planned_target": Decimal(25 * quarter), "result": result, "status": status},
                )
                rescore_kpis([k.pk])
            elif op[0] == "weight":
                Indicator.objects.filter(pk=k.pk).update(weight=op[2])
            elif op[0] == "dimension":
                k.dimension = dimensions[op[2] - 1] if op[2] else None
                k.save()
            elif op[0] == "publish":
                Indicator.objects.filter(pk=k.pk).update(is_published=op[2])
            elif op[0] == "link":
                k.strategy_nodes.add(plan[op[2]])
            elif op[0] == "unlink":
                k.strategy_nodes.remove(plan[op[2]])
            elif op[0] == "links":
                k.strategy_nodes.set([plan[i] for i in op[2]])
            elif op[0] == "move":
                Indicator.objects.filter(pk=k.pk).update(agency=agencies[op[2]])
                KpiStanding.objects.filter(indicator_id=k.pk).update(agency=agencies[op[2]])
            elif op[0] == "year":
                other = years[1] if k.fiscal_year_id == years[0].pk else years[0]
                Indicator.objects.filter(pk=k.pk).update(fiscal_year=other)
                KpiStanding.objects.filter(indicator_id=k.pk).update(fiscal_year=other)
            elif op[0] == "delete":
                QuarterReport.objects.filter(indicator=k).delete()
                k.delete()
            elif op[0] == "unscore":
                KpiStanding.objects.filter(indicator_id=k.pk).delete()
        assert_summaries_current()
        # several KPIs' links in one statement each way
        kpis = list(Indicator.objects.order_by("id"))
        if kpis:
            LINKS.objects.bulk_create(
                [LINKS(indicator=k, strategynode=plan[1]) for k in kpis], ignore_conflicts=True
            )
            assert_summaries_current()
            LINKS.objects.filter(indicator__in=kpis, strategynode__in=plan[:3]).delete()
            assert_summaries_current()

    check()


def test_rescore_rebuilds_rows_changed_behind_the_triggers(kpi, capsys):
    AgencySummary.objects.update(kpis=99)
    summaries._execute([f"DELETE FROM {summaries.NODE_SUMMARY}"])
    call_command("rescore")
    assert_summaries_current()
    AgencySummary.objects.update(kpis=99)
    call_command("rescore", "--year", str(kpi.fiscal_year_id))
    assert_summaries_current()
