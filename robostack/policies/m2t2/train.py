"""Train M2T2 on the labelled grasp scenes: AdamW (weight decay 0.05, none on norms and embeddings),
gradient-norm clipping, validation loss and offline figures on the test split after each epoch.

Checkpoints (``config.yaml`` + ``model.safetensors``) are written at every validation that improves
the validation loss (at every validation with ``keep: last``), so an interrupted run leaves a usable
policy; a wall-time budget ends training cleanly. At the end the model card is written from the log.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from pydantic import Field

from robostack.core.config import StrictModel
from robostack.core.devices import training_device
from robostack.core.errors import RobostackError
from robostack.core.lineage import command_line, start_phase
from robostack.core.logging import progress
from robostack.core.schedule import cosine_factor, set_lr
from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.data import batch_to, collate, prepare_scene, synthetic_scene
from robostack.policies.m2t2.evaluate import evaluate_scenes
from robostack.policies.m2t2.policy import M2T2Policy


class TrainConfig(StrictModel):
    data: str = "datasets/grasp"
    out: str = "policies/m2t2"
    epochs: int = Field(20, ge=1)
    batch_size: int = Field(4, ge=1)
    lr: float = Field(4e-4, gt=0, description="original 1e-4 x batch/16 over 160 epochs on 8 GPUs")
    weight_decay: float = Field(0.05, ge=0)
    grad_clip: float = Field(1.0, gt=0, description="original 0.01; relaxed: it stalls short CPU runs")
    max_minutes: float = Field(60.0, gt=0, description="stop (and save) after this much wall time")
    val_minutes: float = Field(4.0, ge=0, description="validate at the first epoch end after this long")
    val_scenes: int = Field(24, ge=1, description="test scenes for the validation loss and figures")
    threads: int = Field(1, ge=1)
    device: str = Field("cpu", description="torch device to train on, e.g. cuda (float32 there too)")
    seed: int = 0
    synthetic: int = Field(0, ge=0, description="train on this many synthetic box scenes instead of --data")
    init_from: str | None = None
    note: str = Field("", description="what this run changes (listed with its command on the model card)")
    wait_for_data: bool = Field(
        False, description="data still being collected: wait for scenes, re-list each epoch"
    )
    cosine: bool = Field(
        False, description="decay the learning rate to zero over max_minutes (a phase that should settle)"
    )
    augment: bool = Field(True, description="turn each training scene by a random multiple of 45° about z")
    keep: Literal["best", "last"] = Field(
        "best", description="which validated epoch the checkpoint holds: lowest validation loss, or latest"
    )
    model: M2T2Config = M2T2Config()


def load_scenes(cfg: TrainConfig) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """(train scenes, validation scenes, data description)."""
    if cfg.synthetic:
        rng = np.random.default_rng(cfg.seed)
        n = cfg.model.num_points
        make = [
            synthetic_scene(rng, n, int(rng.integers(1, 5))) for _ in range(cfg.synthetic + cfg.val_scenes)
        ]
        return (
            make[: cfg.synthetic],
            make[cfg.synthetic :],
            {"source": "synthetic boxes", "train": cfg.synthetic},
        )
    from robostack.data.grasp_dataset import GraspDataset

    train_set, test_set = GraspDataset(cfg.data, "train"), GraspDataset(cfg.data, "test")
    if not cfg.wait_for_data and (len(train_set) == 0 or len(test_set) == 0):
        raise RobostackError(f"{cfg.data}: needs both train and test scenes")
    train_scenes = TrainScenes(train_set)
    val = TrainScenes(test_set, cfg.val_scenes)
    info = {"source": cfg.data, "test": len(test_set)}
    info |= {k: test_set.info[k] for k in ("object_split", "num_points") if k in test_set.info}
    return train_scenes, val, info


class TrainScenes:
    """One split, re-listed on `refresh` so scenes that a running collection writes meanwhile join
    the next epoch (at most ``limit`` of them); each file is read once."""

    def __init__(self, dataset: Any, limit: int | None = None) -> None:
        self.dataset, self.limit = dataset, limit
        self.cache: dict[str, Any] = {}
        self.refresh()

    def refresh(self) -> bool:
        """Re-list the split; True when it changed."""
        from robostack.data.grasp_dataset import read_scene

        files = sorted((self.dataset.root / "scenes" / self.dataset.split).glob("scene_*[0-9].npz"))
        files = files[: self.limit] if self.limit else files
        keys = []
        for path in files:
            try:  # keyed by modification time: a regenerated file is read again
                key = f"{path}:{path.stat().st_mtime_ns}"
                if key not in self.cache:
                    self.cache[key] = read_scene(path)
                keys.append(key)
            except (OSError, RobostackError):  # removed or replaced while listing
                continue
        before = [id(x) for x in getattr(self, "items", [])]
        self.items = [self.cache[k] for k in keys]
        return before != [id(x) for x in self.items]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> Any:
        return self.items[i]

    def __iter__(self) -> Any:
        return iter(self.items)


def param_groups(policy: M2T2Policy, weight_decay: float) -> list[dict[str, Any]]:
    """No weight decay on norms, biases and embeddings (as the original)."""
    decay, plain = [], []
    for name, p in policy.named_parameters():
        no_decay = p.ndim < 2 or "embed" in name or "query_" in name or "norm" in name
        (plain if no_decay else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


def validation_batches(
    scenes: Any, cfg: M2T2Config, batch_size: int, device: torch.device
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(12345)
    samples = [prepare_scene(s, cfg, rng) for s in scenes]
    starts = range(0, len(samples), batch_size)
    return [batch_to(collate(samples[i : i + batch_size], cfg), device) for i in starts]


def on_cpu(policy: M2T2Policy) -> M2T2Policy:
    """The policy itself, or a CPU copy of it: inference reads its outputs as NumPy arrays."""
    device = next(policy.parameters()).device
    return policy if device.type == "cpu" else copy.deepcopy(policy).cpu()


@torch.no_grad()
def validate(policy: M2T2Policy, batches: list[dict[str, Any]], scenes: list[Any]) -> dict[str, float]:
    policy.eval()
    infos = [policy(b)[1] for b in batches]
    figures = evaluate_scenes(on_cpu(policy), scenes)
    policy.train()
    out = {k: float(np.mean([i[k] for i in infos])) for k in infos[0]}
    return out | {k: float(v) for k, v in figures.items()}


@dataclass
class RunState:
    """What a training run has done so far: steps, recent losses, the validation log, the saved epoch."""

    began: float = field(default_factory=time.time)
    step: int = 0
    recent: list[float] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    saved: dict[str, Any] = field(default_factory=dict)
    saved_loss: float = math.inf
    last_val: float = field(default_factory=time.time)

    def minutes(self) -> float:
        return (time.time() - self.began) / 60


def train(cfg: TrainConfig, show_progress: bool = True) -> dict[str, Any]:
    """Train, checkpointing into ``cfg.out``; return the summary (also in ``train_log.json``)."""
    from robostack.policies.m2t2.model_card import write_model_card

    torch.set_num_threads(cfg.threads)
    device = training_device(cfg.device)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train_scenes, val_scenes, data_info = load_scenes(cfg)
    if len(train_scenes) == 0 and not cfg.wait_for_data:
        raise RobostackError("no training scenes")
    policy = M2T2Policy.for_training(cfg.model, cfg.init_from).to(device)
    val_batches = validation_batches(val_scenes, policy.config, cfg.batch_size, device)
    opt = torch.optim.AdamW(param_groups(policy, cfg.weight_decay), lr=cfg.lr)
    out = Path(cfg.out)
    start_phase(out, cfg.init_from, command_line(), cfg.note)
    run = RunState()
    with progress(transient=not show_progress) as bar:
        steps = cfg.epochs * math.ceil(len(train_scenes) / cfg.batch_size)
        task = bar.add_task("train m2t2", total=steps, status="", visible=show_progress)
        for epoch in range(cfg.epochs):
            if isinstance(train_scenes, TrainScenes):
                await_scenes(train_scenes, cfg, run, bar, task, epochs_left=cfg.epochs - epoch)
            out_of_time = train_epoch(policy, opt, train_scenes, cfg, rng, run, bar, task, epoch)
            last = out_of_time or epoch + 1 == cfg.epochs
            if not last and time.time() - run.last_val < cfg.val_minutes * 60:
                continue
            if isinstance(val_scenes, TrainScenes) and val_scenes.refresh():
                val_batches = validation_batches(val_scenes, policy.config, cfg.batch_size, device)
            validate_and_save(policy, val_batches, val_scenes, cfg, run, epoch, bar)
            if out_of_time:
                break
    if not run.log:
        raise RobostackError(f"{cfg.data}: no scene arrived within {cfg.max_minutes} minutes")
    summary = run_summary(cfg, run, data_info, len(train_scenes), len(val_scenes), policy)
    (out / "train_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    write_model_card(out)
    return summary


def await_scenes(
    scenes: TrainScenes, cfg: TrainConfig, run: RunState, bar: Any, task: Any, epochs_left: int
) -> None:
    """Re-list the training split, waiting while a collection has written none yet."""
    scenes.refresh()
    while len(scenes) == 0 and run.minutes() < cfg.max_minutes:
        bar.update(task, status="waiting for training scenes")
        time.sleep(30)
        scenes.refresh()
    bar.update(task, total=run.step + epochs_left * math.ceil(len(scenes) / cfg.batch_size))


def train_epoch(
    policy: M2T2Policy,
    opt: torch.optim.Optimizer,
    scenes: Any,
    cfg: TrainConfig,
    rng: np.random.Generator,
    run: RunState,
    bar: Any,
    task: Any,
    epoch: int,
) -> bool:
    """One pass over the scenes in a random order; True when the wall-time budget ran out."""
    device = next(policy.parameters()).device
    order = rng.permutation(len(scenes))
    for first in range(0, len(order), cfg.batch_size):
        chosen = [scenes[i] for i in order[first : first + cfg.batch_size]]
        batch = batch_to(training_batch(chosen, policy.config, cfg.augment, rng), device)
        if cfg.cosine:
            set_lr(opt, cfg.lr * cosine_factor(run.minutes() / cfg.max_minutes))
        run.recent = (run.recent + [optimiser_step(policy, opt, batch, cfg.grad_clip)])[-50:]
        run.step += 1
        bar.update(task, advance=1, status=f"epoch {epoch + 1} loss {np.mean(run.recent):.3f}")
        if run.minutes() > cfg.max_minutes:
            return True
    return False


def training_batch(
    scenes: list[Any], cfg: M2T2Config, augment: bool, rng: np.random.Generator
) -> dict[str, Any]:
    """The scenes sampled and collated, each turned by a random multiple of 45° when augmenting."""
    turns = rng.integers(0, 8, len(scenes)) if augment else np.zeros(len(scenes), int)
    return collate([prepare_scene(s, cfg, rng, int(m)) for s, m in zip(scenes, turns, strict=True)], cfg)


def optimiser_step(
    policy: M2T2Policy, opt: torch.optim.Optimizer, batch: dict[str, Any], grad_clip: float
) -> float:
    """One AdamW step on the batch's loss, its gradient norm clipped; the loss."""
    loss, info = policy(batch)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), grad_clip)
    opt.step()
    return info["loss"]


