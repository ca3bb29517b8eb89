"""Train ViNT on the nav dataset: AdamW, linear warm-up then cosine decay, validation on the test split.

Checkpoints (``config.yaml`` + ``model.safetensors``) are written at every validation, so an
interrupted run leaves a usable policy; a wall-time budget ends training cleanly.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import Field

from robostack.core.config import StrictModel, load_config
from robostack.core.devices import training_device
from robostack.core.errors import RobostackError
from robostack.core.lineage import command_line, start_phase
from robostack.core.logging import progress
from robostack.core.schedule import cosine_factor, set_lr
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
    device: str = Field("cpu", description="torch device to train on, e.g. cuda (bf16 autocast there)")
    seed: int = 0
    negative_prob: float = Field(0.1, ge=0, le=1)
    flip_prob: float = Field(0.5, ge=0, le=1, description="chance a training group is mirrored left-right")
    init_from: str | None = Field(None, description="continue from this saved policy (its architecture)")
    note: str = Field("", description="what this run changes (listed with its command on the model card)")
    freeze_obs_encoder: bool = Field(
        False,
        description="fine-tuning: keep the observation encoder fixed and cache its tokens for every frame "
        "(about 3x fewer encoder passes per step); the goal encoder, transformer and heads still train",
    )
    model: ViNTConfig = ViNTConfig(
        width_coefficient=0.35, depth_coefficient=0.35, encoding_size=256, mha_ff_dim=512
    )


def lr_at(step: int, cfg: TrainConfig, minutes: float = 0.0) -> float:
    """Linear warm-up, then cosine decay over whichever budget (steps or wall time) runs out first."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    frac = max((step - cfg.warmup_steps) / max(cfg.steps - cfg.warmup_steps, 1), minutes / cfg.max_minutes)
    return cfg.lr * cosine_factor(frac)


@torch.no_grad()
def obs_token_tables(policy: ViNTPolicy, samples: NavSamples, flipped: bool) -> list[torch.Tensor]:
    """The frozen observation encoder's token for every frame: ``[plain]`` or ``[plain, mirrored]``."""
    policy.eval()
    tables = []
    for flip in (False, True) if flipped else (False,):
        chunks = []
        with progress(transient=True) as bar:
            label = f"cache obs tokens{' (mirrored)' if flip else ''}"
            task = bar.add_task(label, total=len(samples), status="")
            for lo in range(0, len(samples), 512):
                images = samples.images[lo : lo + 512].to(next(policy.parameters()).device)
                tokens = policy.net.encode_obs(policy.preprocess(images.flip(-1) if flip else images))
                chunks.append(tokens.cpu())  # batches are assembled on the CPU
                bar.update(task, advance=len(images))
        tables.append(torch.cat(chunks))
    policy.train()
    return tables


def with_tokens(batch: dict[str, torch.Tensor], tables: list[torch.Tensor]) -> dict[str, torch.Tensor]:
    """Attach the cached observation tokens of the batch's frames (mirrored groups from the mirror table)."""
    tokens = tables[0][batch["index"]]
    if len(tables) > 1 and bool(batch["flip"].any()):
        tokens = torch.where(batch["flip"].view(-1, 1, 1), tables[1][batch["index"]], tokens)
    return dict(batch, obs_tokens=tokens)


def on_device(batch: dict[str, torch.Tensor], device: torch.device) -> dict[str, torch.Tensor]:
    return {k: v.to(device, non_blocking=True) for k, v in batch.items()}


