"""The waypoint follower of ViNT's deployment code (``deployment/src/pd_controller.py``).

It is purely proportional: take one predicted waypoint (the 3rd by default), ``v = dx / DT`` and
``w = atan(dy / dx) / DT`` with ``DT = 1 / frame_rate``; turn in place toward the waypoint's heading when
it sits on the robot; never reverse; clip to the speed limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from robostack.core.types import Action

EPS = 1e-8


@dataclass(frozen=True)
class PDController:
    waypoint: int = 2
    """Which predicted waypoint to follow (0-based; the original's ``--waypoint 2``)."""
    frame_rate: float = 4.0
    max_v: float = 0.5
    """m/s (the LoCoBot's 0.2 m/s is too slow for apartment-sized episodes)."""
    max_w: float = 1.0
    """rad/s (original 0.4)."""

    def command(self, waypoints: NDArray[np.float32]) -> Action:
        """Waypoints ``len×4`` (x, y in metres, cos, sin) in the robot frame → a base command."""
        dt = 1.0 / self.frame_rate
        dx, dy, hx, hy = (float(v) for v in waypoints[self.waypoint][:4])
        if abs(dx) < EPS and abs(dy) < EPS:
            v, w = 0.0, _wrap(math.atan2(hy, hx)) / dt
        elif abs(dx) < EPS:
            v, w = 0.0, math.copysign(math.pi / (2 * dt), dy)
        else:
            v, w = dx / dt, math.atan(dy / dx) / dt
        return Action(float(np.clip(v, 0.0, self.max_v)), float(np.clip(w, -self.max_w, self.max_w)))


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi
