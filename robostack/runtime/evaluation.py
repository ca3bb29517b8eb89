"""Benchmark suites over generated episodes. Each episode's apartment comes from its own seed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from robostack.core.logging import progress
from robostack.core.types import EpisodeResult, SkillResult


@dataclass(frozen=True)
class EpisodeSpec:
    seed: int
    instruction: str


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


def apartment_suite(episodes: int, seed: int) -> list[EpisodeSpec]:
    return [EpisodeSpec(seed + i, apartment_instruction(seed + i)) for i in range(episodes)]


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


def evaluate_apartment(episodes: int, seed: int, skills: str, show_progress: bool = True) -> dict[str, Any]:
    from robostack.runtime.episode import EpisodeConfig, run_episode

    results: list[EpisodeResult] = []
    failures: list[str] = []
    with progress(disable=not show_progress) as bar:
        task = bar.add_task("eval apartment", total=episodes, status="")
        for spec in apartment_suite(episodes, seed):
            config = EpisodeConfig(instruction=spec.instruction, seed=spec.seed, skills=skills, video=False)
            result = run_episode(config, show_progress=False)
            results.append(result)
            if not result.success:
                failed = next(r for r in result.subtasks if not r.success)
                failures.append(f"seed {spec.seed}: {failed.subtask} {failed.reason}")
            rate = np.mean([r.success for r in results])
            bar.update(task, advance=1, status=f"success {rate:.0%}")
    return {**summarise(results), "failures": failures}
