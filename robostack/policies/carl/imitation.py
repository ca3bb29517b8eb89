"""DAgger warm start: the CaRL network imitates the lane-following baseline (Ross et al., AISTATS 2011).

CaRL learns from scratch with PPO on some 300M samples; a 2-core CPU gathers about 100 per second,
so PPO alone leaves the policy far from driving well. DAgger gives it a policy that already drives.
The learner sees only what PPO's policy sees (the BEV raster and the measurements). The expert,
`LaneFollowingPolicy`, reads the env's privileged state. Each iteration drives episodes that mix
the two (the expert acts with probability β, which halves every iteration), labels every visited
state with the expert's action, adds them to all earlier labels, and fits the policy's Beta by the
negative log-likelihood of those actions. The result is a policy folder that `robostack train carl
--resume` continues with PPO, and that `robostack eval driving --policy carl --checkpoint DIR` drives.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import Field

from robostack.core.config import StrictModel
from robostack.core.errors import ConfigError
from robostack.core.lineage import command_line, start_phase
from robostack.core.logging import console, progress
from robostack.policies.carl.model import to_unit
from robostack.policies.carl.policy import CarlPolicy
from robostack.sim.driving.config import DrivingConfig
from robostack.sim.driving.evaluate import open_env

IMITATION_FILE = "imitation_log.json"
ACTION_MARGIN = 0.02
"""Expert actions sit on the box's edges (full brake, full lock), where a Beta density is 0 or
infinite; targets are kept this far inside [0, 1]."""


class ImitationConfig(StrictModel):
    """One DAgger run (``robostack train carl-dagger``)."""

    init_from: str = "policies/carl"  # a CarlPolicy folder: network shape, raster, normaliser
    out: str = "runs/carl_dagger"
    iterations: int = Field(default=5, ge=1)
    episodes: int = Field(default=40, ge=1)  # driven per iteration
    seed: int = Field(default=500_000, ge=0, lt=1_000_000)  # first training seed
    epochs: int = Field(default=4, ge=1)  # per fit, over every label so far
    learning_rate: float = Field(default=3e-4, gt=0)
    batch_size: int = Field(default=256, gt=0)
    workers: int = Field(default=2, ge=1)  # driving processes (libsumo: one simulation each)
    max_steps: int | None = Field(default=None, ge=10)  # episode cap, for smoke runs
    threads: int = Field(default=2, ge=1)


def expert_mix(iteration: int) -> float:
    """β: the share of steps the expert drives; 1 for the first rollouts, then halved each time."""
    return 0.5**iteration


FIELDS = ("bev", "meas", "act")


class Labels:
    """Every labelled state so far, kept in the chunks it came in, so adding one copies nothing."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, np.ndarray]] = []

    def add(self, chunk: dict[str, Any]) -> None:
        self.chunks.append({k: chunk[k] for k in FIELDS})

    def __len__(self) -> int:
        return sum(len(c["act"]) for c in self.chunks)

    def take(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """The states at global indices ``idx`` (grouped by chunk; a batch's order does not matter)."""
        bounds = np.cumsum([0] + [len(c["act"]) for c in self.chunks])
        chunk_of = np.searchsorted(bounds, idx, side="right") - 1
        picks = [(self.chunks[c], idx[chunk_of == c] - bounds[c]) for c in np.unique(chunk_of)]
        return {k: np.concatenate([chunk[k][rows] for chunk, rows in picks]) for k in FIELDS}


def _label_episodes(job: tuple[list[int], str | None, float, DrivingConfig]) -> dict[str, Any]:
    """Drive ``seeds`` (one process, one env) and return every visited state with the expert's action."""
    from robostack.policies.baselines.driving import LaneFollowingPolicy

    seeds, learner_dir, beta, env_config = job
    torch.set_num_threads(1)
    learner = CarlPolicy.from_pretrained(learner_dir) if learner_dir else None
    expert = LaneFollowingPolicy()
    env = open_env(expert, env_config)
    rng = np.random.default_rng(seeds[0])
    bev, meas, act, completion = [], [], [], []
    try:
        for seed in seeds:
            obs, info = env.reset(seed=seed)
            done = False
            while not done:
                label = expert.act(obs)
                bev.append(obs["bev"])
                meas.append(obs["measurements"])
                act.append(label)
                drive = label if learner is None or rng.random() < beta else learner.act(obs)
                obs, _, terminated, truncated, info = env.step(np.asarray(drive, np.float32))
                done = terminated or truncated
            completion.append(float(info["route_completion"]))
    finally:
        env.close()
    return {"bev": np.stack(bev), "meas": np.stack(meas), "act": np.stack(act), "completion": completion}


def collect(
    seeds: list[int], learner_dir: str | None, beta: float, env_config: DrivingConfig, workers: int
) -> dict[str, Any]:
    """Labelled states of ``seeds``, shared among ``workers`` spawned processes (one in-process)."""
    jobs = [(seeds[w::workers], learner_dir, beta, env_config) for w in range(workers) if seeds[w::workers]]
    if len(jobs) == 1:
        parts = [_label_episodes(jobs[0])]
    else:
        with ProcessPoolExecutor(len(jobs), mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_label_episodes, jobs))
    merged: dict[str, Any] = {k: np.concatenate([p[k] for p in parts]) for k in FIELDS}
    merged["completion"] = [c for p in parts for c in p["completion"]]
    return merged


