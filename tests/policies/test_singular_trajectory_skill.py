"""``navigate/social``: the skill's loop, its failure reasons, and its use of predicted futures.

A scripted robot (unicycle base, people on given paths) keeps these independent of the data; the
crowd world through `SimRobot` is covered in tests/hal/test_sim_robot_crowd.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from robostack.core import registry
from robostack.core.types import Action, Observation, Subtask
from robostack.hal.specs import base_action_spec
from robostack.policies.singular_trajectory.skill import SocialNavigate

GO = Subtask("navigate", "go_to", "goal")


class ScriptedRobot:
    """A unicycle base on an open floor; person i is at ``people[i](t)`` at time t.

    ``bump_at`` makes the contact counter rise on that send, like a bumper.
    """

    control_dt = 0.4

    def __init__(self, goal, people=(), tracks: bool = True, bump_at: int | None = None) -> None:
        self.pose = np.zeros(3)
        self.goal = np.asarray(goal, dtype=np.float32)
        self.people = list(people)
        self.tracks = tracks
        self.bump_at = bump_at
        self.t = 0.0
        self.sent: list[Action] = []
        self.collisions = 0
        self.stopped = False

    @property
    def action_spec(self):
        return base_action_spec(0.8, 2.0)

    def _history(self) -> np.ndarray:
        times = self.t + self.control_dt * np.arange(-7, 1)
        return np.array([[p(max(s, 0.0)) for s in times] for p in self.people], dtype=np.float32)

    def observe(self) -> Observation:
        extras = {}
        if self.tracks:
            hist = self._history().reshape(len(self.people), 8, 2)
            extras = {
                "pedestrians": hist,
                "pedestrian_mask": np.ones(len(self.people), dtype=np.int8),
                "goal": self.goal,
            }
        return Observation(
            rgb=np.zeros((0, 0, 3), np.uint8),
            depth=np.zeros((0, 0, 1), np.float32),
            odometry=np.array([*self.pose, 0.0, 0.0], dtype=np.float32),
            joint_positions=np.zeros(0, np.float32),
            time=self.t,
            extras=extras,
        )

    def send(self, action: Action) -> Action:
        v = float(np.clip(action.base_linear, -0.8, 0.8))
        w = float(np.clip(action.base_angular, -2.0, 2.0))
        mid = self.pose[2] + 0.5 * w * self.control_dt
        self.pose[:2] += v * self.control_dt * np.array([math.cos(mid), math.sin(mid)])
        self.pose[2] += w * self.control_dt
        self.t += self.control_dt
        self.sent.append(Action(v, w))
        if self.bump_at is not None and len(self.sent) == self.bump_at:
            self.collisions += 1
        return self.sent[-1]

    def stop(self) -> None:
        self.stopped = True


def test_registered_as_the_navigate_skills_social_mode() -> None:
    assert registry.get("skill", "navigate/social") is SocialNavigate


def test_reaches_the_goal_on_an_empty_floor() -> None:
    robot = ScriptedRobot(goal=(2.0, 2.0))
    result = SocialNavigate("static").run(GO, robot)
    assert result.success and result.reason == "" and robot.stopped
    assert np.linalg.norm(robot.pose[:2] - robot.goal) < 0.3
    # it turns towards the goal (45 degrees left) first, then drives about straight: 2.83 m at 0.8 m/s
    assert robot.sent[0].base_angular > 0
    assert result.steps <= 12
    assert 0.8 < result.metrics["spl"] <= 1.0


def test_failure_reasons() -> None:
    assert SocialNavigate("static").run(GO, ScriptedRobot((3, 0), tracks=False)).reason == "unsupported"
    other = Subtask("navigate", "go_to", "kitchen")
    assert SocialNavigate("static").run(other, ScriptedRobot((3, 0))).reason == "not_found"
    past = Subtask("navigate", "go_past", "goal")
    assert SocialNavigate("static").run(past, ScriptedRobot((3, 0))).reason == "unsupported"

    far = ScriptedRobot(goal=(30.0, 0.0))
    result = SocialNavigate("static", step_budget=3).run(GO, far)
    assert (result.success, result.reason, result.steps, len(far.sent)) == (False, "timeout", 3, 3)

    bumped = ScriptedRobot(goal=(30.0, 0.0), bump_at=2)
    result = SocialNavigate("static").run(GO, bumped)
    assert (result.reason, result.steps) == ("collision", 2) and bumped.stopped

    stop = SocialNavigate("static").run(Subtask("navigate", "stop"), ScriptedRobot((3, 0)))
    assert stop.success


class Oncoming:
    """A predictor that says every pedestrian keeps walking at 1.2 m/s along -x."""

    def predict(self, obs, walkable=None):
        import torch

        steps = torch.arange(1, 13, dtype=torch.float32).view(1, 1, 12, 1)
        last = obs[:, -1].view(-1, 1, 1, 2)
        return (last + steps * torch.tensor([-0.48, 0.0])).expand(-1, 20, -1, -1)


@pytest.mark.parametrize("mode", ["social", "static"])
def test_predicted_futures_change_the_plan(mode: str) -> None:
    """A person 6 m ahead, standing still so far: only a predictor that sees them coming swerves."""
    robot = ScriptedRobot(goal=(8.0, 0.0), people=[lambda t: (6.0, 0.0)])
    skill = SocialNavigate(mode, predictor=Oncoming())
    skill.step_budget = 1
    skill.run(GO, robot)
    first = robot.sent[0]
    if mode == "static":  # a standing person 6 m away is beyond the 4.8 s horizon: straight on, full speed
        assert first.base_angular == pytest.approx(0.0, abs=1e-6) and first.base_linear > 0.7
    else:
        assert abs(first.base_angular) > 0.1 or first.base_linear < 0.7
