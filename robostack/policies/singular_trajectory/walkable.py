"""Walkable-area maps and the traversability correction of the adaptive anchors (paper §3.3).

The original release ships, beside the Social-GAN text files, a binary map of where people can
walk in each recording (``image/<img>_map.png``, 1 = walkable) and a homography from image pixels
to world metres (``homography/<recording>_H.txt``). A prototype path whose endpoint falls off the
walkable area is stretched, per image axis and about the agent's last observed pixel, so that its
endpoint lands on the nearest walkable pixel.

Those files are not part of the public Social-GAN splits. When a data directory holds them,
`load_walkable_maps` finds them. Without them, `observed_maps` stands in for the images: each
window's map is every position annotated in its recording up to the window's last observed
frame, the area people have been seen to walk so far (nothing from the window's future). With
``same_place`` it also holds every position of the training and validation recordings filmed at
the same place (the Zara street, the university square), as a map image would show that place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import imageio.v3 as iio
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from robostack.core.errors import RobostackError
from robostack.data.eth_ucy import TrajectorySet, place_of

Region = tuple[slice | NDArray[np.int64], "WalkableMap"]
"""Agents (rows of a `TrajectorySet`) and the map their anchors are corrected on."""

MAP_IMAGE: dict[str, str] = {
    "biwi_eth": "seq_eth",
    "biwi_hotel": "seq_hotel",
    "students001": "students003",
    "students003": "students003",
    "uni_examples": "students003",
    "crowds_zara01": "crowds_zara01",
    "crowds_zara02": "crowds_zara02",
    "crowds_zara03": "crowds_zara02",
}
"""Which scene image each recording was filmed in (the UCY university and Zara recordings share)."""


@dataclass(frozen=True)
class WalkableMap:
    """Where people can walk in one recording, as an image with a homography to world metres."""

    walkable: NDArray[np.bool_]  # (rows, cols), row = image y, col = image x
    image_to_world: NDArray[np.float64]  # (3, 3) homography from pixel (x, y) to metres
    world_to_image: NDArray[np.float64] = field(init=False, repr=False)
    nearest: NDArray[np.int64] = field(init=False, repr=False)  # (2, R, C) nearest walkable pixel

    def __post_init__(self) -> None:
        if self.walkable.ndim != 2 or not self.walkable.any():
            raise RobostackError("a walkable map needs a 2-D image with at least one walkable pixel")
        if self.image_to_world.shape != (3, 3) or abs(np.linalg.det(self.image_to_world)) < 1e-12:
            raise RobostackError("a homography is an invertible 3x3 matrix")
        object.__setattr__(self, "world_to_image", np.linalg.inv(self.image_to_world))
        # Padded by half the image on every side, as the original, so endpoints just outside
        # the picture still find their nearest walkable pixel.
        _, nearest = ndimage.distance_transform_edt(~self._padded(), return_indices=True)
        object.__setattr__(self, "nearest", nearest)

    @property
    def pad(self) -> tuple[int, int]:
        rows, cols = self.walkable.shape
        return rows // 2, cols // 2

    def _padded(self) -> NDArray[np.bool_]:
        pr, pc = self.pad
        return np.pad(self.walkable, ((pr, pr), (pc, pc)))

    @classmethod
    def from_points(cls, points: NDArray[np.floating], resolution: float, radius: float) -> WalkableMap:
        """A map rasterised from visited positions (M, 2), each grown by ``radius`` metres."""
        lo = points.min(0) - radius - resolution
        size = np.ceil((points.max(0) + radius + resolution - lo) / resolution).astype(int) + 1
        grid = np.zeros((size[1], size[0]), bool)
        cell = np.floor((points - lo) / resolution).astype(int)
        grid[cell[:, 1], cell[:, 0]] = True
        grid = ndimage.binary_dilation(grid, iterations=max(1, round(radius / resolution)))
        homography = np.array([[resolution, 0.0, lo[0]], [0.0, resolution, lo[1]], [0.0, 0.0, 1.0]])
        return cls(grid, homography)

    def to_image(self, xy: NDArray[np.floating]) -> NDArray[np.float64]:
        return _apply(self.world_to_image, xy)

    def to_world(self, uv: NDArray[np.floating]) -> NDArray[np.float64]:
        return _apply(self.image_to_world, uv)

    def nearest_walkable(self, uv: NDArray[np.floating]) -> NDArray[np.int64]:
        """Rounded pixels (..., 2) -> the nearest walkable pixel (..., 2), both as (x, y)."""
        pr, pc = self.pad
        rows, cols = self.nearest.shape[1:]
        px = np.round(uv).astype(np.int64)
        row = np.clip(px[..., 1] + pr, 0, rows - 1)
        col = np.clip(px[..., 0] + pc, 0, cols - 1)
        return np.stack((self.nearest[1, row, col] - pc, self.nearest[0, row, col] - pr), axis=-1)

    def correct(self, paths: NDArray[np.floating], start: NDArray[np.floating]) -> NDArray[np.float64]:
        """Stretch paths (N, S, T, 2) whose endpoint is not walkable, about ``start`` (N, 2), world metres."""
        uv = self.to_image(paths)  # (N, S, T, 2)
        origin = self.to_image(start)[:, None, :]  # (N, 1, 2)
        end = np.round(uv[:, :, -1, :])  # (N, S, 2)
        target = self.nearest_walkable(end)
        span = end - origin
        # an axis along which the path does not move cannot be stretched: leave it alone
        scale = np.where(np.abs(span) > 0.5, (target - origin) / np.where(span == 0, 1, span), 1.0)
        stretched = (uv - origin[:, :, None]) * scale[:, :, None] + origin[:, :, None]
        off_map = (target != end).any(-1)
        return np.where(off_map[..., None, None], self.to_world(stretched), np.asarray(paths, np.float64))


def _apply(homography: NDArray[np.float64], xy: NDArray[np.floating]) -> NDArray[np.float64]:
    flat = np.asarray(xy, np.float64).reshape(-1, 2)
    out = np.concatenate((flat, np.ones((len(flat), 1))), 1) @ homography.T
    return (out[:, :2] / out[:, 2:]).reshape(np.shape(xy))


def read_map_image(path: Path) -> NDArray[np.bool_]:
    """A map PNG -> walkable mask (the first channel above zero, as the original reads it)."""
    image = iio.imread(path)
    return (image[..., 0] if image.ndim == 3 else image) > 0


def load_walkable_maps(root: Path, recordings: set[str]) -> dict[str, WalkableMap]:
    """The maps found under ``root`` (``image/`` and ``homography/``) for these recordings, if any."""
    maps: dict[str, WalkableMap] = {}
    for name in sorted(recordings):
        image = root / "image" / f"{MAP_IMAGE.get(name, name)}_map.png"
        homography = root / "homography" / f"{name}_H.txt"
        if image.is_file() and homography.is_file():
            maps[name] = WalkableMap(read_map_image(image), read_homography(homography))
    return maps


def read_homography(path: Path) -> NDArray[np.float64]:
    """A ``<recording>_H.txt`` file: nine numbers, the 3x3 image-to-world homography."""
    try:
        values = np.loadtxt(path, dtype=np.float64)
    except ValueError as err:
        raise RobostackError(f"{path}: not a 3x3 homography ({err})") from None
    if values.size != 9 or not np.isfinite(values).all():
        raise RobostackError(f"{path}: a homography file holds nine finite numbers")
    return values.reshape(3, 3)


def maps_from_tracks(
    obs: NDArray[np.floating],
    pred: NDArray[np.floating],
    sources: list[str],
    resolution: float = 0.1,
    radius: float = 0.3,
) -> dict[str, WalkableMap]:
    """One map per recording from the positions its pedestrians visited (obs and future)."""
    points = np.concatenate((obs, pred), axis=1)
    names = np.asarray(sources)
    return {
        name: WalkableMap.from_points(points[names == name].reshape(-1, 2), resolution, radius)
        for name in sorted(set(sources))
    }


def regions_by_recording(data: TrajectorySet, maps: dict[str, WalkableMap]) -> list[Region]:
    """Every agent with the map of its recording, for the recordings that have one."""
    names = np.asarray(data.agent_sources())
    regions: list[Region] = []
    for name, walkable in maps.items():
        rows = np.flatnonzero(names == name)
        if len(rows):
            regions.append((rows, walkable))
    return regions


def observed_maps(
    data: TrajectorySet, radius: float, resolution: float = 0.1, same_place: bool = False
) -> Sequence[Region]:
    """Per window, where people have walked in its recording so far: every position annotated up
    to the window's last observed frame, grown by ``radius`` metres. With ``same_place``, also
    every position of the other training and validation recordings filmed at that place."""
    if data.num_windows and (len(data.obs_end) != data.num_windows or not data.history):
        raise RobostackError("observed maps need the windows' frame ids and their recordings (load_split)")
    regions: list[Region] = []
    for w, rows in enumerate(data.windows()):
        source = data.sources[w]
        track = data.history[source]
        seen = [track[track[:, 0] <= data.obs_end[w], 1:]]
        if same_place:
            seen += [
                tracks[:, 1:]
                for name, tracks in data.place_tracks.items()
                if name != source and place_of(name) == place_of(source)
            ]
        regions.append((rows, WalkableMap.from_points(np.concatenate(seen), resolution, radius)))
    return regions
