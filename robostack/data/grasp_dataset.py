"""Labelled tabletop grasp/place scenes on disk: the writer and a torch-free reader.

Layout (format version `FORMAT_VERSION`)::

    <root>/meta/info.json                 format, N, fields, object split, seeds, counts
    <root>/scenes/<split>/scene_<seed>.npz one scene, np.savez_compressed, loads with allow_pickle=False

A scene holds the fused world-frame cloud (table top at z = 0), per-object antipodal grasps labelled
by executing them in simulation, per-point contact masks, and one placement sample: a held object
(its points in the end-effector frame) and per-point placement masks for 8 yaw bins. Segment
indices 0..K-1 follow ``object_names``; receptacles are segments too, named ``receptacle/<kind>``
(they carry no grasps). Train and test scenes use disjoint object models (see ``meta/info.json``).

Per-object grasps are stored flat (``grasp_*`` arrays) with ``grasp_object`` naming the owner, so
every array is a plain numeric/str array and no pickle is needed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from robostack.core.errors import RobostackError

FORMAT_VERSION = 1
SPLITS = ("train", "test")
RECEPTACLE_PREFIX = "receptacle/"
NUM_YAW_BINS = 8
HELD_POINTS = 1024

SCENE_FIELDS = {
    "points": "(N, 3) float32 world frame, table top at z = 0",
    "rgb": "(N, 3) float32 in [0, 1]",
    "segment": "(N,) int32 object index 0..K-1, -1 = table/robot/background",
    "object_names": "(K,) str model names; receptacles are 'receptacle/<kind>'",
    "grasp_object": "(G,) int32 owner object of each grasp",
    "grasp_contacts": "(G, 3) float32 first-finger contact",
    "grasp_approach": "(G, 3) float32 unit approach (gripper z)",
    "grasp_baseline": "(G, 3) float32 unit contact -> other finger",
    "grasp_width": "(G,) float32 metres <= 0.08",
    "grasp_success": "(G,) bool close-lift-shake outcome in simulation",
    "contact_mask": "(K, N) bool points within 5 mm of a successful grasp contact of that object",
    "held_points": "(M, 3) float32 held object in the end-effector frame (M = 1024, 0 = no sample)",
    "held_name": "() str model of the held object",
    "ee_pose": "(4, 4) float32 end-effector (grasp-convention) pose holding the object",
    "place_mask": "(8, N) bool points where the held object can be placed with yaw bin b",
    "place_region": "(N,) bool points where placement was evaluated",
    "place_grid": "(P, 3) float32 tried bottom-centre positions (2.5 cm xy grid)",
    "place_success": "(P, 8) bool stable and collision-free per grid cell and yaw bin",
    "receptacle_index": "() int32 segment index of the receptacle placements were tried on",
}


@dataclass
class GraspSet:
    """Grasps of one object (Contact-GraspNet parameterisation, see `robostack.sim.tabletop.gripper`)."""

    contacts: NDArray[np.float32]  # (G, 3) first-finger contact points
    approach: NDArray[np.float32]  # (G, 3) unit approach directions (gripper z)
    baseline: NDArray[np.float32]  # (G, 3) unit directions from contact to the other finger
    width: NDArray[np.float32]  # (G,) metres, <= 0.08
    success: NDArray[np.bool_]  # (G,) bool

    @classmethod
    def empty(cls) -> GraspSet:
        z3 = np.zeros((0, 3), np.float32)
        return cls(z3, z3.copy(), z3.copy(), np.zeros(0, np.float32), np.zeros(0, bool))

    def __len__(self) -> int:
        return int(self.width.shape[0])


@dataclass
class GraspScene:
    """One labelled scene (the contract the M2T2 trainer reads)."""

    points: NDArray[np.float32]  # (N, 3) world frame, table at z = 0
    rgb: NDArray[np.float32]  # (N, 3) in [0, 1]
    segment: NDArray[np.int32]  # (N,) 0..K-1, -1 = table/robot/background
    object_names: list[str]  # K model names
    grasps: list[GraspSet]  # per object (K entries)
    contact_mask: NDArray[np.bool_]  # (K, N)
    held_points: NDArray[np.float32]  # (M, 3) in the end-effector frame, M = 1024 or 0
    place_mask: NDArray[np.bool_]  # (8, N)
    place_region: NDArray[np.bool_]  # (N,)
    ee_pose: NDArray[np.float32]  # (4, 4)
    # Beyond the contract: what the placement labels were computed from.
    held_name: str = ""
    receptacle_index: int = -1
    place_grid: NDArray[np.float32] = field(default_factory=lambda: np.zeros((0, 3), np.float32))
    place_success: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 8), bool))
    seed: int = -1

    @property
    def is_receptacle(self) -> NDArray[np.bool_]:
        """(K,) which segments are receptacles (they have no grasps)."""
        return np.array([n.startswith(RECEPTACLE_PREFIX) for n in self.object_names], dtype=bool)


def scene_to_arrays(scene: GraspScene) -> dict[str, NDArray[Any]]:
    """Flatten a scene into plain arrays (no objects, so loading needs no pickle)."""
    owners = [np.full(len(g), k, np.int32) for k, g in enumerate(scene.grasps)]

    def cat(get: str, shape: tuple[int, ...], dtype: Any) -> NDArray[Any]:
        parts = [np.asarray(getattr(g, get), dtype) for g in scene.grasps]
        return np.concatenate(parts) if parts else np.zeros(shape, dtype)

    return {
        "points": np.asarray(scene.points, np.float32),
        "rgb": np.asarray(scene.rgb, np.float32),
        "segment": np.asarray(scene.segment, np.int32),
        "object_names": np.array(scene.object_names, dtype=np.str_).reshape(-1),
        "grasp_object": np.concatenate(owners) if owners else np.zeros(0, np.int32),
        "grasp_contacts": cat("contacts", (0, 3), np.float32),
        "grasp_approach": cat("approach", (0, 3), np.float32),
        "grasp_baseline": cat("baseline", (0, 3), np.float32),
        "grasp_width": cat("width", (0,), np.float32),
        "grasp_success": cat("success", (0,), bool),
        "contact_mask": np.asarray(scene.contact_mask, bool),
        "held_points": np.asarray(scene.held_points, np.float32).reshape(-1, 3),
        "held_name": np.array(scene.held_name, dtype=np.str_),
        "ee_pose": np.asarray(scene.ee_pose, np.float32),
        "place_mask": np.asarray(scene.place_mask, bool),
        "place_region": np.asarray(scene.place_region, bool),
        "place_grid": np.asarray(scene.place_grid, np.float32).reshape(-1, 3),
        "place_success": np.asarray(scene.place_success, bool).reshape(-1, NUM_YAW_BINS),
        "receptacle_index": np.array(scene.receptacle_index, np.int32),
        "seed": np.array(scene.seed, np.int64),
    }


def scene_from_arrays(data: Any) -> GraspScene:
    """Rebuild a `GraspScene` from `scene_to_arrays` output (or an opened .npz)."""
    names = [str(n) for n in data["object_names"]]
    owner = np.asarray(data["grasp_object"])
    grasps = []
    for k in range(len(names)):
        sel = owner == k
        grasps.append(
            GraspSet(
                contacts=np.asarray(data["grasp_contacts"][sel], np.float32),
                approach=np.asarray(data["grasp_approach"][sel], np.float32),
                baseline=np.asarray(data["grasp_baseline"][sel], np.float32),
                width=np.asarray(data["grasp_width"][sel], np.float32),
                success=np.asarray(data["grasp_success"][sel], bool),
            )
        )
    return GraspScene(
        points=np.asarray(data["points"], np.float32),
        rgb=np.asarray(data["rgb"], np.float32),
        segment=np.asarray(data["segment"], np.int32),
        object_names=names,
        grasps=grasps,
        contact_mask=np.asarray(data["contact_mask"], bool),
        held_points=np.asarray(data["held_points"], np.float32),
        place_mask=np.asarray(data["place_mask"], bool),
        place_region=np.asarray(data["place_region"], bool),
        ee_pose=np.asarray(data["ee_pose"], np.float32),
        held_name=str(data["held_name"]),
        receptacle_index=int(data["receptacle_index"]),
        place_grid=np.asarray(data["place_grid"], np.float32),
        place_success=np.asarray(data["place_success"], bool),
        seed=int(data["seed"]),
    )


def scene_path(root: str | Path, split: str, seed: int) -> Path:
    return Path(root) / "scenes" / split / f"scene_{seed:06d}.npz"


def write_scene(root: str | Path, split: str, scene: GraspScene) -> Path:
    """Write one scene atomically (temporary file, then rename), so an interrupted run never
    leaves a half-written scene behind and a resumed run can trust every file it finds."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    path = scene_path(root, split, scene.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, **scene_to_arrays(scene))
    os.replace(tmp, path)
    return path


