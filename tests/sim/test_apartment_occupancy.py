"""Occupancy grid and geodesic distances on small hand-made grids (no pybullet)."""

import math

import numpy as np
import pytest

from robostack.sim.apartment.occupancy import OccupancyMap, rasterize


def _wall_grid() -> OccupancyMap:
    # 5 x 7 cells of 1 m; a wall down column 3 with a gap in the top row.
    grid = np.zeros((5, 7), dtype=bool)
    grid[:4, 3] = True
    return OccupancyMap(grid, 1.0, (0.0, 0.0))


def test_cell_world_round_trip():
    occ = OccupancyMap(np.zeros((4, 6), dtype=bool), 0.5, (-1.0, 2.0))
    assert occ.world_to_cell((-1.0, 2.0)) == (0, 0)
    assert occ.world_to_cell((0.74, 2.6)) == (1, 3)
    np.testing.assert_allclose(occ.cell_to_world(1, 3), (0.75, 2.75))
    assert occ.world_to_cell(occ.cell_to_world(3, 5)) == (3, 5)
    assert not occ.is_free((-1.1, 2.0))  # outside the grid counts as blocked


def test_geodesic_goes_around_the_wall():
    occ = _wall_grid()
    a, b = occ.cell_to_world(0, 1), occ.cell_to_world(0, 5)
    d = occ.geodesic_distance(a, b)
    # Detour through the gap at (4, 3) without cutting the wall's corner. 16-connected moves take a
    # knight move (sqrt5) on each side where 8-connected ones needed a diagonal and a straight step.
    assert d == pytest.approx(6 + 2 * math.sqrt(5))
    assert d < 8 + 2 * math.sqrt(2)  # shorter than the 8-connected answer
    assert d == pytest.approx(occ.distance_field(b)[0, 1])
    assert occ.distance_field(b)[0, 5] == 0.0
    assert math.isinf(occ.distance_field(b)[0, 3])  # blocked cells are inf


def test_exact_distance_on_open_grid():
    occ = OccupancyMap(np.zeros((3, 3), dtype=bool), 1.0, (0.0, 0.0))
    assert occ.geodesic_distance(occ.cell_to_world(0, 0), occ.cell_to_world(2, 2)) == pytest.approx(
        2 * math.sqrt(2)
    )
    assert occ.geodesic_distance(occ.cell_to_world(0, 0), occ.cell_to_world(0, 2)) == pytest.approx(2.0)


def test_no_corner_cutting_and_unreachable():
    grid = np.array([[False, True], [True, False]])
    occ = OccupancyMap(grid, 1.0, (0.0, 0.0))
    assert math.isinf(occ.geodesic_distance(occ.cell_to_world(0, 0), occ.cell_to_world(1, 1)))


def test_blocked_endpoint_snaps_to_nearest_free_cell():
    occ = _wall_grid()
    on_wall = occ.cell_to_world(2, 3)
    d = occ.geodesic_distance(occ.cell_to_world(2, 2), on_wall)
    assert d == pytest.approx(1.0)  # snapped to (2, 2) or (2, 4): 0 or far, plus the 1 m snap
    assert occ.nearest_free_cell(on_wall) in {(2, 2), (2, 4)}


def test_inflation_and_rasterize():
    grid = rasterize([(1.0, 1.0, 1.1, 1.1)], (0.0, 0.0), (20, 20), 0.1)
    assert grid.sum() == 1 and grid[10, 10]
    occ = OccupancyMap(grid, 0.1, (0.0, 0.0))
    big = occ.inflated(0.25)
    assert big.grid[10, 12] and not big.grid[10, 14]
    assert big.grid.sum() > grid.sum()
    assert occ.inflated(0).grid.sum() == 1
