"""ETH-UCY pedestrian trajectories with the Social-GAN leave-one-out splits.

The public files (``<root>/<scene>/{train,val,test}/*.txt``, tab-separated ``frame ped x y`` in
metres at 2.5 Hz) are read with the Social-GAN loader's semantics so that ADE/FDE figures are
comparable with the literature:

- frames are indexed by *rank* (sorted unique frame ids), so gaps in the annotation are stepped over;
- a window is ``obs_len + pred_len`` consecutive ranked frames, starting every ``skip`` frames;
- a pedestrian is kept only when present in every frame of the window;
- a window is kept when it holds more than ``min_ped`` such pedestrians (Social-GAN's ``>``, so the
  default ``min_ped=1`` keeps windows with at least two pedestrians).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from robostack.core.errors import RobostackError

SCENES: tuple[str, ...] = ("eth", "hotel", "univ", "zara1", "zara2")
SPLITS: tuple[str, ...] = ("train", "val", "test")
FRAME_PERIOD_S = 0.4
"""Seconds between two annotated frames (2.5 Hz)."""
PLACES: dict[str, str] = {
    "biwi_eth": "eth",
    "biwi_hotel": "hotel",
    "crowds_zara01": "zara",
    "crowds_zara02": "zara",
    "crowds_zara03": "zara",
    "students001": "univ",
    "students003": "univ",
    "uni_examples": "univ",
}
"""Where each recording was filmed. The Zara recordings share a street and the university ones a
square, each in one world frame; a recording not listed is its own place."""


def place_of(recording: str) -> str:
    return PLACES.get(recording, recording)


def default_data_dir() -> Path:
    """``../shared/data/eth_ucy`` beside the project root, found from this file's location."""
    project_root = Path(__file__).resolve().parents[2]
    return (project_root.parent / "shared" / "data" / "eth_ucy").resolve()


@dataclass(frozen=True)
class WindowConfig:
    """The standard protocol: 8 observed + 12 predicted frames, every frame a window start."""

    obs_len: int = 8
    pred_len: int = 12
    skip: int = 1
    min_ped: int = 1

    @property
    def seq_len(self) -> int:
        return self.obs_len + self.pred_len


@dataclass(frozen=True)
class TrajectorySet:
    """All windows of one split, agents stacked; ``window`` says which window each agent is in.

    ``obs`` is (N, obs_len, 2) and ``pred`` is (N, pred_len, 2), world metres. Agents of one window
    are contiguous, so ``starts[w]:starts[w + 1]`` slices window ``w``.
    """

    obs: NDArray[np.float32]
    pred: NDArray[np.float32]
    window: NDArray[np.int64]
    starts: NDArray[np.int64]
    sources: tuple[str, ...] = ()  # per window: the recording it comes from ("biwi_eth", ...)
    obs_end: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Per window: the frame id of its last observed step."""
    history: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    """Per recording: every annotated ``(frame, x, y)`` of it, in frame order."""
    place_tracks: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    """The same for the scene's training and validation recordings filmed at the place of one of
    this split's recordings: static knowledge of the place, never a test recording."""

    @property
    def num_agents(self) -> int:
        return int(self.obs.shape[0])

    @property
    def num_windows(self) -> int:
        return int(self.starts.shape[0] - 1)

    def windows(self) -> Iterator[slice]:
        for w in range(self.num_windows):
            yield slice(int(self.starts[w]), int(self.starts[w + 1]))

    def agent_sources(self) -> list[str]:
        """The recording of every agent, in agent order."""
        return [self.sources[w] for w in self.window]


def recording_name(path: Path) -> str:
    """``students001_train.txt`` -> ``students001``: the recording a split file was cut from."""
    stem = path.stem
    for split in SPLITS:
        stem = stem.removesuffix(f"_{split}")
    return stem


def read_annotations(path: Path) -> NDArray[np.float64]:
    """Read one ``frame ped x y`` file (tabs or spaces) into an (M, 4) array."""
    try:
        data = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise RobostackError(f"{path}: not a 'frame ped x y' table ({err})") from None
    if data.size == 0:
        return np.zeros((0, 4))
    if data.shape[1] != 4:
        raise RobostackError(f"{path}: expected 4 columns (frame ped x y), found {data.shape[1]}")
    if not np.isfinite(data).all():
        raise RobostackError(f"{path}: contains NaN or infinite values")
    return data


def windows_from_annotations(
    data: NDArray[np.float64], cfg: WindowConfig = WindowConfig()
) -> list[NDArray[np.float64]]:
    """Cut one file's annotations into windows; each is a (peds, seq_len, 2) array of positions."""
    return [window for _, window in cut_windows(data, cfg)]


