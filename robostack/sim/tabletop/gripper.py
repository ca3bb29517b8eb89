"""The Franka Panda gripper in the Contact-GraspNet / M2T2 parameterisation (one definition for all).

A grasp is rooted at an observed contact point ``c`` (the first finger's contact), with the unit
approach direction ``a`` (the gripper's z axis, pointing from the hand towards the object), the unit
baseline ``b`` (from ``c`` towards the other finger, the gripper's x axis) and the opening ``w``:

    R = [b, a x b, a],   t = c + (w / 2) b - GRIPPER_DEPTH a

so the hand frame sits ``GRIPPER_DEPTH`` behind the finger baseline, mid-way between the fingers.
The pybullet Panda's fingers open along its hand's y axis, so `hand_from_grasp` turns a grasp pose
into the pose of the URDF's ``panda_hand`` link.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

GRIPPER_DEPTH = 0.1034  # hand frame to the finger baseline (Panda), metres
MAX_WIDTH = 0.08  # widest opening of the Panda gripper, metres
FINGER_JOINT_Z = 0.0584  # finger joints' origin along the hand z axis (panda.urdf)

Array = NDArray[np.float64]

# Rotation from the grasp frame (x = baseline) to the pybullet panda_hand frame (y = finger motion).
_GRASP_TO_HAND = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def _unit(v: NDArray[np.floating], name: str) -> Array:
    v = np.asarray(v, dtype=np.float64)
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n < 1e-9:
        raise ValueError(f"{name} must be a non-zero finite 3-vector, got {v}")
    return v / n


def grasp_pose(
    contact: NDArray[np.floating],
    approach: NDArray[np.floating],
    baseline: NDArray[np.floating],
    width: float,
) -> Array:
    """The (4, 4) gripper pose of a contact grasp: R = [b, a x b, a], t = c + w/2 b - 0.1034 a.

    ``approach`` is made orthogonal to ``baseline`` (Gram-Schmidt) first, as M2T2 does.
    """
    b = _unit(baseline, "baseline")
    a = np.asarray(approach, dtype=np.float64)
    a = _unit(a - float(a @ b) * b, "approach (orthogonal to baseline)")
    pose = np.eye(4)
    pose[:3, 0] = b
    pose[:3, 1] = np.cross(a, b)
    pose[:3, 2] = a
    pose[:3, 3] = np.asarray(contact, dtype=np.float64) + 0.5 * float(width) * b - GRIPPER_DEPTH * a
    return pose


def grasp_from_pose(pose: NDArray[np.floating], width: float) -> tuple[Array, Array, Array]:
    """Inverse of `grasp_pose`: (contact, approach, baseline) of a gripper pose and opening."""
    pose = np.asarray(pose, dtype=np.float64)
    b = pose[:3, 0].copy()
    a = pose[:3, 2].copy()
    contact = pose[:3, 3] + GRIPPER_DEPTH * a - 0.5 * float(width) * b
    return contact, a, b


def hand_from_grasp(pose: NDArray[np.floating]) -> Array:
    """Pose of pybullet's ``panda_hand`` link for a grasp pose (a quarter turn about z)."""
    out = np.asarray(pose, dtype=np.float64).copy()
    out[:3, :3] = out[:3, :3] @ _GRASP_TO_HAND
    return out


def grasp_from_hand(pose: NDArray[np.floating]) -> Array:
    """Inverse of `hand_from_grasp`."""
    out = np.asarray(pose, dtype=np.float64).copy()
    out[:3, :3] = out[:3, :3] @ _GRASP_TO_HAND.T
    return out
