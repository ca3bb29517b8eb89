"""DAgger warm start: labels accumulate, β halves, the fit lowers the imitation loss, the folder loads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from robostack.core.errors import ConfigError
from robostack.policies.carl.card import write_model_card
from robostack.policies.carl.imitation import (
    ImitationConfig,
    Labels,
    dagger,
    expert_mix,
    fit,
    imitation_loss,
)
from robostack.policies.carl.policy import CarlPolicy
from robostack.policies.carl.train import imitation_commands
from robostack.sim.driving.config import DrivingConfig
from robostack.sim.driving.env import DrivingEnv

SMALL = {"num_networks": 2, "traffic_density": 0.02, "route_length": [100.0, 200.0], "raster_size": 48}


def small_policy(folder: Path) -> Path:
    env = DrivingEnv(DrivingConfig(**SMALL))
    try:
        torch.manual_seed(0)
        CarlPolicy.for_spaces(env.observation_space, bev_pool=2, env=SMALL).save_pretrained(folder)
    finally:
        env.close()
    return folder


def test_expert_share_halves_each_iteration() -> None:
    assert [expert_mix(i) for i in range(4)] == [1.0, 0.5, 0.25, 0.125]


def test_dagger_aggregates_labels_and_writes_a_policy(tmp_path: Path) -> None:
    cfg = ImitationConfig(
        init_from=str(small_policy(tmp_path / "init")),
        out=str(tmp_path / "out"),
        iterations=2,
        episodes=2,
        epochs=3,
        batch_size=32,
        workers=1,
        max_steps=60,
        threads=1,
    )
    summary = dagger(cfg)
    first, second = summary["iterations"]
    assert (first["beta"], second["beta"]) == (1.0, 0.5)
    assert second["states"] == first["new_states"] + second["new_states"]
    assert first["seeds"] == [500_000, 500_001] and second["seeds"] == [500_002, 500_003]
    assert first["loss"][-1] < first["loss"][0]
    saved = json.loads((tmp_path / "out" / "imitation_log.json").read_text())
    assert saved["iterations"] == summary["iterations"]
    policy = CarlPolicy.from_pretrained(tmp_path / "out")
    assert policy.env_config.raster_size == 48 and policy.env_config.max_steps == 1200  # cap not saved
    # a run continued from this one keeps this run's log beside its own, and the card shows both
    dagger(cfg.model_copy(update={"init_from": str(tmp_path / "out"), "out": str(tmp_path / "more")}))
    card = write_model_card(tmp_path / "more").read_text()
    assert "## The DAgger run it started from" in card and card.count("| 500002–500003 |") == 2
    # PPO resumed from it records both DAgger commands, oldest first
    assert len(imitation_commands(tmp_path / "more")) == 2


def test_fit_lowers_the_loss_of_the_expert_actions(tmp_path: Path) -> None:
    policy = CarlPolicy.from_pretrained(small_policy(tmp_path / "init"))
    rng = np.random.default_rng(0)
    data = {
        "bev": rng.integers(0, 256, (64, 6, 48, 48), dtype=np.uint8),
        "meas": rng.normal(size=(64, policy.config.measurement_dim)).astype(np.float32),
        "act": np.tile(np.array([[-1.0, 0.4]], np.float32), (64, 1)),  # full brake sits on the edge
    }
    labels = Labels()
    labels.add({k: v[:40] for k, v in data.items()})
    labels.add({k: v[40:] for k, v in data.items()})
    with torch.no_grad():
        before = float(imitation_loss(policy, data["bev"], data["meas"], data["act"]))
    fit(policy, labels, epochs=5, lr=1e-3, batch=32, gen=torch.Generator().manual_seed(0))
    with torch.no_grad():
        after = float(imitation_loss(policy, data["bev"], data["meas"], data["act"]))
    assert np.isfinite(after) and after < before - 1.0
    with pytest.raises(ConfigError, match="fewer than one batch"):
        fit(policy, labels, epochs=1, lr=1e-3, batch=128, gen=torch.Generator())


def test_labels_take_across_chunks() -> None:
    labels = Labels()
    for first in (0, 3):
        rows = np.arange(first, first + 3, dtype=np.float32)
        labels.add({"bev": rows, "meas": rows, "act": rows})
    assert len(labels) == 6
    picked = labels.take(np.array([4, 1, 5]))
    assert sorted(picked["act"].tolist()) == [1.0, 4.0, 5.0]
    assert np.array_equal(picked["act"], picked["bev"])
