"""The shape of a CLI command. Each part of the stack registers its own in a ``commands.py``.

Command modules stay light: import torch, pybullet and friends inside ``run``, so that
``robostack --help`` is instant.
"""

from __future__ import annotations

import argparse
from typing import ClassVar


class Command:
    """Subclass, set ``help`` and ``example``, and register with ``@register("command", name)``."""

    help: ClassVar[str] = ""
    example: ClassVar[str] = ""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare this command's flags."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit code. Raise `RobostackError` for user errors."""
        raise NotImplementedError
