"""The report save's queries (issue #13: one draft save in process, at most 10 queries on
PostgreSQL with BEGIN and COMMIT counted): a regression guard, not a timing test.

Each action runs in its own transaction here (transaction=True), as in production, so that
BEGIN, COMMIT and the refresh after commit are counted. The actor is read fresh from the
database (no roles cached on it) and the quarter as get_quarter gives it, as the benchmark's
"One report save in process" has them (benchmarks/season.py, time_report_save).

What a draft save sends (docs/read-model.md, "The report save"): BEGIN; the row locked; the
actor's roles; the KPI's quarters with their assessments, the year's settings, the level
table of a milestone KPI and the audit chain's lock in one query; the UPDATE (with the
quarter's score); the standing; the findings (one statement on PostgreSQL, a DELETE and an
INSERT on SQLite); the chain head; the audit row; COMMIT.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from citykpi.accounts.models import Membership, Role
from citykpi.agencies.models import Agency
from citykpi.audit.log import record
from citykpi.audit.models import AuditEvent
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.quality.models import FindingRecord, KpiStanding
from citykpi.quality.rules import findings_for
from citykpi.quality.standing import rescore_kpis
from citykpi.reporting import actions
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2
from citykpi.strategy.models import StrategyNode, StrategyPlan

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# The goal of issue #13, on PostgreSQL. SQLite sends the findings' DELETE and INSERT apart.
DRAFT_SAVE = 10
DRAFT_SAVE_WITH_FINDINGS = 10 if ON_POSTGRES else 11
# A submit publishes: the public data versions and the search entry follow (publicdata).
SUBMIT = 15 if ON_POSTGRES else 14

pytestmark = pytest.mark.django_db(transaction=True)


def fresh(user):
    """The actor as a request would have it before anything read its roles."""
    return get_user_model().objects.get(pk=user.pk)


def as_get_quarter_gives_it(report: QuarterReport) -> QuarterReport:
    return QuarterReport.objects.select_related(
        "indicator__agency", "indicator__fiscal_year", "indicator__unit"
    ).get(pk=report.pk)


def save(actor, report, result, narrative="ร่าง"):
    return actions.save_report(
        actor, report, result=result, narrative=narrative, version=report.version, now=IN_Q2
    )


def stored_findings(kpi) -> list[tuple]:
    return sorted(
        FindingRecord.objects.filter(indicator=kpi).values_list(
            "rule", "severity", "quarter", "field", "message_en"
        )
    )


def computed_findings(kpi) -> list[tuple]:
    kpi = Indicator.objects.select_related("unit").get(pk=kpi.pk)
    return sorted((f.rule, f.severity, f.quarter, f.field, f.message_en) for f in findings_for(kpi))


def stored_scores(kpi) -> tuple:
    quarters = list(
        QuarterReport.objects.filter(indicator=kpi)
        .order_by("quarter")
        .values_list("score", "progress", "score_status")
    )
    standing = KpiStanding.objects.filter(indicator=kpi).values().first()
    return quarters, standing


def assert_derived_data_current(kpi) -> None:
    """What the save stored from the rows in hand is what the full paths compute."""
    assert stored_findings(kpi) == computed_findings(kpi)
    scores = stored_scores(kpi)
    rescore_kpis([kpi.pk])
    assert stored_scores(kpi) == scores


@pytest.fixture
def milestone_kpi(make_indicator, agency_a, unit_level):
    """A level KPI with its level table and a finding to store (achieved 100 on levels 1-5)."""
    kpi = make_indicator(
        agency_a,
        unit=unit_level,
        target=Decimal(5),
        achieved=Decimal(100),
        scoring_method=Indicator.Method.MILESTONE,
    )
    for level in range(1, 6):
        MilestoneLevel.objects.create(indicator=kpi, level=level, percent=20 * level, points=2 * level)
    return kpi


def test_a_draft_save_takes_ten_queries_begin_and_commit_included(kpi_a, reporter_a):
    report = actions.get_quarter(kpi_a, 2)
    save(reporter_a, report, "20")
    report, actor = as_get_quarter_gives_it(report), fresh(reporter_a)
    with CaptureQueriesContext(connection) as ctx:
        save(actor, report, "40")
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) <= DRAFT_SAVE, "\n".join(sql)
    assert sql[0].startswith("BEGIN") and sql[-1] == "COMMIT"
    assert sum(s.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")) for s in sql) == 2
    # One transaction: nothing after COMMIT (the findings were stored inside it).
    report.refresh_from_db()
    assert report.result == Decimal(40) and report.score is not None
    assert_derived_data_current(kpi_a)


def test_a_milestone_save_with_findings_stays_within_the_goal(milestone_kpi, reporter_a):
    report = actions.get_quarter(milestone_kpi, 2)
    save(reporter_a, report, "2")
    report, actor = as_get_quarter_gives_it(report), fresh(reporter_a)
    with CaptureQueriesContext(connection) as ctx:
        save(actor, report, "3")
    assert len(ctx.captured_queries) <= DRAFT_SAVE_WITH_FINDINGS, "\n".join(
        q["sql"] for q in ctx.captured_queries
    )
    assert FindingRecord.objects.filter(indicator=milestone_kpi, rule="Q001-level-out-of-scale").exists()
    assert_derived_data_current(milestone_kpi)
    report.refresh_from_db()
    assert report.score == Decimal(60)  # level 3 of 5: the level table was read with the quarters


def test_a_submit_is_pinned_too(kpi_a, reporter_a, head_a):
    report = actions.get_quarter(kpi_a, 2)
    save(reporter_a, report, "40")
    report, actor = as_get_quarter_gives_it(report), fresh(head_a)
    with CaptureQueriesContext(connection) as ctx:
        actions.submit_report(actor, report, version=report.version, now=IN_Q2)
    sql = [q["sql"] for q in ctx.captured_queries]
    # The submit's transaction. What the public read model rebuilds after COMMIT (the KPI's
    # public document, citykpi.publicdata) is its own work, not the submit's.
    transaction_sql = sql[: sql.index("COMMIT") + 1]
    assert len(transaction_sql) <= SUBMIT, "\n".join(transaction_sql)
    assert not any("quality_findingrecord" in s for s in sql[len(transaction_sql) :])
    report.refresh_from_db()
    assert report.status == QuarterReport.Status.SUBMITTED
    assert KpiStanding.objects.get(indicator=kpi_a).public_quarter == 2
    assert_derived_data_current(kpi_a)


def test_a_cut_strategy_title_is_still_found_by_the_save(kpi_a, reporter_a):
    plan = StrategyPlan.objects.create(code="t", name_th="แผน")
    node = StrategyNode.objects.create(plan=plan, path="7", title="การบริหารจัดการเมือง%")
    kpi_a.strategy_nodes.add(node)
    report, actor = actions.get_quarter(kpi_a, 2), fresh(reporter_a)
    with CaptureQueriesContext(connection) as ctx:
        save(actor, report, "40")
    # One query more, for the linked nodes, only because one of them could be flagged.
    assert len(ctx.captured_queries) <= DRAFT_SAVE_WITH_FINDINGS + 1
    assert FindingRecord.objects.filter(indicator=kpi_a, rule="Q009-title-truncated").count() == 1
    assert_derived_data_current(kpi_a)


def test_the_findings_stored_by_an_assessment_read_the_new_assessment(kpi_a, head_a, evaluator):
    """assess writes the assessment inside the state change: the findings stored with it
    see the new score, the first time (a new row) and the next (the row updated)."""
    from citykpi.evaluation import actions as evaluation

    components = {"2.1": "95", "2.2": "100"}
    report = actions.get_quarter(kpi_a, 2)
    save(head_a, report, "50")  # 50 of 80 scores 62.5
    actions.submit_report(head_a, report, now=IN_Q2)
    evaluation.assess(evaluator, report, score="100", components=components, now=IN_Q2)
    assert FindingRecord.objects.filter(indicator=kpi_a, rule="Q006-score-contradicts-result").exists()
    assert_derived_data_current(kpi_a)
    evaluation.reopen(evaluator, report, reason="ตรวจใหม่", now=IN_Q2)
    evaluation.assess(evaluator, report, score="60", components=components, now=IN_Q2)
    assert not FindingRecord.objects.filter(indicator=kpi_a, rule="Q006-score-contradicts-result").exists()
    assert_derived_data_current(kpi_a)


def test_a_reporter_of_the_agency_above_may_save_and_one_of_the_agency_below_may_not(
    make_indicator, agency_a, reporter_a
):
    from django.http import Http404

    below = Agency.objects.create(code="0410", name_th="กองย่อย", parent=agency_a, kind=Agency.Kind.OFFICE)
    kpi = make_indicator(below)
    report = actions.get_quarter(kpi, 2)
    save(reporter_a, report, "40")  # the role in 0409 covers 0409's sub-agencies
    assert AuditEvent.objects.filter(action="report.save").count() == 1
    other = get_user_model().objects.create_user(username="below-reporter")
    Membership.objects.create(user=other, role=Role.REPORTER, agency=below)
    above = actions.get_quarter(make_indicator(agency_a), 2)
    with pytest.raises(Http404):
        save(other, above, "40")


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")
def test_concurrent_saves_keep_one_audit_chain(make_indicator, agency_a, reporter_a):
    """Writers that take the chain's lock inside their KPI read (and others that take it in
    record()) still append one chain: every row links to the one before it."""
    kpis = [make_indicator(agency_a) for _ in range(4)]
    reports = [actions.get_quarter(kpi, 2) for kpi in kpis]
    start = threading.Barrier(len(reports) + 1)
    failures: list[BaseException] = []

    def writer(report: QuarterReport, n: int) -> None:
        try:
            start.wait()
            row, actor = as_get_quarter_gives_it(report), fresh(reporter_a)
            for i in range(5):
                save(actor, row, str(10 + i + n))
                if i == 2:  # an audited write of another kind, chained in record()
                    with transaction.atomic():
                        record(None, "agency.name_from_legacy", agency_a, after={"n": n})
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(r, n)) for n, r in enumerate(reports)]
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    rows = list(AuditEvent.objects.order_by("id").values_list("prev_hash", "row_hash"))
    assert len(rows) == len(reports) * 6
    for (_, before), (prev, _) in zip(rows, rows[1:]):
        assert prev == before
    call_command("audit-verify")  # raises CommandError when the chain is broken
