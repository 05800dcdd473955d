"""Stored scores equal computed scores: quality.scoring stays the one definition, and
citykpi.quality.standing stores what it says, after random data and after each kind of
write through the actions (no rescore called by hand there)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citykpi.evaluation import actions as evaluation
from citykpi.indicators.models import Indicator, MilestoneLevel
from citykpi.quality import scoring
from citykpi.quality.models import KpiStanding, QualitySettings
from citykpi.quality.standing import rescore_kpis
from citykpi.reporting import actions as reporting
from citykpi.reporting.models import QuarterReport
from citykpi.reporting.tests.conftest import IN_Q2

S = QuarterReport.Status
STATUSES = [s.value for s in S]
COMPONENTS = {"2.1": "95", "2.2": "100"}

amounts = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False),
)
quarter_rows = st.lists(
    st.tuples(st.integers(1, 4), amounts, amounts, st.sampled_from(STATUSES)),
    max_size=4,
    unique_by=lambda row: row[0],
)
kpi_specs = st.fixed_dictionaries(
    {
        "method": st.sampled_from(scoring.METHODS),
        "direction": st.sampled_from(["higher", "lower", "range"]),
        "target": st.one_of(st.none(), st.decimals(min_value=1, max_value=300, places=2)),
        "achieved": amounts,
        "weight": st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
        "quarters": quarter_rows,
    }
)


def rule_of(kpi: Indicator) -> scoring.Rule:
    return scoring.rule_from_config(
        kpi.scoring_method,
        kpi.scoring_config,
        target=kpi.target,
        direction=kpi.direction,
        range_low=kpi.range_low,
        range_high=kpi.range_high,
        levels=[scoring.Level(lv.level, lv.percent, lv.points) for lv in kpi.milestone_levels.all()],
    )


def computed(kpi: Indicator, public: bool) -> tuple[str, Decimal | None, Decimal | None]:
    """What the dashboards computed before scores were stored: scoring.evaluate over the
    KPI's published (public) or reported (staff) quarters."""
    rows = kpi.quarters.all()
    rows = rows.published() if public else rows.exclude(status=S.NOT_STARTED)
    inputs = [scoring.QuarterInput(r.quarter, r.planned_target, r.result) for r in rows.order_by("quarter")]
    thresholds = QualitySettings.for_year(kpi.fiscal_year_id).thresholds
    rule = rule_of(kpi)
    evaluated = scoring.evaluate(rule, inputs, kpi.achieved, thresholds)
    latest = scoring.latest_reported(inputs)
    progress = evaluated.progress.get(latest.quarter) if latest else None
    current = None if progress is None else min(progress, Decimal(100))
    year = evaluated.year.percent if evaluated.year else None
    return evaluated.status, current, year


def assert_stored_equals_computed(kpi: Indicator) -> None:
    standing = KpiStanding.objects.get(indicator=kpi)
    assert (standing.public_status, standing.public_current, standing.public_year) == computed(kpi, True)
    assert (standing.staff_status, standing.staff_current, standing.staff_year) == computed(kpi, False)
    thresholds = QualitySettings.for_year(kpi.fiscal_year_id).thresholds
    for row in kpi.quarters.all():
        rule = rule_of(kpi)
        inp = scoring.QuarterInput(row.quarter, row.planned_target, row.result)
        try:
            score = scoring.score_quarter(rule, inp)
            progress = scoring.progress_against_plan(rule, inp)
        except scoring.ScoringError:
            score, progress = None, None
        assert row.score == (score.percent if score else None)
        assert row.progress == progress
        assert row.score_status == scoring.status(progress, thresholds)


