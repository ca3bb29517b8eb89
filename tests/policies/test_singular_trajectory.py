"""SingularTrajectory: frames, singular space, anchors, checkpoints and a few training steps."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from robostack.core import registry
from robostack.core.errors import RobostackError
from robostack.policies.singular_trajectory.anchors import kmeans
from robostack.policies.singular_trajectory.config import ModelConfig
from robostack.policies.singular_trajectory.policy import SingularTrajectory, TrajectoryBatch
from robostack.policies.singular_trajectory.space import fit_basis, flatten, make_frame, project, unflatten


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
    from robostack.policies.singular_trajectory.config import TrainConfig
    from robostack.policies.singular_trajectory.train import train

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
