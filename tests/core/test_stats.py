from __future__ import annotations

from robostack.core.stats import wilson_interval


def test_wilson_interval_against_hand_computed() -> None:
    # 50 of 100: centre 0.5, half-width 1.96·sqrt(0.0025 + (0.98/100)²)/(1 + 1.96²/100) = 0.0962.
    low, high = wilson_interval(50, 100)
    assert abs(low - 0.4038) < 1e-3 and abs(high - 0.5962) < 1e-3
    low, high = wilson_interval(100, 100)  # all successes: the interval still admits failures
    assert abs(high - 1.0) < 1e-9
    assert 0.95 < low < 0.97
    assert wilson_interval(0, 0) == (0.0, 1.0)
