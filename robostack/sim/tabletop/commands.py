"""CLI: ``robostack eval pick-place`` (the tabletop pick-and-place benchmark on unseen objects)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from robostack.core.command import Command, add_workers_argument, positive_int, print_figures
from robostack.core.registry import register

POLICIES = ("heuristic", "m2t2")


def load_pick_place_policy(name: str, path: str | None = None) -> Any:
    """The policy object the harness drives: ``heuristic`` or ``m2t2`` (loaded lazily)."""
    from robostack.core.errors import RobostackError

    if name == "heuristic":
        from robostack.policies.baselines.grasp_heuristic import GraspHeuristic

        return GraspHeuristic()
    if name == "m2t2":
        from robostack.core import registry

        folder = path or "policies/m2t2"
        try:
            cls = registry.get("policy", "m2t2")
        except ImportError as err:
            raise RobostackError(f"policy m2t2 is not available ({err}); use --policy heuristic") from None
        policy = cls.from_pretrained(folder)
        missing = [m for m in ("reset", "grasps", "placements") if not callable(getattr(policy, m, None))]
        if missing:
            raise RobostackError(f"policy m2t2 from {folder} lacks {', '.join(missing)}() for pick-place")
        return policy
    raise RobostackError(f"unknown pick-place policy {name!r}; expected one of {', '.join(POLICIES)}")


@register("command", "eval/pick-place")
class EvalPickPlace(Command):
    help = "pick-and-place success on tabletop scenes of unseen object models"
    example = "robostack eval pick-place --policy heuristic --episodes 100 --seed 1000 --workers 2 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--policy", choices=POLICIES, default="heuristic")
        parser.add_argument("--checkpoint", default=None, help="m2t2: folder (default policies/m2t2)")
        parser.add_argument("--episodes", type=positive_int, default=100)
        parser.add_argument("--seed", type=int, default=1000, help="first test-scene seed")
        add_workers_argument(parser)
        parser.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
        parser.add_argument("--no-progress", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from functools import partial

        from robostack.core.errors import RobostackError
        from robostack.core.logging import progress
        from robostack.core.parallel import use_one_torch_thread
        from robostack.sim.tabletop.evaluate import EpisodeOutcome, evaluate

        if args.seed < 0:
            raise RobostackError(f"--seed must be non-negative, got {args.seed}")
        use_one_torch_thread()
        load = partial(load_pick_place_policy, args.policy, args.checkpoint)
        policy = load()
        with progress(disable=args.no_progress) as bar:
            task = bar.add_task(f"pick-place {args.policy}", total=args.episodes, status="")
            done = {"grasp": 0, "place": 0}

            def tick(o: EpisodeOutcome) -> None:
                done["grasp"] += o.grasped
                done["place"] += o.placed
                bar.update(
                    task, advance=1, status=f"grasped {done['grasp']} placed {done['place']} ({o.reason})"
                )
                if args.no_progress:  # one line per episode on stderr, for logs
                    print(
                        f"episode {o.seed} {o.target} -> {o.receptacle}: {o.reason} {o.seconds:.1f}s",
                        file=sys.stderr,
                        flush=True,
                    )

            result = evaluate(
                policy, args.episodes, args.seed, on_episode=tick, workers=args.workers, load=load
            )
        summary = {"policy": args.policy, "seed": args.seed, **result.summary()}
        print_figures(summary, args.json)
        return 0


@register("command", "eval/grasp-labels")
class EvalGraspLabels(Command):
    help = "how well the dataset's floating-gripper grasp labels predict grasps executed by the arm"
    example = "robostack eval grasp-labels --scenes 4 --seed 5004 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--scenes", type=int, default=4)
        parser.add_argument("--seed", type=int, default=5004, help="first test-scene seed")
        parser.add_argument("--per-object", type=int, default=8, help="labelled candidates per object")
        parser.add_argument("--json", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.errors import RobostackError
        from robostack.sim.tabletop.evaluate import label_agreement

        if args.scenes < 1 or args.per_object < 1:
            raise RobostackError("--scenes and --per-object must be at least 1")
        result = label_agreement(
            args.scenes,
            args.seed,
            args.per_object,
            on_scene=lambda i: print(f"scene {i} done", file=sys.stderr),
        )
        summary = {"scenes": args.scenes, "seed": args.seed, **result.summary()}
        print_figures(summary, args.json)
        return 0
