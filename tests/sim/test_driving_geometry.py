"""Oriented-box overlap, CaRL's TTC test and the bicycle model, on hand-made cases."""

from __future__ import annotations

import math

import numpy as np

from robostack.sim.driving.dynamics import ComfortSignals, EgoState, bicycle_step
from robostack.sim.driving.geometry import box_corners, boxes_overlap, ttc_violation


def _box(x: float, y: float, yaw: float, length: float = 4.0, width: float = 2.0) -> np.ndarray:
    return box_corners(np.array([[x, y]]), np.array([yaw]), length, width)[0]


def test_box_overlap_cases() -> None:
    a = _box(0, 0, 0)
    assert boxes_overlap(a, _box(3.9, 0, 0))  # bumpers 0.1 m into each other
    assert not boxes_overlap(a, _box(4.1, 0, 0))
    assert not boxes_overlap(a, _box(0, 2.1, 0))  # side by side, 0.1 m apart
    # a box rotated 45°: its corner reaches 2.12 m from its centre
    assert boxes_overlap(a, _box(4.0, 0, math.pi / 4))
    assert not boxes_overlap(a, _box(4.2, 0, math.pi / 4))


def test_ttc_forecasts_constant_velocity() -> None:
    ego = np.array([0.0, 0.0])
    other = np.array([[10.0, 0.0]])
    args = (4.0, 2.0, 4.0, 2.0)
    # closing at 10 m/s on a 6 m bumper gap: touch after 0.6 s, inside the 0.9 s horizon
    assert ttc_violation(ego, 0.0, 10.0, other, np.array([0.0]), np.array([0.0]), *args)
    # closing at 5 m/s: 4.5 m in 0.9 s, still 1.5 m apart
    assert not ttc_violation(ego, 0.0, 5.0, other, np.array([0.0]), np.array([0.0]), *args)
    # a stopped ego, or a car behind the ego, never counts
    assert not ttc_violation(ego, 0.0, 0.0, other, np.array([math.pi]), np.array([10.0]), *args)
    assert not ttc_violation(ego, 0.0, 1.0, -other, np.array([0.0]), np.array([20.0]), *args)


def test_bicycle_model() -> None:
    s = EgoState(0.0, 0.0, 0.0, speed=10.0)
    straight = bicycle_step(s, 1.0, 0.0, 0.1)
    assert straight.x == 1.0 and straight.y == 0.0 and straight.speed == 1.0 * 0.1 + 10.0
    left = bicycle_step(s, 0.0, 0.3, 0.1)
    assert left.y > 0 and left.yaw > 0, "positive steering turns left"
    stopped = bicycle_step(EgoState(0.0, 0.0, 0.0, speed=0.2), -6.0, 0.0, 0.1)
    assert stopped.speed == 0.0, "braking stops, never reverses"


def test_comfort_signals_see_a_constant_turn() -> None:
    signals = ComfortSignals(0.1)
    signals.reset(10.0, 0.0)
    out = {}
    for k in range(1, 20):
        out = signals.update(10.0, 0.5 * 0.1 * k)  # 0.5 rad/s at 10 m/s
    assert math.isclose(out["yaw_rate"], 0.5, rel_tol=1e-6)
    assert math.isclose(out["lat_acc"], 5.0, rel_tol=1e-6)
    assert abs(out["lon_acc"]) < 1e-9 and abs(out["yaw_acc"]) < 1e-6