def cut_windows(
    data: NDArray[np.float64], cfg: WindowConfig = WindowConfig()
) -> list[tuple[float, NDArray[np.float64]]]:
    """Each window with the frame id of its last observed step."""
    if len(data) == 0:
        return []
    frames = np.unique(data[:, 0])
    rank = np.searchsorted(frames, data[:, 0])
    by_frame = [data[rank == r] for r in range(len(frames))]
    out: list[tuple[float, NDArray[np.float64]]] = []
    for start in range(0, len(frames) - cfg.seq_len + 1, cfg.skip):
        rows = np.concatenate(by_frame[start : start + cfg.seq_len], axis=0)
        peds = []
        for ped in np.unique(rows[:, 1]):
            track = rows[rows[:, 1] == ped]
            if len(track) != cfg.seq_len:
                continue  # not present in every frame of the window (or annotated twice)
            peds.append(track[np.argsort(track[:, 0]), 2:4])
        if len(peds) > cfg.min_ped:
            out.append((float(frames[start + cfg.obs_len - 1]), np.stack(peds)))
    return out


def _split_files(root: Path, scene: str, split: str) -> list[Path]:
    if scene not in SCENES:
        raise RobostackError(f"unknown ETH-UCY scene {scene!r}; expected one of {', '.join(SCENES)}")
    if split not in SPLITS:
        raise RobostackError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    folder = root / scene / split
    if not folder.is_dir():
        raise RobostackError(
            f"ETH-UCY data not found at {folder}; pass --data DIR pointing at the Social-GAN splits "
            "(see datasets/eth_ucy/README.md)"
        )
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise RobostackError(f"{folder}: no .txt files")
    return files


def load_split(
    scene: str, split: str, root: str | Path | None = None, cfg: WindowConfig = WindowConfig()
) -> TrajectorySet:
    """Load every window of ``scene``'s ``split`` (leave-one-out: test is the held-out scene)."""
    root = Path(root) if root is not None else default_data_dir()
    windows: list[NDArray[np.float64]] = []
    sources: list[str] = []
    ends: list[float] = []
    for path in _split_files(root, scene, split):
        for end, window in cut_windows(read_annotations(path), cfg):
            windows.append(window)
            sources.append(recording_name(path))
            ends.append(end)
    own, place = set(sources), training_recordings_at(root, scene, set(sources))
    tracks = recording_history(root, scene, own | place)  # they overlap in training splits: one read
    history = {name: tracks[name] for name in own if name in tracks}
    place_tracks = {name: tracks[name] for name in place if name in tracks}
    return stack_windows(windows, cfg, tuple(sources), np.asarray(ends), history, place_tracks)


def training_recordings_at(root: Path, scene: str, recordings: set[str]) -> set[str]:
    """The recordings of ``scene``'s train and val folders filmed where one of ``recordings`` was.
    Leave-one-out splits keep the test recordings out of those folders."""
    places = {place_of(name) for name in recordings}
    files = [path for split in ("train", "val") for path in (root / scene / split).glob("*.txt")]
    names = {recording_name(path) for path in files}
    return {name for name in names if place_of(name) in places}


def recording_history(root: Path, scene: str, recordings: set[str]) -> dict[str, NDArray[np.float64]]:
    """Every annotated ``(frame, x, y)`` of these recordings across ``scene``'s split folders, in
    frame order (a recording's val file continues its train file in time)."""
    parts: dict[str, list[NDArray[np.float64]]] = {name: [] for name in recordings}
    for split in SPLITS:
        folder = root / scene / split
        for path in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
            if recording_name(path) in parts:
                parts[recording_name(path)].append(read_annotations(path)[:, [0, 2, 3]])
    return {name: np.unique(np.concatenate(rows), axis=0) for name, rows in parts.items() if rows}


def stack_windows(
    windows: list[NDArray[np.float64]],
    cfg: WindowConfig = WindowConfig(),
    sources: tuple[str, ...] = (),
    obs_end: NDArray[np.float64] | None = None,
    history: Mapping[str, NDArray[np.float64]] | None = None,
    place_tracks: Mapping[str, NDArray[np.float64]] | None = None,
) -> TrajectorySet:
    """Stack per-window arrays into one `TrajectorySet`."""
    if not windows:
        empty = np.zeros((0, cfg.obs_len, 2), np.float32)
        return TrajectorySet(
            empty, np.zeros((0, cfg.pred_len, 2), np.float32), np.zeros(0, np.int64), np.zeros(1, np.int64)
        )
    traj = np.concatenate(windows).astype(np.float32)
    counts = np.array([len(w) for w in windows], np.int64)
    return TrajectorySet(
        obs=np.ascontiguousarray(traj[:, : cfg.obs_len]),
        pred=np.ascontiguousarray(traj[:, cfg.obs_len :]),
        window=np.repeat(np.arange(len(windows)), counts),
        starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        sources=sources,
        obs_end=np.zeros(0) if obs_end is None else obs_end,
        history=dict(history or {}),
        place_tracks=dict(place_tracks or {}),
    )
