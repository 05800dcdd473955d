"""The pure scoring module: worked examples for every method and property tests."""

from __future__ import annotations

import doctest
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.quality import scoring
from citykpi.quality.scoring import (
    BANDS,
    LOWER,
    MILESTONE,
    PERCENT_OF_TARGET,
    RANGE,
    Band,
    Level,
    QuarterInput,
    Rule,
    agency_score,
    project_year_end,
    score_value,
)

SEED_RULE = Rule(method=MILESTONE, target=D(5))
BANDS_RULE = Rule(method=BANDS, bands=tuple(Band(s, D(50 + 10 * s)) for s in range(1, 6)))


def test_the_module_docstring_examples_hold():
    failures, tried = doctest.testmod(scoring)
    assert tried > 20 and failures == 0


@pytest.mark.parametrize(
    "level, percent, points",
    [(0, "0", "0"), (1, "20", "2"), (2, "40", "4"), (3, "60", "6"), (4, "80", "8"), (5, "100", "10")],
)
def test_the_seeds_milestone_table_gives_20_percent_and_2_points_per_level(level, percent, points):
    score = score_value(SEED_RULE, D(level))
    assert (score.percent, score.points, score.level) == (D(percent), D(points), level or 0)


def test_a_milestone_result_outside_its_levels_is_refused_not_scored():
    with pytest.raises(scoring.ScoringError) as caught:
        score_value(SEED_RULE, D(100))
    assert "0-5" in caught.value.message_en and "0-5" in caught.value.message_th


def test_a_custom_level_table_scores_by_its_own_percentages():
    rule = Rule(
        method=MILESTONE, levels=(Level(1, D(50), D(5)), Level(2, D(80), D(8)), Level(3, D(100), D(10)))
    )
    assert [score_value(rule, D(n)).percent for n in (1, 2, 3)] == [D(50), D(80), D(100)]
    with pytest.raises(scoring.ScoringError):
        score_value(rule, D(4))


def test_percent_of_target_higher_is_better_is_capped():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(80))
    assert score_value(rule, D(40)).percent == D(50)
    assert score_value(rule, D(200)).percent == D(100)
    assert score_value(Rule(method=PERCENT_OF_TARGET, target=D(80), cap=D(120)), D(200)).percent == D(120)


def test_percent_of_target_lower_is_better_rewards_less():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(60), direction=LOWER)
    assert score_value(rule, D(120)).percent == D(50)
    assert score_value(rule, D(30)).percent == D(100)
    assert score_value(rule, D(0)).percent == D(100)


def test_percent_of_target_without_a_target_is_refused():
    with pytest.raises(scoring.ScoringError):
        score_value(Rule(method=PERCENT_OF_TARGET), D(5))


def test_score_bands_give_the_highest_score_whose_threshold_is_reached():
    assert [score_value(BANDS_RULE, D(v)).points for v in (55, 60, 75, 99, 100, 500)] == [0, 1, 2, 4, 5, 5]
    assert score_value(BANDS_RULE, D(80)).percent == D(60)


def test_lower_is_better_score_bands_descend():
    rule = Rule(method=BANDS, bands=(Band(1, D(120)), Band(3, D(90)), Band(5, D(60))))
    assert [score_value(rule, D(v)).points for v in (130, 120, 100, 60, 10)] == [0, 1, 1, 5, 5]


def test_a_range_is_best_in_the_middle_and_falls_off_both_sides():
    rule = Rule(method=RANGE, range_low=D(85), range_high=D(95), tolerance=D(10))
    assert [score_value(rule, D(v)).percent for v in (85, 90, 95, 80, 100, 60, 120)] == [
        100,
        100,
        100,
        50,
        50,
        0,
        0,
    ]


def test_the_indicator_range_direction_switches_to_the_range_method():
    rule = scoring.rule_from_config(PERCENT_OF_TARGET, {}, direction="range", range_low=1, range_high=2)
    assert rule.method == RANGE


def test_a_quarter_is_scored_against_its_own_planned_target():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(100))
    assert scoring.score_quarter(rule, QuarterInput(2, planned=D(50), result=D(40))).percent == D(80)
    assert scoring.score_quarter(rule, QuarterInput(2, result=D(40))).percent == D(40)


def test_the_year_uses_the_achieved_value_else_the_latest_result():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(100))
    quarters = [QuarterInput(1, result=D(30)), QuarterInput(3, result=D(70))]
    assert scoring.score_year(rule, quarters).percent == D(70)
    assert scoring.score_year(rule, quarters, achieved=D(90)).percent == D(90)
    assert scoring.score_year(rule, []) is None


def test_status_follows_configurable_thresholds():
    strict = scoring.Thresholds(on_track=D(90), at_risk=D(70))
    assert [scoring.status(D(v), strict) for v in (95, 90, 75, 69)] == [
        "on_track",
        "on_track",
        "at_risk",
        "off_track",
    ]
    assert scoring.status(None) == "no_data"
    with pytest.raises(ValueError):
        scoring.Thresholds(on_track=D(50), at_risk=D(60))


def test_projection_by_run_rate_when_there_is_no_plan_and_says_how():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(100))
    projection = project_year_end(rule, [QuarterInput(1, result=D(10)), QuarterInput(2, result=D(30))])
    assert projection.value == D(60) and projection.method == "run_rate"
    assert "× 4" in projection.method_th and "× 4" in projection.method_en


def test_projection_of_a_non_cumulative_kpi_is_its_latest_value():
    rule = Rule(method=PERCENT_OF_TARGET, target=D(90), cumulative=False)
    assert project_year_end(rule, [QuarterInput(2, result=D(85))]).value == D(85)


