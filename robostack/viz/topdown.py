"""Top-down map drawings: the robot's path, its pose, and a labelled head-camera panel."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

PathColour = (220, 40, 40)
RobotColour = (30, 90, 220)


def draw_path(
    image: np.ndarray,
    path: Sequence[tuple[float, float]],
    to_pixel: Callable[[tuple[float, float]], tuple[int, int]],
) -> np.ndarray:
    """Draw the travelled path onto a copy of ``image``."""
    out = image.copy()
    if len(path) >= 2:
        points = np.array([to_pixel(p) for p in path], dtype=np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [points], isClosed=False, color=PathColour, thickness=2, lineType=cv2.LINE_AA)
    return out


def draw_robot(
    image: np.ndarray, pose: Sequence[float], to_pixel: Callable[[tuple[float, float]], tuple[int, int]]
) -> np.ndarray:
    """Mark the robot as a disc with a heading tick (in place)."""
    x, y, yaw = float(pose[0]), float(pose[1]), float(pose[2])
    centre = to_pixel((x, y))
    nose = to_pixel((x + 0.45 * math.cos(yaw), y + 0.45 * math.sin(yaw)))
    cv2.circle(image, centre, 7, RobotColour, -1, lineType=cv2.LINE_AA)
    cv2.line(image, centre, nose, (255, 255, 255), 2, lineType=cv2.LINE_AA)
    return image


def compose_frame(camera: np.ndarray, topdown: np.ndarray, caption: str, height: int = 384) -> np.ndarray:
    """Head camera beside the top-down view, with a caption bar; even width and height."""
    cam = cv2.resize(camera, (height, height), interpolation=cv2.INTER_NEAREST)
    scale = height / topdown.shape[0]
    top = cv2.resize(topdown, (max(2, int(topdown.shape[1] * scale)), height), interpolation=cv2.INTER_AREA)
    frame = np.concatenate([cam, top], axis=1)
    bar = np.full((28, frame.shape[1], 3), 25, dtype=np.uint8)
    cv2.putText(bar, caption[:90], (8, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (240, 240, 240), 1, cv2.LINE_AA)
    frame = np.concatenate([bar, frame], axis=0)
    h, w = frame.shape[:2]
    return np.ascontiguousarray(frame[: h - h % 2, : w - w % 2])
