"""CLI commands of the driving world: ``robostack eval driving`` and ``robostack bench driving``.

Heavy imports (libsumo, torch, highway-env) stay inside ``run``.
"""

from __future__ import annotations

import argparse
from typing import Any

from robostack.core.command import Command, add_workers_argument, positive_int, print_figures
from robostack.core.errors import ConfigError, RobostackError
from robostack.core.registry import register
from robostack.policies.carl.config import CARL_DIR

POLICIES = ("carl", "sumo", "lane-following")


def load_policy(name: str, checkpoint: str = CARL_DIR) -> Any:
    """A driving policy by its CLI name (``carl`` is loaded lazily from ``checkpoint``)."""
    if name == "sumo":
        from robostack.policies.baselines.driving import SumoDriverPolicy

        return SumoDriverPolicy()
    if name == "lane-following":
        from robostack.policies.baselines.driving import LaneFollowingPolicy

        return LaneFollowingPolicy()
    if name == "carl":
        from robostack.core import registry

        try:
            return registry.get("policy", "carl").from_pretrained(checkpoint)
        except RobostackError:
            raise
        except (ImportError, FileNotFoundError, OSError, AttributeError) as err:
            raise RobostackError(
                f"the CaRL policy could not be loaded from {checkpoint}/ ({err.__class__.__name__}: {err}); "
                "train it first (robostack train carl) or use --policy sumo / lane-following"
            ) from None
    raise ConfigError(f"unknown driving policy {name!r}; expected one of {', '.join(POLICIES)}")


@register("command", "eval/driving")
class EvalDriving(Command):
    help = "a driving policy on SUMO evaluation routes: route completion, driving score, infractions/km"
    example = "robostack eval driving --policy sumo --episodes 50 --seed 1000000 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--policy", default="carl", choices=POLICIES)
        parser.add_argument("--checkpoint", default=CARL_DIR, help=f"carl: folder (default {CARL_DIR})")
        parser.add_argument("--episodes", type=positive_int, default=50)
        parser.add_argument(
            "--seed",
            type=int,
            default=1_000_000,
            help="first evaluation seed (>= 1000000; training uses below)",
        )
        parser.add_argument(
            "--network", default=None, help="grid | spider | rand | a .net.xml (default: the policy's)"
        )
        add_workers_argument(parser)
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def run(self, args: argparse.Namespace) -> int:
        from functools import partial

        from robostack.core.parallel import use_one_torch_thread
        from robostack.sim.driving.evaluate import episode_config, evaluate

        use_one_torch_thread()
        policy = load_policy(args.policy, args.checkpoint)
        config = episode_config(policy, None)
        if args.network:
            config = config.model_copy(update={"network": args.network})
        summary = evaluate(
            policy,
            args.episodes,
            args.seed,
            config,
            show_progress=not args.json,
            workers=args.workers,
            load=partial(load_policy, args.policy, args.checkpoint),
        )
        summary["policy"] = args.policy
        print_figures(summary, args.json)
        return 0


@register("command", "bench/driving")
class BenchDriving(Command):
    help = (
        "env steps/s of the SUMO driving world (one process, vector env) beside highway-env's highway-fast-v0"
    )
    example = "robostack bench driving --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--steps", type=int, default=3000, help="env steps per driving measurement")
        parser.add_argument(
            "--vector-envs", type=int, default=2, help="processes in the vector env (default 2)"
        )
        parser.add_argument(
            "--highway-steps", type=int, default=200, help="highway-fast-v0 steps (default 200)"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    def run(self, args: argparse.Namespace) -> int:
        if args.steps < 50 or args.highway_steps < 10 or args.vector_envs < 1:
            raise ConfigError("--steps must be >= 50, --highway-steps >= 10 and --vector-envs >= 1")
        from robostack.sim.driving.bench import benchmark

        print_figures(benchmark(args.steps, args.vector_envs, args.highway_steps), args.json)
        return 0
