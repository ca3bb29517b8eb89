"""CLI commands for SingularTrajectory: train, evaluate on ETH-UCY, benchmark inference.

Kept light: torch and the model are imported inside ``run``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from robostack.core.command import Command, add_workers_argument, decay_rate, positive_float, positive_int
from robostack.core.registry import register

SCENE_CHOICES = ("eth", "hotel", "univ", "zara1", "zara2", "all")


def default_checkpoint_root() -> Path:
    """Top-level ``policies/singular_trajectory`` of the project this package lives in."""
    return Path(__file__).resolve().parents[3] / "policies" / "singular_trajectory"


def _scenes(choice: str) -> list[str]:
    from robostack.data.eth_ucy import SCENES

    return list(SCENES) if choice == "all" else [choice]


@register("command", "train/singular-trajectory")
class TrainSingularTrajectory(Command):
    help = "train SingularTrajectory leave-one-out models on ETH-UCY"
    example = "robostack train singular-trajectory --scene eth --epochs 40"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--scene", choices=SCENE_CHOICES, default="all", help="held-out scene")
        parser.add_argument("--data", type=Path, default=None, help="ETH-UCY split directory")
        parser.add_argument("--out", type=Path, default=None, help="checkpoint root (per-scene folders)")
        parser.add_argument("--deterministic", action="store_true", help="1 anchor / 1 sample model")
        parser.add_argument("--epochs", type=positive_int, default=256, help="original: 256")
        parser.add_argument(
            "--lr-step", type=positive_int, default=None, help="StepLR period (default epochs/4)"
        )
        parser.add_argument("--batches-per-epoch", type=int, default=0, help="cap per epoch (0 = all)")
        parser.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--init", type=Path, default=None, help="continue from this checkpoint (one --scene only)"
        )
        parser.add_argument("--start-epoch", type=int, default=0, help="with --init: epochs already done")
        parser.add_argument(
            "--ema-decay",
            type=decay_rate,
            default=0.0,
            help="validate and keep a moving average of the weights with this decay per step (0 = off)",
        )
        parser.add_argument(
            "--flip", action="store_true", help="mirror half the training batches (the original does not)"
        )
        parser.add_argument(
            "--denoiser-activation",
            choices=("none", "leaky_relu"),
            default="none",
            help="between denoiser layers (original: none)",
        )
        parser.add_argument(
            "--obs-coefficients",
            choices=("bspline_transpose", "linear_least_squares"),
            default="linear_least_squares",
            help="how observations enter the singular space (original: bspline_transpose)",
        )
        parser.add_argument(
            "--scene-offset",
            choices=("scene", "batch"),
            default="scene",
            help="position input relative to the agent's scene or the whole batch (original: batch)",
        )
        parser.add_argument(
            "--walkable-maps",
            choices=("files", "observed", "place"),
            default="files",
            help="anchors' walkable area: the release's map images if present, where people were "
            "seen to walk so far in the recording, or that plus the training recordings of the same place",
        )
        parser.add_argument(
            "--walkable-radius",
            type=positive_float,
            default=0.3,
            help="with --walkable-maps observed or place: metres each seen position is grown by",
        )

    def run(self, args: argparse.Namespace) -> int:
        import torch

        from robostack.core.errors import ConfigError
        from robostack.core.logging import progress
        from robostack.policies.singular_trajectory.config import TrainConfig
        from robostack.policies.singular_trajectory.train import LEGACY_MODEL_OPTIONS, train

        torch.set_num_threads(args.threads)
        if args.init is not None and args.scene == "all":
            raise ConfigError("--init continues one model: give one --scene")
        if not 0 <= args.start_epoch < args.epochs:
            raise ConfigError(f"--start-epoch must be in [0, {args.epochs}), got {args.start_epoch}")
        root = args.out or default_checkpoint_root()
        results = []
        for scene in _scenes(args.scene):
            cfg = TrainConfig(
                scene=scene,
                deterministic=args.deterministic,
                epochs=args.epochs,
                lr_step=args.lr_step or max(1, args.epochs // 4),
                max_batches_per_epoch=args.batches_per_epoch,
                seed=args.seed,
                init_from=str(args.init) if args.init else "",
                start_epoch=args.start_epoch if args.init else 0,
                flip_augment=args.flip,
                ema_decay=args.ema_decay,
            )
            out = root / scene / "deterministic" if args.deterministic else root / scene
            with progress() as bar:
                task = bar.add_task(f"{scene} epochs", total=cfg.epochs, status="", completed=cfg.start_epoch)

                def on_epoch(
                    epoch: int, total: int, row: dict[str, float], task: Any = task, scene: str = scene
                ) -> None:
                    status = f"train ADE {row['train_ade']:.3f}"
                    if "val_fde" in row:
                        status += f"  val ADE/FDE {row['val_ade']:.3f}/{row['val_fde']:.3f}"
                    bar.update(task, completed=epoch, status=status)
                    print(json.dumps({"scene": scene, **row}), flush=True)

                overrides = {name: getattr(args, name) for name in LEGACY_MODEL_OPTIONS}
                summary = train(cfg, out, args.data, model_overrides=overrides, on_epoch=on_epoch)
            results.append({k: v for k, v in summary.items() if k != "history"})
            print(json.dumps(results[-1]), flush=True)
        return 0


@register("command", "eval/trajectory")
class EvalTrajectory(Command):
    help = "ETH-UCY ADE/FDE (best-of-20, metres) with constant-velocity and deterministic baselines"
    example = "robostack eval trajectory --scene all --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--scene", choices=SCENE_CHOICES, default="all")
        parser.add_argument("--data", type=Path, default=None, help="ETH-UCY split directory")
        parser.add_argument("--checkpoints", type=Path, default=None, help="checkpoint root")
        parser.add_argument("--threads", type=positive_int, default=1)
        parser.add_argument(
            "--oracle-maps",
            action="store_true",
            help="diagnostic: maps drawn from the test tracks, futures included (a bound, not a result); "
            "models with observed maps keep theirs",
        )
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")

    def run(self, args: argparse.Namespace) -> int:
        import torch

        from robostack.policies.singular_trajectory.evaluate import evaluate_scenes, render_table

        torch.set_num_threads(args.threads)
        report = evaluate_scenes(
            _scenes(args.scene), args.checkpoints or default_checkpoint_root(), args.data, args.oracle_maps
        )
        print(json.dumps(report, indent=1) if args.json else render_table(report))
        return 0


@register("command", "eval/social-nav")
class EvalSocialNav(Command):
    help = (
        "crowd crossing (robostack/Crowd-v0) with the navigate/social skill on SimRobot: "
        "social vs constant-velocity vs people as static obstacles"
    )
    example = "robostack eval social-nav --episodes 50 --seed 0 --workers 2 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--episodes", type=positive_int, default=50)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--scene", choices=SCENE_CHOICES[:-1], default="zara1", help="replayed test scene"
        )
        parser.add_argument("--data", type=Path, default=None, help="ETH-UCY split directory")
        parser.add_argument("--checkpoints", type=Path, default=None, help="checkpoint root")
        add_workers_argument(parser)
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")

    def run(self, args: argparse.Namespace) -> int:
        from functools import partial

        from robostack.core.logging import progress
        from robostack.core.parallel import run_episodes, use_one_torch_thread
        from robostack.policies.singular_trajectory.skill import episode_in_every_mode, open_crowd_skills
        from robostack.policies.singular_trajectory.social import MODES, summarise
        from robostack.sim.crowd.env import CrowdConfig

        use_one_torch_thread()
        root = args.checkpoints or default_checkpoint_root()
        world = CrowdConfig(scene=args.scene, data_dir=str(args.data) if args.data else None)
        seeds = [args.seed + i for i in range(args.episodes)]
        with progress() as bar:
            task = bar.add_task(f"crowd crossings, {len(MODES)} modes each", total=len(seeds), status="")
            rows = run_episodes(
                partial(open_crowd_skills, root / args.scene, world),
                episode_in_every_mode,
                seeds,
                args.workers,
                lambda _: bar.update(task, advance=1),
            )
        results = {mode: summarise([row[mode] for row in rows]) for mode in MODES}
        report = {
            **results["social"],
            "scene": args.scene,
            "episodes": args.episodes,
            "seed": args.seed,
            "path": "navigate/social skill on SimRobot('crowd'), differential base, HAL default limits",
            "predictor": str(root / args.scene),
            "modes": results,
        }
        if args.json:
            print(json.dumps(report, indent=1))
        else:
            for name, figures in results.items():
                print(f"{name:18} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
        return 0
