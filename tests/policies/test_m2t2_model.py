"""M2T2 on synthetic scenes: shapes, a few training steps with the loss falling, the policy queries,
save → load at zero tolerance, and one-line errors on bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from robostack.core.errors import RobostackError
from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.data import collate, prepare_scene, synthetic_scene
from robostack.policies.m2t2.policy import M2T2Policy

torch.set_num_threads(1)

TINY = M2T2Config(
    num_points=256,
    num_object_points=64,
    sa_widths=(4, 8, 8, 8),
    fp_dims=(16, 16, 16, 16),
    object_points=(32, 16, 8),
    object_dim=16,
    embed_dim=16,
    feedforward_dim=32,
    num_heads=2,
    num_layers=3,
    num_grasp_queries=4,
    action_hidden=16,
    grasp_topk=32,
    place_topk=32,
    max_contacts_per_scene=32,
)


@pytest.fixture(scope="module")
def scenes() -> list:
    rng = np.random.default_rng(0)
    return [synthetic_scene(rng, 512, objects, held=objects != 1) for objects in (2, 3, 1)]


def test_forward_shapes_and_targets(scenes: list) -> None:
    rng = np.random.default_rng(1)
    batch = collate([prepare_scene(s, TINY, rng) for s in scenes], TINY)
    policy = M2T2Policy(TINY)
    out = policy.net(batch["points"], batch["held"])
    assert len(out.preds) == TINY.num_layers + 1
    assert out.preds[-1].grasp_masks.shape == (3, 4, 256)
    assert out.preds[-1].place_masks.shape == (3, 8, 256)
    assert out.preds[-1].objectness.shape == (3, 4)
    targets = batch["targets"]
    assert targets[0].contact_masks.shape[0] == 2 and targets[0].has_place
    assert not targets[2].has_place and targets[2].contact_index.numel() > 0


@pytest.mark.parametrize("adds_on_confident", [False, True])
def test_training_steps_lower_the_loss(scenes: list, adds_on_confident: bool) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    cfg = TINY.model_copy(update={"adds_on_confident": adds_on_confident})
    batch = collate([prepare_scene(s, cfg, rng) for s in scenes], cfg)
    policy = M2T2Policy(cfg).train()
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-2, weight_decay=0.05)
    losses = []
    for _ in range(15):
        loss, info = policy(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(info["loss"])
    assert all(math.isfinite(v) for v in losses)
    assert set(info) >= {"objectness", "grasp_bce", "grasp_dice", "place_bce", "place_dice", "adds", "width"}
    assert np.mean(losses[-3:]) < 0.8 * losses[0]


def test_policy_queries_and_save_load_round_trip(scenes: list, tmp_path) -> None:
    torch.manual_seed(0)
    policy = M2T2Policy(TINY).eval()
    scene = scenes[0]
    grasps = policy.grasps(scene.points, scene.rgb, scene.segment, 1, max_grasps=5)
    assert 0 < len(grasps) <= 5
    pose, width, score = grasps[0]
    assert pose.shape == (4, 4) and 0 <= width <= 0.08 and np.isclose(np.linalg.det(pose[:3, :3]), 1)
    assert [g[2] for g in grasps] == sorted((g[2] for g in grasps), reverse=True)
    places = policy.placements(scene.points, scene.rgb, scene.segment, scene.held_points, scene.ee_pose, -1)
    assert places and places[0][0].shape == (4, 4)
    assert policy.grasps(scene.points, scene.rgb, scene.segment, 7) == []  # no such object

    policy.save_pretrained(tmp_path)
    loaded = M2T2Policy.from_pretrained(tmp_path)
    again = loaded.grasps(scene.points, scene.rgb, scene.segment, 1, max_grasps=5)
    assert all((a[0] == b[0]).all() and a[1:] == b[1:] for a, b in zip(grasps, again, strict=True))
    places_again = loaded.placements(
        scene.points, scene.rgb, scene.segment, scene.held_points, scene.ee_pose, -1
    )
    assert all((a[0] == b[0]).all() and a[1] == b[1] for a, b in zip(places, places_again, strict=True))
    out_a = policy.infer(scene.points, scene.held_points)[0].preds[-1]
    out_b = loaded.infer(scene.points, scene.held_points)[0].preds[-1]
    assert torch.equal(out_a.grasp_masks, out_b.grasp_masks) and torch.equal(
        out_a.place_masks, out_b.place_masks
    )


def test_runs_pool_candidates_from_several_resamplings(scenes: list) -> None:
    torch.manual_seed(0)
    single = M2T2Policy(TINY).eval()
    pooled = M2T2Policy(TINY.model_copy(update={"num_runs": 3}))
    pooled.load_state_dict(single.state_dict())
    scene = scenes[1]
    _, idx_single = single.infer(scene.points)
    _, idx = pooled.infer(scene.points)
    assert idx.shape == (3, TINY.num_points)
    assert (idx[0] == idx_single[0]).all() and not (idx[1] == idx[0]).all()  # run 0 is the single run
    grasps = pooled.grasps(scene.points, scene.rgb, scene.segment, 1, max_grasps=50)
    # More sampled target points to choose from than one run has.
    assert len(grasps) > int((scene.segment[idx_single[0]] == 1).sum())
    assert all(np.isfinite(g[0]).all() for g in grasps)
    places = pooled.placements(scene.points, scene.rgb, scene.segment, scene.held_points, scene.ee_pose, -1)
    assert places and len(places) <= 8 * 8


def test_bad_input_is_one_clear_error(scenes: list, tmp_path) -> None:
    policy = M2T2Policy(TINY)
    scene = scenes[0]
    bad = scene.points.copy()
    bad[3, 1] = np.nan
    with pytest.raises(RobostackError, match="NaN"):
        policy.grasps(bad, None, scene.segment, 0)
    with pytest.raises(RobostackError, match="shape"):
        policy.grasps(scene.points[:, :2], None, scene.segment, 0)
    with pytest.raises(RobostackError, match="segment"):
        policy.grasps(scene.points, None, scene.segment[:-1], 0)
    with pytest.raises(RobostackError, match="no such (file|checkpoint directory)"):
        M2T2Policy.from_pretrained(tmp_path / "missing")
    policy.save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(RobostackError, match="unreadable"):
        M2T2Policy.from_pretrained(tmp_path)


def test_yaw_augmentation_turns_grasps_and_rolls_place_bins(scenes: list) -> None:
    scene = scenes[0]
    (plain, t0), (turned, t2) = (prepare_scene(scene, TINY, np.random.default_rng(5), m) for m in (0, 2))
    quarter = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # 2 × 45° about z
    assert np.allclose(turned["points"], plain["points"] @ quarter.T, atol=1e-6)
    assert torch.allclose(
        t2.grasp_baseline, t0.grasp_baseline @ torch.from_numpy(quarter.T).float(), atol=1e-6
    )
    assert torch.equal(t2.place_mask, torch.roll(t0.place_mask, 2, dims=0))
    assert torch.equal(t2.contact_masks, t0.contact_masks)


def tiny_config(out: Path, **changes: Any) -> Any:
    """The config of a 3-epoch run on 2 synthetic scenes, validated after every epoch."""
    from robostack.policies.m2t2.train import TrainConfig

    return TrainConfig(
        synthetic=2, epochs=3, val_scenes=1, val_minutes=0, batch_size=2, out=str(out), model=TINY, **changes
    )


def test_train_command_writes_policy_log_and_model_card(tmp_path) -> None:
    from robostack.policies.m2t2.train import train

    summary = train(tiny_config(tmp_path), show_progress=False)
    assert summary["steps"] == 3 and summary["data"]["source"] == "synthetic boxes"
    assert math.isfinite(summary["saved_val_loss"])
    loaded = M2T2Policy.from_pretrained(tmp_path)
    assert loaded.config == TINY
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "| scene points | 16384 | 256 |" in card and "wall time" in card
    log = json.loads((tmp_path / "train_log.json").read_text())
    assert summary["saved_val_loss"] == min(e["val_loss"] for e in log)  # the best epoch is kept


@pytest.mark.parametrize(("keep", "saved_epoch"), [("best", 2), ("last", 3)])
def test_train_keeps_the_chosen_epoch(tmp_path, monkeypatch, keep: str, saved_epoch: int) -> None:
    from robostack.policies.m2t2 import train as train_module

    losses = iter([3.0, 1.0, 2.0])  # the second epoch validates best, the third last
    monkeypatch.setattr(train_module, "validate", lambda *_: {"loss": next(losses)})
    summary = train_module.train(tiny_config(tmp_path, keep=keep), show_progress=False)
    assert summary["saved_epoch"] == saved_epoch
    assert summary["saved_val_loss"] == {2: 1.0, 3: 2.0}[saved_epoch]


def test_cosine_factor_runs_from_one_to_zero() -> None:
    from robostack.core.schedule import cosine_factor

    assert cosine_factor(0.0) == 1.0 and cosine_factor(1.0) == 0.0 and cosine_factor(2.0) == 0.0
    assert abs(cosine_factor(0.5) - 0.5) < 1e-12
