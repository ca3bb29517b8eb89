"""CaRL's simple reward and the summed variant against hand-computed cases: every factor and termination."""

from __future__ import annotations

import pytest

from robostack.sim.driving.reward import (
    RewardInputs,
    comfort_violated,
    hold,
    simple_reward,
    summed_reward,
)


def test_clean_progress_is_the_reward() -> None:
    assert simple_reward(RewardInputs(progress=0.7)) == pytest.approx(0.7)


def test_outside_route_lanes_zeroes_progress() -> None:
    assert simple_reward(RewardInputs(progress=0.7, in_route_lanes=False)) == 0.0


def test_lane_centre_factor() -> None:
    # 0.4 m off a 3.2 m lane: 1 - 0.4 / 1.6 = 0.75
    assert simple_reward(RewardInputs(progress=2.0, lateral_offset=0.4, lane_width=3.2)) == pytest.approx(1.5)
    # beyond half a lane the factor is 0; inside a junction it does not apply
    assert simple_reward(RewardInputs(progress=2.0, lateral_offset=-2.0, lane_width=3.2)) == 0.0
    assert simple_reward(RewardInputs(progress=2.0, lateral_offset=2.0, in_junction=True)) == pytest.approx(
        2.0
    )


def test_speeding_factor() -> None:
    # 1.115 m/s over the limit: 1 - 1.115 / 2.23 = 0.5
    assert simple_reward(RewardInputs(progress=1.0, speed=11.115, speed_limit=10.0)) == pytest.approx(0.5)
    assert simple_reward(RewardInputs(progress=1.0, speed=13.0, speed_limit=10.0)) == 0.0
    assert simple_reward(RewardInputs(progress=1.0, speed=9.0, speed_limit=10.0)) == pytest.approx(1.0)


def test_ttc_and_comfort_factors_multiply() -> None:
    assert simple_reward(RewardInputs(progress=1.0, ttc_penalty=True)) == pytest.approx(0.5)
    # 3 of 6 comfort metrics held: 1 - 0.5 * 3 / 6 = 0.75
    assert simple_reward(RewardInputs(progress=1.0, comfort_violations=3)) == pytest.approx(0.75)
    # all together: 4 * 0.75 (lane) * 0.5 (speed) * 0.5 (ttc) * 0.5 (6 comfort) = 0.375
    x = RewardInputs(
        progress=4.0,
        lateral_offset=0.4,
        speed=11.115,
        speed_limit=10.0,
        ttc_penalty=True,
        comfort_violations=6,
    )
    assert simple_reward(x) == pytest.approx(0.375)


@pytest.mark.parametrize("reason", ["collision", "red_light"])
def test_collision_and_red_light_cost_one(reason: str) -> None:
    assert simple_reward(RewardInputs(progress=0.5, termination=reason)) == pytest.approx(-0.5)


@pytest.mark.parametrize("reason", ["offroad", "off_route", "blocked", "completed"])
def test_other_terminations_carry_no_penalty(reason: str) -> None:
    assert simple_reward(RewardInputs(progress=0.5, termination=reason)) == pytest.approx(0.5)


def test_summed_adds_the_penalties() -> None:
    # progress 1 + 0.1 * (0.75 - 1) (lane) + 0.1 * (0.5 - 1) (ttc) = 0.925
    assert summed_reward(RewardInputs(progress=1.0, lateral_offset=0.4, ttc_penalty=True)) == pytest.approx(
        0.925
    )
    # a penalty costs reward without any progress; every failure termination costs 10
    assert summed_reward(RewardInputs(progress=0.0, speed=13.0, speed_limit=10.0)) == pytest.approx(-0.1)
    assert summed_reward(RewardInputs(progress=0.0, termination="blocked")) == pytest.approx(-10.0)
    assert summed_reward(RewardInputs(progress=0.0, termination="completed")) == 0.0


def test_comfort_limits_and_hold() -> None:
    ok = {"lon_acc": 2.0, "lat_acc": 0.0, "jerk": 1.0, "lon_jerk": 1.0, "yaw_rate": 0.1, "yaw_acc": 0.1}
    assert comfort_violated(ok) == [False] * 6
    bad = dict(ok, lon_acc=-4.1, yaw_rate=1.0)
    assert comfort_violated(bad) == [True, False, False, False, True, False]
    assert hold(0, True, 500) == 500
    assert hold(500, False, 500) == 499
    assert hold(0, False, 500) == 0