def imitation_loss(policy: CarlPolicy, bev: Any, meas: Any, actions: Any) -> torch.Tensor:
    """Mean negative log-likelihood of the expert's actions under the policy's Beta."""
    dist, _ = policy.distribution({"bev": torch.as_tensor(bev), "measurements": torch.as_tensor(meas)})
    target = to_unit(torch.as_tensor(actions)).clamp(ACTION_MARGIN, 1.0 - ACTION_MARGIN)
    return -dist.log_prob(target).sum(-1).mean()


def fit(
    policy: CarlPolicy, labels: Labels, epochs: int, lr: float, batch: int, gen: torch.Generator
) -> list[float]:
    """Fit the Beta to the labels (Adam, cosine decay); returns the mean loss of each epoch."""
    n = len(labels)
    if n < batch:
        raise ConfigError(f"{n} labelled states are fewer than one batch ({batch})")
    optimiser = torch.optim.Adam(policy.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs * (n // batch))
    losses = []
    policy.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen).numpy()
        total = 0.0
        for start in range(0, n - batch + 1, batch):
            b = labels.take(order[start : start + batch])
            loss = imitation_loss(policy, b["bev"], b["meas"], b["act"])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 0.5)
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
        losses.append(total / (n // batch))
    policy.eval()
    return losses


def dagger(cfg: ImitationConfig) -> dict[str, Any]:
    """Run the iterations. After each, the policy folder ``cfg.out`` and its ``imitation_log.json``
    hold the latest fit (the next iteration's learner drives from there), so a stopped run leaves one."""
    torch.set_num_threads(cfg.threads)
    gen = torch.Generator().manual_seed(cfg.seed)
    policy = CarlPolicy.from_pretrained(cfg.init_from)
    env_config = policy.env_config
    if cfg.max_steps is not None:
        env_config = env_config.model_copy(update={"max_steps": cfg.max_steps})
    out = Path(cfg.out)
    command = command_line()
    start_phase(out, cfg.init_from, command, current_log=IMITATION_FILE)  # a DAgger run it continues
    labels = Labels()
    summary: dict[str, Any] = {
        "method": "DAgger from the lane-following baseline",
        "command": command,
        "config": cfg.model_dump(),
        "iterations": [],
    }
    start = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("DAgger", total=cfg.iterations, status="")
        for it in range(cfg.iterations):
            beta = expert_mix(it)
            seeds = list(range(cfg.seed + it * cfg.episodes, cfg.seed + (it + 1) * cfg.episodes))
            new = collect(seeds, str(out) if it else None, beta, env_config, cfg.workers)
            labels.add(new)
            losses = fit(policy, labels, cfg.epochs, cfg.learning_rate, cfg.batch_size, gen)
            row = {
                "iteration": it,
                "beta": beta,
                "seeds": [seeds[0], seeds[-1]],
                "rollout_route_completion": round(100 * float(np.mean(new["completion"])), 2),
                "new_states": len(new["act"]),
                "states": len(labels),
                "loss": [round(x, 4) for x in losses],
                "wall_s": round(time.perf_counter() - start, 1),
            }
            summary["iterations"].append(row)
            policy.save_pretrained(out)
            (out / IMITATION_FILE).write_text(json.dumps(summary, indent=1) + "\n")
            bar.update(task, advance=1, status=f"states {row['states']}  loss {losses[-1]:.3f}")
            console.print(json.dumps(row))
    return summary
