"""``robostack bench m2t2``: milliseconds per scene for ``grasps`` (16,384-point input cloud,
resampled inside the policy to the model's points) and for ``placements``, on 1 torch thread by
default (more threads only help on an idle machine: on a shared one OpenMP workers spin and wait)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from robostack.core.timing import latency_ms


def benchmark(
    repeats: int = 10, warmup: int = 2, checkpoint: Path | None = None, threads: tuple[int, ...] = (1,)
) -> dict[str, Any]:
    from robostack.core.pretrained import WEIGHTS_FILE
    from robostack.policies.m2t2.data import synthetic_scene
    from robostack.policies.m2t2.policy import M2T2Policy

    checkpoint = checkpoint or Path(__file__).resolve().parents[3] / "policies" / "m2t2"
    trained = (checkpoint / WEIGHTS_FILE).exists()
    policy = M2T2Policy.from_pretrained(checkpoint) if trained else M2T2Policy().eval()
    scene = synthetic_scene(np.random.default_rng(0), 16384, 4)
    figures: dict[str, Any] = {
        "policy": "m2t2",
        "checkpoint": str(checkpoint) if trained else "untrained (default architecture)",
        "input_points": len(scene.points),
        "model_points": policy.config.num_points,
        "parameters": sum(p.numel() for p in policy.parameters()),
    }
    for n in threads:
        torch.set_num_threads(n)
        g, g90 = latency_ms(lambda: policy.grasps(scene.points, scene.rgb, scene.segment, 0), repeats, warmup)
        p, p90 = latency_ms(
            lambda: policy.placements(
                scene.points, scene.rgb, scene.segment, scene.held_points, scene.ee_pose
            ),
            repeats,
            warmup,
        )
        figures |= {f"grasps_ms_{n}t": round(g, 1), f"grasps_p90_ms_{n}t": round(g90, 1)}
        figures |= {f"placements_ms_{n}t": round(p, 1), f"placements_p90_ms_{n}t": round(p90, 1)}
    torch.set_num_threads(1)
    figures["target_ms"] = 300.0
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)  # other work on the machine skews timings
    return figures
