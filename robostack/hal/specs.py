"""What a robot senses and accepts, readable without a connection (LeRobot-style features)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PANDA_JOINT_LOWER = np.array([-2.8973, -1.7628, -2.8973, -3.0718, -2.8973, -0.0175, -2.8973])
PANDA_JOINT_UPPER = np.array([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973])


@dataclass(frozen=True)
class Feature:
    """One named signal: its shape, dtype, and (for commands) its bounds."""

    shape: tuple[int, ...]
    dtype: str
    low: float | tuple[float, ...] | None = None
    high: float | tuple[float, ...] | None = None
    unit: str = ""


def mobile_manipulator_observation_spec(image_size: int, wrist_size: int) -> dict[str, Feature]:
    return {
        "rgb": Feature((image_size, image_size, 3), "uint8"),
        "depth": Feature((image_size, image_size, 1), "float32", unit="m"),
        "wrist_rgb": Feature((wrist_size, wrist_size, 3), "uint8"),
        "odometry": Feature((5,), "float32", unit="x m, y m, yaw rad, v m/s, omega rad/s"),
        "joint_positions": Feature((9,), "float32", unit="rad (7 arm), m (2 fingers)"),
    }


def mobile_manipulator_action_spec(max_linear: float, max_angular: float) -> dict[str, Feature]:
    return {
        "base_linear": Feature((), "float32", -max_linear, max_linear, "m/s"),
        "base_angular": Feature((), "float32", -max_angular, max_angular, "rad/s"),
        "arm_joints": Feature(
            (7,), "float32", tuple(PANDA_JOINT_LOWER.tolist()), tuple(PANDA_JOINT_UPPER.tolist()), "rad"
        ),
        "gripper": Feature((), "float32", 0.0, 1.0, "0 open, 1 closed"),
    }
