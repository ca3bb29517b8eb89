"""CLI commands for CaRL: ``train carl``, ``train carl-dagger``, ``carl average`` and ``bench carl-train``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from robostack.core.command import Command
from robostack.core.registry import register


@register("command", "train/carl")
class TrainCarl(Command):
    help = "PPO on the SUMO driving world, one process (torchrun -m robostack.policies.carl.train for more)"
    example = "robostack train carl --total-samples 200000 --max-minutes 60"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        from robostack.policies.carl.config import add_train_arguments

        add_train_arguments(parser)

    def run(self, args: argparse.Namespace) -> int:
        from robostack.policies.carl.config import config_from_args
        from robostack.policies.carl.train import train

        summary = train(config_from_args(args), resume=args.resume, export=args.export)
        brief = {k: v for k, v in summary.items() if k not in ("history", "train_config")}
        print(json.dumps(brief, indent=2))
        return 0


@register("command", "train/carl-dagger")
class TrainCarlDagger(Command):
    help = "DAgger: the CaRL network imitates the lane-following baseline (a start for train carl --resume)"
    example = "robostack train carl-dagger --out runs/carl_dagger --iterations 5"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--init-from", default=None, help="CaRL policy folder to start from")
        parser.add_argument("--out", default=None, help="policy folder to write")
        parser.add_argument("--iterations", type=int, default=None)
        parser.add_argument("--episodes", type=int, default=None, help="episodes driven per iteration")
        parser.add_argument("--epochs", type=int, default=None, help="epochs per fit")
        parser.add_argument("--seed", type=int, default=None, help="first training seed (< 1,000,000)")
        parser.add_argument("--workers", type=int, default=None, help="driving processes")
        parser.add_argument("--max-steps", type=int, default=None, help="episode cap (smoke runs)")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.config import validate_config
        from robostack.policies.carl.imitation import ImitationConfig, dagger

        flags = {
            "init_from": args.init_from,
            "out": args.out,
            "iterations": args.iterations,
            "episodes": args.episodes,
            "epochs": args.epochs,
            "seed": args.seed,
            "workers": args.workers,
            "max_steps": args.max_steps,
        }
        cfg = validate_config(ImitationConfig, {k: v for k, v in flags.items() if v is not None})
        summary = dagger(cfg)
        print(json.dumps(summary["iterations"][-1], indent=2))
        return 0


@register("command", "carl/average")
class CarlAverage(Command):
    help = "one policy folder from the mean weights of training runs' snapshots (--snapshot-every)"
    example = "robostack carl average runs/carl --out runs/carl_avg --since 1000000"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("runs", nargs="+", type=Path, help="training run folders (OUT of train carl)")
        parser.add_argument("--out", type=Path, required=True, help="policy folder to write")
        parser.add_argument("--since", type=int, default=0, help="only snapshots at ≥ this many samples")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.lineage import command_line
        from robostack.policies.carl.average import write_average
        from robostack.policies.carl.card import write_model_card
        from robostack.policies.carl.train import TRAIN_LOG

        out = write_average(args.runs, args.out, command_line(), args.since)
        print(write_model_card(out) if (out / TRAIN_LOG).exists() else out)
        return 0


@register("command", "bench/carl-train")
class BenchCarlTrain(Command):
    help = "PPO training samples/s under torchrun with 1 and 2 processes (same budget each)"
    example = "robostack bench carl-train --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--nprocs", default="1,2", help="comma list of process counts")
        parser.add_argument("--updates", type=int, default=3, help="PPO updates per run")
        parser.add_argument("--num-envs", type=int, default=2, help="envs per process")
        parser.add_argument("--rollout-steps", type=int, default=128)
        parser.add_argument("--env", default=None, help="DrivingConfig fields as JSON")
        parser.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.errors import RobostackError
        from robostack.policies.carl.bench import bench_training

        try:
            nprocs = [int(n) for n in args.nprocs.split(",") if n.strip()]
        except ValueError:
            raise RobostackError(
                f"--nprocs: expected a comma list of integers, got {args.nprocs!r}"
            ) from None
        results = bench_training(nprocs, args.updates, args.num_envs, args.rollout_steps, args.env)
        if args.json:
            print(json.dumps(results, indent=2))
        else:
            for name, row in results.items():
                print(name, "  ".join(f"{k}={v}" for k, v in row.items()))
        return 0
