"""CLI commands for M2T2: ``train m2t2``, ``bench m2t2``, ``eval m2t2-offline`` and ``m2t2 card``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from robostack.core.command import Command, print_figures
from robostack.core.lineage import command_line
from robostack.core.registry import register


@register("command", "train/m2t2")
class TrainM2T2(Command):
    help = (
        "train M2T2 on the grasp dataset (progress, validation, checkpoints and model card in policies/m2t2)"
    )
    example = "robostack train m2t2 --data datasets/grasp --epochs 20 --max-minutes 60"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--config", type=Path, default=None, help="TrainConfig YAML")
        parser.add_argument("--data", default=None, help="grasp dataset folder (default datasets/grasp)")
        parser.add_argument("--out", default=None, help="where to write the policy (default policies/m2t2)")
        parser.add_argument("--epochs", type=int, default=None)
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--lr", type=float, default=None)
        parser.add_argument("--max-minutes", type=float, default=None)
        parser.add_argument("--val-scenes", type=int, default=None)
        parser.add_argument("--val-minutes", type=float, default=None, help="validate at most this often")
        parser.add_argument(
            "--keep", choices=("best", "last"), default=None, help="epoch to save (default: best validation)"
        )
        parser.add_argument("--threads", type=int, default=None)
        parser.add_argument("--device", default=None, help="torch device, e.g. cuda (default cpu)")
        parser.add_argument(
            "--synthetic", type=int, default=None, help="train on N synthetic box scenes instead"
        )
        parser.add_argument("--init-from", default=None, help="continue training a saved policy")
        parser.add_argument(
            "--cosine", action="store_true", default=None, help="decay the rate to zero over --max-minutes"
        )
        parser.add_argument("--note", default=None, help="what this run changes (shown on the model card)")
        parser.add_argument(
            "--wait-for-data",
            action="store_true",
            help="the dataset is still being collected: wait and re-list",
        )

    def run(self, args: argparse.Namespace) -> int:
        from robostack.core.config import load_config
        from robostack.policies.m2t2.train import TrainConfig, train

        cfg = load_config(TrainConfig, args.config) if args.config else TrainConfig()
        flags = {"data": args.data, "out": args.out, "epochs": args.epochs, "batch_size": args.batch_size}
        flags |= {"lr": args.lr, "max_minutes": args.max_minutes, "val_scenes": args.val_scenes}
        flags |= {"threads": args.threads, "synthetic": args.synthetic, "init_from": args.init_from}
        flags |= {"wait_for_data": args.wait_for_data or None, "note": args.note, "cosine": args.cosine}
        flags |= {"device": args.device, "val_minutes": args.val_minutes, "keep": args.keep}
        cfg = cfg.model_copy(update={k: v for k, v in flags.items() if v is not None})
        print(json.dumps(train(cfg), indent=2))
        return 0


@register("command", "bench/m2t2")
class BenchM2T2(Command):
    help = "M2T2 inference time per scene (16,384 input points), 1 torch thread unless --threads"
    example = "robostack bench m2t2 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--checkpoint", type=Path, default=None, help="policy folder (default policies/m2t2)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON on stdout")
        parser.add_argument("--save", action="store_true", help="also write bench.json beside the weights")
        parser.add_argument("--threads", type=int, nargs="+", default=[1], help="thread counts to time")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.policies.m2t2.bench import benchmark

        figures = {"command": command_line()}
        figures |= benchmark(checkpoint=args.checkpoint, threads=tuple(args.threads))
        print_figures(figures, args.json)
        if args.save:
            _save(args.checkpoint or Path("policies/m2t2"), "bench.json", figures)
        return 0


@register("command", "eval/m2t2-offline")
class EvalM2T2Offline(Command):
    help = "M2T2 against the labels of test scenes: top-1 grasp within 2 cm ADD-S, top-1 placement in mask"
    example = "robostack eval m2t2-offline --data datasets/grasp --scenes 50 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--data", default="datasets/grasp")
        parser.add_argument("--split", default="test", choices=["train", "test"])
        parser.add_argument("--scenes", type=int, default=50)
        parser.add_argument("--checkpoint", type=Path, default=Path("policies/m2t2"))
        parser.add_argument("--json", action="store_true")
        parser.add_argument(
            "--save", action="store_true", help="also write eval_offline.json beside the weights"
        )

    def run(self, args: argparse.Namespace) -> int:
        import torch

        from robostack.data.grasp_dataset import GraspDataset
        from robostack.policies.m2t2.evaluate import evaluate_scenes
        from robostack.policies.m2t2.policy import M2T2Policy

        torch.set_num_threads(1)
        policy = M2T2Policy.from_pretrained(args.checkpoint)
        ds = GraspDataset(args.data, args.split)
        scenes = [ds[i] for i in range(min(args.scenes, len(ds)))]
        figures = {"command": command_line(), "split": args.split} | evaluate_scenes(policy, scenes)
        print_figures(figures, args.json)
        if args.save:
            _save(args.checkpoint, "eval_offline.json", figures)
        return 0


@register("command", "m2t2/card")
class M2T2Card(Command):
    help = "rewrite policies/m2t2/MODEL_CARD.md from the JSON figures saved beside the weights"
    example = "robostack m2t2 card"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--checkpoint", type=Path, default=Path("policies/m2t2"))
        parser.add_argument(
            "--stopped-run",
            default=None,
            help="training command of a run stopped by hand (summary from its log)",
        )
        parser.add_argument("--data", default="datasets/grasp", help="with --stopped-run: the data it read")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.policies.m2t2.model_card import write_model_card

        print(write_model_card(args.checkpoint, args.stopped_run, args.data))
        return 0


def _save(directory: Path, name: str, figures: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(figures, indent=2) + "\n")
