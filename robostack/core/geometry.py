"""Planar angles."""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

Angle = TypeVar("Angle", float, np.ndarray)


def wrap_angle(angle: Angle) -> Angle:
    """An angle (or an array of them) in radians, wrapped into [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi
