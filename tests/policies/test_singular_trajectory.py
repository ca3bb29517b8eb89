"""SingularTrajectory: frames, singular space, anchors, walkable maps, checkpoints, training steps."""

from __future__ import annotations

import math
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from robostack.core import registry
from robostack.core.errors import RobostackError
from robostack.data.eth_ucy import load_split
from robostack.policies.singular_trajectory.anchors import kmeans
from robostack.policies.singular_trajectory.config import ModelConfig, TrainConfig
from robostack.policies.singular_trajectory.policy import SingularTrajectory, TrajectoryBatch
from robostack.policies.singular_trajectory.social import SocialPlanner
from robostack.policies.singular_trajectory.space import (
    bspline_resample_matrix,
    fit_basis,
    flatten,
    make_frame,
    project,
    unflatten,
)
from robostack.policies.singular_trajectory.train import model_card, split_anchors, train
from robostack.policies.singular_trajectory.walkable import (
    WalkableMap,
    load_walkable_maps,
    maps_from_tracks,
    observed_maps,
    read_homography,
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: on a shared 2-core machine, more threads spin and slow tests 100x."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


TINY = ModelConfig(num_samples=5, d_model=32, ff_dim=32, denoiser_dims=(32, 16), static_dist=0.1, dropout=0.0)


def walkers(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Pedestrian-like tracks (obs 8, pred 12): random start, heading, speed and gentle turn."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(20, dtype=torch.float32)
    speed = 0.05 + 0.5 * torch.rand(n, 1, generator=g)
    heading = 2 * math.pi * torch.rand(n, 1, generator=g) + 0.02 * torch.randn(n, 1, generator=g) * t
    steps = speed.unsqueeze(-1) * torch.stack((torch.cos(heading), torch.sin(heading)), -1)
    track = (
        10 * torch.rand(n, 1, 2, generator=g) + steps.cumsum(1) + 0.01 * torch.randn(n, 20, 2, generator=g)
    )
    return track[:, :8], track[:, 8:]


def tiny_model(seed: int = 0) -> SingularTrajectory:
    torch.manual_seed(seed)
    model = SingularTrajectory(TINY)
    obs, pred = walkers(400, seed)
    model.fit_spaces(obs, pred)
    return model


def test_frame_round_trip() -> None:
    obs, pred = walkers(50)
    frame = make_frame(obs, True)
    torch.testing.assert_close(frame.to_world(frame.to_local(pred)), pred, atol=1e-4, rtol=0)
    local = frame.to_local(obs)
    torch.testing.assert_close(local[:, -1], torch.zeros(50, 2), atol=1e-5, rtol=0)
    # unit speed along +x over the last two steps
    torch.testing.assert_close(
        local[:, -1] - local[:, -3], torch.tensor([[2.0, 0.0]]).expand(50, 2), atol=1e-4, rtol=0
    )


def test_svd_reconstruction_error_is_small() -> None:
    obs, pred = walkers(2000)
    future = make_frame(obs, True).to_local(pred)
    basis = fit_basis(future, 4)
    torch.testing.assert_close(basis.T @ basis, torch.eye(4), atol=1e-5, rtol=0)
    recon = unflatten(project(flatten(future), basis) @ basis.T)
    err = (recon - future).norm(dim=-1).mean()
    spread = future.norm(dim=-1).mean()
    assert err < 0.02 * spread, (float(err), float(spread))
    # fewer singular vectors reconstruct worse
    recon1 = unflatten(project(flatten(future), basis[:, :1]) @ basis[:, :1].T)
    assert (recon1 - future).norm(dim=-1).mean() > err


def test_bspline_observation_map_keeps_endpoints_and_constants() -> None:
    """The original's 24 -> 16 map: a partition of unity that keeps both ends of the signal."""
    m = bspline_resample_matrix(24, 16)
    assert m.shape == (16, 24)
    torch.testing.assert_close(m.sum(1), torch.ones(16))
    signal = torch.linspace(-1, 2, 24) ** 2
    resampled = m @ signal
    assert resampled[0] == signal[0] and torch.isclose(resampled[-1], signal[-1])
    assert (m >= 0).all()


def test_kmeans_finds_separated_clusters() -> None:
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    points = centres.repeat_interleave(100, 0) + 0.1 * torch.randn(300, 2, generator=g)
    found = kmeans(points, 3, seed=0)
    nearest = torch.cdist(centres, found).min(dim=1).values
    assert nearest.max() < 0.1
    torch.testing.assert_close(kmeans(points, 3, seed=0), found, atol=0, rtol=0)


def test_predict_shapes_and_modes() -> None:
    model = tiny_model().eval()
    obs, _ = walkers(7, seed=3)
    out = model.predict(obs)
    assert out.shape == (7, TINY.num_samples, 12, 2)
    assert torch.isfinite(out).all()
    torch.testing.assert_close(model.predict(obs), out, atol=0, rtol=0)  # deterministic
    det = SingularTrajectory(TINY.model_copy(update={"num_samples": 1}))
    det.fit_spaces(*walkers(100))
    assert det.eval().predict(obs).shape == (7, 1, 12, 2)
    with pytest.raises(RobostackError, match="NaN"):
        model.predict(torch.full((2, 8, 2), float("nan")))


@pytest.mark.parametrize("activation", ["none", "leaky_relu"])
def test_denoiser_is_affine_in_the_noisy_coefficients_only_without_activation(activation: str) -> None:
    """The original's refiner has no activation between layers: for a fixed context, mixing two
    inputs mixes the outputs. Leaky ReLU (older checkpoints) breaks that."""
    torch.manual_seed(0)
    model = SingularTrajectory(TINY.model_copy(update={"denoiser_activation": activation}))
    dim = TINY.num_samples * TINY.rank
    projected = model.denoiser.project_context(torch.randn(3, TINY.d_model))
    x1, x2, beta = torch.randn(3, dim), torch.randn(3, dim), torch.tensor(0.02)
    mixed = model.denoiser(0.3 * x1 + 0.7 * x2, beta, projected)
    blend = 0.3 * model.denoiser(x1, beta, projected) + 0.7 * model.denoiser(x2, beta, projected)
    assert torch.allclose(mixed, blend, atol=1e-5) == (activation == "none")


def test_card_reproduces_the_recipe_of_its_checkpoint() -> None:
    """A log without a model config predates the options: leaky ReLU, linear least squares
    (the default, so no flag)."""
    row = {"epoch": 3.0, "train_ade": 0.3, "val_ade": 0.2, "val_fde": 0.4}
    log = {
        "scene": "eth",
        "deterministic": False,
        "train_agents": 10,
        "space_counts": {"moving": 6, "static": 14},
        "wall_s": 60.0,
        "train_config": TrainConfig(scene="eth", epochs=3, flip_augment=True).model_dump(mode="json"),
        "history": [row],
    }
    assert "--scene eth --flip --denoiser-activation leaky_relu --epochs 3`" in model_card(log)
    log["model_config"] = {"obs_coefficients": "bspline_transpose"}
    flags = "--denoiser-activation leaky_relu --obs-coefficients bspline_transpose"
    assert f"{flags} --epochs 3`" in model_card(log)
    log["train_config"]["flip_augment"] = False
    log["model_config"] = ModelConfig().model_dump(mode="json")
    assert "--scene eth --epochs 3`" in model_card(log)
    log["model_config"]["scene_offset"] = "batch"
    assert "--scene eth --scene-offset batch --epochs 3`" in model_card(log)


def test_scene_offset_is_relative_to_the_scene_or_the_batch() -> None:
    origin = torch.tensor([[0.0, 0.0], [2.0, 0.0], [10.0, 4.0], [12.0, 4.0]])
    scene = torch.tensor([0, 0, 1, 1])
    by_scene = SingularTrajectory(TINY)._scene_offsets(origin, scene)
    assert torch.equal(by_scene, torch.tensor([[-1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]]))
    by_batch = SingularTrajectory(TINY.model_copy(update={"scene_offset": "batch"}))._scene_offsets(
        origin, scene
    )
    assert torch.equal(by_batch, origin - torch.tensor([6.0, 2.0]))


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    model = tiny_model().eval()
    model.save_pretrained(tmp_path / "ckpt")
    assert {p.name for p in (tmp_path / "ckpt").iterdir()} == {"config.yaml", "model.safetensors"}
    loaded = SingularTrajectory.from_pretrained(tmp_path / "ckpt")
    assert loaded.config == model.config
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name
    obs, _ = walkers(9, seed=5)
    assert torch.equal(model.predict(obs), loaded.predict(obs))


def test_corrupt_checkpoint_is_one_clear_error(tmp_path: Path) -> None:
    tiny_model().save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(RobostackError, match="corrupt"):
        SingularTrajectory.from_pretrained(tmp_path)


def test_training_steps_reduce_loss() -> None:
    torch.manual_seed(0)
    model = tiny_model()
    obs, pred = walkers(256, seed=1)
    batch = TrajectoryBatch(obs=obs, pred=pred, scene=torch.arange(256) // 8)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    first, _ = model(batch)
    for _ in range(40):
        loss, info = model(batch)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    assert info["ade"] < 0.9 * float(first.detach()), info


def test_registered_entries() -> None:
    import robostack.policies.singular_trajectory.commands  # noqa: F401  (registers the commands)
    from robostack.runtime.commands import POLICY_BENCHMARKS

    assert registry.get("policy", "singular-trajectory") is SingularTrajectory
    assert "singular-trajectory" in POLICY_BENCHMARKS
    for name in ("train/singular-trajectory", "eval/trajectory", "bench/policy"):
        assert registry.get("command", name) is not None


def _tiny_eth_ucy(root: Path, seed: int = 0) -> Path:
    """A fake split directory: 6 walkers over 40 frames in eth/train and eth/val."""
    g = torch.Generator().manual_seed(seed)
    for split in ("train", "val"):
        rows = []
        start = 10 * torch.rand(6, 2, generator=g)
        vel = 0.2 + 0.3 * torch.rand(6, 2, generator=g)
        for frame in range(40):
            for ped in range(6):
                x, y = (start[ped] + frame * vel[ped]).tolist()
                rows.append(f"{frame * 10}\t{ped}\t{x:.3f}\t{y:.3f}")
        folder = root / "eth" / split
        folder.mkdir(parents=True)
        (folder / f"tiny_{split}.txt").write_text("\n".join(rows) + "\n")
    return root


def test_resumed_training_continues_the_schedule(tmp_path: Path) -> None:

    data = _tiny_eth_ucy(tmp_path / "data")
    tiny = TINY.model_dump(exclude={"scene", "num_samples", "static_dist"})
    first = train(TrainConfig(epochs=2, lr_step=2, batch_size=16), tmp_path / "a", data, tiny)
    assert [row["epoch"] for row in first["history"]] == [1.0, 2.0]
    resumed_cfg = TrainConfig(
        epochs=3, lr_step=2, batch_size=16, init_from=str(tmp_path / "a"), start_epoch=2
    )
    resumed = train(resumed_cfg, tmp_path / "b", data)
    # only epoch 3 runs; the spaces come from the checkpoint, not a new fit
    assert [row["epoch"] for row in resumed["history"]] == [3.0]
    assert resumed["space_counts"] == first["space_counts"]
    loaded = SingularTrajectory.from_pretrained(tmp_path / "a")
    kept = SingularTrajectory.from_pretrained(tmp_path / "b")
    assert torch.equal(loaded.basis_moving, kept.basis_moving)
    card = (tmp_path / "b" / "MODEL_CARD.md").read_text()
    assert "--init" in card and "Resumed at epoch 3" in card and "3 epochs" in card


def test_moving_average_follows_the_trained_weights_by_its_decay() -> None:
    from robostack.policies.singular_trajectory.train import EmaWeights

    start, trained = tiny_model(seed=0), tiny_model(seed=1)
    ema = EmaWeights(start, decay=0.9)
    ema.update(trained)
    for (name, mine), before, after in zip(
        ema.model.named_parameters(), start.parameters(), trained.parameters(), strict=True
    ):
        assert torch.allclose(mine, 0.9 * before + 0.1 * after, atol=1e-6), name
    assert torch.equal(ema.model.basis_moving, start.basis_moving)  # fitted spaces are not averaged


def test_training_with_a_moving_average_keeps_and_names_it(tmp_path: Path) -> None:
    data = _tiny_eth_ucy(tmp_path / "data")
    tiny = TINY.model_dump(exclude={"scene", "num_samples", "static_dist"})
    train(TrainConfig(epochs=1, batch_size=16, seed=3), tmp_path / "raw", data, tiny)
    train(TrainConfig(epochs=1, batch_size=16, seed=3, ema_decay=0.5), tmp_path / "ema", data, tiny)
    raw = SingularTrajectory.from_pretrained(tmp_path / "raw").state_dict()
    ema = SingularTrajectory.from_pretrained(tmp_path / "ema").state_dict()
    assert any(not torch.equal(raw[k], ema[k]) for k in raw)
    card = (tmp_path / "ema" / "MODEL_CARD.md").read_text()
    assert "--ema-decay 0.5" in card and "moving average at epoch 1" in card


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
        WalkableMap(np.ones((4, 4), bool), np.zeros((3, 3)))


def test_bad_homography_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "h.txt").write_text("1 0 0\n0 1 0\n")
    with pytest.raises(RobostackError, match="nine finite numbers"):
        read_homography(tmp_path / "h.txt")


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
    anchors = model.adaptive_anchors(obs, [])
    moving, _, _, prototypes = model._coefficients(model_batch(obs))
    torch.testing.assert_close(anchors, prototypes, atol=1e-4, rtol=0)
    assert moving.any()


def test_adaptive_anchors_end_on_the_map() -> None:
    model = tiny_model()
    obs, pred = walkers(30, seed=1)
    maps = maps_from_tracks(obs.numpy(), pred.numpy(), ["a"] * 30, resolution=0.1, radius=0.2)
    anchors = model.adaptive_anchors(obs, [(slice(0, 30), maps["a"])])
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


def on_map(walkable: WalkableMap, xy: np.ndarray) -> bool:
    col, row = np.round(walkable.to_image(xy)).astype(int)
    rows, cols = walkable.walkable.shape
    return bool(0 <= row < rows and 0 <= col < cols and walkable.walkable[row, col])


def test_observed_maps_hold_the_past_only(tmp_path: Path) -> None:
    folder = tmp_path / "eth" / "test"
    folder.mkdir(parents=True)
    rows = [f"{10 * f}\t{p}\t{0.5 * f:.2f}\t{2.0 * p:.2f}" for f in range(40) for p in (1, 2)]
    (folder / "walk.txt").write_text("\n".join(rows) + "\n")
    data = load_split("eth", "test", tmp_path)
    (rows_0, first), *_ = observed_maps(data, radius=0.3)
    assert rows_0 == slice(0, 2) and data.obs_end[0] == 70.0
    assert on_map(first, np.array([3.5, 2.0]))  # where walker 1 is at frame 70, the last observed
    assert not on_map(first, np.array([4.5, 2.0]))  # two frames later: not seen yet


def test_place_maps_add_training_recordings_of_the_same_place_only(tmp_path: Path) -> None:
    def write(split: str, name: str, y: float) -> None:
        folder = tmp_path / "zara1" / split
        folder.mkdir(parents=True, exist_ok=True)
        rows = [f"{10 * f}\t{p}\t{0.5 * f:.2f}\t{y + p:.2f}" for f in range(25) for p in (1, 2)]
        (folder / f"{name}.txt").write_text("\n".join(rows) + "\n")

    write("test", "crowds_zara01", 0.0)
    write("train", "crowds_zara02_train", 10.0)  # the same street
    write("val", "crowds_zara03_val", 20.0)
    write("train", "biwi_eth_train", 30.0)  # another place
    data = load_split("zara1", "test", tmp_path)
    assert set(data.place_tracks) == {"crowds_zara02", "crowds_zara03"}
    (_, observed), *_ = observed_maps(data, radius=0.3)
    (_, place), *_ = observed_maps(data, radius=0.3, same_place=True)
    ahead, zara02, eth = np.array([10.0, 1.0]), np.array([10.0, 11.0]), np.array([10.0, 31.0])
    assert not on_map(observed, zara02) and on_map(place, zara02) and on_map(place, np.array([1.0, 21.0]))
    assert not on_map(place, eth) and not on_map(place, ahead)  # nor the test recording's future


@pytest.mark.parametrize("source", ["observed", "place"])
def test_training_with_maps_from_the_tracks(tmp_path: Path, source: str) -> None:
    data = _tiny_eth_ucy(tmp_path / "data")
    tiny = TINY.model_dump(exclude={"scene", "num_samples", "static_dist"})
    train(
        TrainConfig(epochs=1, lr_step=1, batch_size=16),
        tmp_path / "out",
        data,
        {**tiny, "walkable_maps": source},
    )
    model = SingularTrajectory.from_pretrained(tmp_path / "out")
    assert model.config.walkable_maps == source
    card = (tmp_path / "out" / "MODEL_CARD.md").read_text()
    assert f"--walkable-maps {source}" in card and "seen to walk so far" in card
    val = load_split("eth", "val", data)
    anchors = split_anchors(model, val, {})
    assert anchors is not None and anchors.shape == (val.num_agents, model.config.num_samples, 4)


def test_social_planner_remembers_where_people_walked() -> None:
    model = tiny_model()
    obs, _ = walkers(6, seed=2)
    assert SocialPlanner("social", model).walkable_so_far(obs.numpy()) is None  # trained without maps
    model.config = model.config.model_copy(update={"walkable_maps": "observed"})
    planner = SocialPlanner("social", model)
    assert planner.futures(obs.numpy()).shape == (6, 5, 12, 2)
    walk = planner.walkable_so_far(obs.numpy())
    assert walk is not None and len(planner.seen) == 6 * 8  # the same tracks twice, kept once
    assert all(on_map(walk, xy) for xy in obs[:, -1].numpy())
    assert not torch.allclose(model.predict(obs, walkable=walk), model.predict(obs))
    planner.reset()
    assert len(planner.seen) == 0
