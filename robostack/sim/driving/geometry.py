"""Oriented boxes: corners, overlap (separating axes) and the constant-velocity TTC test."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

TTC_TIMES = (0.1, 0.3, 0.5, 0.7, 0.9)
"""Forecast times of CaRL's TTC check, seconds."""


_FWD = np.array([1.0, -1.0, -1.0, 1.0])
_LEFT = np.array([1.0, 1.0, -1.0, -1.0])


def box_corners(
    centre: NDArray[np.float64], yaw: NDArray[np.float64], length: float, width: float
) -> NDArray[np.float64]:
    """Corners (N, 4, 2) of boxes with centres (N, 2) and headings (N,), counter-clockwise from front-left."""
    c = np.cos(yaw)[..., None]
    s = np.sin(yaw)[..., None]
    fwd, left = _FWD * (0.5 * length), _LEFT * (0.5 * width)
    out = np.empty((*np.shape(yaw), 4, 2))
    out[..., 0] = centre[..., 0, None] + fwd * c - left * s
    out[..., 1] = centre[..., 1, None] + fwd * s + left * c
    return out


def boxes_overlap(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Whether box corners ``a`` (..., 4, 2) overlap ``b`` (..., 4, 2), broadcasting over the leading axes."""
    a, b = np.broadcast_arrays(a, b)
    overlap = np.ones(a.shape[:-2], dtype=bool)
    for box in (a, b):
        for k in (0, 1):  # two edge directions per rectangle
            axis = box[..., k + 1, :] - box[..., k, :]
            pa = (a * axis[..., None, :]).sum(-1)
            pb = (b * axis[..., None, :]).sum(-1)
            separated = (pa.max(-1) < pb.min(-1)) | (pb.max(-1) < pa.min(-1))
            overlap &= ~separated
    return overlap


def ttc_violation(
    ego: NDArray[np.float64],
    ego_yaw: float,
    ego_speed: float,
    others: NDArray[np.float64],
    others_yaw: NDArray[np.float64],
    others_speed: NDArray[np.float64],
    length: float,
    width: float,
    ego_length: float,
    ego_width: float,
    times: tuple[float, ...] = TTC_TIMES,
) -> bool:
    """CaRL's TTC test: ego and others moved at constant velocity for each of `TTC_TIMES`; a violation
    is any overlap. As nuPlan's at-fault rule, a stopped ego and actors behind the ego do not count."""
    if ego_speed < 0.1 or len(others) == 0:
        return False
    heading = np.array([np.cos(ego_yaw), np.sin(ego_yaw)])
    ahead = (others - ego) @ heading > 0.0
    if not ahead.any():
        return False
    others, others_yaw, others_speed = others[ahead], others_yaw[ahead], others_speed[ahead]
    t = np.asarray(times)[:, None]
    ego_future = ego + t * ego_speed * heading  # (T, 2)
    dirs = np.stack([np.cos(others_yaw), np.sin(others_yaw)], axis=-1)
    future = others[None] + t[..., None] * others_speed[None, :, None] * dirs[None]  # (T, N, 2)
    # bounding circles first: boxes whose centres stay farther apart than the half-diagonals never touch
    gap = future - ego_future[:, None]
    radius = 0.5 * (np.hypot(length, width) + np.hypot(ego_length, ego_width))
    close = (gap * gap).sum(axis=-1) < radius * radius  # (T, N)
    if not close.any():
        return False
    times, idx = np.nonzero(close)
    ego_box = box_corners(ego_future[times], np.full(len(times), ego_yaw), ego_length, ego_width)
    boxes = box_corners(future[times, idx], others_yaw[idx], length, width)
    return bool(boxes_overlap(ego_box, boxes).any())
