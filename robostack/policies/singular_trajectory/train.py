"""Training and evaluation loops for SingularTrajectory on the ETH-UCY leave-one-out splits."""

from __future__ import annotations

import copy
import json
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from robostack.core.seeding import seed_everything
from robostack.data.eth_ucy import TrajectorySet, default_data_dir, load_split
from robostack.policies.singular_trajectory.config import (
    DETERMINISTIC_STATIC_DIST,
    STOCHASTIC_STATIC_DIST,
    ModelConfig,
    TrainConfig,
)
from robostack.policies.singular_trajectory.policy import SingularTrajectory, TrajectoryBatch, flip_y
from robostack.policies.singular_trajectory.walkable import (
    WalkableMap,
    load_walkable_maps,
    observed_maps,
    regions_by_recording,
)

Progress = Callable[[int, int, dict[str, float]], None]
"""Called as (epoch, epochs, figures) after each epoch."""


def scene_batches(
    data: TrajectorySet,
    min_agents: int,
    order: np.ndarray | None = None,
    anchors: torch.Tensor | None = None,
) -> Iterator[TrajectoryBatch]:
    """Pack whole windows, in ``order``, until each batch holds at least ``min_agents`` agents.

    Like the original's TrajBatchSampler: a scene is never split, so attention sees all its agents.
    ``anchors`` (N, S, k), when given, are the per-agent adaptive anchors of ``data``.
    """
    order = np.arange(data.num_windows) if order is None else order
    obs, pred = torch.from_numpy(data.obs), torch.from_numpy(data.pred)
    picked: list[int] = []
    count = 0
    for w in order:
        picked.append(int(w))
        count += int(data.starts[w + 1] - data.starts[w])
        if count >= min_agents:
            yield _gather(data, obs, pred, anchors, picked)
            picked, count = [], 0
    if picked:
        yield _gather(data, obs, pred, anchors, picked)


def _gather(
    data: TrajectorySet,
    obs: torch.Tensor,
    pred: torch.Tensor,
    anchors: torch.Tensor | None,
    windows: list[int],
) -> TrajectoryBatch:
    idx = np.concatenate([np.arange(data.starts[w], data.starts[w + 1]) for w in windows])
    scene = np.repeat(np.arange(len(windows)), [data.starts[w + 1] - data.starts[w] for w in windows])
    index = torch.from_numpy(idx)
    return TrajectoryBatch(
        obs=obs[index],
        pred=pred[index],
        scene=torch.from_numpy(scene),
        anchors=None if anchors is None else anchors[index],
    )


def split_anchors(
    model: SingularTrajectory, data: TrajectorySet, maps: dict[str, WalkableMap]
) -> torch.Tensor | None:
    """The adaptive anchors of every agent of ``data``, or None when no map covers it. The model's
    ``walkable_maps`` says which maps: the files' (``maps``), the area observed so far, or that
    and the training recordings of the same place."""
    if model.config.walkable_maps in ("observed", "place"):
        regions = observed_maps(
            data, model.config.walkable_radius, same_place=model.config.walkable_maps == "place"
        )
    else:
        regions = regions_by_recording(data, maps)
    if not regions:
        return None
    return model.adaptive_anchors(torch.from_numpy(data.obs), regions)


def model_config_for(scene: str, deterministic: bool, **overrides: object) -> ModelConfig:
    """The original's per-scene config: 20 or 1 samples and the matching static threshold."""
    table = DETERMINISTIC_STATIC_DIST if deterministic else STOCHASTIC_STATIC_DIST
    static = table.get(scene, 0.3)
    fields: dict[str, object] = {
        "num_samples": 1 if deterministic else 20,
        "static_dist": static,
        "scene": scene,
    }
    fields.update(overrides)
    return ModelConfig.model_validate(fields)


@dataclass
class Metrics:
    """minADE / minFDE over agents (each minimised over samples independently), metres."""

    ade: float
    fde: float
    agents: int


