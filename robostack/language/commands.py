"""CLI commands for the instruction parser: ``robostack parse``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from robostack.core.command import Command, positive_int
from robostack.core.errors import RobostackError
from robostack.core.registry import register
from robostack.core.types import Plan


def _format_plan(plan: Plan) -> str:
    lines = [f"level {plan.level}: {plan.instruction}"]
    lines += [f"  {i}. {subtask}" for i, subtask in enumerate(plan.subtasks, 1)]
    return "\n".join(lines)


@register("command", "parse")
class ParseCommand(Command):
    help = "parse an instruction into a plan of subtasks"
    example = 'robostack parse "go to the kitchen and pick up the red mug" --json'

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("text", nargs="?", help="the instruction (omit with --jsonl)")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")
        parser.add_argument(
            "--jsonl", action="store_true", help="read one instruction a line on stdin, print one JSON a line"
        )
        parser.add_argument(
            "--domain",
            choices=("apartment", "alfred"),
            default="apartment",
            help="apartment: robostack Plans (default); alfred: ALFRED high-level plans",
        )
        parser.add_argument("--backend", default="rules", help="parser backend (default: rules)")
        parser.add_argument(
            "--world",
            default=None,
            help="comma-separated names the world contains: snap targets to them (MiniLM), report not_found",
        )
        parser.add_argument(
            "--base-url", default=None, help="openai backend: server URL, e.g. http://localhost:8000/v1"
        )
        parser.add_argument("--model", default=None, help="openai backend: model name")
        parser.add_argument(
            "--api-key", default=None, help="openai backend: key (default $OPENAI_API_KEY or 'none')"
        )

    def run(self, args: argparse.Namespace) -> int:
        if args.domain == "alfred":
            return self._run_alfred(args)
        parser = _make_parser(args)
        if args.jsonl:
            return self._run_lines(parser)
        if args.text is None:
            raise RobostackError("parse needs an instruction, or --jsonl with instructions on stdin")
        plan = parser.parse(args.text)
        if args.world:
            plan = _snap_to_world(plan, args.world)
        print(json.dumps(plan.to_json()) if args.json else _format_plan(plan))
        return 0

    @staticmethod
    def _run_alfred(args: argparse.Namespace) -> int:
        from robostack.language.alfred import plan_for

        if not args.jsonl and args.text is None:
            raise RobostackError("parse needs an instruction, or --jsonl with instructions on stdin")
        lines = _read_stdin_lines() if args.jsonl else [args.text]
        failed = 0
        for line in lines:
            try:
                out: dict[str, Any] = {"plan": plan_for(line)}
            except RobostackError as err:
                failed += 1
                out = {"plan": [], "error": str(err)}
            print(json.dumps(out))
        return 1 if failed and not args.jsonl else 0

    @staticmethod
    def _run_lines(parser: Any) -> int:
        """One output line per input line; a bad line gets ``{"error": ...}`` so lines stay aligned."""
        failed = 0
        for line in sys.stdin:
            text = line.rstrip("\n")
            try:
                out: dict[str, Any] = parser.parse(text).to_json()
            except RobostackError as err:
                failed += 1
                out = {"instruction": text, "error": str(err)}
            print(json.dumps(out), flush=False)
        sys.stdout.flush()
        return 1 if failed else 0


def _snap_to_world(plan: Plan, world: str) -> Plan:
    """Snap targets to the world's names; each phrase with no match gets a ``not_found`` line on stderr."""
    from robostack.language.grounding import snap_plan

    names = [n.strip() for n in world.split(",") if n.strip()]
    snapped, missing = snap_plan(plan, names)
    for miss in {m.target: m for m in missing}.values():
        print(f"robostack: not_found: {miss.target!r} (closest similarity {miss.score:.2f})", file=sys.stderr)
    return snapped


def _make_parser(args: argparse.Namespace) -> Any:
    """The backend named by ``--backend``; the openai one takes its server settings from flags."""
    from robostack.language import get_parser

    if args.backend == "openai":
        from robostack.language.openai_backend import OpenAIParser

        return OpenAIParser(base_url=args.base_url, model=args.model, api_key=args.api_key)
    return get_parser(args.backend)


def _read_stdin_lines() -> list[str]:
    return [line.rstrip("\n") for line in sys.stdin]


