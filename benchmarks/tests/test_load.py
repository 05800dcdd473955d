"""The load drivers' arithmetic and their refusal to leave loopback."""

from __future__ import annotations

import pytest

from benchmarks import load


def test_percentiles_are_nearest_rank_measured_values():
    values = [float(v) for v in range(1, 101)]  # 1..100 ms
    assert load.percentile(values, 50) == 50.0
    assert load.percentile(values, 95) == 95.0
    assert load.percentile([7.0], 95) == 7.0
    assert load.percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_wrk_is_refused_anywhere_but_loopback():
    with pytest.raises(ValueError, match="loopback"):
        load.run_wrk("http://example.org/", seconds=1, connections=1)
