"""The report writer: goals met or missed by how much, "not available yet" rows, and the
hand-written section kept across runs."""

from __future__ import annotations

from benchmarks import report


def _figure(key: str, value: float | None, unit: str = "ms", status: str = "ok") -> dict:
    return {
        "key": key,
        "section": "latency",
        "title": key,
        "status": status,
        "value": value,
        "unit": unit,
        "p50": None,
        "p95": value,
        "n": 200,
        "queries": "",
        "note": "",
        "command": "GET /x",
    }


def test_a_latency_over_its_goal_is_missed_by_the_difference_and_its_percentage():
    goal, result = report.verdict(_figure("kpi_page", 25.0), "city", True)
    assert goal == "p95 <= 20 ms"
    assert result == "**missed** by 5.00 ms (25 %)"


def test_a_throughput_goal_is_a_floor():
    assert report.verdict(_figure("throughput_kpi", 450.0, "req/s"), "city", True)[1] == "met"
    assert (
        report.verdict(_figure("throughput_kpi", 150.0, "req/s"), "city", True)[1]
        == "**missed** by 150 req/s (50 %)"
    )


def test_the_national_scale_holds_the_kpi_page_to_30_ms_and_states_no_other_goal():
    assert report.verdict(_figure("kpi_page", 25.0), "national", True) == ("p95 <= 30 ms", "met")
    assert report.verdict(_figure("home_search", 80.0), "national", True) == ("-", "-")


def test_goals_outside_the_city_scale_are_marked_as_reference_only():
    assert report.verdict(_figure("kpi_page", 5.0), "small", False)[1] == "met (goal is for the city scale)"


def test_a_part_that_has_not_landed_shows_not_available_yet_and_no_verdict():
    figure = _figure("dashboard", None, status="n/a")
    assert report._value(figure) == "not available yet"
    assert report.verdict(figure, "city", True) == ("p95 <= 200 ms", "-")


def test_the_hand_written_section_is_kept_and_the_generated_part_replaced(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(
        f"# old\n| stale | table |\n{report.HAND_START}\nThe dashboard misses because X.\n{report.HAND_END}\n"
    )
    assert report.existing_hand_part(path) == "The dashboard misses because X.\n"
    text = report.render([], hand=report.existing_hand_part(path))
    assert "stale" not in text
    assert text.endswith(f"{report.HAND_START}\nThe dashboard misses because X.\n{report.HAND_END}\n")


def test_a_new_report_starts_with_the_default_hand_written_section(tmp_path):
    assert report.existing_hand_part(tmp_path / "missing.md") == report.DEFAULT_HAND
