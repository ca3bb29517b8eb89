"""CLI commands for ViNT: ``train vint``, ``eval nav-imagegoal`` and ``vint card``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from robostack.core.command import Command, add_workers_argument, positive_int, print_json
from robostack.core.registry import register

if TYPE_CHECKING:
    from robostack.policies.vint.navigator import NavigatorConfig


@register("command", "train/vint")
class TrainViNT(Command):
    help = "train ViNT on the nav dataset (progress bar, validation loss, checkpoints in policies/vint)"
    example = "robostack train vint --max-minutes 60"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--config", type=Path, default=None, help="TrainConfig YAML")
        parser.add_argument("--dataset", default=None, help="nav dataset folder (default datasets/nav)")
        parser.add_argument("--out", default=None, help="where to write the policy (default policies/vint)")
        parser.add_argument("--steps", type=int, default=None)
        parser.add_argument("--max-minutes", type=float, default=None)
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--device", default=None, help="torch device, e.g. cuda (default cpu)")
        parser.add_argument("--lr", type=float, default=None)
        parser.add_argument("--warmup-steps", type=int, default=None)
        parser.add_argument("--init-from", default=None, help="continue training a saved policy")
        parser.add_argument("--note", default=None, help="what this run changes (shown on the model card)")
        parser.add_argument(
            "--freeze-obs-encoder",
            action="store_true",
            default=None,
            help="fine-tune with the observation encoder fixed (its tokens cached): ~3x faster steps",
        )

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.config import load_config
        from robostack.policies.vint.train import TrainConfig, train

        cfg = load_config(TrainConfig, args.config) if args.config else TrainConfig()
        flags = {"dataset": args.dataset, "out": args.out, "steps": args.steps}
        flags.update({"max_minutes": args.max_minutes, "threads": args.threads, "lr": args.lr})
        flags.update({"warmup_steps": args.warmup_steps, "init_from": args.init_from, "device": args.device})
        flags.update({"freeze_obs_encoder": args.freeze_obs_encoder, "note": args.note})
        cfg = cfg.model_copy(update={k: v for k, v in flags.items() if v is not None})
        summary = train(cfg)
        print(json.dumps(summary, indent=2))
        return 0


def navigator_config(
    close_threshold: float | None, goal_threshold: float | None, stall_frames: int | None = None
) -> NavigatorConfig:
    """The deployment's `NavigatorConfig`, with the thresholds given on the command line."""
    from robostack.core.errors import RobostackError
    from robostack.policies.vint.navigator import NavigatorConfig

    overrides = {
        "close_threshold": close_threshold,
        "goal_threshold": goal_threshold,
        "stall_frames": stall_frames,
    }
    given = {k: v for k, v in overrides.items() if v is not None}
    if any(v < 0 for v in given.values()):
        raise RobostackError(f"thresholds and stall frames are frames, at least 0: {given}")
    return NavigatorConfig(**given)


@register("command", "eval/nav-imagegoal")
class EvalNavImageGoal(Command):
    help = "image-goal navigation in unseen apartments: vint, vint-nograph, classical or bearing"
    example = "robostack eval nav-imagegoal --policy vint --episodes 50 --seed 900000 --workers 2 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--policy", default="vint", help="a method or a comma list (vint,vint-nograph,classical,bearing)"
        )
        parser.add_argument("--episodes", type=positive_int, default=50)
        parser.add_argument("--seed", type=int, default=900_000, help="first apartment seed")
        parser.add_argument("--checkpoint", default="policies/vint", help="ViNT policy folder")
        parser.add_argument(
            "--node-every", type=positive_int, default=None, help="frames between graph nodes (4)"
        )
        parser.add_argument("--close-threshold", type=float, default=None, help="frames; node reached (3)")
        parser.add_argument("--goal-threshold", type=float, default=None, help="frames; goal reached (3)")
        parser.add_argument(
            "--stall-frames", type=int, default=None, help="still frames that pass a subgoal (8; 0: off)"
        )
        add_workers_argument(parser)
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--save", type=Path, default=None, help="also write the figures to this JSON")

    def run(self, args: argparse.Namespace) -> int:
        from functools import partial

        from robostack.core.errors import RobostackError
        from robostack.core.logging import progress
        from robostack.core.parallel import keep, use_one_torch_thread
        from robostack.policies.vint import evaluate as ev

        use_one_torch_thread()
        names = [n.strip() for n in args.policy.split(",") if n.strip()]
        bad = [n for n in names if n not in ev.METHODS]
        if bad or not names:
            raise RobostackError(f"--policy: unknown {bad or names}; expected from {', '.join(ev.METHODS)}")
        navigator = navigator_config(args.close_threshold, args.goal_threshold, args.stall_frames)
        exclude = ev.training_apartments(names, args.checkpoint)
        # each worker builds its own methods; one process builds them once, for every round
        open_all = partial(ev.open_methods, names, args.checkpoint, navigator, args.node_every)
        make_methods = open_all if args.workers > 1 else partial(keep, open_all())
        successes = dict.fromkeys(names, 0.0)
        with progress() as bar:
            task = bar.add_task("nav-imagegoal", total=args.episodes, status="")

            def tick(row: dict[str, dict[str, float]]) -> None:
                for name in names:
                    successes[name] += row[name]["success"]
                bar.update(task, advance=1, status="  ".join(f"{n} {successes[n]:.0f}" for n in names))

            rows = ev.evaluate_methods(args.episodes, args.seed, exclude, make_methods, args.workers, tick)
        results = {n: ev.summarise([row[n] for row in rows]) for n in names}
        out = results[names[0]] if len(names) == 1 else results
        if args.save:
            args.save.write_text(json.dumps(results, indent=2) + "\n")
        if args.json:
            print_json(out)
        else:
            for name, figures in results.items():
                print(name, "  ".join(f"{k}={v:.3g}" for k, v in figures.items()))
        return 0


@register("command", "vint/card")
class ViNTCard(Command):
    help = "write policies/vint/MODEL_CARD.md from the config, train logs, eval and bench files beside it"
    example = "robostack vint card"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--checkpoint", default="policies/vint", help="ViNT policy folder")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.policies.vint.card import write_model_card

        print(write_model_card(args.checkpoint))
        return 0