@register("command", "ground")
class GroundCommand(Command):
    help = "ground Cleanup World commands to (level, task) with the trained model"
    example = "robostack ground --domain cleanup --jsonl < commands.txt"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("text", nargs="?", help="one command (omit with --jsonl)")
        parser.add_argument("--domain", choices=("cleanup",), default="cleanup", help="grounding domain")
        parser.add_argument(
            "--jsonl", action="store_true", help="one command a line on stdin → one JSON a line"
        )
        parser.add_argument(
            "--weights", type=Path, default=None, help="model folder (default policies/grounding)"
        )

    def run(self, args: argparse.Namespace) -> int:
        from robostack.language.cleanup.pipeline import default_weights_dir, load_predictor

        if not args.jsonl and args.text is None:
            raise RobostackError("ground needs a command, or --jsonl with commands on stdin")
        from robostack.language.text import clean

        predictor = load_predictor(str(args.weights or default_weights_dir()))
        checked: list[tuple[str, str]] = []  # (command, error) per input line
        for line in _read_stdin_lines() if args.jsonl else [args.text]:
            try:
                checked.append((clean(line), ""))
            except RobostackError as err:
                if not args.jsonl:
                    raise
                checked.append(("", str(err)))
        outputs = iter(predictor.predict([text for text, error in checked if not error]))
        for _, error in checked:
            if error:
                print(json.dumps({"level": None, "task": None, "error": error}))
                continue
            level, task = next(outputs)
            print(json.dumps({"level": level, "task": task}))
        return 0


def _add_cv_arguments(parser: argparse.ArgumentParser, models_default: str) -> None:
    parser.add_argument(
        "--data", type=Path, default=None, help="GLAMDP folder (default ../shared/data/glamdp)"
    )
    parser.add_argument("--folds", type=positive_int, default=5, help="grouped k-fold (default 5)")
    parser.add_argument("--runs", type=positive_int, default=1, help="repeat the k-fold with new splits")
    parser.add_argument("--models", default=models_default, help="comma-separated model kinds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads")
    parser.add_argument(
        "--split",
        choices=("grouped", "random"),
        default="grouped",
        help="grouped: identical commands stay in one fold (default); random: the paper's plain k-fold",
    )


def _run_cv(args: argparse.Namespace, commands: list[Any]) -> list[dict[str, Any]]:
    from robostack.core.logging import progress
    from robostack.language.cleanup.pipeline import cv_table

    kinds = [k.strip() for k in args.models.split(",") if k.strip()]
    with progress() as bar:
        task = bar.add_task("k-fold", total=len(kinds) * args.folds * args.runs, status="")

        def on_fold(kind: str) -> None:
            bar.update(task, advance=1, status=kind)

        def on_row(row: dict[str, Any]) -> None:
            print(json.dumps(row), flush=True)

        return cv_table(
            kinds,
            commands,
            args.folds,
            args.runs,
            args.seed,
            on_fold=on_fold,
            on_row=on_row,
            grouped=args.split == "grouped",
        )


ALL_MODELS = "ibm2,multi_nn,multi_rnn,single_rnn,single_rnn_long,hybrid,ours"
"""The default table; ``minilm`` and ``ours_minilm`` run when named (``ours_minilm``: 31 min, 2 cores)."""


@register("command", "eval/grounding")
class EvalGrounding(Command):
    help = "GLAMDP hierarchical grounding: grouped k-fold table, or the committed model on held-out files"
    example = "robostack eval grounding --folds 5 --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _add_cv_arguments(parser, ALL_MODELS)
        parser.add_argument(
            "--heldout", type=Path, default=None, help="evaluate the committed model on this folder"
        )
        parser.add_argument(
            "--weights", type=Path, default=None, help="model folder (default policies/grounding)"
        )
        parser.add_argument(
            "--label-agreement",
            action="store_true",
            help="only how far the labels of repeated commands agree (a task-accuracy ceiling; no training)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON summary at the end")

    def run(self, args: argparse.Namespace) -> int:
        import torch

        from robostack.data.glamdp import label_agreement, load_glamdp
        from robostack.language.cleanup.pipeline import (
            default_weights_dir,
            evaluate_predictor,
            load_predictor,
        )

        torch.set_num_threads(args.threads)
        if args.label_agreement:
            summary: dict[str, Any] = label_agreement(load_glamdp(args.data))
        elif args.heldout is not None:
            predictor = load_predictor(str(args.weights or default_weights_dir()))
            commands = load_glamdp(args.heldout)
            scores = evaluate_predictor(predictor, commands)
            summary = {"heldout": str(args.heldout), "n": len(commands), **scores.__dict__}
        else:
            rows = _run_cv(args, load_glamdp(args.data))
            summary = {"folds": args.folds, "runs": args.runs, "split": args.split, "rows": rows}
        print(json.dumps(summary, indent=None if args.json else 1))
        return 0


