"""The shape of a CLI command. Each part of the stack registers its own in a ``commands.py``.

Command modules stay light: import torch, pybullet and friends inside ``run``, so that
``robostack --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, ClassVar


class Command:
    """Subclass, set ``help`` and ``example``, and register with ``@register("command", name)``."""

    help: ClassVar[str] = ""
    example: ClassVar[str] = ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare this command's flags."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit code. Raise `RobostackError` for user errors."""
        raise NotImplementedError


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (a bad value is argparse's one-line error)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number above 0."""
    value = float(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def decay_rate(text: str) -> float:
    """argparse type: a number in [0, 1), such as a moving average's decay per step."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text}")
    return value


def add_workers_argument(parser: argparse.ArgumentParser) -> None:
    """``--workers N`` of the evaluation commands (`core.parallel.run_episodes`)."""
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="processes sharing the episodes (same figures, sooner)",
    )


def print_json(data: Any) -> None:
    """JSON on stdout; NaN (a figure with nothing to measure) becomes null."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    print(json.dumps(clean(data), indent=2))  # noqa: T201 (the CLI's output)


def print_figures(figures: dict[str, Any], as_json: bool) -> None:
    """A command's figures: JSON with ``--json``, else one aligned ``name: value`` line each."""
    if as_json:
        print_json(figures)
        return
    width = max((len(key) for key in figures), default=0)
    for key, value in figures.items():
        if isinstance(value, list):  # one item a line (a list of failed episodes reads better so)
            print(f"{key:>{width}}: {len(value)}")  # noqa: T201
            for item in value:
                print(f"{'':>{width}}  {item}")  # noqa: T201
        else:
            print(f"{key:>{width}}: {value}")  # noqa: T201
