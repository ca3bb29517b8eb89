"""Pictures of the driving world for videos and ``render()``: the BEV raster in colour, and a
north-up top-down view of the map with the route, the cars and the ego."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from robostack.sim.driving.dynamics import EGO_LENGTH, EGO_WIDTH
from robostack.sim.driving.geometry import box_corners
from robostack.sim.driving.raster import CHANNELS

_COLOURS = {
    "road": (60, 60, 60),
    "route": (40, 90, 160),
    "lane_boundaries": (200, 200, 200),
    "vehicles_past": (90, 60, 120),
    "vehicles": (60, 200, 255),
}


def bev_to_rgb(bev: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """(C, H, W) raster -> (H, W, 3) RGB: layers painted in order, traffic lights in their colours."""
    _, h, w = bev.shape
    image = np.zeros((h, w, 3), np.uint8)
    for name in ("road", "route", "lane_boundaries", "vehicles_past", "vehicles"):
        layer = bev[CHANNELS.index(name)]
        on = layer > 0
        image[on] = (np.asarray(_COLOURS[name]) * (layer[on, None] / 255.0)).astype(np.uint8)
    lights = bev[CHANNELS.index("traffic_lights")]
    image[lights == 80] = (0, 220, 0)
    image[lights == 170] = (240, 220, 0)
    image[lights == 255] = (240, 0, 0)
    return image


def top_down(env: Any, size: int = 256, metres: float = 120.0) -> NDArray[np.uint8]:
    """North-up map view around the ego: roads, the route's reference line, cars, the ego in red."""
    road_map, route = env.road_map, env.route
    ppm = size / metres
    scale = ppm / road_map.pixels_per_meter
    centre = road_map.to_pixels(env.ego.position[None])[0]
    # map pixels -> image pixels: scale about the ego, ego at the image centre
    affine = np.array(
        [[scale, 0.0, size / 2 - scale * centre[0]], [0.0, scale, size / 2 - scale * centre[1]]]
    )
    road = cv2.warpAffine(road_map.road, affine, (size, size), flags=cv2.INTER_NEAREST)
    lines = cv2.warpAffine(road_map.lane_lines, affine, (size, size), flags=cv2.INTER_NEAREST)
    image = np.full((size, size, 3), 235, np.uint8)
    image[road > 0] = (90, 90, 90)
    image[lines > 0] = (200, 200, 200)

    def to_image(points: NDArray[np.float64]) -> NDArray[np.int32]:
        pixels = road_map.to_pixels(points) * scale + (np.array([size / 2, size / 2]) - scale * centre)
        return np.round(pixels * 4).astype(np.int32)

    cv2.polylines(image, [to_image(route.line)], False, (40, 110, 230), 2, cv2.LINE_AA, shift=2)
    centres, yaws, _ = env._vehicles  # noqa: SLF001 - a picture of the env's own state
    if len(centres):
        boxes = box_corners(centres, yaws, 5.0, 1.8)
        cv2.fillPoly(image, list(to_image(boxes)), (0, 170, 230), cv2.LINE_AA, shift=2)
    ego = box_corners(env.ego.position[None], np.array([env.ego.yaw]), EGO_LENGTH, EGO_WIDTH)
    cv2.fillPoly(image, list(to_image(ego)), (230, 30, 30), cv2.LINE_AA, shift=2)
    return image


def side_by_side(env: Any, bev: NDArray[np.uint8], size: int = 256) -> NDArray[np.uint8]:
    """The BEV raster (scaled to ``size``) beside the top-down view: one video frame."""
    raster = cv2.resize(bev_to_rgb(bev), (size, size), interpolation=cv2.INTER_NEAREST)
    return np.concatenate([raster, top_down(env, size)], axis=1)