@register("command", "train/grounding")
class TrainGrounding(Command):
    help = "train the GLAMDP grounder: k-fold table, final fit, weights and model card"
    example = "robostack train grounding --folds 5"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        _add_cv_arguments(parser, ALL_MODELS)
        parser.add_argument(
            "--out", type=Path, default=None, help="output folder (default policies/grounding)"
        )
        parser.add_argument(
            "--no-cv", action="store_true", help="skip the k-fold table (card without figures)"
        )

    def run(self, args: argparse.Namespace) -> int:
        import time

        import torch

        from robostack.core.lineage import command_line
        from robostack.core.logging import progress
        from robostack.data.glamdp import load_glamdp
        from robostack.language.cleanup.pipeline import default_weights_dir, fit_and_save, write_card
        from robostack.language.cleanup.train import epochs_of

        torch.set_num_threads(args.threads)
        start = time.perf_counter()
        commands = load_glamdp(args.data)
        rows = [] if args.no_cv else _run_cv(args, commands)
        out = args.out or default_weights_dir()
        with progress() as bar:
            task = bar.add_task("final fit", total=epochs_of("ours"), status="")

            def on_epoch(epoch: int, loss: float) -> None:
                bar.update(task, advance=1, status=f"loss {loss:.3f}")

            predictor, train_seconds = fit_and_save(commands, out, args.seed, on_epoch=on_epoch)
        params = sum(p.numel() for m in predictor.modules for p in m.parameters())
        write_card(
            out,
            command_line=command_line(),
            n_commands=len(commands),
            rows=rows,
            train_seconds=train_seconds,
            total_seconds=time.perf_counter() - start,
            params=params,
        )
        print(json.dumps({"out": str(out), "train_seconds": round(train_seconds, 1), "params": params}))
        return 0


@register("command", "eval/r2r-decomposition")
class EvalR2R(Command):
    help = "A²Nav decomposition on R2R: every instruction valid, F1 on the hand-labelled dev set"
    example = "robostack eval r2r-decomposition --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--data", type=Path, default=None, help="R2R folder (default ../shared/data/r2r)")
        parser.add_argument("--backend", default="rules")
        parser.add_argument("--json", action="store_true", help="one-line JSON")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.data.r2r import iter_all
        from robostack.language import get_parser
        from robostack.language.evaluate import load_dev_set, r2r_dev_scores, r2r_validity

        parser: Any = get_parser(args.backend)
        report = {
            "all_instructions": r2r_validity(parser.parse, list(iter_all(args.data))),
            "dev_set": r2r_dev_scores(parser.parse, load_dev_set()),
        }
        print(json.dumps(report, indent=None if args.json else 1))
        return 0


@register("command", "eval/alfred-plans")
class EvalAlfred(Command):
    help = "ALFRED goal → high-level plan: exact match and step F1 per phrasing, ours vs keyword baseline"
    example = "robostack eval alfred-plans --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data", type=Path, default=None, help="ALFRED folder (default ../shared/data/alfred)"
        )
        parser.add_argument("--json", action="store_true", help="one-line JSON")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.data.alfred import load_tasks
        from robostack.language.alfred import keyword_plan, plan_for
        from robostack.language.evaluate import alfred_scores

        tasks = load_tasks(args.data)
        report = {
            "tasks": len(tasks),
            "ours": alfred_scores(plan_for, tasks),
            "keyword_baseline": alfred_scores(keyword_plan, tasks),
        }
        print(json.dumps(report, indent=None if args.json else 1))
        return 0


