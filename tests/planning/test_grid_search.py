import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from robostack.planning.grid_search import astar, line_of_sight, nearest_free, shorten


def wall_with_gap() -> np.ndarray:
    free = np.ones((10, 10), dtype=bool)
    free[:, 5] = False
    free[8, 5] = True  # the only way through
    return free


def test_astar_goes_through_the_gap():
    path = astar(wall_with_gap(), (0, 0), (0, 9))
    assert path is not None
    assert path[0] == (0, 0) and path[-1] == (0, 9)
    assert (8, 5) in path


def test_astar_returns_none_when_walled_off():
    free = wall_with_gap()
    free[8, 5] = False
    assert astar(free, (0, 0), (0, 9)) is None


def test_no_diagonal_corner_cutting():
    free = np.ones((2, 2), dtype=bool)
    free[0, 1] = free[1, 0] = False
    assert astar(free, (0, 0), (1, 1)) is None


def test_shorten_keeps_endpoints_and_line_of_sight():
    free = wall_with_gap()
    path = astar(free, (0, 0), (0, 9))
    assert path is not None
    short = shorten(free, path)
    assert short[0] == path[0] and short[-1] == path[-1]
    assert len(short) < len(path)
    assert all(line_of_sight(free, a, b) for a, b in zip(short, short[1:], strict=False))


def test_nearest_free():
    free = np.zeros((5, 5), dtype=bool)
    free[4, 4] = True
    assert nearest_free(free, (0, 0)) == (4, 4)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9))
def test_astar_on_open_grid_is_octile_optimal(r0, c0, r1, c1):
    free = np.ones((10, 10), dtype=bool)
    path = astar(free, (r0, c0), (r1, c1))
    assert path is not None
    length = sum(np.hypot(a[0] - b[0], a[1] - b[1]) for a, b in zip(path, path[1:], strict=False))
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    assert np.isclose(length, max(dr, dc) + (np.sqrt(2) - 1) * min(dr, dc))
