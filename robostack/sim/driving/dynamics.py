"""The ego's kinematic bicycle model and its filtered comfort signals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from robostack.core.geometry import wrap_angle

EGO_LENGTH = 4.7
EGO_WIDTH = 1.85
WHEELBASE = 2.8
MAX_SPEED = 25.0
"""m/s; the bicycle model never reverses."""


@dataclass
class EgoState:
    """Centre of the ego's box (metres), heading (rad, counter-clockwise from east), speed (m/s)."""

    x: float
    y: float
    yaw: float
    speed: float = 0.0
    steer: float = 0.0
    accel: float = 0.0

    @cached_property
    def position(self) -> NDArray[np.float64]:
        """(x, y) as an array, computed once: states are replaced each step, never changed."""
        return np.array([self.x, self.y])

    def front(self, length: float = EGO_LENGTH) -> tuple[float, float]:
        """Front-bumper centre: SUMO's vehicle position."""
        return (self.x + 0.5 * length * math.cos(self.yaw), self.y + 0.5 * length * math.sin(self.yaw))


def bicycle_step(state: EgoState, accel: float, steer: float, dt: float) -> EgoState:
    """One step of the kinematic bicycle model about the box centre (slip angle β at the centre of
    mass, half-way along the wheelbase). ``accel`` in m/s² (a brake stops at 0 speed), ``steer`` the
    front-wheel angle in rad, left positive."""
    lr = 0.5 * WHEELBASE
    beta = math.atan(0.5 * math.tan(steer))
    x = state.x + state.speed * math.cos(state.yaw + beta) * dt
    y = state.y + state.speed * math.sin(state.yaw + beta) * dt
    yaw = state.yaw + state.speed / lr * math.sin(beta) * dt
    yaw = wrap_angle(yaw)
    speed = min(max(state.speed + accel * dt, 0.0), MAX_SPEED)
    return EgoState(x=x, y=y, yaw=yaw, speed=speed, steer=steer, accel=(speed - state.speed) / dt)


def _savgol_rows(window: int, order: int, dt: float) -> NDArray[np.float64]:
    """Least-squares polynomial fit over the last ``window`` samples: rows give the value, first and
    second derivative at the newest sample (a one-sided Savitzky–Golay filter)."""
    t = np.arange(-window + 1, 1, dtype=np.float64) * dt
    vander = np.vander(t, order + 1, increasing=True)
    pinv = np.linalg.pinv(vander)
    return np.stack([pinv[0], pinv[1], 2.0 * pinv[2]])


class ComfortSignals:
    """nuPlan's six comfort signals from the ego's speed and heading history, Savitzky–Golay filtered
    (window 7 = 0.7 s at 10 Hz, quadratic)."""

    WINDOW = 7

    def __init__(self, dt: float) -> None:
        self.dt = dt
        self.rows = _savgol_rows(self.WINDOW, 2, dt)
        self.speed = np.zeros(self.WINDOW)
        self.yaw = np.zeros(self.WINDOW)
        self.lat_acc = np.zeros(self.WINDOW)

    def reset(self, speed: float, yaw: float) -> None:
        self.speed[:] = speed
        self.yaw[:] = yaw
        self.lat_acc[:] = 0.0

    @staticmethod
    def _push(buf: NDArray[np.float64], value: float) -> None:
        buf[:-1] = buf[1:]
        buf[-1] = value

    def update(self, speed: float, yaw: float) -> dict[str, float]:
        last = float(self.yaw[-1])
        yaw = last + wrap_angle(yaw - last)  # unwrap
        self._push(self.speed, speed)
        self._push(self.yaw, yaw)
        v = self.rows @ self.speed
        w = self.rows @ self.yaw
        lat_acc = float(v[0] * w[1])
        self._push(self.lat_acc, lat_acc)
        lat_jerk = float(self.rows[1] @ self.lat_acc)
        return {
            "lon_acc": float(v[1]),
            "lat_acc": lat_acc,
            "jerk": math.hypot(float(v[2]), lat_jerk),
            "lon_jerk": float(v[2]),
            "yaw_rate": float(w[1]),
            "yaw_acc": float(w[2]),
        }
