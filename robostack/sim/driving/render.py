"""Pictures of the driving world: the BEV raster in colour, for videos and ``render()``."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

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
    # the ego, at its fixed place
    return image
