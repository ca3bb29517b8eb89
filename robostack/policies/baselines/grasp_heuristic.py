"""The hand-written pick-and-place baseline that M2T2 must beat.

Grasp: top-down at the target's centroid (from its segmented points), across the object. Candidate
yaws every 22.5 degrees, scored by how narrow the object is across the fingers (a wide opening or an
object wider than the gripper scores low); the contact depth is 2.5 cm below the object's top (or
half its height for flat objects). Place: the receptacle's centre, 2 cm above its floor, with the
yaw bins of M2T2 ranked by how little they turn the held object.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from robostack.sim.tabletop.gripper import MAX_WIDTH, grasp_pose

Pose = NDArray[np.float64]
PLACE_HEIGHT = 0.02


class GraspHeuristic:
    """Policy object for ``robostack eval pick-place --policy heuristic``."""

    name = "heuristic"

    def reset(self) -> None:
        """Stateless."""

    def grasps(
        self,
        points: NDArray[np.floating],
        rgb: NDArray[np.floating],
        segment: NDArray[np.integer],
        target_index: int,
    ) -> list[tuple[Pose, float, float]]:
        obj = np.asarray(points, np.float64)[np.asarray(segment) == target_index]
        if len(obj) < 3:
            return []
        centre = obj.mean(0)
        top = float(obj[:, 2].max())
        depth_z = max(top - 0.025, 0.5 * top, 0.01)
        out: list[tuple[Pose, float, float]] = []
        approach = np.array([0.0, 0.0, -1.0])
        for k in range(8):
            yaw = math.pi * k / 8
            b = np.array([math.cos(yaw), math.sin(yaw), 0.0])
            along = (obj[:, :2] - centre[:2]) @ b[:2]
            extent = float(along.max() - along.min())
            width = min(extent + 0.01, MAX_WIDTH)
            mid = np.array([centre[0], centre[1], depth_z]) + 0.5 * float(along.max() + along.min()) * b
            contact = mid - 0.5 * width * b
            score = 1.0 - extent / MAX_WIDTH
            out.append((grasp_pose(contact, approach, b, width), width, score))
        out.sort(key=lambda g: -g[2])
        return out

    def placements(
        self,
        points: NDArray[np.floating],
        rgb: NDArray[np.floating],
        segment: NDArray[np.integer],
        held_points: NDArray[np.floating],
        ee_pose: NDArray[np.floating],
        receptacle_index: int,
    ) -> list[tuple[Pose, float]]:
        rec = np.asarray(points, np.float64)[np.asarray(segment) == receptacle_index]
        held = np.asarray(held_points, np.float64)
        if len(rec) < 3 or len(held) == 0:
            return []
        ee = np.asarray(ee_pose, np.float64)
        floor = float(np.percentile(rec[:, 2], 10))
        target = np.array(
            [0.5 * (rec[:, 0].min() + rec[:, 0].max()), 0.5 * (rec[:, 1].min() + rec[:, 1].max()), floor]
        )
        held_world = held @ ee[:3, :3].T + ee[:3, 3]
        bottom = np.array([held_world[:, 0].mean(), held_world[:, 1].mean(), held_world[:, 2].min()])
        out: list[tuple[Pose, float]] = []
        for k in range(8):
            yaw = 2 * math.pi * k / 8
            c, s = math.cos(yaw), math.sin(yaw)
            rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
            pose = np.eye(4)
            pose[:3, :3] = rz @ ee[:3, :3]
            pose[:3, 3] = target + rz @ (ee[:3, 3] - bottom) + np.array([0.0, 0.0, PLACE_HEIGHT])
            out.append((pose, 1.0 - abs(math.remainder(yaw, 2 * math.pi)) / math.pi))
        out.sort(key=lambda x: -x[1])
        return out