@pytest.mark.django_db
def test_stored_scores_equal_computed_scores_on_random_kpis(make_indicator, agency_a):
    @settings(
        max_examples=120,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(spec=kpi_specs)
    def check(spec):
        kpi = make_indicator(
            agency_a,
            scoring_method=spec["method"],
            direction=spec["direction"],
            target=spec["target"],
            achieved=spec["achieved"],
            weight=spec["weight"],
            range_low=Decimal("40"),
            range_high=Decimal("60"),
            scoring_config={"bands": [{"score": 1, "low": "10"}, {"score": 5, "low": "50"}]},
        )
        if spec["method"] == scoring.MILESTONE:
            for level in range(1, 6):
                MilestoneLevel.objects.create(indicator=kpi, level=level, percent=20 * level, points=level)
        for quarter, planned, result, status in spec["quarters"]:
            QuarterReport.objects.create(
                indicator=kpi, quarter=quarter, planned_target=planned, result=result, status=status
            )
        rescore_kpis([kpi.pk])
        assert_stored_equals_computed(kpi)

    check()


@pytest.fixture
def kpi(make_indicator, agency_a):
    kpi = make_indicator(agency_a, target=Decimal("100"))
    rescore_kpis([kpi.pk])
    return kpi


def test_each_write_through_the_actions_keeps_the_stored_scores_current(kpi, head_a, evaluator):
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="70", narrative="ร่าง", version=report.version, now=IN_Q2)
    assert_stored_equals_computed(kpi)
    standing = KpiStanding.objects.get(indicator=kpi)
    assert standing.staff_status == scoring.OFF_TRACK and standing.public_status == scoring.NO_DATA
    reporting.submit_report(head_a, report, now=IN_Q2)
    assert_stored_equals_computed(kpi)
    assert KpiStanding.objects.get(indicator=kpi).public_status == scoring.OFF_TRACK
    reporting.recall_report(head_a, report, now=IN_Q2)
    assert_stored_equals_computed(kpi)
    assert KpiStanding.objects.get(indicator=kpi).public_status == scoring.NO_DATA
    report.refresh_from_db()
    reporting.save_report(head_a, report, result="95", narrative="ดีขึ้น", version=report.version, now=IN_Q2)
    reporting.submit_report(head_a, report, now=IN_Q2)
    evaluation.assess(evaluator, report, score="90", components=COMPONENTS, now=IN_Q2)
    assert_stored_equals_computed(kpi)
    assert KpiStanding.objects.get(indicator=kpi).public_status == scoring.AT_RISK
    evaluation.reopen(evaluator, report, reason="ตรวจใหม่", now=IN_Q2)
    assert_stored_equals_computed(kpi)
    report.refresh_from_db()
    assert report.score == Decimal("95.00") and report.score_status == scoring.AT_RISK


def test_a_refused_write_leaves_the_stored_scores_as_they_were(kpi, head_a):
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="70", narrative="", version=report.version, now=IN_Q2)
    before = KpiStanding.objects.values().get(indicator=kpi)
    with pytest.raises(Exception, match="version|รุ่น|แก้ไข|conflict|Conflict"):
        reporting.save_report(head_a, report, result="99", narrative="", version=1, now=IN_Q2)
    assert KpiStanding.objects.values().get(indicator=kpi) == before


def test_the_rescore_command_rebuilds_what_was_changed_behind_the_actions(kpi, head_a, capsys):
    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="70", narrative="", version=report.version, now=IN_Q2)
    QuarterReport.objects.filter(pk=report.pk).update(result=Decimal("100"))  # SQL, no action
    assert KpiStanding.objects.get(indicator=kpi).staff_status == scoring.OFF_TRACK
    call_command("rescore", "--year", str(kpi.fiscal_year_id))
    assert KpiStanding.objects.get(indicator=kpi).staff_status == scoring.ON_TRACK
    assert_stored_equals_computed(kpi)
    assert "rescored 1 KPIs" in capsys.readouterr().out


def test_changing_a_years_thresholds_rescores_its_kpis(kpi, head_a, evaluator):
    from citykpi.audit.log import record

    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="85", narrative="", version=report.version, now=IN_Q2)
    assert KpiStanding.objects.get(indicator=kpi).staff_status == scoring.AT_RISK
    settings_row = QualitySettings.objects.create(fiscal_year_id=kpi.fiscal_year_id, at_risk_percent=90)
    record(evaluator, "quality.settings", settings_row)
    assert KpiStanding.objects.get(indicator=kpi).staff_status == scoring.OFF_TRACK
    assert_stored_equals_computed(kpi)


def test_a_legacy_import_stores_the_scores_of_what_it_wrote(db, tmp_path):
    from citykpi.exchange.legacy import import_paths
    from citykpi.exchange.tests.test_legacy_import import SEED_TEXT, write

    write(tmp_path, "seed.txt", SEED_TEXT)
    report = import_paths([tmp_path], fiscal_year=2564)
    assert report.created >= 1 and not report.failed_files
    kpi = Indicator.objects.get(code="0409-0950")
    assert kpi.quarters.exclude(result=None).exists()
    assert_stored_equals_computed(kpi)


def test_a_carry_forward_stores_the_scores_of_the_new_kpis(kpi, head_a, evaluator):
    from citykpi.planning import actions as planning

    report = reporting.get_quarter(kpi, 2)
    reporting.save_report(head_a, report, result="70", narrative="", version=report.version, now=IN_Q2)
    result = planning.carry_forward(evaluator, from_year=kpi.fiscal_year_id, to_year=kpi.fiscal_year_id + 1)
    assert result.created
    for new in result.created:
        assert_stored_equals_computed(Indicator.objects.get(pk=new.pk))
