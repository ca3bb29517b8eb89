"""CLI commands for datasets: ``data collect KIND`` (``nav``, ``grasp``).

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


def collect_grasp(args: argparse.Namespace) -> int:
    """Labelled tabletop grasp/place scenes (``robostack.sim.tabletop.generate``); resumable."""
    from robostack.core.config import load_config, validate_config
    from robostack.core.logging import progress
    from robostack.sim.tabletop.generate import GraspCollectConfig, collect, summary

    base = load_config(GraspCollectConfig, args.config) if args.config else GraspCollectConfig()
    overrides = {k: v for k, v in (("scenes", args.scenes), ("seed", args.seed)) if v is not None}
    cfg = validate_config(GraspCollectConfig, {**base.model_dump(), **overrides}, "--scenes/--seed")
    out = Path(args.out)
    made = skipped = 0
    with progress(disable=args.no_progress) as bar:
        task = bar.add_task("collect grasp", total=cfg.scenes, status="")
        for seed, split, generated, seconds in collect(cfg, out):
            made += generated
            skipped += not generated
            status = f"seed {seed} {split} {seconds:.1f}s" if generated else f"seed {seed} on disk"
            bar.update(task, advance=1, status=status)
            if args.no_progress and generated:
                print(f"scene {seed} ({split}) {seconds:.1f}s", flush=True)
    stats = summary(out)
    print(
        f"wrote {out}: {made} new scenes, {skipped} already there; "
        + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in stats.items())
    )
    return 0


COLLECTORS: dict[str, Callable[[argparse.Namespace], int]] = {"nav": collect_nav, "grasp": collect_grasp}
DEFAULT_OUT = {"nav": "datasets/nav", "grasp": "datasets/grasp"}


@register("command", "data/collect")
class DataCollect(Command):
    help = "generate a dataset in simulation"
    example = "robostack data collect nav --episodes 600 --seed 10000"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("kind", choices=sorted(COLLECTORS), help="which dataset to generate")
        parser.add_argument("--episodes", type=int, default=None, help="runs to record (recipe default)")
        parser.add_argument(
            "--scenes", type=int, default=None, help="grasp: scenes to generate (recipe default)"
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="first apartment/scene seed (recipe default)"
        )
        parser.add_argument("--config", type=Path, default=None, help="recipe YAML, e.g. datasets/nav.yaml")
        parser.add_argument("--out", default=None, help="output folder (default datasets/<kind>)")
        parser.add_argument(
            "--no-progress", action="store_true", help="grasp: one line per scene instead of a bar (for logs)"
        )

    def run(self, args: argparse.Namespace) -> int:
        if args.out is None:
            args.out = DEFAULT_OUT.get(args.kind, f"datasets/{args.kind}")
        return COLLECTORS[args.kind](args)