def _latency_report(threads: int = 1, skip_snap: bool = False) -> dict[str, Any]:
    """Latency of the embedded parsers on real instructions, one core, loading timed apart."""
    import time

    import torch

    from robostack.data.alfred import load_tasks
    from robostack.data.glamdp import load_glamdp
    from robostack.data.r2r import load_split
    from robostack.language import get_parser
    from robostack.language.alfred import plan_for
    from robostack.language.cleanup.pipeline import default_weights_dir
    from robostack.language.cleanup.predictor import GroundingPredictor
    from robostack.language.evaluate import latency

    torch.set_num_threads(threads)
    r2r = [i.text for i in load_split("val_seen")][:1000]
    start = time.perf_counter()
    parser: Any = get_parser("rules")
    rules_load = time.perf_counter() - start
    start = time.perf_counter()
    grounder = GroundingPredictor.from_pretrained(default_weights_dir())
    ground_load = time.perf_counter() - start
    commands = [c.text for c in load_glamdp()][::5]
    goals = [t.goals["refined"][0] for t in load_tasks()]
    snap_report: dict[str, Any] = {}
    if not skip_snap:
        from robostack.language.grounding import snap

        world = [
            "red mug",
            "blue bowl",
            "green block",
            "yellow can",
            "kitchen",
            "living room",
            "bedroom",
            "sink",
        ]
        start = time.perf_counter()
        snap("warm up", world)  # loads MiniLM and embeds the world's names once
        snap_load = time.perf_counter() - start
        phrases = [f"the {w} number {i}" for i, w in enumerate(["crimson cup", "cooking area", "sofa"] * 34)]
        snap_report = {"load_s": round(snap_load, 2), **latency(lambda t: snap(t, world), phrases)}
    return {
        "threads": threads,
        "snap_new_phrase": snap_report,
        "rules_parse_r2r": {"load_s": round(rules_load, 4), **latency(parser.parse, r2r)},
        "ground_cleanup": {
            "load_s": round(ground_load, 3),
            **latency(lambda t: grounder.predict([t]), commands),
        },
        "alfred_plan": latency(plan_for, goals),
    }


@register("command", "bench/language")
class BenchLanguage(Command):
    help = "per-instruction latency of the embedded parsers (p50/p90/p99, one core; loading apart)"
    example = "robostack bench language --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads (default 1)")
        parser.add_argument("--no-snap", action="store_true", help="skip the MiniLM world-grounding timing")
        parser.add_argument("--json", action="store_true", help="one-line JSON")

    def run(self, args: argparse.Namespace) -> int:
        report = _latency_report(args.threads, skip_snap=args.no_snap)
        print(json.dumps(report, indent=None if args.json else 1))
        return 0


@register("command", "eval/language")
class EvalLanguage(Command):
    help = "every language acceptance figure: GLAMDP, R2R, ALFRED, latency, bad input"
    example = "robostack eval language --json"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--cv", action="store_true", help="rerun the GLAMDP k-fold (slow) instead of cv.json"
        )
        parser.add_argument("--folds", type=positive_int, default=5)
        parser.add_argument("--json", action="store_true", help="one-line JSON")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.data.alfred import load_tasks
        from robostack.data.glamdp import load_glamdp
        from robostack.data.r2r import iter_all
        from robostack.language import get_parser
        from robostack.language.alfred import keyword_plan, plan_for
        from robostack.language.cleanup.pipeline import cv_table, default_weights_dir
        from robostack.language.evaluate import (
            alfred_scores,
            bad_input_report,
            load_dev_set,
            r2r_dev_scores,
            r2r_validity,
        )

        parser: Any = get_parser("rules")
        if args.cv:
            glamdp: Any = {"rows": cv_table(["single_rnn", "hybrid"], load_glamdp(), args.folds, 1, 0)}
        else:
            cv_file = default_weights_dir() / "cv.json"
            glamdp = json.loads(cv_file.read_text()) if cv_file.is_file() else {"rows": []}
            glamdp["source"] = str(cv_file)
        tasks = load_tasks()
        report = {
            "glamdp": glamdp,
            "r2r": {
                "all_instructions": r2r_validity(parser.parse, list(iter_all())),
                "dev_set": r2r_dev_scores(parser.parse, load_dev_set()),
            },
            "alfred": {
                "ours": alfred_scores(plan_for, tasks),
                "keyword_baseline": alfred_scores(keyword_plan, tasks),
            },
            "latency": _latency_report(1),
            "bad_input": bad_input_report(parser.parse),
        }
        print(json.dumps(report, indent=None if args.json else 1))
        return 0
