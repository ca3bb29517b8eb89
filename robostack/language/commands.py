"""CLI commands for the instruction parser: ``robostack parse``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from robostack.core.command import Command
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
        parser.add_argument("--backend", default="rules", help="parser backend (default: rules)")

    def run(self, args: argparse.Namespace) -> int:
        from robostack.language import get_parser

        parser: Any = get_parser(args.backend)
        if args.jsonl:
            return self._run_lines(parser)
        if args.text is None:
            raise RobostackError("parse needs an instruction, or --jsonl with instructions on stdin")
        plan = parser.parse(args.text)
        print(json.dumps(plan.to_json()) if args.json else _format_plan(plan))
        return 0

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