@torch.no_grad()
def evaluate(
    model: SingularTrajectory,
    data: TrajectorySet,
    anchors: torch.Tensor | None = None,
    batch_agents: int = 512,
) -> Metrics:
    """Best-of-S ADE/FDE of ``model`` on every agent of ``data`` (``anchors``: from `split_anchors`)."""
    model.eval()
    ade_sum = fde_sum = 0.0
    for batch in scene_batches(data, batch_agents, anchors=anchors):
        assert batch.pred is not None
        err = (model.sample(batch) - batch.pred.unsqueeze(1)).norm(dim=-1)
        ade_sum += float(err.mean(-1).min(1).values.sum())
        fde_sum += float(err[..., -1].min(1).values.sum())
    n = max(data.num_agents, 1)
    return Metrics(ade_sum / n, fde_sum / n, data.num_agents)


def constant_velocity(data: TrajectorySet) -> Metrics:
    """Extrapolate the last observed step's velocity (the classic strong baseline)."""
    obs, pred = torch.from_numpy(data.obs), torch.from_numpy(data.pred)
    vel = obs[:, -1] - obs[:, -2]
    steps = torch.arange(1, pred.shape[1] + 1, dtype=obs.dtype).view(1, -1, 1)
    guess = obs[:, -1:, :] + vel.unsqueeze(1) * steps
    err = (guess - pred).norm(dim=-1)
    n = max(data.num_agents, 1)
    return Metrics(float(err.mean(-1).sum()) / n, float(err[:, -1].sum()) / n, data.num_agents)


class EmaWeights:
    """A copy of the model whose parameters follow the trained ones by an exponential moving
    average; buffers (the fitted spaces and anchors) stay as they are."""

    def __init__(self, model: SingularTrajectory, decay: float) -> None:
        self.model = copy.deepcopy(model)
        self.decay = decay

    @torch.no_grad()
    def update(self, trained: SingularTrajectory) -> None:
        for mine, theirs in zip(self.model.parameters(), trained.parameters(), strict=True):
            mine.lerp_(theirs, 1.0 - self.decay)


def train(
    cfg: TrainConfig,
    out_dir: Path,
    data_dir: Path | None = None,
    model_overrides: dict[str, object] | None = None,
    on_epoch: Progress | None = None,
    on_batch: Callable[[], None] | None = None,
) -> dict[str, object]:
    """Train one leave-one-out model, keeping the epoch with the best validation FDE in ``out_dir``."""
    # a resumed run draws fresh batch orders rather than replaying those of its first epochs
    rng = seed_everything(cfg.seed + cfg.start_epoch)
    train_set = load_split(cfg.scene, "train", data_dir)
    val_set = load_split(cfg.scene, "val", data_dir)
    maps = load_walkable_maps(data_dir or default_data_dir(), set(train_set.sources) | set(val_set.sources))
    obs, pred = torch.from_numpy(train_set.obs), torch.from_numpy(train_set.pred)
    model, counts = initial_model(cfg, obs, pred, model_overrides)
    train_anchors = split_anchors(model, train_set, maps)
    val_anchors = split_anchors(model, val_set, maps)
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = step_schedule(optimiser, cfg)
    ema = EmaWeights(model, cfg.ema_decay) if cfg.ema_decay else None
    kept = ema.model if ema else model
    best = float("inf")
    history: list[dict[str, float]] = []
    summary: dict[str, object] = {}
    start = time.perf_counter()
    for epoch in range(cfg.start_epoch + 1, cfg.epochs + 1):
        losses = train_epoch(model, optimiser, ema, train_set, train_anchors, cfg, rng, on_batch)
        sched.step()
        row = {"epoch": float(epoch), "train_ade": float(np.mean(losses))}
        if epoch % cfg.val_every == 0 or epoch == cfg.epochs:
            val = evaluate(kept, val_set, val_anchors)
            row.update(val_ade=val.ade, val_fde=val.fde)
            if val.fde < best:
                best = val.fde
                kept.save_pretrained(out_dir)
                row["saved"] = 1.0
        row["elapsed_s"] = time.perf_counter() - start
        history.append(row)
        # Written every epoch so that a run stopped early still documents the kept checkpoint.
        summary = _write_summary(
            out_dir, cfg, model.config, best, start, train_set.num_agents, counts, sorted(maps), history
        )
        if on_epoch is not None:
            on_epoch(epoch, cfg.epochs, row)
    return summary


