"""CLI commands for the simulated worlds: ``robostack bench sim``.

Imports of pybullet and the worlds stay inside ``run`` so that ``robostack --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from dataclasses import dataclass, field
from typing import Any

from robostack.core.command import Command
from robostack.core.errors import ConfigError
from robostack.core.registry import register


@dataclass
class _Run:
    steps: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    frames: dict[str, list[float]] = field(default_factory=dict)
    """CPU seconds per rendered frame, by camera."""

    def frame_ms(self, camera: str) -> float:
        times = self.frames.get(camera, [])
        return round(1000 * sum(times) / len(times), 3) if times else 0.0

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.wall_s

    @property
    def cpu_steps_per_s(self) -> float:
        return self.steps / self.cpu_s


BENCH_SEEDS = (7, 1, 2, 3, 4)
"""Apartments the bench drives through (the demo's first); the figures average over them."""


def _drive(env: Any, steps: int, seeds: tuple[int, ...]) -> _Run:
    """Wander like a cautious robot: drive forward with a slowly changing turn rate; after a bump, turn
    on the spot for a random while. The arm holds its home pose. Steps are split across ``seeds``."""
    import numpy as np

    run = _Run()
    for k, seed in enumerate(seeds):
        n = steps // len(seeds) + (1 if k < steps % len(seeds) else 0)
        env.reset(seed=seed)
        _time_frames(env.world, run.frames)
        rng = np.random.default_rng(seed)
        action = np.zeros(10, dtype=np.float32)
        action[2:9] = env.world.ARM_HOME
        turning = 0
        t_wall, t_cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            if turning > 0:
                action[0], turning = 0.0, turning - 1
            else:
                action[0] = 0.5
                if i % 20 == 0:
                    action[1] = rng.uniform(-0.8, 0.8)
            _, _, _, _, info = env.step(action)
            if info["collision"]:
                action[1] = rng.choice([-1.5, 1.5])
                turning = int(rng.integers(5, 15))
        run.wall_s += time.perf_counter() - t_wall
        run.cpu_s += time.process_time() - t_cpu
        run.steps += n
    return run


def _breakdown(run: _Run) -> dict[str, float]:
    """Where a rendering step's CPU time goes, in milliseconds per step."""
    per_step = 1000 * run.cpu_s / run.steps
    head = 1000 * sum(run.frames.get("render_head", [])) / run.steps
    wrist = 1000 * sum(run.frames.get("render_wrist", [])) / run.steps
    return {
        "total": round(per_step, 3),
        "head_camera": round(head, 3),
        "wrist_camera": round(wrist, 3),
        "kinematics_and_rest": round(per_step - head - wrist, 3),
    }


def _time_frames(world: Any, frames: dict[str, list[float]]) -> None:
    """Wrap the world's cameras so each frame's CPU time is recorded."""
    for camera in ("render_head", "render_wrist"):
        render = getattr(world, camera)
        times = frames.setdefault(camera, [])

        def timed(render: Any = render, times: list[float] = times) -> Any:
            start = time.process_time()
            out = render()
            times.append(time.process_time() - start)
            return out

        setattr(world, camera, timed)


@register("command", "bench/sim")
class BenchSim(Command):
    help = "steps per second of the apartment world, with and without camera rendering"
    example = "robostack bench sim --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        parser.add_argument("--steps", type=int, default=500, help="env steps per measurement (default 500)")
        parser.add_argument("--image-size", type=int, default=128, help="head camera size (default 128)")

    def run(self, args: argparse.Namespace) -> int:
        if args.steps < 10:
            raise ConfigError("--steps must be at least 10")
        from robostack.sim.apartment.env import ApartmentConfig, ApartmentEnv

        config = ApartmentConfig(image_size=args.image_size)
        env = ApartmentEnv(config)
        try:
            _drive(env, 20, BENCH_SEEDS[:1])  # warm-up: imports, first world
            render = _drive(env, args.steps, BENCH_SEEDS)
        finally:
            env.close()
        env = ApartmentEnv(config.model_copy(update={"render_cameras": False}))
        try:
            plain = _drive(env, args.steps, BENCH_SEEDS)
        finally:
            env.close()
        results = {
            "steps_per_s_render": round(render.steps_per_s, 1),
            "steps_per_s_no_render": round(plain.steps_per_s, 1),
            "render_ms": render.frame_ms("render_head"),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "cpu_steps_per_s_render": round(render.cpu_steps_per_s, 1),
            "cpu_steps_per_s_no_render": round(plain.cpu_steps_per_s, 1),
            "wrist_render_ms": render.frame_ms("render_wrist"),
            "image_size": args.image_size,
            "wrist_image_size": config.wrist_image_size,
            "wrist_every": config.wrist_every,
            "steps": args.steps,
            "seeds": list(BENCH_SEEDS),
            "step_ms_breakdown": _breakdown(render),
            "cpu_share": round(render.cpu_s / render.wall_s, 2),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
            "note": "steps_per_s_* are wall-clock; cpu_* use this process's CPU time, which other "
            "processes competing for the cores do not inflate (cpu_share = CPU time / wall time of the "
            "rendering run; 1.0 on an idle machine). render_ms is one head RGB-D frame.",
        }
        if args.json:
            print(json.dumps(results))
        else:
            self._print_table(results, render, plain)
        return 0

    @staticmethod
    def _print_table(results: dict[str, Any], render: _Run, plain: _Run) -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"apartment world, seeds {results['seeds']}, {results['steps']} steps")
        table.add_column("measure")
        table.add_column("wall clock", justify="right")
        table.add_column("CPU time", justify="right")
        table.add_row(
            f"steps/s with {results['image_size']}px RGB-D head camera",
            f"{render.steps_per_s:.1f}",
            f"{render.cpu_steps_per_s:.1f}",
        )
        table.add_row("steps/s without rendering", f"{plain.steps_per_s:.1f}", f"{plain.cpu_steps_per_s:.1f}")
        table.add_row("head frame (ms)", "", f"{results['render_ms']:.2f}")
        table.add_row(
            f"wrist frame (ms, every {results['wrist_every']} steps)", "", f"{results['wrist_render_ms']:.2f}"
        )
        parts = results["step_ms_breakdown"]
        table.add_row(
            "per step (ms): head + wrist + rest",
            "",
            f"{parts['head_camera']:.2f} + {parts['wrist_camera']:.2f} + {parts['kinematics_and_rest']:.2f}",
        )
        table.add_row("peak RSS (MB)", f"{results['peak_rss_mb']:.0f}", "")
        Console().print(table)
        print(
            f"load average {results['load_average_1min']} on {results['cpu_count']} cores; this process got "
            f"{results['cpu_share']:.0%} of a core while rendering (wall-clock figures scale with that)"
        )
