"""CLI commands for the simulated worlds: ``robostack bench sim``.

Imports of pybullet and the worlds stay inside ``run`` so that ``robostack --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from dataclasses import dataclass
from typing import Any

from robostack.core.command import Command
from robostack.core.errors import ConfigError
from robostack.core.registry import register


@dataclass(frozen=True)
class _Run:
    steps: int
    wall_s: float
    cpu_s: float

    @property
    def steps_per_s(self) -> float:
        return self.steps / self.wall_s

    @property
    def cpu_steps_per_s(self) -> float:
        return self.steps / self.cpu_s


def _drive(env: Any, steps: int, seed: int) -> _Run:
    """Random-walk the base (reversing on collision) with the arm holding its home pose."""
    import numpy as np

    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    action = np.zeros(10, dtype=np.float32)
    action[2:9] = env.world.ARM_HOME
    action[0] = 0.5
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(steps):
        if i % 20 == 0:
            action[1] = rng.uniform(-1.0, 1.0)
        _, _, _, _, info = env.step(action)
        if info["collision"]:
            action[1] = 2.0
    return _Run(steps, time.perf_counter() - wall, time.process_time() - cpu)


def _render_ms(env: Any, frames: int) -> dict[str, float]:
    """Milliseconds per head and wrist frame, CPU time, from the current pose while turning on the spot."""
    world = env.world
    out = {}
    for name, render in (("render_ms", world.render_head), ("wrist_render_ms", world.render_wrist)):
        cpu = time.process_time()
        for i in range(frames):
            x, y, yaw = world.base_pose()
            world.set_base_pose(x, y, yaw + 0.2 * (i % 2 * 2 - 1))
            render()
        out[name] = round((time.process_time() - cpu) / frames * 1000, 3)
    return out


@register("command", "bench/sim")
class BenchSim(Command):
    help = "steps per second of the apartment world, with and without camera rendering"
    example = "robostack bench sim --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        parser.add_argument("--steps", type=int, default=500, help="env steps per measurement (default 500)")
        parser.add_argument("--seed", type=int, default=7, help="apartment seed (default 7, the demo's)")
        parser.add_argument("--image-size", type=int, default=128, help="head camera size (default 128)")

    def run(self, args: argparse.Namespace) -> int:
        if args.steps < 10:
            raise ConfigError("--steps must be at least 10")
        from robostack.sim.apartment.env import ApartmentConfig, ApartmentEnv

        results: dict[str, Any] = {}
        config = ApartmentConfig(image_size=args.image_size)
        env = ApartmentEnv(config)
        try:
            _drive(env, 20, args.seed)  # warm-up: builds the world, fills caches
            render = _drive(env, args.steps, args.seed)
            results.update(_render_ms(env, 100))
        finally:
            env.close()
        env = ApartmentEnv(config.model_copy(update={"render_cameras": False}))
        try:
            plain = _drive(env, args.steps, args.seed)
        finally:
            env.close()
        results = {
            "steps_per_s_render": round(render.steps_per_s, 1),
            "steps_per_s_no_render": round(plain.steps_per_s, 1),
            "render_ms": results["render_ms"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "cpu_steps_per_s_render": round(render.cpu_steps_per_s, 1),
            "cpu_steps_per_s_no_render": round(plain.cpu_steps_per_s, 1),
            "wrist_render_ms": results["wrist_render_ms"],
            "image_size": args.image_size,
            "wrist_image_size": config.wrist_image_size,
            "wrist_every": config.wrist_every,
            "steps": args.steps,
            "seed": args.seed,
            "load_average_1min": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
            "note": "steps_per_s_* are wall-clock; cpu_* use this process's CPU time, which other "
            "processes competing for the cores do not inflate. render_ms is one head RGB-D frame.",
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

        table = Table(title=f"apartment world, seed {results['seed']}, {results['steps']} steps")
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
        table.add_row("peak RSS (MB)", f"{results['peak_rss_mb']:.0f}", "")
        Console().print(table)
        print(f"load average {results['load_average_1min']} on {results['cpu_count']} cores")
