"""Episode metrics, with the field's definitions (habitat-lab / VLN-CE).

SPL = S · d₀ / max(d₀, p), with d₀ the geodesic start-to-goal distance and p the path length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from robostack.core.types import SkillResult

NAV_GOAL_ACTIONS = ("go_to", "go_past", "go_into", "go_through", "exit")


def spl(success: bool, geodesic_d0: float, path_length: float) -> float:
    if not success:
        return 0.0
    return geodesic_d0 / max(geodesic_d0, path_length, 1e-9)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return float(np.mean(values)) if values else math.nan


def episode_metrics(results: list[SkillResult], wall_time: float, collisions: int) -> dict[str, float]:
    """Per-episode figures. Pick and place rates count attempted subtasks (not skipped ones); a
    figure with nothing to measure is left out."""
    attempted = [r for r in results if r.reason != "skipped"]
    nav = [r for r in attempted if r.subtask.skill == "navigate" and r.subtask.action in NAV_GOAL_ACTIONS]
    picks = [r for r in attempted if r.subtask.skill == "pick"]
    places = [r for r in attempted if r.subtask.skill == "place"]
    metrics = {
        "success": float(bool(results) and all(r.success for r in results)),
        "nav_success": _mean(float(r.success) for r in nav),
        "spl": _mean(r.metrics.get("spl", 0.0) for r in nav),
        "path_length": float(sum(r.metrics.get("path_length", 0.0) for r in nav)),
        "pick_success": _mean(float(r.success) for r in picks),
        "place_success": _mean(float(r.success) for r in places),
        "steps": float(sum(r.steps for r in results)),
        "collisions": float(collisions),
        "wall_time_s": wall_time,
    }
    return {k: v for k, v in metrics.items() if not math.isnan(v)}
