"""CLI commands: ``demo``, ``run`` and ``eval apartment``."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Any

from robostack.core.command import Command, add_workers_argument, positive_int, print_figures, print_json
from robostack.core.config import load_config, validate_config
from robostack.core.registry import register

DEMO_INSTRUCTION = "go to the kitchen and pick up the red mug"
DEMO_SEED = 7


def print_episode(result: Any, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]instruction[/]: {result.instruction}   [dim](level {result.plan.level})[/]")
    table = Table("#", "subtask", "result", "steps", "detail")
    for i, r in enumerate(result.subtasks, 1):
        verdict = "[green]success[/]" if r.success else f"[red]{r.reason}[/]"
        table.add_row(str(i), str(r.subtask), verdict, str(r.steps), r.detail)
    console.print(table)
    console.print("  ".join(f"{k}={v:.3g}" for k, v in result.metrics.items()))
    if out is not None:
        written = [
            out / name for name in ("episode.json", "video.mp4", "episode.rrd") if (out / name).exists()
        ]
        console.print("wrote " + ", ".join(str(path) for path in written))


@register("command", "demo")
class Demo(Command):
    help = "the main job on embedded defaults: an instruction → plan → full episode in the apartment"
    example = "robostack demo --out runs/demo"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--instruction", default=DEMO_INSTRUCTION)
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="where to write the video")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.runtime.episode import EpisodeConfig, run_episode

        config = validate_config(
            EpisodeConfig, {"instruction": args.instruction, "seed": args.seed, "out": args.out}, "demo"
        )
        result = run_episode(config)
        print_episode(result, config.out)
        return 0 if result.success else 1


@register("command", "run")
class Run(Command):
    help = "run one full episode of an instruction in a world"
    example = (
        'robostack run "go to the kitchen and pick up the red mug" --world apartment --seed 7 --out runs/ep'
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("instruction", nargs="?", help="the instruction (or give --config)")
        parser.add_argument("--config", type=Path, help="a YAML episode file (fields of EpisodeConfig)")
        parser.add_argument("--world", default=None, help="world name (default apartment)")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument("--skills", default=None, help='"classical", or per skill "navigate=classical"')
        parser.add_argument("--out", type=Path, default=None, help="write episode.json and video.mp4 here")
        parser.add_argument(
            "--rerun", action="store_true", help="also write episode.rrd for the rerun viewer"
        )
        parser.add_argument("--json", action="store_true", help="print episode.json to stdout")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.runtime.episode import EpisodeConfig, run_episode

        fields: dict[str, Any] = {}
        if args.config is not None:
            fields = load_config(EpisodeConfig, args.config).model_dump(exclude_unset=True)
        overrides = {
            "instruction": args.instruction,
            "world": args.world,
            "seed": args.seed,
            "skills": args.skills,
            "out": args.out,
            "rerun": args.rerun or None,
        }
        fields.update({k: v for k, v in overrides.items() if v is not None})
        fields.setdefault("instruction", "")
        config = validate_config(EpisodeConfig, fields, str(args.config or "run"))
        result = run_episode(config, show_progress=not args.json)
        if args.json:
            print_json(result.to_json())
        else:
            print_episode(result, config.out)
        return 0 if result.success else 1


@register("command", "eval/apartment")
class EvalApartment(Command):
    help = "generated household instructions on apartments from consecutive seeds"
    example = "robostack eval apartment --skills classical --episodes 50 --seed 0 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--skills", default="classical")
        parser.add_argument("--episodes", type=positive_int, default=50)
        parser.add_argument("--seed", type=int, default=0)
        add_workers_argument(parser)
        parser.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.parallel import use_one_torch_thread
        from robostack.runtime.evaluation import evaluate_apartment

        use_one_torch_thread()
        summary = evaluate_apartment(args.episodes, args.seed, args.skills, workers=args.workers)
        print_figures(summary, args.json)
        return 0


POLICY_BENCHMARKS: dict[str, str] = {
    "singular-trajectory": "robostack.policies.singular_trajectory.bench:benchmark",
    "vint": "robostack.policies.vint.bench:benchmark",
    "m2t2": "robostack.policies.m2t2.bench:benchmark",
}
"""Policy name -> ``module:function`` returning a dict of speed and memory figures."""


@register("command", "bench/policy")
class BenchPolicy(Command):
    help = "inference speed of a policy on one CPU core"
    example = "robostack bench policy singular-trajectory --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("policy", choices=sorted(POLICY_BENCHMARKS), metavar="POLICY")
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")

    def run(self, args: argparse.Namespace) -> int:
        module, _, function = POLICY_BENCHMARKS[args.policy].partition(":")
        print_figures(getattr(importlib.import_module(module), function)(), args.json)
        return 0
