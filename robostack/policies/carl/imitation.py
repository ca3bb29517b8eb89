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
from robostack.core.lineage import command_line
from robostack.core.logging import console, progress
from robostack.policies.carl.model import to_unit
from robostack.policies.carl.policy import CarlPolicy

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


def _label_episodes(job: tuple[list[int], str | None, float, dict[str, Any]]) -> dict[str, Any]:
    """Drive ``seeds`` (one process, one env) and return every visited state with the expert's action."""
    from robostack.policies.baselines.driving import LaneFollowingPolicy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.env import DrivingEnv

    seeds, learner_dir, beta, env_fields = job
    torch.set_num_threads(1)
    learner = CarlPolicy.from_pretrained(learner_dir) if learner_dir else None
    env = DrivingEnv(DrivingConfig(**env_fields))
    expert = LaneFollowingPolicy()
    expert.attach(env)
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
    seeds: list[int], learner_dir: str | None, beta: float, env_fields: dict[str, Any], workers: int
) -> dict[str, Any]:
    """Labelled states of ``seeds``, shared among ``workers`` spawned processes (one in-process)."""
    jobs = [(seeds[w::workers], learner_dir, beta, env_fields) for w in range(workers) if seeds[w::workers]]
    if len(jobs) == 1:
        parts = [_label_episodes(jobs[0])]
    else:
        with ProcessPoolExecutor(len(jobs), mp_context=get_context("spawn")) as pool:
            parts = list(pool.map(_label_episodes, jobs))
    merged = {k: np.concatenate([p[k] for p in parts]) for k in ("bev", "meas", "act")}
    merged["completion"] = [c for p in parts for c in p["completion"]]
    return merged


def imitation_loss(policy: CarlPolicy, bev: Any, meas: Any, actions: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood of the expert's actions under the policy's Beta."""
    dist, _ = policy.distribution({"bev": torch.as_tensor(bev), "measurements": torch.as_tensor(meas)})
    target = to_unit(actions).clamp(ACTION_MARGIN, 1.0 - ACTION_MARGIN)
    return -dist.log_prob(target).sum(-1).mean()


def fit(
    policy: CarlPolicy, data: dict[str, np.ndarray], epochs: int, lr: float, batch: int, gen: torch.Generator
) -> list[float]:
    """Fit the Beta to the labels (Adam, cosine decay); returns the mean loss of each epoch."""
    n = len(data["act"])
    if n < batch:
        raise ConfigError(f"{n} labelled states are fewer than one batch ({batch})")
    optimiser = torch.optim.Adam(policy.parameters(), lr=lr)
    steps = epochs * (n // batch)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    actions = torch.as_tensor(data["act"])
    losses = []
    policy.train()
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n - batch + 1, batch):
            idx = order[start : start + batch].numpy()
            loss = imitation_loss(policy, data["bev"][idx], data["meas"][idx], actions[idx])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 0.5)
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
        losses.append(total / (n // batch))
    policy.eval()
    return losses


def _append(data: dict[str, np.ndarray] | None, new: dict[str, Any]) -> dict[str, np.ndarray]:
    if data is None:
        return {k: new[k] for k in ("bev", "meas", "act")}
    return {k: np.concatenate([data[k], new[k]]) for k in ("bev", "meas", "act")}


def dagger(cfg: ImitationConfig) -> dict[str, Any]:
    """Run the iterations; writes the policy folder ``cfg.out`` and its ``imitation_log.json``."""
    torch.set_num_threads(cfg.threads)
    gen = torch.Generator().manual_seed(cfg.seed)
    policy = CarlPolicy.from_pretrained(cfg.init_from)
    env_fields = policy.env_config.model_dump()
    if cfg.max_steps is not None:
        env_fields["max_steps"] = cfg.max_steps
    out = Path(cfg.out)
    learner_dir = out / "learner"
    data: dict[str, np.ndarray] | None = None
    history: list[dict[str, Any]] = []
    start = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("DAgger", total=cfg.iterations, status="")
        for it in range(cfg.iterations):
            beta = expert_mix(it)
            seeds = list(range(cfg.seed + it * cfg.episodes, cfg.seed + (it + 1) * cfg.episodes))
            learner = str(learner_dir) if it else None
            new = collect(seeds, learner, beta, env_fields, cfg.workers)
            data = _append(data, new)
            losses = fit(policy, data, cfg.epochs, cfg.learning_rate, cfg.batch_size, gen)
            policy.save_pretrained(learner_dir)
            row = {
                "iteration": it,
                "beta": beta,
                "seeds": [seeds[0], seeds[-1]],
                "rollout_route_completion": round(100 * float(np.mean(new["completion"])), 2),
                "new_states": len(new["act"]),
                "states": len(data["act"]),
                "loss": [round(x, 4) for x in losses],
                "wall_s": round(time.perf_counter() - start, 1),
            }
            history.append(row)
            bar.update(task, advance=1, status=f"states {row['states']}  loss {losses[-1]:.3f}")
            console.print(json.dumps(row))
    policy.save_pretrained(out)
    summary = {
        "method": "DAgger from the lane-following baseline",
        "command": command_line(),
        "config": cfg.model_dump(),
        "iterations": history,
    }
    (out / "imitation_log.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary
