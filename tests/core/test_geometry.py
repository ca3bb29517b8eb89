"""The one angle wrap the stack shares."""

from __future__ import annotations

import math

import numpy as np

from robostack.core.geometry import wrap_angle


def test_wrap_angle_maps_floats_and_arrays_into_minus_pi_to_pi() -> None:
    assert wrap_angle(0.5) == 0.5
    assert math.isclose(wrap_angle(2 * math.pi + 0.5), 0.5)
    assert math.isclose(wrap_angle(-math.pi - 0.5), math.pi - 0.5)
    assert wrap_angle(math.pi) == -math.pi  # the half-open range's one boundary
    turned = wrap_angle(np.array([3 * math.pi / 2, -3 * math.pi / 2, 0.0]))
    assert np.allclose(turned, [-math.pi / 2, math.pi / 2, 0.0])
