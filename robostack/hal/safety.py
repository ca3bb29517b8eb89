"""The safety layer: velocity and joint limits, a command watchdog, and an emergency stop.

It sits in the HAL, below every policy: whatever a policy asks for, the robot only ever receives
what `SafetyLayer.filter` lets through.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from robostack.core.errors import ContractError
from robostack.core.types import Action
from robostack.hal.specs import PANDA_JOINT_LOWER, PANDA_JOINT_UPPER


@dataclass(frozen=True)
class SafetyLimits:
    max_linear: float = 0.8
    """Base forward speed, m/s."""
    max_angular: float = 2.0
    """Base yaw rate, rad/s."""
    joint_lower: tuple[float, ...] = tuple(PANDA_JOINT_LOWER.tolist())
    joint_upper: tuple[float, ...] = tuple(PANDA_JOINT_UPPER.tolist())
    watchdog_timeout: float = 0.5
    """Seconds without a command after which the base is stopped."""


@dataclass
class Watchdog:
    """Trips when no command has arrived for ``timeout`` seconds of robot time."""

    timeout: float
    last_command_time: float | None = None

    def feed(self, now: float) -> None:
        self.last_command_time = now

    def expired(self, now: float) -> bool:
        return self.last_command_time is not None and now - self.last_command_time >= self.timeout


@dataclass
class SafetyLayer:
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    estopped: bool = False

    def __post_init__(self) -> None:
        self.watchdog = Watchdog(self.limits.watchdog_timeout)

    def emergency_stop(self) -> None:
        """Latch the stop: every later command is a stop until `release` is called."""
        self.estopped = True

    def release(self) -> None:
        self.estopped = False

    def filter(self, action: Action) -> Action:
        """Clip a command to the limits; a latched emergency stop turns it into a stop."""
        if not action.is_finite():
            raise ContractError(f"refusing a non-finite command: {action}")
        if self.estopped:
            return Action()
        lim = self.limits
        arm = None
        if action.arm_joints is not None:
            if len(action.arm_joints) != len(lim.joint_lower):
                raise ContractError(
                    f"arm command has {len(action.arm_joints)} joints, expected {len(lim.joint_lower)}"
                )
            arm = tuple(np.clip(action.arm_joints, lim.joint_lower, lim.joint_upper).tolist())
        return replace(
            action,
            base_linear=float(np.clip(action.base_linear, -lim.max_linear, lim.max_linear)),
            base_angular=float(np.clip(action.base_angular, -lim.max_angular, lim.max_angular)),
            arm_joints=arm,
            gripper=None if action.gripper is None else float(np.clip(action.gripper, 0.0, 1.0)),
        )

    def hold(self, last: Action, now: float) -> Action:
        """The command a controller keeps applying when none arrives: the last one, base stopped
        once the watchdog trips."""
        if self.estopped or self.watchdog.expired(now):
            return replace(last, base_linear=0.0, base_angular=0.0)
        return last
