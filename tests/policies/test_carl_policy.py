"""CaRL policy: Beta head in range, unbatched act, save → load at zero tolerance, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from gymnasium import spaces

from robostack.core.errors import RobostackError
from robostack.policies.carl.model import conv_out
from robostack.policies.carl.policy import CarlPolicy

torch.set_num_threads(1)
SPACE = spaces.Dict(
    {
        "bev": spaces.Box(0, 255, (5, 48, 48), np.uint8),
        "measurements": spaces.Box(-np.inf, np.inf, (6,), np.float32),
    }
)


def observation(seed: int, batch: int | None = None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    lead = () if batch is None else (batch,)
    bev = rng.integers(0, 256, (*lead, 5, 48, 48), dtype=np.uint8)
    meas = (rng.normal(size=(*lead, 6)) * 20).astype(np.float32)
    return {"bev": bev, "measurements": meas}


def policy() -> CarlPolicy:
    torch.manual_seed(0)
    return CarlPolicy.for_spaces(SPACE).eval()


def test_full_roach_encoder_on_a_small_raster() -> None:
    p = policy()
    sizes = [48]
    for _, k, s in p.config.convs:
        sizes.append(conv_out(sizes[-1], k, s))
    assert len(p.config.convs) == 7 and sizes[-1] >= 1
    assert p.net.encoder.flat_dim == 256 * sizes[-1] ** 2


def test_beta_head_parameters_and_actions_in_range() -> None:
    p = policy()
    with torch.no_grad():
        dist, value = p.distribution(observation(1, batch=16))
        samples = dist.sample((64,))
    assert dist.concentration1.min() >= 1.0 and dist.concentration0.min() >= 1.0
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    assert value.shape == (16,) and torch.isfinite(value).all()
    action = p.act(observation(2))
    assert action.shape == (2,) and action.dtype == np.float32
    assert np.all(np.abs(action) <= 1.0)


def test_save_load_round_trip_zero_tolerance(tmp_path: Path) -> None:
    p = policy()
    p.update_normaliser(torch.arange(6.0, dtype=torch.float64) * 10, torch.full((6,), 500.0).double(), 10)
    p.save_pretrained(tmp_path)
    q = CarlPolicy.from_pretrained(tmp_path)
    for key, value in p.state_dict().items():
        assert torch.equal(value, q.state_dict()[key]), key
    obs = observation(3)
    assert np.array_equal(p.act(obs), q.act(obs))


def test_normaliser_matches_batch_statistics() -> None:
    p = policy()
    data = torch.randn(200, 6, dtype=torch.float64) * 3 + 5
    p.update_normaliser(data.sum(0), (data**2).sum(0), 200)
    assert torch.allclose(p.meas_mean.double(), data.mean(0), atol=1e-3)
    assert torch.allclose(p.meas_var.double(), data.var(0, unbiased=False), rtol=1e-3)


def test_bad_inputs_are_one_line_errors(tmp_path: Path) -> None:
    p = policy()
    bad = observation(4)
    bad["measurements"][0] = np.nan
    with pytest.raises(RobostackError, match="NaN"):
        p.act(bad)
    with pytest.raises(RobostackError, match="expects bev"):
        p.act({"bev": np.zeros((5, 32, 32), np.uint8), "measurements": np.zeros(6, np.float32)})
    p.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(RobostackError, match="unreadable"):
        CarlPolicy.from_pretrained(tmp_path)
    with pytest.raises(RobostackError, match="Dict"):
        CarlPolicy.for_spaces(spaces.Box(0, 1, (3,)))


def test_env_config_keeps_training_settings(tmp_path: Path) -> None:
    torch.manual_seed(0)
    p = CarlPolicy.for_spaces(SPACE, env={"raster_size": 64, "seed": 5, "reward": "summed"})
    p.save_pretrained(tmp_path)
    cfg = CarlPolicy.from_pretrained(tmp_path).env_config
    assert cfg.raster_size == 64 and cfg.reward == "summed" and cfg.seed == 0


def test_accel_prior_sets_the_initial_mean() -> None:
    torch.manual_seed(0)
    p = CarlPolicy.for_spaces(SPACE, accel_prior=0.3).eval()
    actions = np.stack([p.act(observation(s)) for s in range(8)])
    assert np.allclose(actions[:, 0], 0.3, atol=0.05) and np.all(np.abs(actions[:, 1]) < 0.05)
