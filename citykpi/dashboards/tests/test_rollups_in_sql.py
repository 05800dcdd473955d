"""The roll-ups aggregated in the database give the scores quality.scoring gives over the
same KPIs (agency_score, node and dimension roll-ups), on random weights and results."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citykpi.dashboards.data import _score_year, agency_rollups
from citykpi.quality import scoring
from citykpi.quality.models import KpiStanding

pytestmark = pytest.mark.django_db

kpis = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
        st.tuples(st.integers(0, 60), st.integers(0, 60)),
        st.booleans(),  # linked under the goal 7.3.1 (else to area 5)
    ),
    min_size=1,
    max_size=8,
)


def test_agency_and_node_scores_aggregated_in_sql_equal_the_python_rule(grow_year, agency_a, agency_b, plan):
    agencies = {"a": agency_a, "b": agency_b}

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(specs=kpis)
    def check(specs):
        for agency, weight, results, under_goal in specs:
            grow_year(
                agencies[agency],
                list(results),
                weight=weight,
                node=plan["goal"] if under_goal else plan["area5"],
            )
        overview = _score_year(2566, public=True, agency_ids={agency_a.pk, agency_b.pk})
        got = {
            a.code: a.score.value
            for a in agency_rollups(2566, public=True, agency_ids={agency_a.pk, agency_b.pk})
        }
        for agency in agencies.values():
            # Every KPI of the agency in the year (earlier examples' too), scored in Python.
            rows = [
                (s.public_current, s.indicator.weight)
                for s in KpiStanding.objects.filter(agency=agency, fiscal_year_id=2566).select_related(
                    "indicator"
                )
            ]
            if rows:
                assert got[agency.code] == scoring.agency_score(rows).value
        area7 = {n["path"]: n for n in overview.node_rollup()}.get("7")
        linked = [
            (s.public_current, s.indicator.weight)
            for s in KpiStanding.objects.filter(
                fiscal_year_id=2566, indicator__strategy_nodes=plan["goal"]
            ).select_related("indicator")
        ]
        if linked:
            assert area7["score"].value == scoring.agency_score(linked).value
            assert area7["total"] == len(linked)

    check()
