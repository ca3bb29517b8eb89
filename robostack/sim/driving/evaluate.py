"""Evaluate a driving policy on evaluation seeds (>= 1_000_000: networks never used in training)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import numpy as np

from robostack.core.errors import ConfigError
from robostack.core.parallel import run_episodes
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


def open_env(policy: Any, config: DrivingConfig | None) -> Any:
    """The env ``policy`` drives, with privileged baselines attached to its state."""
    from robostack.sim.driving.env import DrivingEnv

    env = DrivingEnv(episode_config(policy, config))
    attach = getattr(policy, "attach", None)
    if callable(attach):
        attach(env)  # privileged baselines read the env's state
    return env


def drive_episode(env: Any, policy: Any, seed: int) -> EpisodeResult:
    """One episode of ``policy`` on ``seed``, to its end."""
    obs, info = env.reset(seed=seed)
    policy.reset()
    total, steps, done = 0.0, 0, False
    while not done:
        action = np.asarray(policy.act(obs), dtype=np.float32)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        steps += 1
        done = terminated or truncated
    return EpisodeResult.from_info(info, seed=seed, steps=steps, episode_return=total)


def open_worker(load: Callable[[], Any], config: DrivingConfig | None) -> tuple[Any, Any]:
    """A worker process's policy and the env it drives."""
    return with_env(load(), config)


def with_env(policy: Any, config: DrivingConfig | None) -> tuple[Any, Any]:
    """``policy`` and the env it drives: the state `core.parallel.run_episodes` hands each episode."""
    return policy, open_env(policy, config)


def drive_state_episode(state: tuple[Any, Any], seed: int) -> EpisodeResult:
    policy, env = state
    return drive_episode(env, policy, seed)


def close_env(state: tuple[Any, Any]) -> None:
    state[1].close()


def evaluate(
    policy: Any,
    episodes: int,
    seed: int,
    config: DrivingConfig | None = None,
    show_progress: bool = False,
    workers: int = 1,
    load: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """`metrics.summarise` over ``episodes`` evaluation episodes, plus why each one ended. With
    ``workers`` > 1 the episodes run in that many processes, each driving a policy from ``load``."""
    from robostack.core.logging import progress

    if seed < EVAL_SEED_START:
        raise ConfigError(
            f"evaluation seeds start at {EVAL_SEED_START} (training uses the seeds below), got {seed}"
        )
    if episodes < 1 or workers < 1:
        raise ConfigError(f"--episodes and --workers must be at least 1, got {episodes} and {workers}")
    if workers > 1 and load is None:
        raise ConfigError("parallel evaluation needs a picklable loader of the policy (load=...)")
    with progress(transient=True, disable=not show_progress) as bar:
        task = bar.add_task("driving episodes", total=episodes, status="")
        done: list[EpisodeResult] = []

        def tick(result: EpisodeResult) -> None:
            done.append(result)
            rc = sum(r.route_completion for r in done) / len(done)
            bar.update(task, advance=1, status=f"RC {100 * rc:.1f}%")

        parallel = min(workers, episodes) > 1
        make_state = partial(open_worker, load, config) if parallel else partial(with_env, policy, config)
        seeds = range(seed, seed + episodes)
        results = run_episodes(make_state, drive_state_episode, seeds, workers, tick, close=close_env)
    summary: dict[str, Any] = summarise(results)
    reasons = Counter(r.termination_reason for r in results)
    summary["termination_reasons"] = dict(sorted(reasons.items()))
    kinds = Counter(r.collision_kind for r in results if r.collision_kind)
    if kinds:
        summary["collisions_by_kind"] = dict(sorted(kinds.items()))
    summary["seed"] = seed
    return summary
