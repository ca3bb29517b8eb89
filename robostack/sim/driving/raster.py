"""Ego-centred, heading-up bird's-eye raster (CaRL-style channels).

The static layers (drivable area, route lanes, lane boundaries) live in one map-sized image drawn
once per network (the route once per episode); each step crops and rotates it with one
``cv2.warpAffine``. Vehicles and traffic lights are drawn per step, straight in the ego's frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from robostack.sim.driving.geometry import box_corners
from robostack.sim.driving.network import RoadMap

CHANNELS = ("road", "route", "lane_boundaries", "vehicles", "vehicles_past", "traffic_lights")
"""Channel order of the ``bev`` observation."""
LIGHT_VALUE = {"g": 80, "G": 80, "y": 170, "Y": 170, "r": 255, "R": 255, "u": 170}
"""Traffic-light channel intensity by SUMO signal state (nuPlan's 80 / 170 / 255)."""
SPEED_FULL_SCALE = 15.0
"""Vehicles are drawn with intensity 100 (stopped) .. 255 (at or above this speed, m/s)."""


class BevRenderer:
    """Draws the ``bev`` observation (C, H, W) uint8 around the ego."""

    def __init__(
        self, road_map: RoadMap, size: int, pixels_per_meter: float, ego_row_fraction: float
    ) -> None:
        self.road_map = road_map
        self.size = size
        self.ppm = pixels_per_meter
        self.col0 = 0.5 * size
        self.row0 = ego_row_fraction * size
        self.static: NDArray[np.uint8] = np.zeros((*road_map.shape, 3), np.uint8)
        far = max(self.row0, size - self.row0)
        self.radius = math.hypot(0.5 * size, far) / pixels_per_meter
        """Metres from the ego to the raster's farthest corner."""

    def set_route(self, route_mask: NDArray[np.uint8]) -> None:
        self.static = np.ascontiguousarray(
            np.stack([self.road_map.road, route_mask, self.road_map.lane_lines], axis=-1)
        )

    def to_raster(
        self, points: NDArray[np.float64], ego: NDArray[np.float64], yaw: float
    ) -> NDArray[np.float64]:
        """World points (..., 2) -> raster (col, row): col = col0 - left·ppm, row = row0 - forward·ppm."""
        c, s, k = math.cos(yaw), math.sin(yaw), self.ppm
        rotate = np.array([[k * s, -k * c], [-k * c, -k * s]])
        return (points - ego) @ rotate + (self.col0, self.row0)

    def render(
        self,
        ego: NDArray[np.float64],
        yaw: float,
        vehicles: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
        past: tuple[NDArray[np.float64], NDArray[np.float64]] | None,
        lights: tuple[NDArray[np.float64], list[str]],
        vehicle_size: tuple[float, float],
    ) -> NDArray[np.uint8]:
        """``vehicles`` = (centres, yaws, speeds); ``past`` = (centres, yaws) half a second ago;
        ``lights`` = (stop lines (S, 2, 2), state characters)."""
        out = np.empty((len(CHANNELS), self.size, self.size), np.uint8)
        out[:3] = self._static_crop(ego, yaw).transpose(2, 0, 1)
        out[3:] = 0
        length, width = vehicle_size
        centres, yaws, speeds = vehicles
        keep = self._visible(centres, ego, yaw, length)
        if keep.any():
            corners = self.to_raster(box_corners(centres[keep], yaws[keep], length, width), ego, yaw)
            pts = np.round(corners * 4).astype(np.int32)
            values = 100 + np.round(155 * np.clip(speeds[keep] / SPEED_FULL_SCALE, 0, 1)).astype(int)
            for poly, value in zip(pts, values.tolist(), strict=True):
                cv2.fillConvexPoly(out[3], poly, value, cv2.LINE_8, shift=2)
        if past is not None and len(past[0]):
            keep = self._visible(past[0], ego, yaw, length)
            if keep.any():
                corners = self.to_raster(box_corners(past[0][keep], past[1][keep], length, width), ego, yaw)
                cv2.fillPoly(out[4], list(np.round(corners * 4).astype(np.int32)), 255, cv2.LINE_8, shift=2)
        lines, states = lights
        if len(lines):
            ends = np.round(self.to_raster(lines, ego, yaw) * 4).astype(np.int32)
            thickness = max(1, int(round(self.ppm)))
            values = np.array([LIGHT_VALUE.get(state, 0) for state in states])
            for value in (80, 170, 255):  # one call per colour; red drawn last, on top
                chosen = ends[values == value]
                if len(chosen):
                    cv2.polylines(out[5], list(chosen), False, value, thickness, cv2.LINE_8, shift=2)
        return out

    def _visible(
        self, centres: NDArray[np.float64], ego: NDArray[np.float64], yaw: float, length: float
    ) -> NDArray[np.bool_]:
        """Boxes whose centre lies within the raster grown by a car length (cheap culling)."""
        if not len(centres):
            return np.zeros(0, dtype=bool)
        pixels = self.to_raster(centres, ego, yaw)
        margin = length * self.ppm
        lo, hi = -margin, self.size + margin
        return (pixels[:, 0] > lo) & (pixels[:, 0] < hi) & (pixels[:, 1] > lo) & (pixels[:, 1] < hi)

    def _static_crop(self, ego: NDArray[np.float64], yaw: float) -> NDArray[np.uint8]:
        # raster pixel (col, row) -> world -> map pixel, as one affine map for cv2 (inverse warp)
        c, s = math.cos(yaw), math.sin(yaw)
        k = 1.0 / self.ppm  # metres per raster pixel
        # forward = (row0 - row) k, left = (col0 - col) k
        # world = ego + forward (c, s) + left (-s, c)
        # map col = (world_x - x0) ppm_map, map row = (y1 - world_y) ppm_map
        m = self.road_map.pixels_per_meter
        x0, y1 = self.road_map.origin
        # world_x = ego_x + (row0 - row) k c - (col0 - col) k s
        ax_col, ax_row = k * s, -k * c
        ax_0 = ego[0] + self.row0 * k * c - self.col0 * k * s
        # world_y = ego_y + (row0 - row) k s + (col0 - col) k c
        ay_col, ay_row = -k * c, -k * s
        ay_0 = ego[1] + self.row0 * k * s + self.col0 * k * c
        affine = np.array(
            [
                [m * ax_col, m * ax_row, m * (ax_0 - x0)],
                [-m * ay_col, -m * ay_row, m * (y1 - ay_0)],
            ]
        )
        return cv2.warpAffine(
            self.static,
            affine,
            (self.size, self.size),
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