def validate_and_save(
    policy: M2T2Policy,
    batches: list[dict[str, Any]],
    scenes: Any,
    cfg: TrainConfig,
    run: RunState,
    epoch: int,
    bar: Any,
) -> None:
    """Log the validation figures, save the policy if this epoch is the one to keep, write the log."""
    run.last_val = time.time()
    val = validate(policy, batches, list(scenes)) if batches else {"loss": math.nan}
    entry = {"epoch": epoch + 1, "step": run.step, "train_loss": float(np.mean(run.recent))}
    entry |= {"minutes": round(run.minutes(), 2)} | {f"val_{k}": v for k, v in val.items()}
    run.log.append(entry)
    bar.console.print(
        " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in entry.items())
    )
    out = Path(cfg.out)
    # While data is still being collected the validation set grows, so losses from different
    # epochs are not comparable and every epoch is kept (as with no validation scenes: NaN).
    if cfg.keep == "last" or cfg.wait_for_data or not val["loss"] >= run.saved_loss:
        run.saved_loss, run.saved = val["loss"], entry
        policy.save_pretrained(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_log.json").write_text(json.dumps(run.log, indent=1) + "\n")


def run_summary(
    cfg: TrainConfig, run: RunState, data_info: dict[str, Any], n_train: int, n_val: int, policy: M2T2Policy
) -> dict[str, Any]:
    """What ``train_summary.json`` holds: the command, data, steps, the saved epoch and the config."""
    return {
        "command": command_line(),
        "data": data_info | {"train": n_train, "train_samples_seen": run.step * cfg.batch_size},
        "epochs": run.log[-1]["epoch"],
        "steps": run.step,
        "wall_minutes": round(run.minutes(), 1),
        "saved_epoch": run.saved["epoch"],
        "saved_val_loss": run.saved_loss,
        "val_scenes": n_val,
        "val_figures_saved": {k[4:]: v for k, v in run.saved.items() if k.startswith("val_")},
        "parameters": sum(p.numel() for p in policy.parameters()),
        "train_config": cfg.model_dump(mode="json", exclude={"model"}),
    }
