"""``navigate/social``: the navigate skill's social mode, closed loop over a HAL `Robot`.

Each control period the skill reads the robot's observation — odometry, and the tracked
pedestrians and the goal in ``Observation.extras`` (``pedestrians`` (P, 8, 2) oldest first,
``pedestrian_mask`` (P,), ``goal`` (2,)) — predicts every pedestrian's next 4.8 s with
SingularTrajectory (20 samples), and lets the sampling MPC of `social.py` pick a (forward speed,
yaw rate) command for the differential-drive base, within the robot's own action limits.

The comparison modes use the same planner on the same robot and differ only in the futures they
assume: ``constant_velocity`` extrapolates each track, ``static`` treats people as obstacles that
stay where they are (the classical view).

Supported actions: ``go_to`` the goal (target ``goal`` or empty) and ``stop``. Failure reasons:
``unsupported`` (another action, or a robot that tracks no people), ``not_found`` (no goal in the
observation, or another target), ``collision`` (the robot's contact count rose) and ``timeout``
(step budget spent).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.registry import register
from robostack.core.types import Action, FailureReason, Observation, SkillResult, Subtask
from robostack.policies.singular_trajectory.social import (
    MODES,
    EpisodeOutcome,
    Mode,
    PlannerConfig,
    SocialPlanner,
)

DEFAULT_SCENE = "zara1"
"""Held-out scene of the default checkpoint: the one the crowd benchmark replays."""

GOAL_TARGETS = ("", "goal")


def default_checkpoint(scene: str = DEFAULT_SCENE) -> Path:
    from robostack.policies.singular_trajectory.commands import default_checkpoint_root

    return default_checkpoint_root() / scene


@register("skill", "navigate/social")
class SocialNavigate:
    """Navigate among people, planning around their predicted futures (see the module docstring)."""

    def __init__(
        self,
        mode: Mode = "social",
        checkpoint: str | Path | None = None,
        predictor: Any = None,
        step_budget: int = 50,
        goal_tolerance: float = 0.3,
        planner: PlannerConfig | None = None,
    ) -> None:
        self.mode = mode
        self.checkpoint = Path(checkpoint) if checkpoint else default_checkpoint()
        self._predictor = predictor
        self.step_budget = step_budget
        self.goal_tolerance = goal_tolerance
        self.planner_config = planner or PlannerConfig()
        self.planner: SocialPlanner | None = None
        self.on_step: Callable[[Observation, SocialPlanner], None] | None = None
        """Called after each plan, before the command is sent (videos, logging)."""

    @property
    def predictor(self) -> Any:
        """SingularTrajectory, loaded on first use (static and constant-velocity modes need none)."""
        if self._predictor is None and self.mode == "social":
            from robostack.policies.singular_trajectory.policy import SingularTrajectory

            self._predictor = SingularTrajectory.from_pretrained(self.checkpoint)
        return self._predictor

    def run(self, subtask: Subtask, robot: Any) -> SkillResult:
        if subtask.action == "stop":
            robot.stop()
            return SkillResult(subtask, True)
        if subtask.action != "go_to":
            return SkillResult(
                subtask, False, "unsupported", detail="social navigation supports go_to and stop"
            )
        obs = robot.observe()
        if "pedestrians" not in obs.extras:
            return SkillResult(
                subtask, False, "unsupported", detail="the robot's observation holds no tracked pedestrians"
            )
        if subtask.target not in GOAL_TARGETS or "goal" not in obs.extras:
            return SkillResult(subtask, False, "not_found", detail=f"no goal {subtask.target!r} to go to")
        self.planner = SocialPlanner(self.mode, self.predictor, self.planner_config)
        return self._drive(subtask, robot, obs, obs.extras["goal"].astype(np.float64))

    def _drive(self, subtask: Subtask, robot: Any, obs: Observation, goal: np.ndarray) -> SkillResult:
        assert self.planner is not None
        spec = robot.action_spec
        max_linear = float(spec["base_linear"].high)
        max_angular = float(spec["base_angular"].high)
        contacts = int(getattr(robot, "collisions", 0))
        start = obs.odometry[:2].astype(np.float64)
        d0 = float(np.linalg.norm(goal - start))
        travelled, steps, closest = 0.0, 0, math.inf
        reason: FailureReason = "timeout"
        while True:
            here = obs.odometry[:2].astype(np.float64)
            people = tracked(obs)
            if len(people):
                closest = min(closest, float(np.linalg.norm(people[:, -1] - here, axis=1).min()))
            if int(getattr(robot, "collisions", 0)) > contacts:
                reason = "collision"
                break
            if np.linalg.norm(goal - here) < self.goal_tolerance:
                reason = ""
                break
            if steps >= self.step_budget:
                break
            linear, angular = self.planner.command(
                obs.odometry[:3].astype(np.float64), goal, people, max_linear, max_angular
            )
            if self.on_step is not None:
                self.on_step(obs, self.planner)
            robot.send(Action(linear, angular))
            steps += 1
            obs = robot.observe()
            travelled += float(np.linalg.norm(obs.odometry[:2] - here))
        robot.stop()
        success = reason == ""
        metrics = {
            "success": float(success),
            "spl": float(success) * d0 / max(d0, travelled, 1e-9),
            "path_length": travelled,
            "straight_d0": d0,
            "time": obs.time,
        }
        if math.isfinite(closest):
            metrics["closest_tracked"] = closest  # centre to centre, people as tracked each period
        return SkillResult(subtask, success, reason, steps=steps, metrics=metrics)


def tracked(obs: Observation) -> np.ndarray:
    """The valid rows of the tracked pedestrians, (P, history, 2)."""
    mask = obs.extras.get("pedestrian_mask")
    people = obs.extras["pedestrians"]
    return people if mask is None else people[mask.astype(bool)]


def crowd_episode(skill: SocialNavigate, seed: int, world_config: Any = None) -> EpisodeOutcome:
    """One `robostack/Crowd-v0` crossing, driven by ``skill`` through `SimRobot` (the deployable
    path). The skill's own result says success; contact and the closest approach come from the
    world's ground truth (privileged, for metrics only)."""
    from robostack.hal.sim_robot import SimRobot

    with SimRobot("crowd", seed=seed, world_config=world_config) as robot:
        result = skill.run(Subtask("navigate", "go_to", "goal"), robot)
        info = robot.last_info
        return EpisodeOutcome(
            success=result.success,
            collision=robot.collisions > 0,
            min_distance=float(info["min_distance"]),
            time=float(info["time"]),
        )


def open_crowd_skills(checkpoint: str | Path, world_config: Any = None) -> tuple[dict[str, Any], Any]:
    """The skill of every benchmark mode, sharing one predictor, and the crowd world's settings:
    the state `core.parallel.run_episodes` hands `episode_in_every_mode`."""
    from robostack.policies.singular_trajectory.policy import SingularTrajectory

    predictor = SingularTrajectory.from_pretrained(checkpoint)
    return {mode: SocialNavigate(mode, predictor=predictor) for mode in MODES}, world_config


def episode_in_every_mode(state: tuple[dict[str, Any], Any], seed: int) -> dict[str, EpisodeOutcome]:
    """The crossing of ``seed`` once per mode: every mode meets the same crowd."""
    skills, world_config = state
    return {mode: crowd_episode(skill, seed, world_config) for mode, skill in skills.items()}
