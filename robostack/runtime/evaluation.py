"""Benchmark suites over generated episodes. Each episode's apartment comes from its own seed."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from robostack.core.logging import progress
from robostack.core.parallel import keep, run_episodes
from robostack.core.types import EpisodeResult, SkillResult


def apartment_instruction(seed: int) -> str:
    """A household instruction that this seed's apartment can satisfy: a room to reach, an object
    to fetch, or an object to move onto another piece of furniture (one kind in three)."""
    from robostack.sim.apartment.layout import generate_layout

    layout = generate_layout(seed)
    rng = np.random.default_rng(seed)
    obj = layout.objects[int(rng.integers(len(layout.objects)))]
    kind = seed % 3
    if kind == 0:
        room = layout.rooms[int(rng.integers(len(layout.rooms)))]
        return f"go to the {room.name}"
    if kind == 1:
        return f"go to the {obj.room} and pick up the {obj.name}"
    others = [f for f in layout.furniture if f.name != obj.furniture]
    receptacle = others[int(rng.integers(len(others)))]
    return f"put the {obj.name} on the {receptacle.name}"


def apartment_episode(skills: str, seed: int) -> EpisodeResult:
    """The generated instruction of apartment ``seed``, carried out with ``skills``."""
    from robostack.runtime.episode import EpisodeConfig, run_episode

    config = EpisodeConfig(instruction=apartment_instruction(seed), seed=seed, skills=skills, video=False)
    return run_episode(config, show_progress=False)


def summarise(results: list[EpisodeResult]) -> dict[str, float]:
    """Suite figures: episode success, mean SPL over navigation subtasks, and pick / place success
    over attempted subtasks (skipped ones do not count)."""
    steps = [r for ep in results for r in ep.subtasks if r.reason != "skipped"]
    nav = [r for r in steps if r.subtask.skill == "navigate" and "spl" in r.metrics]
    picks = [r for r in steps if r.subtask.skill == "pick"]
    places = [r for r in steps if r.subtask.skill == "place"]

    def rate(items: list[SkillResult]) -> float:
        return float(np.mean([r.success for r in items])) if items else math.nan

    return {
        "episodes": len(results),
        "success_rate": float(np.mean([ep.success for ep in results])) if results else math.nan,
        "spl": float(np.mean([r.metrics["spl"] for r in nav])) if nav else math.nan,
        "nav_success": rate(nav),
        "pick_success": rate(picks),
        "place_success": rate(places),
        "pick_attempts": len(picks),
        "place_attempts": len(places),
        "wall_time_per_episode_s": float(np.mean([ep.metrics["wall_time_s"] for ep in results])),
    }


def evaluate_apartment(
    episodes: int, seed: int, skills: str, show_progress: bool = True, workers: int = 1
) -> dict[str, Any]:
    """The suite's figures on apartments ``seed, seed + 1, ...``; ``workers`` processes print the
    same ones sooner."""
    done: list[EpisodeResult] = []
    with progress(disable=not show_progress) as bar:
        task = bar.add_task("eval apartment", total=episodes, status="")

        def tick(result: EpisodeResult) -> None:
            done.append(result)
            bar.update(task, advance=1, status=f"success {np.mean([r.success for r in done]):.0%}")

        seeds = range(seed, seed + episodes)
        # every episode builds its own apartment and robot: the skills spec is all they share
        results = run_episodes(partial(keep, skills), apartment_episode, seeds, workers, tick)
    failures = [first_failure(s, r) for s, r in zip(seeds, results, strict=True) if not r.success]
    return {**summarise(results), "failures": failures}


def first_failure(seed: int, result: EpisodeResult) -> str:
    failed = next(r for r in result.subtasks if not r.success)
    return f"seed {seed}: {failed.subtask} {failed.reason}"