def initial_model(
    cfg: TrainConfig, obs: torch.Tensor, pred: torch.Tensor, model_overrides: dict[str, object] | None
) -> tuple[SingularTrajectory, dict[str, int]]:
    """The checkpoint of ``cfg.init_from`` (its spaces kept), or a new model with spaces fitted on the
    training paths; with the count of paths behind each space."""
    if cfg.init_from:
        model = SingularTrajectory.from_pretrained(cfg.init_from)
        return model, model.space_counts(obs)
    model = SingularTrajectory(model_config_for(cfg.scene, cfg.deterministic, **(model_overrides or {})))
    return model, model.fit_spaces(obs, pred, seed=cfg.seed)


def step_schedule(optimiser: torch.optim.Optimizer, cfg: TrainConfig) -> torch.optim.lr_scheduler.StepLR:
    """The step-decay schedule, already ``cfg.start_epoch`` epochs on for a resumed run."""
    sched = torch.optim.lr_scheduler.StepLR(optimiser, step_size=cfg.lr_step, gamma=cfg.lr_gamma)
    with warnings.catch_warnings():  # stepping the schedule before any optimiser step, on purpose
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(cfg.start_epoch):
            sched.step()
    return sched


def train_epoch(
    model: SingularTrajectory,
    optimiser: torch.optim.Optimizer,
    ema: EmaWeights | None,
    train_set: TrajectorySet,
    anchors: torch.Tensor | None,
    cfg: TrainConfig,
    rng: np.random.Generator,
    on_batch: Callable[[], None] | None,
) -> list[float]:
    """One pass over the training windows in a random order (capped by ``max_batches_per_epoch``); the
    batches' losses."""
    model.train()
    losses = []
    batches = scene_batches(train_set, cfg.batch_size, rng.permutation(train_set.num_windows), anchors)
    for i, batch in enumerate(batches):
        if cfg.max_batches_per_epoch and i >= cfg.max_batches_per_epoch:
            break
        # a flip would carry the paths off the map their anchors were fitted to
        if cfg.flip_augment and anchors is None and rng.random() < 0.5:
            assert batch.pred is not None
            batch = TrajectoryBatch(obs=flip_y(batch.obs), pred=flip_y(batch.pred), scene=batch.scene)
        loss, _ = model(batch)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_grad)
        optimiser.step()
        if ema is not None:
            ema.update(model)
        losses.append(float(loss.detach()))
        if on_batch is not None:
            on_batch()
    return losses


def _write_summary(
    out_dir: Path,
    cfg: TrainConfig,
    model_cfg: ModelConfig,
    best: float,
    start: float,
    train_agents: int,
    counts: dict[str, int],
    maps: list[str],
    history: list[dict[str, float]],
) -> dict[str, object]:
    summary: dict[str, object] = {
        "scene": cfg.scene,
        "deterministic": cfg.deterministic,
        "best_val_fde": best,
        "wall_s": time.perf_counter() - start,
        "epochs_completed": cfg.start_epoch + len(history),
        "train_agents": train_agents,
        "space_counts": counts,
        "walkable_maps": maps,
        "train_config": cfg.model_dump(mode="json"),
        "model_config": model_cfg.model_dump(mode="json"),
        "history": history,
    }
    if any("saved" in row for row in history):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "train_log.json").write_text(json.dumps(summary, indent=1))
        (out_dir / "MODEL_CARD.md").write_text(model_card(summary))
    return summary


