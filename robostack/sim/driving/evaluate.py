"""Evaluate a driving policy on evaluation seeds (>= 1_000_000: networks never used in training)."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from robostack.core.errors import ConfigError
from robostack.sim.driving.config import EVAL_SEED_START, DrivingConfig
from robostack.sim.driving.metrics import EpisodeResult, summarise


class DrivingPolicy(Protocol):
    def reset(self) -> None: ...

    def act(self, obs: dict[str, np.ndarray]) -> np.ndarray: ...


def episode_config(policy: Any, config: DrivingConfig | None) -> DrivingConfig:
    """The env settings for ``policy``: ``config``, else the policy's own ``env_config`` (a trained
    policy keeps the raster it was trained on), else the defaults; plus the policy's
    ``env_overrides`` (e.g. the SUMO driver's ``ego_control="sumo"``)."""
    base = config or getattr(policy, "env_config", None) or DrivingConfig()
    overrides = dict(getattr(policy, "env_overrides", {}) or {})
    return base.model_copy(update=overrides) if overrides else base


def run_episodes(
    policy: Any,
    episodes: int,
    seed: int,
    config: DrivingConfig | None = None,
    show_progress: bool = False,
) -> list[EpisodeResult]:
    """Run ``episodes`` episodes on seeds ``seed, seed + 1, ...``; one result each."""
    from robostack.core.logging import progress
    from robostack.sim.driving.env import DrivingEnv

    if episodes < 1:
        raise ConfigError(f"--episodes must be at least 1, got {episodes}")
    env = DrivingEnv(episode_config(policy, config))
    attach = getattr(policy, "attach", None)
    if callable(attach):
        attach(env)  # privileged baselines read the env's state
    results = []
    try:
        with progress(transient=True, disable=not show_progress) as bar:
            task = bar.add_task("driving episodes", total=episodes, status="")
            for k in range(episodes):
                obs, info = env.reset(seed=seed + k)
                policy.reset()
                total, steps, done = 0.0, 0, False
                while not done:
                    action = np.asarray(policy.act(obs), dtype=np.float32)
                    obs, reward, terminated, truncated, info = env.step(action)
                    total += reward
                    steps += 1
                    done = terminated or truncated
                results.append(
                    EpisodeResult.from_info(info, seed=seed + k, steps=steps, episode_return=total)
                )
                rc = sum(r.route_completion for r in results) / len(results)
                bar.update(task, advance=1, status=f"RC {100 * rc:.1f}%")
    finally:
        env.close()
    return results


def evaluate(
    policy: Any,
    episodes: int,
    seed: int,
    config: DrivingConfig | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """`metrics.summarise` over ``episodes`` evaluation episodes, plus why each one ended."""
    if seed < EVAL_SEED_START:
        raise ConfigError(
            f"evaluation seeds start at {EVAL_SEED_START} (training uses the seeds below), got {seed}"
        )
    results = run_episodes(policy, episodes, seed, config, show_progress)
    summary: dict[str, Any] = summarise(results)
    reasons: dict[str, int] = {}
    for r in results:
        reasons[r.termination_reason] = reasons.get(r.termination_reason, 0) + 1
    summary["termination_reasons"] = dict(sorted(reasons.items()))
    summary["seed"] = seed
    return summary