def test_projection_of_a_milestone_kpi_never_passes_its_top_level():
    projection = project_year_end(SEED_RULE, [QuarterInput(1, result=D(3))])
    assert projection.value == D(5)


def test_projection_without_results_is_none_and_says_why():
    projection = project_year_end(SEED_RULE, [])
    assert projection.value is None and projection.method == "none"


def test_agency_score_says_when_weights_do_not_add_up_to_100():
    ok = agency_score([(D(100), D(50)), (D(60), D(50))])
    assert ok.value == D(80) and ok.weights_ok and ok.message == ""
    off = agency_score([(D(100), D(50)), (D(60), D(30))])
    assert not off.weights_ok and "80" in off.message_th and "not 100" in off.message_en


def test_agency_score_leaves_out_unscored_kpis_and_says_so():
    result = agency_score([(D(90), D(50)), (None, D(50))])
    assert result.value == D(90) and result.unscored == 1 and "1 KPI" in result.message_en


def test_roll_ups_by_strategy_node_count_each_kpi_for_its_ancestors():
    rolled = scoring.roll_up_by_node(
        [(["7.3.1.1"], D(100), D(50)), (["7.3.2"], D(50), D(50)), (["5.1"], D(10), None)]
    )
    assert rolled["7"].value == D(75) and rolled["7.3.1"].value == D(100) and rolled["5"].value == D(10)


def test_roll_ups_by_evaluation_dimension():
    rolled = scoring.roll_up_by_dimension(
        [(1, D(100), D(30)), (1, D(0), D(10)), (2, D(50), D(60)), (None, D(1), D(1))]
    )
    assert rolled[1].value == D(75) and rolled[2].value == D(50) and None not in rolled


def test_evaluate_never_raises_and_keeps_what_it_could_not_score():
    result = scoring.evaluate(
        SEED_RULE, [QuarterInput(1, result=D(20)), QuarterInput(2, result=D(2))], D(100)
    )
    assert 1 in result.problems and result.quarters[2].percent == D(40)
    assert result.year is None and result.year_problem is not None
    assert result.status == "off_track"


# ------------------------------------------------------------------ properties

values = st.decimals(min_value=-1000, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=D("0.01"), max_value=10000, places=2)


def rules():
    percent = st.builds(
        lambda t, d, cap: Rule(method=PERCENT_OF_TARGET, target=t, direction=d, cap=cap),
        positive,
        st.sampled_from(["higher", LOWER]),
        st.sampled_from([D(100), D(120), D(150)]),
    )
    rng = st.builds(
        lambda lo, width, tol: Rule(method=RANGE, range_low=lo, range_high=lo + width, tolerance=tol),
        values,
        positive,
        st.one_of(st.none(), positive),
    )
    return st.one_of(percent, rng, st.just(BANDS_RULE))


@given(rules(), values)
def test_scores_stay_between_zero_and_the_cap(rule, value):
    score = score_value(rule, value)
    assert D(0) <= score.percent <= rule.cap


@given(st.integers(min_value=1, max_value=10), st.data())
def test_milestone_scores_stay_in_range_and_rise_with_the_level(levels, data):
    rule = Rule(method=MILESTONE, target=D(levels))
    a = data.draw(st.decimals(min_value=0, max_value=levels, places=2))
    b = data.draw(st.decimals(min_value=0, max_value=levels, places=2))
    low, high = sorted((a, b))
    assert D(0) <= score_value(rule, low).percent <= score_value(rule, high).percent <= D(100)


@given(rules(), values, values)
def test_scores_are_monotone_in_the_result_in_the_rules_direction(rule, a, b):
    low, high = sorted((a, b))
    s_low, s_high = score_value(rule, low).percent, score_value(rule, high).percent
    if rule.method == RANGE:
        # best in the middle: monotone on each side of the range
        if high <= rule.range_low:
            assert s_low <= s_high
        elif low >= rule.range_high:
            assert s_low >= s_high
    elif rule.direction == LOWER:
        assert s_low >= s_high
    else:
        assert s_low <= s_high


@given(
    st.lists(
        st.tuples(st.decimals(min_value=0, max_value=100, places=2), st.integers(min_value=1, max_value=60)),
        min_size=1,
        max_size=12,
    )
)
def test_weights_that_sum_to_100_give_a_score_within_the_range_of_the_kpi_scores(rows):
    raw = [w for _, w in rows]
    total = sum(raw)
    weights = [D(w) * 100 / total for w in raw]
    weights[-1] = D(100) - sum(weights[:-1])  # make the sum exactly 100
    result = agency_score([(s, w) for (s, _), w in zip(rows, weights)])
    scores = [s for s, _ in rows]
    assert result.weights_ok
    assert min(scores) - D("0.01") <= result.value <= max(scores) + D("0.01")


def test_a_milestone_kpi_on_its_plan_mid_year_is_on_track_not_scored_on_the_year_scale():
    from decimal import Decimal as D

    rule = scoring.Rule(method=scoring.MILESTONE, target=D(5))
    on_plan = [scoring.QuarterInput(1, D(1), D(1)), scoring.QuarterInput(2, D(2), D(2))]
    behind = [scoring.QuarterInput(1, D(1), D(1)), scoring.QuarterInput(2, D(3), D(1))]
    assert scoring.evaluate(rule, on_plan).status == scoring.ON_TRACK
    assert scoring.evaluate(rule, on_plan).quarters[2].percent == D(40)  # the year-scale score is kept
    assert scoring.evaluate(rule, behind).status == scoring.OFF_TRACK
