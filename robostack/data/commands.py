"""CLI commands for datasets: ``data collect KIND``.

Each kind is one row of `COLLECTORS` (kind -> function that takes the parsed flags), so later kinds
plug in without touching the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from robostack.core.command import Command
from robostack.core.registry import register


def collect_nav(args: argparse.Namespace) -> int:
    """Record planner-guided runs with noise and recoveries (``robostack.data.nav_dataset``)."""
    from robostack.core.config import load_config
    from robostack.core.logging import progress
    from robostack.data.nav_dataset import NavCollectConfig, collect, write_dataset

    base = load_config(NavCollectConfig, args.config) if args.config else NavCollectConfig()
    overrides = {k: v for k, v in (("episodes", args.episodes), ("seed", args.seed)) if v is not None}
    cfg = base.model_copy(update=overrides)
    out = Path(args.out)
    runs = []
    with progress() as bar:
        task = bar.add_task("collect nav", total=cfg.episodes, status="")
        for run in collect(cfg):
            runs.append(run)
            frames = sum(len(r.images) for r in runs)
            bar.update(task, advance=1, status=f"apartment {run.apartment_seed}  {frames} frames")
    info = write_dataset(out, runs, cfg)
    print(
        f"wrote {out}: {info['total_episodes']} episodes, {info['total_frames']} frames, "
        f"splits {info['splits']}, {info['metres_per_frame']:.3f} m/frame"
    )
    return 0


COLLECTORS: dict[str, Callable[[argparse.Namespace], int]] = {"nav": collect_nav}
DEFAULT_OUT = {"nav": "datasets/nav"}


@register("command", "data/collect")
class DataCollect(Command):
    help = "generate a dataset in simulation"
    example = "robostack data collect nav --episodes 600 --seed 10000"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("kind", choices=sorted(COLLECTORS), help="which dataset to generate")
        parser.add_argument("--episodes", type=int, default=None, help="runs to record (recipe default)")
        parser.add_argument("--seed", type=int, default=None, help="first apartment seed (recipe default)")
        parser.add_argument("--config", type=Path, default=None, help="recipe YAML, e.g. datasets/nav.yaml")
        parser.add_argument("--out", default=None, help="output folder (default datasets/<kind>)")

    def run(self, args: argparse.Namespace) -> int:
        if args.out is None:
            args.out = DEFAULT_OUT.get(args.kind, f"datasets/{args.kind}")
        return COLLECTORS[args.kind](args)
