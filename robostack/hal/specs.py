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


def tracked_people_observation_spec(max_people: int, history: int) -> dict[str, Feature]:
    """A camera-less mobile base that receives tracked people (a crowd world, or a people tracker).

    The image fields stay in `Observation` but are empty; the tracks travel in ``extras``.
    """
    return {
        "rgb": Feature((0, 0, 3), "uint8", unit="no camera"),
        "depth": Feature((0, 0, 1), "float32", unit="no camera"),
        "odometry": Feature((5,), "float32", unit="x m, y m, yaw rad, v m/s, omega rad/s"),
        "joint_positions": Feature((0,), "float32", unit="no arm"),
        "extras.pedestrians": Feature(
            (max_people, history, 2), "float32", unit="m, last positions of each tracked person, oldest first"
        ),
        "extras.pedestrian_mask": Feature((max_people,), "int8", 0, 1, "1 = row holds a tracked person"),
        "extras.goal": Feature((2,), "float32", unit="m, the navigation goal in the odometry frame"),
    }


def base_action_spec(max_linear: float, max_angular: float) -> dict[str, Feature]:
    """A mobile base with no arm: forward speed and yaw rate."""
    return {
        "base_linear": Feature((), "float32", -max_linear, max_linear, "m/s"),
        "base_angular": Feature((), "float32", -max_angular, max_angular, "rad/s"),
    }
