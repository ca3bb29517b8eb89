"""The ego's route: a reference centre line through the route's edges and junctions, its lanes as a
raster mask, the stop lines it crosses, and progress along it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from robostack.sim.driving.network import RoadMap, _poly

END_MARGIN_M = 5.0
"""The route counts as completed this far before the end of its last lane."""


@dataclass
class StopLine:
    s: float
    """Arc length of the stop line along the route, metres."""
    tls: str
    link_index: int


@dataclass
class Route:
    edges: list[str]
    line: NDArray[np.float64]
    """Reference centre line (N, 2), metres."""
    cum: NDArray[np.float64]
    """Arc length at each vertex."""
    stops: list[StopLine]
    mask: NDArray[np.uint8] = field(repr=False)
    """Route lanes (all lanes of the route's edges and its junction paths), map pixels."""
    distance: NDArray[np.float32] = field(repr=False)
    """Distance in metres from each map pixel to the route mask."""
    start_s: float = 0.0

    @property
    def end_s(self) -> float:
        return float(self.cum[-1]) - END_MARGIN_M

    @property
    def length(self) -> float:
        """Length to drive, from the ego's start to the completion point."""
        return max(self.end_s - self.start_s, 1.0)

    def completion(self, s: float) -> float:
        """Route completion in [0, 1] at arc length ``s``."""
        return min(max((s - self.start_s) / self.length, 0.0), 1.0)

    def point_at(self, s: float) -> tuple[NDArray[np.float64], float]:
        """Position and heading (rad) of the reference line at arc length ``s``."""
        s = min(max(float(s), 0.0), float(self.cum[-1]))
        i = min(max(int(np.searchsorted(self.cum, s, side="right")) - 1, 0), len(self.line) - 2)
        seg = self.line[i + 1] - self.line[i]
        length = max(float(self.cum[i + 1] - self.cum[i]), 1e-9)
        point = self.line[i] + seg * ((s - self.cum[i]) / length)
        return point, float(np.arctan2(seg[1], seg[0]))

    def project(
        self, point: NDArray[np.float64], s_hint: float, back: float = 10.0, ahead: float = 30.0
    ) -> float:
        """Arc length of the closest point of the line within [s_hint - back, s_hint + ahead]."""
        lo = max(int(np.searchsorted(self.cum, s_hint - back)) - 1, 0)
        hi = min(int(np.searchsorted(self.cum, s_hint + ahead)) + 1, len(self.line) - 1)
        a, b = self.line[lo:hi], self.line[lo + 1 : hi + 1]
        seg = b - a
        seg_len2 = np.maximum((seg * seg).sum(axis=1), 1e-12)
        t = np.clip(((point - a) * seg).sum(axis=1) / seg_len2, 0.0, 1.0)
        closest = a + seg * t[:, None]
        k = int(np.argmin(((closest - point) ** 2).sum(axis=1)))
        return float(self.cum[lo + k] + t[k] * np.sqrt(seg_len2[k]))

    def next_stop(self, s: float) -> StopLine | None:
        for stop in self.stops:
            if stop.s >= s:
                return stop
        return None

    def distance_to_route(self, road_map: RoadMap, point: NDArray[np.float64]) -> float:
        x0, y1 = road_map.origin
        col = (float(point[0]) - x0) * road_map.pixels_per_meter
        row = (y1 - float(point[1])) * road_map.pixels_per_meter
        r, c = math.floor(row), math.floor(col)
        if not (0 <= r < self.distance.shape[0] and 0 <= c < self.distance.shape[1]):
            return float("inf")
        return float(self.distance[r, c])


def build_route(road_map: RoadMap, edges: list[str], start_lane: str | None = None) -> Route:
    """Reference line, stop lines and lane mask for a route given as consecutive normal edges."""
    pieces: list[NDArray[np.float64]] = []
    stop_at: list[tuple[int, str, int]] = []  # (vertex index of the stop line, tls, link)
    count = 0
    lane = start_lane or road_map.edge_lanes[edges[0]][0]
    for i, edge in enumerate(edges):
        conn = None
        if i + 1 < len(edges):
            options = road_map.connections.get((edge, edges[i + 1]), [])
            if not options:
                raise ValueError(f"no connection from edge {edge} to {edges[i + 1]}")
            same = [c for c in options if c.from_lane == lane]
            conn = same[0] if same else options[0]
            lane = conn.from_lane
        line = road_map.lanes[lane]
        pieces.append(line)
        count += len(line)
        if conn is not None:
            if conn.tls and conn.link_index >= 0:
                stop_at.append((count - 1, conn.tls, conn.link_index))
            pieces.append(conn.path[1:-1])
            count += len(conn.path) - 2
            lane = conn.to_lane
    points = np.vstack([p for p in pieces if len(p)])
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    stops = [StopLine(s=float(cum[k]), tls=tls, link_index=link) for k, tls, link in stop_at]
    mask = _route_mask(road_map, edges)
    distance = _distance_to_mask(mask, road_map.pixels_per_meter)
    return Route(edges=list(edges), line=points, cum=cum, stops=stops, mask=mask, distance=distance)


def _distance_to_mask(mask: NDArray[np.uint8], pixels_per_meter: float) -> NDArray[np.float32]:
    """Metres from each pixel to the mask. Exact within 20 m of the route's bounding box (the only
    place the off-route test asks at a useful distance); farther pixels read as 1e6 m."""
    distance = np.full(mask.shape, 1e6, np.float32)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return distance
    pad = int(np.ceil(20.0 * pixels_per_meter))
    r0, r1 = max(y - pad, 0), min(y + h + pad, mask.shape[0])
    c0, c1 = max(x - pad, 0), min(x + w + pad, mask.shape[1])
    inverse = np.where(mask[r0:r1, c0:c1] > 0, 0, 255).astype(np.uint8)
    distance[r0:r1, c0:c1] = cv2.distanceTransform(inverse, cv2.DIST_L2, 3) / pixels_per_meter
    return distance


def _route_mask(road_map: RoadMap, edges: list[str]) -> NDArray[np.uint8]:
    mask = np.zeros(road_map.shape, np.uint8)
    ppm = road_map.pixels_per_meter
    for i, edge in enumerate(edges):
        for lane in road_map.edge_lanes[edge]:
            thickness = max(1, int(round(road_map.lane_width[lane] * ppm)))
            cv2.polylines(
                mask, [_poly(road_map, road_map.lanes[lane])], False, 255, thickness, cv2.LINE_8, shift=2
            )
        if i + 1 < len(edges):
            for conn in road_map.connections.get((edge, edges[i + 1]), []):
                thickness = max(1, int(round(conn.width * ppm)))
                cv2.polylines(mask, [_poly(road_map, conn.path)], False, 255, thickness, cv2.LINE_8, shift=2)
    return mask
