"""``robostack bench policy vint``: milliseconds per control step on one core, context features cached.

A control step is what the deployed loop does per camera frame: encode the new frame (the 5 past ones
are cached), then score the goal. Two cases: the goal image alone, and a topological-graph window of
9 nodes (radius 4), which runs the goal encoder and the transformer once per node.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from robostack.core.timing import latency_ms


def benchmark(repeats: int = 50, warmup: int = 5, checkpoint: Path | None = None) -> dict[str, Any]:
    from robostack.core.pretrained import WEIGHTS_FILE
    from robostack.policies.vint.policy import ViNTPolicy
    from robostack.policies.vint.train import TrainConfig

    torch.set_num_threads(1)
    checkpoint = checkpoint or Path(__file__).resolve().parents[3] / "policies" / "vint"
    trained = (checkpoint / WEIGHTS_FILE).exists()
    policy = ViNTPolicy.from_pretrained(checkpoint) if trained else ViNTPolicy(TrainConfig().model).eval()
    size = policy.config.image_size
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    nodes = policy.preprocess(rng.integers(0, 256, (9, size, size, 3), dtype=np.uint8))
    policy.reset()
    policy.observe(frame)

    def step(goals: torch.Tensor) -> None:
        policy.observe(frame)
        policy.predict(goals)

    goal_ms, goal_p90 = latency_ms(lambda: step(nodes[:1]), repeats, warmup)
    graph_ms, graph_p90 = latency_ms(lambda: step(nodes), repeats, warmup)
    return {
        "policy": "vint",
        "checkpoint": str(checkpoint) if trained else "untrained (default architecture)",
        "threads": torch.get_num_threads(),
        "image_size": size,
        "parameters": sum(p.numel() for p in policy.parameters()),
        "ms_per_step_goal_image": round(goal_ms, 2),
        "p90_ms_goal_image": round(goal_p90, 2),
        "ms_per_step_graph_window9": round(graph_ms, 2),
        "p90_ms_graph_window9": round(graph_p90, 2),
        "target_ms": 30.0,
        "load_average_1min": round(os.getloadavg()[0], 2),  # other jobs on the machine slow every step
    }
