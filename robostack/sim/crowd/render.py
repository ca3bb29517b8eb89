"""Top-down drawing of the crowd world: people, robot, goal and optional paths (predicted fans)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

SIZE = 480
SPAN_M = 12.0


def draw_scene(
    centre: NDArray[np.float64],
    robot: NDArray[np.float64],
    goal: NDArray[np.float64],
    people: NDArray[np.float64],
    robot_radius: float,
    ped_radius: float,
    paths: list[NDArray[np.float64]],
) -> NDArray[np.uint8]:
    """An RGB image, ``SPAN_M`` metres wide around ``centre``, y up."""
    import cv2

    img = np.full((SIZE, SIZE, 3), 245, dtype=np.uint8)
    scale = SIZE / SPAN_M

    def px(xy: NDArray[np.float64]) -> tuple[int, int]:
        d = (np.asarray(xy) - centre) * scale
        return int(round(SIZE / 2 + d[0])), int(round(SIZE / 2 - d[1]))

    for path in paths:
        pts = np.array([px(p) for p in path], dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(img, [pts], False, (250, 160, 60), 1, cv2.LINE_AA)
    for p in people:
        cv2.circle(img, px(p), max(2, int(ped_radius * scale)), (60, 90, 230), -1, cv2.LINE_AA)
    cv2.drawMarker(img, px(goal), (40, 160, 40), cv2.MARKER_STAR, 18, 2)
    cv2.circle(img, px(robot), max(2, int(robot_radius * scale)), (30, 30, 30), -1, cv2.LINE_AA)
    return img
