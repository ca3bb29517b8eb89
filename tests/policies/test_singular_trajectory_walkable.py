"""Walkable maps and the traversability correction of SingularTrajectory's adaptive anchors."""

from __future__ import annotations

from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from robostack.core.errors import RobostackError
from robostack.data.eth_ucy import load_split
from robostack.policies.singular_trajectory.config import TrainConfig
from robostack.policies.singular_trajectory.policy import TrajectoryBatch
from robostack.policies.singular_trajectory.train import train
from robostack.policies.singular_trajectory.walkable import (
    WalkableMap,
    load_walkable_maps,
    maps_from_tracks,
)
from tests.policies.test_singular_trajectory import (  # noqa: F401 (one_thread: an autouse fixture)
    TINY,
    _tiny_eth_ucy,
    one_thread,
    tiny_model,
    walkers,
)

# 0.5 m per pixel, pixel (0, 0) at world (-2, -2): a 20 m x 20 m image whose left half is walkable.
HOMOGRAPHY = np.array([[0.5, 0.0, -2.0], [0.0, 0.5, -2.0], [0.0, 0.0, 1.0]])


def left_half_map() -> WalkableMap:
    walkable = np.zeros((40, 40), bool)
    walkable[:, :20] = True  # image x < 20, world x < 8
    return WalkableMap(walkable, HOMOGRAPHY)


def test_homography_round_trip() -> None:
    m = left_half_map()
    xy = np.array([[0.0, 0.0], [3.5, -1.25], [7.0, 7.0]])
    np.testing.assert_allclose(m.to_image(xy), [[4.0, 4.0], [11.0, 1.5], [18.0, 18.0]])
    np.testing.assert_allclose(m.to_world(m.to_image(xy)), xy)


def test_nearest_walkable_pixel() -> None:
    m = left_half_map()
    uv = np.array([[5.0, 5.0], [30.0, 7.0], [70.0, -50.0]])  # inside, right half, beyond the padding
    np.testing.assert_array_equal(m.nearest_walkable(uv), [[5, 5], [19, 7], [19, 0]])


def test_off_map_paths_are_stretched_onto_it() -> None:
    m = left_half_map()
    t = np.arange(1, 13, dtype=float)[:, None]
    start = np.array([[0.0, 0.0]])
    inside = np.concatenate((0.5 * t, 0.1 * t), 1)  # ends at world (6, 1.2): walkable
    across = np.concatenate((1.0 * t, 0.0 * t), 1)  # ends at world (12, 0): off the map
    paths = np.stack((inside, across))[None]  # (1 agent, 2 paths, 12, 2)
    out = m.correct(paths, start)
    np.testing.assert_allclose(out[0, 0], inside)
    # endpoint pulled to the last walkable column (image x 19 -> world 7.5); y untouched
    np.testing.assert_allclose(out[0, 1, -1], [7.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(out[0, 1, :, 0], across[:, 0] * 7.5 / 12, atol=1e-9)


def test_bad_maps_are_clear_errors() -> None:
    with pytest.raises(RobostackError):
        WalkableMap(np.zeros((4, 4), bool), HOMOGRAPHY)
    with pytest.raises(RobostackError):
        WalkableMap(np.ones((4, 4), bool), np.eye(2))


def test_maps_load_from_the_release_layout(tmp_path: Path) -> None:
    (tmp_path / "image").mkdir()
    (tmp_path / "homography").mkdir()
    image = np.zeros((40, 40, 3), np.uint8)
    image[:, :20] = 255
    iio.imwrite(tmp_path / "image" / "crowds_zara02_map.png", image)
    np.savetxt(tmp_path / "homography" / "crowds_zara03_H.txt", HOMOGRAPHY)
    maps = load_walkable_maps(tmp_path, {"crowds_zara03", "biwi_eth"})
    assert list(maps) == ["crowds_zara03"]  # zara03 was filmed in zara02's scene; eth has no files
    np.testing.assert_array_equal(maps["crowds_zara03"].walkable, left_half_map().walkable)


def test_adaptive_anchors_without_maps_are_the_prototypes() -> None:
    model = tiny_model()
    obs, _ = walkers(30, seed=1)
    anchors = model.adaptive_anchors(obs, ["a"] * 30, {})
    moving, _, _, prototypes = model._coefficients(model_batch(obs))
    torch.testing.assert_close(anchors, prototypes, atol=1e-4, rtol=0)
    assert moving.any()


def test_adaptive_anchors_end_on_the_map() -> None:
    model = tiny_model()
    obs, pred = walkers(30, seed=1)
    maps = maps_from_tracks(obs.numpy(), pred.numpy(), ["a"] * 30, resolution=0.1, radius=0.2)
    anchors = model.adaptive_anchors(obs, ["a"] * 30, maps)
    batch = model_batch(obs)
    moving, frame, _, prototypes = model._coefficients(batch)
    assert not torch.allclose(anchors, prototypes)
    ends = frame.to_world(model._to_local_paths(moving, anchors))[:, :, -1].numpy()
    walk = maps["a"]
    pixel = np.round(walk.to_image(ends))
    # the rank-4 projection moves an endpoint a little: within two pixels of the walkable area
    assert (np.abs(walk.nearest_walkable(pixel) - pixel).max(-1) <= 2).mean() > 0.95


def test_training_reads_maps_beside_the_splits(tmp_path: Path) -> None:
    data = _tiny_eth_ucy(tmp_path / "data")
    train_set = load_split("eth", "train", data)
    assert set(train_set.sources) == {"tiny"}
    (data / "image").mkdir()
    (data / "homography").mkdir()
    walk = maps_from_tracks(train_set.obs, train_set.pred, train_set.agent_sources())["tiny"]
    iio.imwrite(data / "image" / "tiny_map.png", (walk.walkable * 255).astype(np.uint8))
    np.savetxt(data / "homography" / "tiny_H.txt", walk.image_to_world)
    tiny = TINY.model_dump(exclude={"scene", "num_samples", "static_dist"})
    summary = train(TrainConfig(epochs=1, lr_step=1, batch_size=16), tmp_path / "out", data, tiny)
    assert summary["walkable_maps"] == ["tiny"]
    assert "walkable maps of tiny" in (tmp_path / "out" / "MODEL_CARD.md").read_text()


def model_batch(obs: torch.Tensor) -> TrajectoryBatch:
    return TrajectoryBatch(obs=obs, scene=torch.zeros(obs.shape[0], dtype=torch.long))
