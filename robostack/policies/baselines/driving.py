"""Driving baselines for `robostack eval driving`: SUMO's own driver, and a lane-following heuristic.

Both read the environment's privileged state (`attach(env)`), which the learned policy never sees:

- `SumoDriverPolicy`: SUMO's Krauss driver model drives the ego along its route (``ego_control=
  "sumo"``): it keeps its lane, follows leaders and obeys traffic lights. The upper reference.
- `LaneFollowingPolicy`: pure pursuit on the route's reference line, a cruise speed under the limit,
  a gap controller behind the car ahead, a stop before red lights (and yellow ones it can still stop
  for), a yield to oncoming cars at permissive greens, and an emergency brake when a
  constant-velocity forecast meets another car within 1.5 s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from robostack.core.geometry import wrap_angle


class SumoDriverPolicy:
    """SUMO drives the ego; the actions it returns are ignored by the env."""

    env_overrides = {"ego_control": "sumo"}

    def reset(self) -> None:
        pass

    def act(self, obs: dict[str, NDArray[Any]]) -> NDArray[np.float32]:
        return np.zeros(2, np.float32)


class LaneFollowingPolicy:
    """Scripted driver on privileged state (see the module docstring)."""

    def __init__(
        self,
        cruise_fraction: float = 0.9,
        time_gap: float = 1.5,
        min_gap: float = 4.0,
        stop_margin: float = 2.0,
        comfortable_brake: float = 3.0,
    ) -> None:
        self.cruise_fraction = cruise_fraction
        self.time_gap = time_gap
        self.min_gap = min_gap
        self.stop_margin = stop_margin
        self.comfortable_brake = comfortable_brake
        self.env: Any = None

    def attach(self, env: Any) -> None:
        self.env = env.unwrapped

    def reset(self) -> None:
        pass

    def act(self, obs: dict[str, NDArray[Any]]) -> NDArray[np.float32]:
        env = self.env
        if env is None or env.route is None:
            raise RuntimeError("LaneFollowingPolicy needs attach(env) before act()")
        ego, cfg = env.ego, env.config
        steer = self._pure_pursuit(env)
        target = self.cruise_fraction * env._speed_limit  # noqa: SLF001 - privileged baseline
        target = min(target, self._curve_speed(env))
        leader = env.leader()
        if leader is not None:
            gap, speed = leader
            safe = self.min_gap + self.time_gap * ego.speed
            target = min(target, max(0.0, speed + 0.5 * (gap - safe)))
        accel = float(np.clip(1.5 * (target - ego.speed), -cfg.max_brake, cfg.max_accel))
        light = env.next_light()
        if light is not None and light[1] == "g" and light[0] < 25.0 and self._oncoming(env):
            light = (light[0], "r")  # a permissive green (lower-case g): yield to oncoming cars
        if light is not None and light[1] in "rRyYu":
            distance = light[0] - self.stop_margin
            can_stop = ego.speed**2 / (2 * cfg.max_brake) < light[0]
            if light[1] in "rR" or can_stop:  # on yellow, go through only when too close to stop
                # the deceleration that stops at the line, applied as soon as it matters
                needed = ego.speed**2 / (2 * max(distance, 0.1))
                if distance < 0.5:
                    accel = -cfg.max_brake
                elif needed > 0.5 * self.comfortable_brake:
                    accel = min(accel, -min(1.2 * needed, cfg.max_brake))
        if self._conflict(env):
            accel = -cfg.max_brake
        a0 = accel / (cfg.max_accel if accel >= 0 else cfg.max_brake)
        return np.array([a0, steer], np.float32)

    @staticmethod
    def _oncoming(env: Any) -> bool:
        """A car coming the other way within 60 m ahead."""
        centres, yaws, speeds = env._vehicles  # noqa: SLF001
        if not len(centres):
            return False
        ego = env.ego
        d = centres - ego.position
        forward = d[:, 0] * math.cos(ego.yaw) + d[:, 1] * math.sin(ego.yaw)
        against = np.abs(wrap_angle(yaws - ego.yaw)) > math.radians(120)
        return bool(np.any(against & (forward > 0) & (forward < 60.0) & (speeds > 1.0)))

    @staticmethod
    def _conflict(env: Any) -> bool:
        """Constant-velocity boxes meet within 1.5 s: brake now."""
        from robostack.sim.driving.dynamics import EGO_LENGTH, EGO_WIDTH
        from robostack.sim.driving.env import VEHICLE_LENGTH, VEHICLE_WIDTH
        from robostack.sim.driving.geometry import ttc_violation

        centres, yaws, speeds = env._vehicles  # noqa: SLF001
        ego = env.ego
        return ttc_violation(
            ego.position, ego.yaw, ego.speed, centres, yaws, speeds,
            VEHICLE_LENGTH, VEHICLE_WIDTH, EGO_LENGTH, EGO_WIDTH, times=(0.3, 0.6, 0.9, 1.2, 1.5),
        )  # fmt: skip

    @staticmethod
    def _pure_pursuit(env: Any) -> float:
        ego, route, cfg = env.ego, env.route, env.config
        from robostack.sim.driving.dynamics import WHEELBASE

        lookahead = max(5.0, 0.8 * ego.speed)
        point, _ = route.point_at(env._s + lookahead)  # noqa: SLF001
        d = point - ego.position
        alpha = math.atan2(d[1], d[0]) - ego.yaw
        alpha = wrap_angle(alpha)
        distance = max(float(np.hypot(*d)), 1e-3)
        delta = math.atan2(2.0 * WHEELBASE * math.sin(alpha), distance)
        return float(np.clip(delta / cfg.max_steer, -1.0, 1.0))

    @staticmethod
    def _curve_speed(env: Any) -> float:
        """Slow for the sharpest heading change within the next 25 m (lateral acceleration <= 2.5 m/s²)."""
        route, s = env.route, env._s  # noqa: SLF001
        _, h0 = route.point_at(s)
        worst = 0.0
        for ahead in (5.0, 10.0, 15.0, 20.0, 25.0):
            _, h = route.point_at(s + ahead)
            turn = abs(wrap_angle(h - h0))
            worst = max(worst, turn / ahead)  # rad per metre ~ curvature
        return math.sqrt(2.5 / worst) if worst > 1e-3 else 1e9
