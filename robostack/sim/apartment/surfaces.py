"""Floor, ceiling and walls, ray-cast analytically into camera frames instead of drawn by TinyRenderer.

Why: TinyRenderer spends ~300 ns per pixel, and the room's shell is its worst case: large triangles
crossing the near plane, clipped and iterated over most of the image, plus neighbouring rooms drawn
behind the walls. The shell is simple geometry, though: the planes z = 0 and z = wall height, and
axis-aligned vertical wall boxes. So the shell is ray-cast in numpy and composited with what TinyRenderer
draws (furniture, objects, the robot) by depth, per pixel:

1. Walls are cast in 2D: a few hundred horizontal directions spanning the image are intersected with
   every wall face (a segment), which tells each pixel which face its ray meets first; the exact hit
   distance is then computed per pixel for that face. Only which face a pixel sees is sampled (within a
   fraction of a pixel); depths are exact.
2. Where the wall hit lies below the floor or above the ceiling, the ray meets the floor or ceiling
   first; the floor takes the colour of the room under the hit point.
3. A pixel keeps TinyRenderer's colour where TinyRenderer's depth is nearer; walls thereby hide whatever
   stands behind them, exactly as a z-buffer would.

Colours are what TinyRenderer itself draws for a surface of that colour and facing (its shading depends
on the surface normal only, not on the viewpoint), measured once per colour in a scratch client, so the
composite matches a full TinyRenderer frame: identical floors, identical walls except at most a pixel's
width at wall edges. The camera must be below the ceiling (a view from above needs the walls' tops: the
world draws real wall boxes for those).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pybullet as p
from numpy.typing import NDArray

from robostack.sim.apartment.layout import ApartmentLayout
from robostack.sim.apartment.occupancy import OccupancyMap, Rect

Normal = tuple[float, float, float]
THETA_PER_PIXEL = 4
"""2-D rays cast per frame per image column, spread over the horizontal directions the image covers
(a 90-degree camera then samples directions ~0.2 degrees apart, finer than its ~0.7-degree pixels)."""


@functools.lru_cache(maxsize=128)
def shaded_color(
    rgba: tuple[float, float, float, float], normal: Normal = (0.0, 0.0, 1.0)
) -> tuple[int, int, int]:
    """The RGB TinyRenderer gives a flat surface of this colour facing ``normal`` (an axis direction):
    measured once in a scratch client, not modelled."""
    cid = p.connect(p.DIRECT)
    try:
        n = np.asarray(normal, dtype=float)
        half = np.where(np.abs(n) > 0.5, 0.005, 1.0)
        vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half.tolist(), rgbaColor=rgba, physicsClientId=cid)
        p.createMultiBody(0, -1, vis, (0, 0, 0), physicsClientId=cid)
        eye = n * 1.0 + np.array([0.01, 0.02, 0.03]) * (np.abs(n) < 0.5)
        up = (0, 0, 1) if abs(n[2]) < 0.5 else (1, 0, 0)
        view = p.computeViewMatrix(eye.tolist(), (eye - n).tolist(), up)
        proj = p.computeProjectionMatrixFOV(60, 1.0, 0.05, 5.0)
        _, _, img, _, _ = p.getCameraImage(
            8, 8, view, proj, renderer=p.ER_TINY_RENDERER, shadow=0, physicsClientId=cid
        )
        px = np.asarray(img, dtype=np.uint8).reshape(8, 8, 4)[4, 4, :3]
        return int(px[0]), int(px[1]), int(px[2])
    finally:
        p.disconnect(physicsClientId=cid)


def pack_rgba(colors: NDArray[np.uint8] | list[tuple[int, int, int]]) -> NDArray[np.uint32]:
    """RGB triples as opaque RGBA pixels packed in uint32 (the byte order of an HxWx4 uint8 image)."""
    rgb = np.asarray(colors, dtype=np.uint8).reshape(-1, 3)
    rgba = np.concatenate([rgb, np.full((len(rgb), 1), 255, dtype=np.uint8)], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32).reshape(-1)


def _cross(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """3-vector cross product (np.cross costs ~20x more for a single pair)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