def autocast(device: torch.device) -> torch.autocast:
    """bf16 mixed precision on a GPU (the network's convolutions are small and latency-bound); none
    on the CPU, so CPU runs keep their exact arithmetic."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


@torch.no_grad()
def validate(policy: ViNTPolicy, batches: list[dict[str, torch.Tensor]]) -> dict[str, float]:
    policy.eval()
    with autocast(next(policy.parameters()).device):
        infos = [policy(b)[1] for b in batches]
    policy.train()
    return {k: float(np.mean([i[k] for i in infos])) for k in infos[0]}


def train(cfg: TrainConfig, show_progress: bool = True) -> dict[str, float | int | str]:
    """Train, checkpointing into ``cfg.out``; return the summary figures (also in ``train_log.json``)."""
    from robostack.data.nav_dataset import read_dataset, read_info

    torch.set_num_threads(cfg.threads)
    device = training_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train_eps, test_eps = read_dataset(cfg.dataset, "train"), read_dataset(cfg.dataset, "test")
    if not train_eps or not test_eps:
        raise RobostackError(f"{cfg.dataset}: needs both train and test episodes")
    model_cfg = model_config(cfg, read_info(cfg.dataset))
    train_set, test_set = sample_sets(cfg, model_cfg, train_eps, test_eps)
    val_rng = np.random.default_rng(12345)
    val_batches = [test_set.batch(cfg.groups, val_rng) for _ in range(cfg.val_batches)]
    policy = ViNTPolicy.for_training(model_cfg, cfg.init_from).to(device)
    caches: dict[str, list[torch.Tensor]] = {}
    if cfg.freeze_obs_encoder:
        caches = freeze_obs_encoder(policy, train_set, test_set, flipped=cfg.flip_prob > 0)
        val_batches = [with_tokens(b, caches["test"]) for b in val_batches]
    val_batches = [on_device(b, device) for b in val_batches]
    trainable = [p for p in policy.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=cfg.weight_decay)
    out = Path(cfg.out)
    start_phase(out, cfg.init_from, command_line(), cfg.note)
    log: list[dict[str, float]] = []
    began, best, step = time.time(), math.inf, 0
    recent: list[float] = []
    with progress(transient=not show_progress) as bar:
        task = bar.add_task("train vint", total=cfg.steps, status="", visible=show_progress)
        for step in range(cfg.steps):
            set_lr(opt, lr_at(step, cfg, (time.time() - began) / 60))
            batch = train_set.batch(cfg.groups, rng)
            batch = on_device(with_tokens(batch, caches["train"]) if caches else batch, device)
            recent = (recent + [optimiser_step(policy, opt, batch, trainable)])[-50:]
            bar.update(task, advance=1, status=f"loss {np.mean(recent):.3f}")
            last = step + 1 == cfg.steps or (time.time() - began) / 60 > cfg.max_minutes
            if (step + 1) % cfg.val_every == 0 or last:
                entry = {
                    "step": step + 1,
                    "train_loss": float(np.mean(recent)),
                    "minutes": (time.time() - began) / 60,
                }
                log.append(entry | {f"val_{k}": v for k, v in validate(policy, val_batches).items()})
                bar.console.print(" ".join(f"{k}={v:.4g}" for k, v in log[-1].items()))
                if log[-1]["val_loss"] < best:
                    best = log[-1]["val_loss"]
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


def model_config(cfg: TrainConfig, info: dict[str, Any]) -> ViNTConfig:
    """The run's architecture (``cfg.model``, or the one of ``cfg.init_from``) with the dataset's
    training apartments and frame rate."""
    base = load_config(ViNTConfig, Path(cfg.init_from) / "config.yaml") if cfg.init_from else cfg.model
    return base.model_copy(
        update={"train_apartment_seeds": tuple(info["apartment_seeds"]["train"]), "fps": info["fps"]}
    )


def sample_sets(
    cfg: TrainConfig, model_cfg: ViNTConfig, train_eps: Any, test_eps: Any
) -> tuple[NavSamples, NavSamples]:
    """Training and validation samples; only training groups are mirrored."""
    sample_cfg = SampleConfig(
        context_size=model_cfg.context_size,
        len_traj_pred=model_cfg.len_traj_pred,
        max_dist_cat=model_cfg.max_dist_cat,
        negative_prob=cfg.negative_prob,
        metres_per_frame=model_cfg.metres_per_frame,
        group=cfg.group,
    )
    train_cfg = replace(sample_cfg, flip_prob=cfg.flip_prob)
    return NavSamples(train_eps, train_cfg), NavSamples(test_eps, sample_cfg)


def freeze_obs_encoder(
    policy: ViNTPolicy, train_set: NavSamples, test_set: NavSamples, flipped: bool
) -> dict[str, list[torch.Tensor]]:
    """Stop the observation encoder training; its token tables for every training and test frame."""
    for module in (policy.net.obs_encoder, policy.net.compress_obs):
        module.requires_grad_(False)
    return {
        "train": obs_token_tables(policy, train_set, flipped=flipped),
        "test": obs_token_tables(policy, test_set, flipped=False),
    }


def optimiser_step(
    policy: ViNTPolicy, opt: torch.optim.Optimizer, batch: dict[str, torch.Tensor], trainable: list[Any]
) -> float:
    """One AdamW step on the batch's loss, its gradient norm clipped to 1; the loss."""
    with autocast(next(policy.parameters()).device):
        loss, info = policy(batch)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    opt.step()
    return info["loss"]
