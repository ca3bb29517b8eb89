"""SimRobot over the crowd world: tracked people in ``Observation.extras``, a differential base."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robostack.core.types import Action
from robostack.data.eth_ucy import default_data_dir
from robostack.hal import Robot, SimRobot

pytestmark = pytest.mark.skipif(
    not (default_data_dir() / "zara1" / "test").is_dir(), reason="shared ETH-UCY data not present"
)


def test_specs_are_readable_without_a_connection() -> None:
    robot = SimRobot("crowd", seed=0)
    assert isinstance(robot, Robot) and not robot.is_connected
    spec = robot.observation_spec
    assert spec["extras.pedestrians"].shape == (32, 8, 2)
    assert spec["extras.goal"].shape == (2,)
    assert set(robot.action_spec) == {"base_linear", "base_angular"}
    assert robot.control_dt == pytest.approx(0.4)


def test_observation_carries_tracks_and_goal() -> None:
    with SimRobot("crowd", seed=1) as robot:
        obs = robot.observe()
        people, mask, goal = (obs.extras[k] for k in ("pedestrians", "pedestrian_mask", "goal"))
        assert people.shape == (32, 8, 2) and mask.sum() >= 3 and np.all(np.isfinite(people))
        assert obs.rgb.size == 0 and obs.joint_positions.size == 0
        # the base starts facing its goal
        x, y, yaw = obs.odometry[:3]
        assert math.atan2(goal[1] - y, goal[0] - x) == pytest.approx(float(yaw), abs=1e-5)


def test_unicycle_motion_and_limits() -> None:
    with SimRobot("crowd", seed=2) as robot:
        start = robot.observe().odometry.copy()
        sent = robot.send(Action(5.0, 0.0))
        assert sent.base_linear == pytest.approx(robot.safety.limits.max_linear)
        after = robot.observe().odometry
        heading = np.array([math.cos(start[2]), math.sin(start[2])])
        np.testing.assert_allclose(after[:2] - start[:2], 0.8 * 0.4 * heading, atol=1e-5)
        # full speed and yaw rate (0.8 m/s, 2 rad/s): 0.8 rad along a circle of radius 0.4 m
        robot.send(Action(0.8, 2.0))
        end = robot.observe().odometry
        left = np.array([-heading[1], heading[0]])
        arc_end = 0.4 * math.sin(0.8) * heading + 0.4 * (1 - math.cos(0.8)) * left
        np.testing.assert_allclose(end[:2] - after[:2], arc_end, atol=1e-4)
        assert end[2] - after[2] == pytest.approx(0.8, abs=1e-5)
        # stopping is immediate: no world time passes
        t = robot.time
        robot.stop()
        assert robot.time == t and np.all(robot.observe().odometry[3:] == 0)


def test_skill_episode_is_deterministic() -> None:
    from robostack.policies.singular_trajectory.skill import SocialNavigate, crowd_episode

    skill = SocialNavigate("constant_velocity")
    assert crowd_episode(skill, 5) == crowd_episode(skill, 5)


def test_crowd_episodes_in_workers_repeat_the_sequential_ones() -> None:
    from functools import partial

    from robostack.core.parallel import run_episodes
    from robostack.policies.singular_trajectory.skill import (
        default_checkpoint,
        episode_in_every_mode,
        open_crowd_skills,
    )
    from robostack.policies.singular_trajectory.social import MODES

    make_state = partial(open_crowd_skills, default_checkpoint())
    one = run_episodes(make_state, episode_in_every_mode, [3, 4])
    two = run_episodes(make_state, episode_in_every_mode, [3, 4], workers=2)
    assert one == two and all(set(row) == set(MODES) for row in one)