def model_card(summary: dict[str, Any]) -> str:
    """The card beside one checkpoint, from its training summary (``train_log.json``)."""
    cfg = summary["train_config"]
    mode = "deterministic (1 anchor, 1 sample)" if summary["deterministic"] else "stochastic (20 samples)"
    flag = " --deterministic" if summary["deterministic"] else ""
    if cfg.get("flip_augment"):
        flag += " --flip"
    flag += _model_flags(summary.get("model_config", {}))
    if cfg.get("init_from"):
        flag += f" --init {cfg['init_from']} --start-epoch {cfg['start_epoch']}"
    if cfg.get("ema_decay"):
        flag += f" --ema-decay {cfg['ema_decay']}"
    best = min(summary["history"], key=lambda row: row.get("val_fde", float("inf")))
    kept = "the weights' moving average at " if cfg.get("ema_decay") else ""
    counts = " and ".join(f"{n} {space}" for space, n in summary["space_counts"].items())
    return f"""# SingularTrajectory, held-out scene `{summary["scene"]}`, {mode}

Leave-one-out checkpoint: trained on the train split of the other four ETH-UCY scenes
({summary["train_agents"]} agents; singular spaces fitted on {counts}), tested on
`{summary["scene"]}`. Architecture, data, every scale-down and the test figures of all scenes
(`robostack eval trajectory --scene all --json`) are in the family card,
`policies/singular_trajectory/MODEL_CARD.md`.

- Reproduce: `robostack train singular-trajectory --scene {summary["scene"]}{flag} --epochs {cfg["epochs"]}`
- Training: {_epochs_text(summary)}, batch {cfg["batch_size"]}, AdamW lr {cfg["lr"]}
  (StepLR every {cfg["lr_step"]} epochs, ×{cfg["lr_gamma"]}), seed {cfg["seed"]};
  {summary["wall_s"] / 60:.1f} min wall on a shared 2-core CPU, one torch thread.
{_resume_text(cfg)}{_maps_text(summary)}- Kept: {kept}epoch {int(best["epoch"])}, the best by validation FDE:
  val ADE {best["val_ade"]:.4f} m, val FDE {best["val_fde"]:.4f} m (from `train_log.json`, as printed).
"""


LEGACY_MODEL_OPTIONS = {
    "denoiser_activation": "leaky_relu",
    "obs_coefficients": "linear_least_squares",
    "scene_offset": "scene",
    "walkable_maps": "files",
    "walkable_radius": 0.3,
}
"""Model options with a training flag of the same name (``--scene-offset`` for ``scene_offset``),
and the value every log written before the option had."""


def _model_flags(model_cfg: dict[str, Any]) -> str:
    """The ``--option value`` flags that rebuild a logged model whose options differ from the defaults."""
    defaults = ModelConfig()
    flags = ""
    for field, legacy in LEGACY_MODEL_OPTIONS.items():
        value = model_cfg.get(field, legacy)
        if value != getattr(defaults, field):
            flags += f" --{field.replace('_', '-')} {value}"
    return flags


def _epochs_text(summary: dict[str, Any]) -> str:
    planned = int(summary["train_config"]["epochs"])
    done = int(summary.get("epochs_completed", planned))
    if done >= planned:
        return f"{planned} epochs"
    return f"{done} of {planned} planned epochs (stopped early; the schedule is the planned one)"


def _maps_text(summary: dict[str, Any]) -> str:
    model_cfg = summary.get("model_config", {})
    if model_cfg.get("walkable_maps") == "observed":
        return (
            "- Anchors adapted to where people were seen to walk so far in each recording, grown by\n"
            f"  {model_cfg['walkable_radius']} m (`walkable_maps: observed`).\n"
        )
    if model_cfg.get("walkable_maps") == "place":
        return (
            "- Anchors adapted to where people were seen to walk so far in each recording and in the\n"
            "  training and validation recordings of the same place, grown by\n"
            f"  {model_cfg['walkable_radius']} m (`walkable_maps: place`).\n"
        )
    maps = summary.get("walkable_maps")
    return f"- Anchors adapted to the walkable maps of {', '.join(maps)}.\n" if maps else ""


def _resume_text(cfg: dict[str, Any]) -> str:
    if not cfg.get("init_from"):
        return ""
    return (
        f"- Resumed at epoch {cfg['start_epoch'] + 1} of the schedule from the weights, spaces and anchors\n"
        f"  of the earlier {cfg['start_epoch']}-epoch checkpoint (its card is in git history); the\n"
        "  optimiser state was not saved, so AdamW restarted its moments.\n"
    )
