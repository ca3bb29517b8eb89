"""2-D occupancy grids and geodesic distances for the apartment (privileged map).

The grid is what a classical planner and the SPL metric need: ``True`` = blocked (walls, furniture
footprints, everything outside the apartment). Geodesic distances are 8-connected Dijkstra on the free
cells (scipy's compiled csgraph, so a full field over ~60k cells takes a few milliseconds); fields are
cached per goal cell because evaluation asks for the same goals over and over.

Pure numpy/scipy: importing this module never loads pybullet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

Rect = tuple[float, float, float, float]
"""Axis-aligned rectangle ``(x0, y0, x1, y1)`` in metres."""

MAX_CACHED_FIELDS = 64
"""Distance fields kept per map (least recently used dropped first); one is ~0.5 MB for an apartment."""
_NEIGHBOURS = ((0, 1), (1, 0), (1, 1), (1, -1), (1, 2), (2, 1), (1, -2), (2, -1))
"""Half of the 16-neighbourhood (with knight moves); the graph is symmetric, so each edge is added
both ways. Knight moves cut the grid's overestimate of straight-line distances from up to 8.2%
(8-connected) to under 2.7%, which matters for SPL's d0."""


def _crossed_cells(dr: int, dc: int) -> list[tuple[int, int]]:
    """Cells besides the two ends that the straight move (dr, dc) passes through."""
    if abs(dr) == 1 and abs(dc) == 1:
        return [(dr, 0), (0, dc)]
    if abs(dc) == 2:
        return [(0, dc // 2), (dr, dc // 2)]
    if abs(dr) == 2:
        return [(dr // 2, 0), (dr // 2, dc)]
    return []


def rasterize(
    rects: Iterable[Rect], origin: tuple[float, float], shape: tuple[int, int], resolution: float
) -> NDArray[np.bool_]:
    """Mark every cell that a rectangle overlaps (conservative: a sliver of overlap blocks the cell)."""
    grid = np.zeros(shape, dtype=bool)
    ox, oy = origin
    eps = 1e-6
    for x0, y0, x1, y1 in rects:
        c0 = max(int(math.floor((x0 - ox) / resolution + eps)), 0)
        c1 = min(int(math.ceil((x1 - ox) / resolution - eps)), shape[1])
        r0 = max(int(math.floor((y0 - oy) / resolution + eps)), 0)
        r1 = min(int(math.ceil((y1 - oy) / resolution - eps)), shape[0])
        if c1 > c0 and r1 > r0:
            grid[r0:r1, c0:c1] = True
    return grid


@dataclass(eq=False)
class OccupancyMap:
    """A boolean grid (rows = y, cols = x) with its resolution (m/cell) and origin (world xy of the
    lower-left corner of cell (0, 0)). Points outside the grid count as blocked."""

    grid: NDArray[np.bool_]
    resolution: float
    origin: tuple[float, float]
    _fields: dict[tuple[int, int], NDArray[np.float64]] = field(default_factory=dict, repr=False)
    _graph: csr_matrix | None = field(default=None, repr=False)
    _nearest_free: NDArray[np.intp] | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.grid.shape[0]), int(self.grid.shape[1]))

    def world_to_cell(self, xy: Iterable[float]) -> tuple[int, int]:
        x, y = (float(v) for v in list(xy)[:2])
        col = int(math.floor((x - self.origin[0]) / self.resolution))
        row = int(math.floor((y - self.origin[1]) / self.resolution))
        return row, col

    def cell_to_world(self, row: int, col: int) -> NDArray[np.float64]:
        """Centre of a cell, world xy."""
        return np.array(
            [self.origin[0] + (col + 0.5) * self.resolution, self.origin[1] + (row + 0.5) * self.resolution]
        )

    def in_bounds(self, row: int, col: int) -> bool:
        return 0 <= row < self.grid.shape[0] and 0 <= col < self.grid.shape[1]

    def is_free(self, xy: Iterable[float]) -> bool:
        row, col = self.world_to_cell(xy)
        return self.in_bounds(row, col) and not bool(self.grid[row, col])

    def cells_blocked(self, xy: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Vectorised lookup for an (N, 2) array of points; out-of-grid points are blocked."""
        cols = np.floor((xy[:, 0] - self.origin[0]) / self.resolution).astype(np.intp)
        rows = np.floor((xy[:, 1] - self.origin[1]) / self.resolution).astype(np.intp)
        inside = (rows >= 0) & (rows < self.grid.shape[0]) & (cols >= 0) & (cols < self.grid.shape[1])
        out = np.ones(len(xy), dtype=bool)
        out[inside] = self.grid[rows[inside], cols[inside]]
        return out

    def inflated(self, radius: float) -> OccupancyMap:
        """Grow obstacles by ``radius``: a free cell of the result is a safe centre for a disc robot."""
        if radius <= 0:
            return OccupancyMap(self.grid.copy(), self.resolution, self.origin)
        clearance = ndimage.distance_transform_edt(~self.grid) * self.resolution
        return OccupancyMap(clearance < radius, self.resolution, self.origin)

    def clearance(self) -> NDArray[np.float64]:
        """Metres from each cell centre to the nearest blocked cell (0 on blocked cells)."""
        return ndimage.distance_transform_edt(~self.grid) * self.resolution

    # --- geodesic distances ---------------------------------------------------------------------

    def _free_graph(self) -> csr_matrix:
        if self._graph is None:
            rows, cols = self.grid.shape
            free = ~self.grid
            index = np.arange(rows * cols).reshape(rows, cols)
            src, dst, cost = [], [], []
            for dr, dc in _NEIGHBOURS:
                r0, r1 = max(0, -dr), rows - max(0, dr)
                c0, c1 = max(0, -dc), cols - max(0, dc)
                a = free[r0:r1, c0:c1] & free[r0 + dr : r1 + dr, c0 + dc : c1 + dc]
                for mr, mc in _crossed_cells(dr, dc):  # no cutting past a blocked cell
                    a &= free[r0 + mr : r1 + mr, c0 + mc : c1 + mc]
                i = index[r0:r1, c0:c1][a]
                j = index[r0 + dr : r1 + dr, c0 + dc : c1 + dc][a]
                w = self.resolution * math.hypot(dr, dc)
                src += [i, j]
                dst += [j, i]
                cost += [np.full(len(i), w), np.full(len(i), w)]
            n = rows * cols
            self._graph = csr_matrix(
                (np.concatenate(cost), (np.concatenate(src), np.concatenate(dst))), shape=(n, n)
            )
        return self._graph

    def nearest_free_cell(self, xy: Iterable[float]) -> tuple[int, int] | None:
        """The free cell nearest to ``xy`` (itself when free); ``None`` if the grid has no free cell."""
        row, col = self.world_to_cell(xy)
        row = min(max(row, 0), self.grid.shape[0] - 1)
        col = min(max(col, 0), self.grid.shape[1] - 1)
        if not self.grid[row, col]:
            return row, col
        if self._nearest_free is None:
            if self.grid.all():
                return None
            _, idx = ndimage.distance_transform_edt(self.grid, return_indices=True)
            self._nearest_free = idx
        return int(self._nearest_free[0, row, col]), int(self._nearest_free[1, row, col])

    def distance_field(self, goal_xy: Iterable[float]) -> NDArray[np.float64]:
        """Geodesic metres from every cell to the goal (inf where unreachable or blocked).

        A goal inside an obstacle (a sink, an object on a shelf) is snapped to the nearest free cell, so
        the field answers "how far must the robot drive to get next to it"."""
        goal = self.nearest_free_cell(goal_xy)
        if goal is None:
            return np.full(self.grid.shape, np.inf)
        if goal in self._fields:
            self._fields[goal] = self._fields.pop(goal)  # most recently used goes last
            return self._fields[goal]
        n_cols = self.grid.shape[1]
        dist = dijkstra(self._free_graph(), directed=False, indices=goal[0] * n_cols + goal[1])
        dist = dist.reshape(self.grid.shape)
        dist[self.grid] = np.inf
        dist.setflags(write=False)  # shared by every caller: nobody may scribble on the cache
        self._fields[goal] = dist
        while len(self._fields) > MAX_CACHED_FIELDS:
            self._fields.pop(next(iter(self._fields)))
        return dist

    def geodesic_distance(self, a_xy: Iterable[float], b_xy: Iterable[float]) -> float:
        """Shortest free-space path length from a to b in metres (inf when disconnected).

        Endpoints in blocked cells are snapped to the nearest free cell; the straight-line snap distance
        is added so that the answer never undercuts the true distance."""
        a = np.asarray(list(a_xy)[:2], dtype=float)
        b = np.asarray(list(b_xy)[:2], dtype=float)
        start = self.nearest_free_cell(a)
        if start is None:
            return math.inf
        field_b = self.distance_field(b)
        d = float(field_b[start])
        if not math.isfinite(d):
            return math.inf
        goal = self.nearest_free_cell(b)
        assert goal is not None
        snap_a = float(np.linalg.norm(a - self.cell_to_world(*start))) if self._blocked_at(a) else 0.0
        snap_b = float(np.linalg.norm(b - self.cell_to_world(*goal))) if self._blocked_at(b) else 0.0
        return d + snap_a + snap_b

    def _blocked_at(self, xy: NDArray[np.float64]) -> bool:
        row, col = self.world_to_cell(xy)
        return not self.in_bounds(row, col) or bool(self.grid[row, col])

    def components(self) -> tuple[NDArray[np.int32], int]:
        """Connected components of the free cells (label 0 = blocked). 4-connectivity matches the
        distance graph, which forbids cutting a blocked corner diagonally."""
        labels, n = ndimage.label(~self.grid)
        return labels.astype(np.int32), int(n)
