"""Errors the parser raises for bad instructions. The CLI prints them as one line (exit 2)."""

from __future__ import annotations

from robostack.core.errors import RobostackError


class InstructionError(RobostackError, ValueError):
    """An instruction the parser cannot turn into a plan: empty, too long, or with nothing to do."""