def read_scene(path: str | Path) -> GraspScene:
    try:
        with np.load(path, allow_pickle=False) as data:
            return scene_from_arrays(data)
    except (OSError, ValueError, KeyError) as err:
        raise RobostackError(f"cannot read grasp scene {path}: {err}") from None


def write_info(root: str | Path, info: dict[str, Any]) -> Path:
    """Write ``meta/info.json`` (format version, N, fields, object split, seeds, counts)."""
    path = Path(root) / "meta" / "info.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {"format": "robostack-grasp", "format_version": FORMAT_VERSION, "fields": SCENE_FIELDS}
    full.update(info)
    counts = {s: len(list((Path(root) / "scenes" / s).glob("scene_*[0-9].npz"))) for s in SPLITS}
    full["scenes"] = counts
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(full, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def read_info(root: str | Path) -> dict[str, Any]:
    path = Path(root) / "meta" / "info.json"
    if not path.is_file():
        raise RobostackError(
            f"no grasp dataset at {root} (missing meta/info.json); "
            "generate one with `robostack data collect grasp`"
        )
    info: dict[str, Any] = json.loads(path.read_text())
    if info.get("format_version") != FORMAT_VERSION:
        raise RobostackError(
            f"{path}: format version {info.get('format_version')!r}, this reader expects {FORMAT_VERSION}"
        )
    return info


class GraspDataset:
    """Torch-free, indexable view of one split: ``GraspDataset(root, "train")[i] -> GraspScene``."""

    def __init__(self, root: str | Path, split: Literal["train", "test"]) -> None:
        if split not in SPLITS:
            raise RobostackError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        self.root = Path(root)
        self.info = read_info(self.root)
        self.split = split
        self.files = sorted((self.root / "scenes" / split).glob("scene_*[0-9].npz"))
        self.num_points = int(self.info["num_points"])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> GraspScene:
        if not -len(self) <= i < len(self):
            raise IndexError(f"scene {i} out of range for {len(self)} {self.split} scenes")
        return read_scene(self.files[i])
