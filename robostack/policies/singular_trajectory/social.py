"""Social navigation: sampling-based MPC around pedestrians' predicted futures.

Every step the planner rolls out a fan of constant-velocity candidates over the predictor's
horizon (12 steps, 4.8 s) and picks the cheapest: distance left to the goal, plus a collision risk
read off the pedestrians' futures — the fraction of predicted samples closer than a safety
distance, discounted over the horizon. Receding horizon: only the first step is executed.

Two robot models: `act` plans velocity vectors for the crowd world's holonomic disc
(`run_episode`); `command` plans (forward speed, yaw rate) for a differential-drive base, rolling
each candidate out through the same heading controller that executes it — this is what the
``navigate/social`` skill uses on a HAL robot.

Modes share the planner and differ only in what they assume people will do:

- ``social``: SingularTrajectory's 20 samples per pedestrian;
- ``constant_velocity``: one extrapolated future per pedestrian;
- ``static``: people stay where they are (the classical planner's view of people as obstacles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from robostack.core.geometry import wrap_angle
from robostack.policies.singular_trajectory.walkable import WalkableMap

Mode = Literal["social", "constant_velocity", "static"]
MODES: tuple[Mode, ...] = ("social", "constant_velocity", "static")


@dataclass(frozen=True)
class PlannerConfig:
    """MPC settings; distances in metres, times in seconds."""

    horizon: int = 12
    dt: float = 0.4
    headings: int = 24
    speeds: tuple[float, ...] = (0.3, 0.6, 0.9, 1.2)
    safety_distance: float = 0.85
    """Robot radius + pedestrian radius (0.6) plus a margin."""
    collision_weight: float = 12.0
    discount: float = 0.85
    goal_radius: float = 0.3
    progress_weight: float = 0.5
    speed_fractions: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    """Differential base (`command`): candidate speeds as fractions of its top speed."""


class SocialPlanner:
    """Picks a velocity command from an observation of `robostack/Crowd-v0`."""

    def __init__(self, mode: Mode, predictor: Any = None, config: PlannerConfig | None = None) -> None:
        if mode == "social" and predictor is None:
            raise ValueError("social mode needs a trajectory predictor")
        self.mode = mode
        self.predictor = predictor
        self.config = config or PlannerConfig()
        self.last_futures: NDArray[np.float64] = np.zeros((0, 1, self.config.horizon, 2))
        self.seen = np.zeros((0, 2), np.float32)

    def reset(self) -> None:
        self.last_futures = np.zeros((0, 1, self.config.horizon, 2))
        self.seen = np.zeros((0, 2), np.float32)

    def walkable_so_far(self, history: NDArray[np.float32]) -> WalkableMap | None:
        """Where people have been seen to walk this episode, for a predictor trained with such
        maps (``walkable_maps: observed`` or ``place``: the crowd world has no other recordings of
        its place, so both see only the episode); None for one trained without."""
        cfg = getattr(self.predictor, "config", None)
        if getattr(cfg, "walkable_maps", "files") not in ("observed", "place"):
            return None
        # successive histories overlap in all but their newest step: keep each position once
        self.seen = np.unique(np.concatenate([self.seen, history.reshape(-1, 2)]), axis=0)
        return WalkableMap.from_points(self.seen, 0.1, cfg.walkable_radius)

    def futures(self, history: NDArray[np.float32]) -> NDArray[np.float64]:
        """Pedestrians' futures (P, S, horizon, 2) under this planner's assumption."""
        h = self.config.horizon
        if len(history) == 0:
            return np.zeros((0, 1, h, 2))
        now = history[:, -1].astype(np.float64)
        if self.mode == "static":
            return np.repeat(now[:, None, None, :], h, axis=2)
        if self.mode == "constant_velocity":
            vel = (history[:, -1] - history[:, -2]).astype(np.float64)
            steps = np.arange(1, h + 1).reshape(1, -1, 1)
            return (now[:, None, :] + vel[:, None, :] * steps)[:, None]
        import torch

        obs = torch.from_numpy(np.ascontiguousarray(history, dtype=np.float32))
        pred = self.predictor.predict(obs, walkable=self.walkable_so_far(history))
        return pred[:, :, :h].double().numpy()

    def candidates(self, robot: NDArray[np.float64], goal: NDArray[np.float64]) -> NDArray[np.float64]:
        """Velocity candidates (C, 2): a fan of headings (the goal's included) and speeds, plus stop."""
        c = self.config
        to_goal = math.atan2(goal[1] - robot[1], goal[0] - robot[0])
        angles = to_goal + np.linspace(-math.pi, math.pi, c.headings, endpoint=False)
        dirs = np.stack((np.cos(angles), np.sin(angles)), axis=1)
        vels = (dirs[None] * np.asarray(c.speeds)[:, None, None]).reshape(-1, 2)
        return np.concatenate((np.zeros((1, 2)), vels))

    def rollouts(
        self, robot: NDArray[np.float64], goal: NDArray[np.float64], vels: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Robot positions (C, horizon, 2); a rollout stops once it reaches the goal."""
        c = self.config
        t = np.arange(1, c.horizon + 1).reshape(1, -1, 1) * c.dt
        path = robot + vels[:, None, :] * t
        dist = float(np.linalg.norm(goal - robot))
        speed = np.linalg.norm(vels, axis=1, keepdims=True)
        along = np.clip(t[..., 0] * speed, 0.0, None)
        heading_ok = (vels @ (goal - robot)) / max(dist, 1e-9) > speed[:, 0] * 0.999
        stop = heading_ok[:, None] & (along >= dist)
        path[stop] = goal
        return path

    def act(self, obs: dict[str, NDArray[Any]]) -> NDArray[np.float32]:
        """Velocity (vx, vy) in m/s for the next step."""
        robot = obs["robot"][:2].astype(np.float64)
        goal = obs["robot"][4:6].astype(np.float64)
        history = obs["pedestrians"][obs["mask"].astype(bool)]
        futures = self.futures(history)
        self.last_futures = futures
        vels = self.candidates(robot, goal)
        paths = self.rollouts(robot, goal, vels)  # (C, H, 2)
        return vels[int(np.argmin(self.costs(paths, goal, futures)))].astype(np.float32)

    def costs(
        self, paths: NDArray[np.float64], goal: NDArray[np.float64], futures: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Cost (C,) of rollouts (C, H, 2): goal distance and progress plus predicted collision risk."""
        c = self.config
        to_goal = np.linalg.norm(paths - goal, axis=-1)  # (C, H)
        cost = to_goal[:, -1] + c.progress_weight * to_goal.mean(axis=1)  # near the goal, and soon
        if len(futures):
            # (C, P, S, H): distance from each rollout step to each predicted sample
            gap = np.linalg.norm(paths[:, None, None] - futures[None], axis=-1)
            risk = (gap < c.safety_distance).mean(axis=2).max(axis=1)  # (C, H) worst pedestrian
            weights = c.discount ** np.arange(c.horizon)
            cost = cost + c.collision_weight * (risk * weights).sum(axis=1)
        return cost

    # --- differential-drive base --------------------------------------------------------------

    def command(
        self,
        pose: NDArray[np.float64],
        goal: NDArray[np.float64],
        history: NDArray[np.float32],
        max_linear: float,
        max_angular: float,
    ) -> tuple[float, float]:
        """(forward speed m/s, yaw rate rad/s) for a unicycle base at ``pose`` = (x, y, yaw)."""
        futures = self.futures(history)
        self.last_futures = futures
        paths, first = self.unicycle_rollouts(pose, goal, max_linear, max_angular)
        best = int(np.argmin(self.costs(paths, goal, futures)))
        return float(first[best, 0]), float(first[best, 1])

    def unicycle_rollouts(
        self, pose: NDArray[np.float64], goal: NDArray[np.float64], max_linear: float, max_angular: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Positions (C, H, 2) and first commands (C, 2) of the candidates: each a heading from the
        fan and a speed, tracked by turning towards the heading at up to ``max_angular`` while
        driving at speed x cos(heading error), never past the goal; candidate 0 stands still."""
        c = self.config
        xy = np.asarray(pose[:2], dtype=np.float64)
        to_goal = math.atan2(goal[1] - xy[1], goal[0] - xy[0])
        fan = to_goal + np.linspace(-math.pi, math.pi, c.headings, endpoint=False)
        speeds = max_linear * np.asarray(c.speed_fractions)
        heading = np.concatenate(([pose[2]], np.tile(fan, len(speeds))))
        speed = np.concatenate(([0.0], np.repeat(speeds, len(fan))))
        n = len(heading)
        pos = np.repeat(xy[None], n, axis=0)
        yaw = np.full(n, float(pose[2]))
        paths = np.zeros((n, c.horizon, 2))
        first = np.zeros((n, 2))
        for t in range(c.horizon):
            err = wrap_angle(heading - yaw)
            omega = np.clip(err / c.dt, -max_angular, max_angular)
            remaining = np.linalg.norm(goal - pos, axis=1)
            v = np.minimum(speed * np.clip(np.cos(err), 0.0, None), remaining / c.dt)
            turn = omega * c.dt
            half = np.where(np.abs(turn) > 1e-9, turn / 2, 1.0)
            chord = v * c.dt * np.where(np.abs(turn) > 1e-9, np.sin(half) / half, 1.0)
            mid = yaw + turn / 2
            pos = pos + chord[:, None] * np.stack((np.cos(mid), np.sin(mid)), axis=1)
            yaw = yaw + turn
            paths[:, t] = pos
            if t == 0:
                first = np.stack((v, omega), axis=1)
        return paths, first


@dataclass
class EpisodeOutcome:
    success: bool
    collision: bool
    min_distance: float
    time: float


def run_episode(
    env: Any, planner: SocialPlanner, seed: int, frames: list[Any] | None = None
) -> EpisodeOutcome:
    """One crowd episode; with ``frames`` given, appends rendered images with the predicted fans."""
    obs, info = env.reset(seed=seed)
    planner.reset()
    while True:
        action = planner.act(obs)
        if frames is not None:
            env.overlay = [path for fan in planner.last_futures for path in fan]
            frames.append(env.render())
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return EpisodeOutcome(info["success"], info["collision"], info["min_distance"], info["time"])


def summarise(outcomes: list[EpisodeOutcome]) -> dict[str, float]:
    """The crowd benchmark's figures: rates over episodes; time to goal over successful ones."""
    n = max(len(outcomes), 1)
    reached = [o.time for o in outcomes if o.success]
    return {
        "success_rate": round(sum(o.success for o in outcomes) / n, 4),
        "collision_rate": round(sum(o.collision for o in outcomes) / n, 4),
        "min_distance_mean": round(float(np.mean([o.min_distance for o in outcomes])), 4),
        "time_to_goal": round(float(np.mean(reached)), 3) if reached else float("nan"),
    }
