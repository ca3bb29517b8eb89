"""Train ViNT on the nav dataset: AdamW, linear warm-up then cosine decay, validation on the test split.

Checkpoints (``config.yaml`` + ``model.safetensors``) are written at every validation, so an
interrupted run leaves a usable policy; a wall-time budget ends training cleanly.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from pydantic import Field

from robostack.core.config import StrictModel, load_config
from robostack.core.errors import RobostackError
from robostack.core.logging import progress
from robostack.policies.vint.data import NavSamples, SampleConfig
from robostack.policies.vint.model import ViNTConfig
from robostack.policies.vint.policy import ViNTPolicy


class TrainConfig(StrictModel):
    dataset: str = "datasets/nav"
    out: str = "policies/vint"
    steps: int = Field(3000, ge=1)
    groups: int = Field(8, ge=1, description="groups per batch; batch = groups x group")
    group: int = Field(4, ge=1, description="consecutive samples sharing context frames")
    lr: float = Field(5e-4, gt=0)
    weight_decay: float = Field(1e-2, ge=0)
    warmup_steps: int = Field(150, ge=0)
    val_every: int = Field(250, ge=1)
    val_batches: int = Field(12, ge=1)
    max_minutes: float = Field(60.0, gt=0, description="stop (and save) after this much wall time")
    threads: int = Field(1, ge=1, description="1 is fastest on a shared machine (no OpenMP spinning)")
    seed: int = 0
    negative_prob: float = Field(0.1, ge=0, le=1)
    init_from: str | None = Field(None, description="continue from this saved policy (its architecture)")
    model: ViNTConfig = ViNTConfig(
        width_coefficient=0.35, depth_coefficient=0.35, encoding_size=256, mha_ff_dim=512
    )


def lr_at(step: int, cfg: TrainConfig, minutes: float = 0.0) -> float:
    """Linear warm-up, then cosine decay over whichever budget (steps or wall time) runs out first."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = max((step - cfg.warmup_steps) / max(cfg.steps - cfg.warmup_steps, 1), minutes / cfg.max_minutes)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))


@torch.no_grad()
def validate(policy: ViNTPolicy, batches: list[dict[str, torch.Tensor]]) -> dict[str, float]:
    policy.eval()
    infos = [policy(b)[1] for b in batches]
    policy.train()
    return {k: float(np.mean([i[k] for i in infos])) for k in infos[0]}


def train(cfg: TrainConfig, show_progress: bool = True) -> dict[str, float | int | str]:
    """Train, checkpointing into ``cfg.out``; return the summary figures (also in ``train_log.json``)."""
    from robostack.data.nav_dataset import read_dataset, read_info

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    info = read_info(cfg.dataset)
    train_eps, test_eps = read_dataset(cfg.dataset, "train"), read_dataset(cfg.dataset, "test")
    if not train_eps or not test_eps:
        raise RobostackError(f"{cfg.dataset}: needs both train and test episodes")
    base = load_config(ViNTConfig, Path(cfg.init_from) / "config.yaml") if cfg.init_from else cfg.model
    model_cfg = base.model_copy(
        update={"train_apartment_seeds": tuple(info["apartment_seeds"]["train"]), "fps": info["fps"]}
    )
    sample_cfg = SampleConfig(
        context_size=model_cfg.context_size,
        len_traj_pred=model_cfg.len_traj_pred,
        max_dist_cat=model_cfg.max_dist_cat,
        negative_prob=cfg.negative_prob,
        metres_per_frame=model_cfg.metres_per_frame,
        group=cfg.group,
    )
    train_set, test_set = NavSamples(train_eps, sample_cfg), NavSamples(test_eps, sample_cfg)
    val_rng = np.random.default_rng(12345)
    val_batches = [test_set.batch(cfg.groups, val_rng) for _ in range(cfg.val_batches)]
    policy = ViNTPolicy(model_cfg).train()
    if cfg.init_from:
        policy.load_state_dict(ViNTPolicy.from_pretrained(cfg.init_from).state_dict())
    opt = torch.optim.AdamW(policy.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    out = Path(cfg.out)
    log: list[dict[str, float]] = []
    began, best, step = time.time(), math.inf, 0
    recent: list[float] = []
    with progress(transient=not show_progress) as bar:
        task = bar.add_task("train vint", total=cfg.steps, status="", visible=show_progress)
        for step in range(cfg.steps):
            for group in opt.param_groups:
                group["lr"] = lr_at(step, cfg, (time.time() - began) / 60)
            loss, step_info = policy(train_set.batch(cfg.groups, rng))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            opt.step()
            recent = (recent + [step_info["loss"]])[-50:]
            bar.update(task, advance=1, status=f"loss {np.mean(recent):.3f}")
            last = step + 1 == cfg.steps or (time.time() - began) / 60 > cfg.max_minutes
            if (step + 1) % cfg.val_every == 0 or last:
                val = validate(policy, val_batches)
                entry = {
                    "step": step + 1,
                    "train_loss": float(np.mean(recent)),
                    "minutes": (time.time() - began) / 60,
                }
                entry.update({f"val_{k}": v for k, v in val.items()})
                log.append(entry)
                bar.console.print(" ".join(f"{k}={v:.4g}" for k, v in entry.items()))
                if val["loss"] < best:
                    best = val["loss"]
                    policy.save_pretrained(out)
                (out / "train_log.json").write_text(json.dumps(log, indent=1) + "\n")
            if last:
                break
    final = log[-1]
    return {
        "steps": step + 1,
        "wall_minutes": round((time.time() - began) / 60, 1),
        "best_val_loss": best,
        "final_val_dist_loss": final["val_dist_loss"],
        "final_val_action_loss": final["val_action_loss"],
        "final_val_waypoint_cos": final["val_waypoint_cos"],
        "train_frames": len(train_set),
        "test_frames": len(test_set),
        "parameters": sum(p.numel() for p in policy.parameters()),
    }
