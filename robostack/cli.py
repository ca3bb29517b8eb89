"""The ``robostack`` command. Every sub-command lives in its part's ``commands.py``.

A user error (`RobostackError`) prints one line on stderr and exits 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from robostack.core import registry
from robostack.core.command import Command
from robostack.core.errors import RobostackError

PACKAGE_ROOT = Path(__file__).resolve().parent

GROUP_HELP = {
    "eval": "run a benchmark suite and print its metrics",
    "train": "train a policy (progress bars; writes weights and a model card)",
    "bench": "speed and memory figures",
    "data": "collect or convert datasets",
    "carl": "CaRL upkeep (carl average: one policy from the mean weights of training snapshots)",
    "m2t2": "M2T2 upkeep (m2t2 card: rewrite its model card from the saved figures)",
    "vint": "ViNT upkeep (vint card: rewrite its model card from the saved figures)",
}


def _describe(command: Command) -> str:
    return f"{command.help}  (e.g. {command.example})" if command.example else command.help


def command_modules() -> list[str]:
    """Every part's ``commands.py``, found on disk so a new part needs no edit here."""
    files = sorted(PACKAGE_ROOT.rglob("commands.py"))
    return [".".join(("robostack", *f.relative_to(PACKAGE_ROOT).with_suffix("").parts)) for f in files]


def build_parser() -> argparse.ArgumentParser:
    for module in command_modules():
        importlib.import_module(module)
    parser = argparse.ArgumentParser(
        prog="robostack",
        description="A modular robotics stack: instruction → plan → learned skills → robot.",
        epilog="Start with: robostack demo",
    )
    top = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for name in registry.names("command"):
        command: Command = registry.get("command", name)()
        head, _, tail = name.partition("/")
        if tail:
            if head not in groups:
                group_parser = top.add_parser(head, help=GROUP_HELP.get(head, head))
                groups[head] = group_parser.add_subparsers(dest="target", metavar="WHAT", required=True)
            sub = groups[head].add_parser(tail, help=_describe(command), description=_describe(command))
        else:
            sub = top.add_parser(name, help=_describe(command), description=_describe(command))
        command.add_arguments(sub)
        sub.set_defaults(handler=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler.run(args) or 0)
    except RobostackError as err:
        print(f"robostack: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("robostack: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
