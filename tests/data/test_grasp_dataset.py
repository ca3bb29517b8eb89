"""Grasp dataset: write -> read round trip, the on-disk format and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from robostack.core.errors import RobostackError
from robostack.data.grasp_dataset import (
    FORMAT_VERSION,
    GraspDataset,
    GraspScene,
    GraspSet,
    read_scene,
    write_info,
    write_scene,
)


def _scene(seed: int, n: int = 64) -> GraspScene:
    rng = np.random.default_rng(seed)
    k = 3
    grasps = [
        GraspSet(
            contacts=rng.normal(size=(g, 3)).astype(np.float32),
            approach=rng.normal(size=(g, 3)).astype(np.float32),
            baseline=rng.normal(size=(g, 3)).astype(np.float32),
            width=rng.uniform(0, 0.08, g).astype(np.float32),
            success=rng.random(g) < 0.5,
        )
        for g in (4, 0, 2)
    ]
    return GraspScene(
        points=rng.normal(size=(n, 3)).astype(np.float32),
        rgb=rng.random((n, 3)).astype(np.float32),
        segment=rng.integers(-1, k, n).astype(np.int32),
        object_names=["prim/soup_can", "random/012", "receptacle/tray"],
        grasps=grasps,
        contact_mask=rng.random((k, n)) < 0.1,
        held_points=rng.normal(size=(1024, 3)).astype(np.float32),
        place_mask=rng.random((8, n)) < 0.2,
        place_region=rng.random(n) < 0.5,
        ee_pose=np.eye(4, dtype=np.float32),
        held_name="prim/cup",
        receptacle_index=2,
        place_grid=rng.normal(size=(5, 3)).astype(np.float32),
        place_success=rng.random((5, 8)) < 0.5,
        seed=seed,
    )


def _same(a: GraspScene, b: GraspScene) -> None:
    for name in (
        "points",
        "rgb",
        "segment",
        "contact_mask",
        "held_points",
        "place_mask",
        "place_region",
        "ee_pose",
    ):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)
    assert a.object_names == b.object_names
    assert len(a.grasps) == len(b.grasps)
    for ga, gb in zip(a.grasps, b.grasps, strict=True):
        for name in ("contacts", "approach", "baseline", "width", "success"):
            np.testing.assert_array_equal(getattr(ga, name), getattr(gb, name), err_msg=name)
    np.testing.assert_array_equal(a.place_success, b.place_success)
    assert (a.held_name, a.receptacle_index, a.seed) == (b.held_name, b.receptacle_index, b.seed)


def test_round_trip_and_splits(tmp_path: Path) -> None:
    write_info(tmp_path, {"num_points": 64})
    written = {s: _scene(s) for s in (3, 4, 9)}
    write_scene(tmp_path, "train", written[3])
    write_scene(tmp_path, "train", written[9])
    write_scene(tmp_path, "test", written[4])
    write_info(tmp_path, {"num_points": 64})
    train, test = GraspDataset(tmp_path, "train"), GraspDataset(tmp_path, "test")
    assert (len(train), len(test)) == (2, 1)
    _same(train[0], written[3])
    _same(train[1], written[9])
    _same(test[-1], written[4])
    assert train[0].grasps[1].contacts.shape == (0, 3)  # an object without grasps stays in place
    assert list(train[0].is_receptacle) == [False, False, True]
    info = json.loads((tmp_path / "meta" / "info.json").read_text())
    assert info["format_version"] == FORMAT_VERSION and info["scenes"] == {"train": 2, "test": 1}
    with np.load(tmp_path / "scenes" / "train" / "scene_000003.npz", allow_pickle=False) as data:
        assert data["object_names"].dtype.kind == "U"  # strings, not pickled objects
    with pytest.raises(IndexError):
        train[2]


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RobostackError, match="no grasp dataset"):
        GraspDataset(tmp_path, "train")
    write_info(tmp_path, {"num_points": 64})
    with pytest.raises(RobostackError, match="split"):
        GraspDataset(tmp_path, "val")  # type: ignore[arg-type]
    bad = tmp_path / "scenes" / "train" / "scene_000001.npz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a zip")
    with pytest.raises(RobostackError, match="cannot read grasp scene"):
        read_scene(bad)
    info = tmp_path / "meta" / "info.json"
    info.write_text(json.dumps({"format_version": 99, "num_points": 64}))
    with pytest.raises(RobostackError, match="format version"):
        GraspDataset(tmp_path, "test")


@pytest.mark.slow
def test_generated_scene_round_trip(tmp_path: Path) -> None:
    """One real scene, generated and labelled in simulation, survives write -> read."""
    from robostack.sim.tabletop.generate import GraspCollectConfig, collect

    cfg = GraspCollectConfig(
        scenes=1, seed=4, grasps_per_object=3, min_objects=1, max_objects=2, max_cameras=1
    )
    runs = list(collect(cfg, tmp_path))
    assert runs[0][:3] == (4, "test", True)
    scene = GraspDataset(tmp_path, "test")[0]
    assert scene.points.shape == (4096, 3) and scene.place_mask.shape == (8, 4096)
    assert all(n.startswith(("random/8", "random/9", "prim/", "receptacle/")) for n in scene.object_names)
    assert scene.held_points.shape == (1024, 3)
    assert list(collect(cfg, tmp_path))[0][2] is False  # resumable: the scene on disk is kept


def test_collection_skips_the_reserved_evaluation_seeds() -> None:
    from robostack.sim.tabletop.generate import GraspCollectConfig, scene_seeds

    seeds = scene_seeds(GraspCollectConfig(scenes=6, seed=997, reserved=((1000, 1099), (1101, 1101))))
    assert seeds == [997, 998, 999, 1100, 1102, 1103]
    assert scene_seeds(GraspCollectConfig(scenes=3, seed=5)) == [5, 6, 7]
