"""The waypoint follower of ViNT's deployment code (``deployment/src/pd_controller.py``), with two fixes.

The original is purely proportional: take one predicted waypoint (the 3rd by default), ``v = dx / DT``
and ``w = atan(dy / dx) / DT`` with ``DT = 1 / frame_rate``; turn in place toward the waypoint's heading
only when the waypoint sits *exactly* on the robot (``|dx|, |dy| < 1e-8``); never reverse; clip.

Two of its rules break on this robot, which (like the planner that drove the training data) turns in
place before it drives off:

* a turn-in-place waypoint is never exactly at the origin (a network predicts 1e-3 m, not 1e-8 m), so the
  heading branch never fires and ``atan(dy/dx)`` of two tiny numbers steers at random. Here a waypoint
  closer than ``turn_radius`` counts as "on the robot" and the robot turns toward its heading.
* ``atan(dy/dx)`` folds a waypoint behind the robot onto the front (behind-left steers right). Here the
  bearing is ``atan2(dy, dx)`` and the robot only turns (no forward speed) while the waypoint is behind.

With ground-truth waypoints the original rules reach 50 % of 12 evaluation goals, these 100 %
(see the model card).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from robostack.core.geometry import wrap_angle
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
    turn_radius: float = 0.05
    """m; a waypoint this close to the robot means "turn in place to its heading" (original 1e-8)."""
    original: bool = False
    """Apply the original rules unchanged (for the comparison in the model card)."""

    def command(self, waypoints: NDArray[np.float32]) -> Action:
        """Waypoints ``len×4`` (x, y in metres, cos, sin) in the robot frame → a base command."""
        dt = 1.0 / self.frame_rate
        dx, dy, hx, hy = (float(v) for v in waypoints[self.waypoint][:4])
        if self.original:
            v, w = _original_rules(dx, dy, hx, hy, dt)
        elif math.hypot(dx, dy) < self.turn_radius:
            v, w = 0.0, wrap_angle(math.atan2(hy, hx)) / dt
        else:
            bearing = math.atan2(dy, dx)
            v = dx / dt if abs(bearing) < math.pi / 2 else 0.0
            w = bearing / dt
        return Action(float(np.clip(v, 0.0, self.max_v)), float(np.clip(w, -self.max_w, self.max_w)))


def _original_rules(dx: float, dy: float, hx: float, hy: float, dt: float) -> tuple[float, float]:
    if abs(dx) < EPS and abs(dy) < EPS:
        return 0.0, wrap_angle(math.atan2(hy, hx)) / dt
    if abs(dx) < EPS:
        return 0.0, math.copysign(math.pi / (2 * dt), dy)
    return dx / dt, math.atan(dy / dx) / dt
