"""Inference speed: 20 samples for 20 pedestrians on one CPU core.

Uses a trained checkpoint when one is present (the weights do not change the cost), otherwise a
freshly built model with random spaces, so the benchmark runs on a bare checkout too.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

import torch

from robostack.core.timing import latency_ms
from robostack.policies.singular_trajectory.config import ModelConfig
from robostack.policies.singular_trajectory.policy import SingularTrajectory
from robostack.policies.singular_trajectory.walkable import WalkableMap

TARGET_MS = 20.0


def _model(checkpoint: Path | None) -> tuple[SingularTrajectory, str]:
    if checkpoint is not None and (checkpoint / "config.yaml").exists():
        return SingularTrajectory.from_pretrained(checkpoint), str(checkpoint)
    model = SingularTrajectory(ModelConfig())
    with torch.no_grad():
        model.basis_moving.copy_(torch.linalg.qr(torch.randn(24, 4)).Q)
        model.basis_static.copy_(model.basis_moving)
        model.anchors_moving.normal_()
        model.anchors_static.normal_()
    return model.eval(), "untrained (same architecture)"


def _tracks(pedestrians: int, obs_len: int, seed: int) -> torch.Tensor:
    """Pedestrians walking at ~1.3 m/s in random directions, 0.4 s per frame."""
    g = torch.Generator().manual_seed(seed)
    start = torch.rand(pedestrians, 1, 2, generator=g) * 10
    heading = torch.rand(pedestrians, 1, generator=g) * 6.283
    step = 0.52 * torch.stack((torch.cos(heading), torch.sin(heading)), -1)
    return start + step * torch.arange(obs_len, dtype=torch.float32).view(1, -1, 1)


def predict_on_seen_map(model: SingularTrajectory, obs: torch.Tensor) -> torch.Tensor:
    seen = WalkableMap.from_points(obs.reshape(-1, 2).numpy(), 0.1, model.config.walkable_radius)
    return model.predict(obs, walkable=seen)


def benchmark(
    pedestrians: int = 20, repeats: int = 50, warmup: int = 5, checkpoint: Path | None = None
) -> dict[str, Any]:
    """Median and p90 milliseconds per call of `SingularTrajectory.predict` with one thread."""
    if checkpoint is None:
        from robostack.policies.singular_trajectory.commands import default_checkpoint_root

        checkpoint = default_checkpoint_root() / "eth"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, source = _model(checkpoint)
        obs = _tracks(pedestrians, model.config.obs_len, seed=0)
        out = model.predict(obs)
        median, p90 = latency_ms(lambda: model.predict(obs), repeats, warmup)
        map_median, map_p90 = latency_ms(lambda: predict_on_seen_map(model, obs), repeats, warmup)
    finally:
        torch.set_num_threads(threads)
    return {
        "policy": "singular-trajectory",
        "task": f"{model.config.num_samples} samples x {pedestrians} pedestrians, 12 future steps",
        "output_shape": list(out.shape),
        "threads": 1,
        "ms_median": round(median, 3),
        "ms_p90": round(p90, 3),
        "with_map_ms_median": round(map_median, 3),
        "with_map_ms_p90": round(map_p90, 3),
        "with_map": "the walkable area of the observed tracks rebuilt each call, as the social planner does",
        "repeats": repeats,
        "target_ms": TARGET_MS,
        "meets_target": median <= TARGET_MS,
        "weights": source,
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
    }