class WallFaces:
    """The faces of axis-aligned wall boxes as 2-D segments, for casting horizontal rays."""

    def __init__(self, rects: list[Rect]) -> None:
        # Faces of constant x (normal along x) and of constant y (normal along y): position, span, sign.
        fx, fy = [], []
        for x0, y0, x1, y1 in rects:
            fx += [(x0, y0, y1, -1.0), (x1, y0, y1, 1.0)]
            fy += [(y0, x0, x1, -1.0), (y1, x0, x1, 1.0)]
        self.x_faces = np.array(fx, dtype=np.float64).reshape(-1, 4)
        self.y_faces = np.array(fy, dtype=np.float64).reshape(-1, 4)

    def cast(
        self, ox: float, oy: float, dx: NDArray[np.float64], dy: NDArray[np.float64]
    ) -> NDArray[np.intp]:
        """For 2-D rays from (ox, oy) along (dx, dy), the index of the first face hit: ``i`` for x-face i,
        ``n_x + j`` for y-face j, -1 for none."""
        big = np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
            tx = (self.x_faces[None, :, 0] - ox) / dx[:, None]
            yx = oy + tx * dy[:, None]
            tx = np.where(
                (tx > 1e-9) & (yx >= self.x_faces[None, :, 1]) & (yx <= self.x_faces[None, :, 2]), tx, big
            )
            ty = (self.y_faces[None, :, 0] - oy) / dy[:, None]
            xy = ox + ty * dx[:, None]
            ty = np.where(
                (ty > 1e-9) & (xy >= self.y_faces[None, :, 1]) & (xy <= self.y_faces[None, :, 2]), ty, big
            )
        both = np.concatenate([tx, ty], axis=1)
        first = np.argmin(both, axis=1)
        first[~np.isfinite(both[np.arange(len(first)), first])] = -1
        return first


