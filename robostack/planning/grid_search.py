"""A* on an occupancy grid, and path shortening by line of sight."""

from __future__ import annotations

import heapq
import math

import numpy as np

Cell = tuple[int, int]

_MOVES = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]
_SQRT2 = math.sqrt(2.0)


def _octile(a: Cell, b: Cell) -> float:
    dr, dc = abs(a[0] - b[0]), abs(a[1] - b[1])
    return max(dr, dc) + (_SQRT2 - 1.0) * min(dr, dc)


def astar(free: np.ndarray, start: Cell, goal: Cell, cost: np.ndarray | None = None) -> list[Cell] | None:
    """Shortest 8-connected path over ``free`` cells, or None when the goal is unreachable.

    ``cost`` (same shape, ≥ 0) adds a per-cell penalty, e.g. to keep paths off the walls.
    Diagonal moves may not cut a blocked corner.
    """
    rows, cols = free.shape
    if not (free[start] and free[goal]):
        return None
    g = {start: 0.0}
    parent: dict[Cell, Cell] = {}
    frontier = [(_octile(start, goal), 0.0, start)]
    closed: set[Cell] = set()
    while frontier:
        _, g_here, cell = heapq.heappop(frontier)
        if cell in closed:
            continue
        if cell == goal:
            return _walk_back(parent, goal)
        closed.add(cell)
        r, c = cell
        for dr, dc in _MOVES:
            nr, nc = r + dr, c + dc
            if not (0 <= nr < rows and 0 <= nc < cols) or not free[nr, nc]:
                continue
            if dr and dc and not (free[r, nc] and free[nr, c]):
                continue
            step = _SQRT2 if dr and dc else 1.0
            if cost is not None:
                step += float(cost[nr, nc])
            g_next = g_here + step
            if g_next < g.get((nr, nc), math.inf):
                g[(nr, nc)] = g_next
                parent[(nr, nc)] = cell
                heapq.heappush(frontier, (g_next + _octile((nr, nc), goal), g_next, (nr, nc)))
    return None


def _walk_back(parent: dict[Cell, Cell], goal: Cell) -> list[Cell]:
    path = [goal]
    while path[-1] in parent:
        path.append(parent[path[-1]])
    return path[::-1]


def line_of_sight(free: np.ndarray, a: Cell, b: Cell) -> bool:
    """True when every cell on the segment a–b is free (sampled at half-cell spacing)."""
    n = int(2 * max(abs(a[0] - b[0]), abs(a[1] - b[1]))) + 1
    rs = np.rint(np.linspace(a[0], b[0], n + 1)).astype(int)
    cs = np.rint(np.linspace(a[1], b[1], n + 1)).astype(int)
    return bool(free[rs, cs].all())


def shorten(free: np.ndarray, path: list[Cell]) -> list[Cell]:
    """Drop waypoints that can be skipped in a straight line over ``free`` (greedy string pulling).

    Pass a stricter mask than the planning one (cells with some clearance) to keep shortcuts off
    the walls; path steps that are not in it are kept as they are.
    """
    if len(path) <= 2:
        return list(path)
    out = [path[0]]
    i = 0
    while i < len(path) - 1:
        j = len(path) - 1
        while j > i + 1 and not line_of_sight(free, path[i], path[j]):
            j -= 1
        out.append(path[j])
        i = j
    return out


def nearest_free(free: np.ndarray, cell: Cell, max_radius: int = 40) -> Cell | None:
    """The free cell closest to ``cell`` (itself if free), searching rings outward."""
    rows, cols = free.shape
    r0, c0 = cell
    for radius in range(max_radius + 1):
        best: tuple[float, Cell] | None = None
        for r in range(max(0, r0 - radius), min(rows, r0 + radius + 1)):
            for c in range(max(0, c0 - radius), min(cols, c0 + radius + 1)):
                if max(abs(r - r0), abs(c - c0)) == radius and free[r, c]:
                    d = math.hypot(r - r0, c - c0)
                    if best is None or d < best[0]:
                        best = (d, (r, c))
        if best is not None:
            return best[1]
    return None
