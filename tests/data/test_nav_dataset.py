"""The nav dataset: a tiny generated dataset written and read back, split by apartment."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robostack.data.nav_dataset import NavCollectConfig, collect, read_dataset, read_info, write_dataset


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    cfg = NavCollectConfig(
        episodes=2, seed=300, runs_per_apartment=1, test_every=2, image_size=32, max_frames=24, max_goal_m=4.0
    )
    runs = list(collect(cfg))
    root = tmp_path_factory.mktemp("nav")
    write_dataset(root, runs, cfg)
    return root, runs, cfg


def test_round_trip(tiny: tuple) -> None:
    root, runs, _ = tiny
    episodes = read_dataset(root)
    assert len(episodes) == len(runs) == 2
    by_seed = {r.apartment_seed: r for r in runs}
    for ep in episodes:
        run = by_seed[ep.apartment_seed]
        np.testing.assert_array_equal(ep.images, np.stack(run.images))
        np.testing.assert_allclose(ep.poses, np.array(run.states))
        assert ep.images.shape[1:] == (32, 32, 3)


def test_info_and_split_by_apartment(tiny: tuple) -> None:
    root, _, _ = tiny
    info = read_info(root)
    assert info["codebase_version"] == "v3.0" and info["fps"] == 4.0
    assert info["features"]["observation.images.head"]["shape"] == [32, 32, 3]
    seeds = info["apartment_seeds"]
    assert seeds == {"train": [300], "test": [301]}
    assert {e.split for e in read_dataset(root, "test")} == {"test"}
    assert [e.apartment_seed for e in read_dataset(root, "train")] == [300]
    assert json.loads((root / "meta" / "info.json").read_text())["total_frames"] == info["total_frames"]


def test_frames_are_4hz_motion(tiny: tuple) -> None:
    _, runs, cfg = tiny
    for run in runs:
        steps = np.linalg.norm(np.diff(np.array(run.states)[:, :2], axis=0), axis=1)
        assert steps.max() <= cfg.max_linear / cfg.fps + 1e-6