class ShellPainter:
    """Composites the apartment's shell (floor, ceiling, walls) into TinyRenderer frames."""

    def __init__(
        self,
        layout: ApartmentLayout,
        grid: OccupancyMap,
        wall_rects: list[Rect],
        wall_height: float,
        room_colors: dict[str, tuple[float, float, float, float]],
        wall_rgba: tuple[float, float, float, float],
        ceiling_rgba: tuple[float, float, float, float],
    ) -> None:
        self.wall_height = wall_height
        self.origin = grid.origin
        self.resolution = grid.resolution
        rows, cols = grid.grid.shape
        self.room_index = np.zeros((rows, cols), dtype=np.int16)
        xs = grid.origin[0] + (np.arange(cols) + 0.5) * grid.resolution
        ys = grid.origin[1] + (np.arange(rows) + 0.5) * grid.resolution
        table = [(255, 255, 255)]  # index 0: outside the apartment -> background stays white
        for i, room in enumerate(layout.rooms, start=1):
            c0, c1 = np.searchsorted(xs, [room.x0, room.x1])
            r0, r1 = np.searchsorted(ys, [room.y0, room.y1])
            self.room_index[r0:r1, c0:c1] = i
            table.append(shaded_color(room_colors.get(room.name, (0.8, 0.8, 0.8, 1.0))))
        self.floor_colors = pack_rgba(table)
        self.ceiling_color = pack_rgba([shaded_color(ceiling_rgba, (0.0, 0.0, -1.0))])[0]
        self.walls = WallFaces(wall_rects)
        n_x = len(self.walls.x_faces)
        # Per face: colour by outward normal, and the constant coordinate / axis for the exact hit.
        face_color = [shaded_color(wall_rgba, (s, 0.0, 0.0)) for s in self.walls.x_faces[:, 3]]
        face_color += [shaded_color(wall_rgba, (0.0, s, 0.0)) for s in self.walls.y_faces[:, 3]]
        self.face_colors = pack_rgba(face_color)
        self.face_coord = np.concatenate([self.walls.x_faces[:, 0], self.walls.y_faces[:, 0]]).astype(
            np.float32
        )
        self.face_is_x = np.arange(len(self.face_coord)) < n_x
        self._rays: dict[tuple[int, int, float], tuple[NDArray[np.float32], NDArray[np.float32]]] = {}

    def _pixel_rays(
        self, height: int, width: int, fov_deg: float
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Per-pixel (right, up) offsets of the ray at unit forward distance, at TinyRenderer's sample
        positions (integer screen coordinates; image row 0 is the top). ``fov_deg`` is vertical."""
        key = (height, width, fov_deg)
        if key not in self._rays:
            t = math.tan(math.radians(fov_deg) / 2)
            right = (2.0 * np.arange(width) / width - 1.0) * t * (width / height)
            up = ((2.0 * np.arange(height) / height - 1.0) * t)[::-1]
            grid_right, grid_up = np.broadcast_arrays(right[None, :], up[:, None])
            self._rays[key] = (
                np.ascontiguousarray(grid_right, dtype=np.float32).ravel(),
                np.ascontiguousarray(grid_up, dtype=np.float32).ravel(),
            )
        return self._rays[key]

    def paint(
        self,
        pixels: NDArray[np.uint32],
        depth: NDArray[np.float32],
        shape: tuple[int, int],
        eye: NDArray[np.float64],
        forward: NDArray[np.float64],
        up: NDArray[np.float64],
        fov_deg: float,
        walls: bool = True,
    ) -> None:
        """Composite the shell, in place, into a frame given as flat arrays: ``pixels`` (RGBA packed in
        uint32) and ``depth`` (metres along the optical axis; the background is at the far plane), of
        image ``shape = (height, width)``. A shell surface wins wherever it is nearer. ``fov_deg`` is
        vertical; with ``walls=False`` only floor and ceiling are painted."""
        f = forward / math.sqrt(float(forward @ forward))
        s = _cross(f, up)
        s /= math.sqrt(float(s @ s))
        u = _cross(s, f)
        right, upward = self._pixel_rays(shape[0], shape[1], fov_deg)
        # Ray directions with unit forward component, so a ray parameter is the depth along the axis.
        dx = right * float(s[0]) + upward * float(u[0]) + float(f[0])
        dy = right * float(s[1]) + upward * float(u[1]) + float(f[1])
        dz = right * float(s[2]) + upward * float(u[2]) + float(f[2])
        ex, ey, ez = float(eye[0]), float(eye[1]), float(eye[2])
        down = dz < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t_plane = (np.where(down, np.float32(0.0), np.float32(self.wall_height)) - np.float32(ez)) / dz
        t_plane[~(t_plane > 0)] = np.inf  # horizontal rays, or an eye outside the floor-ceiling slab
        if walls:
            face, t_wall = self._cast_walls(ex, ey, dx, dy, THETA_PER_PIXEL * shape[1])
            on_wall = (t_wall <= t_plane) & (t_wall < depth)
            idx = np.flatnonzero(on_wall)
            pixels[idx] = self.face_colors[face[idx]]
            depth[idx] = t_wall[idx]
            win = ~on_wall & (t_plane < depth) & (t_plane < t_wall)
        else:
            win = t_plane < depth
        idx = np.flatnonzero(win)
        t = t_plane[idx]
        col = ((ex - self.origin[0]) / self.resolution + t * (dx[idx] / self.resolution)).astype(np.intp)
        row = ((ey - self.origin[1]) / self.resolution + t * (dy[idx] / self.resolution)).astype(np.intp)
        rows, cols = self.room_index.shape
        np.clip(col, 0, cols - 1, out=col)  # the grid's margin is outside every room: clipping is safe
        np.clip(row, 0, rows - 1, out=row)
        room = self.room_index[row, col]
        color = np.where(down[idx], self.floor_colors[room], self.ceiling_color)
        hit = room > 0
        pixels[idx[hit]] = color[hit]
        depth[idx[hit]] = t[hit]

    def _cast_walls(
        self, ex: float, ey: float, dx: NDArray[np.floating], dy: NDArray[np.floating], n: int
    ) -> tuple[NDArray[np.intp], NDArray[np.floating]]:
        """Per pixel: the wall face its ray meets first (sampled over directions) and the exact depth."""
        theta = np.arctan2(dy, dx)
        lo, hi = float(theta.min()), float(theta.max())
        if hi - lo > math.pi:  # the directions straddle the +-pi seam: cover the full circle
            lo, hi = -math.pi, math.pi
            n *= 2
        samples = np.linspace(lo, hi, n)
        first = self.walls.cast(ex, ey, np.cos(samples), np.sin(samples))
        scale = (n - 1) / (hi - lo) if hi > lo else 0.0
        nearest = ((theta - np.float32(lo)) * np.float32(scale) + np.float32(0.5)).astype(np.intp)
        np.clip(nearest, 0, n - 1, out=nearest)
        face = first[nearest]
        missed = face < 0
        face[missed] = 0
        coord = self.face_coord[face]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(self.face_is_x[face], (coord - np.float32(ex)) / dx, (coord - np.float32(ey)) / dy)
        t[missed | ~(t > 0)] = np.inf
        return face, t
