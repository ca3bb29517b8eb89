"""Console logging and progress bars (rich), shared by every command."""

from __future__ import annotations

import logging
import os

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def get_logger(name: str) -> logging.Logger:
    """A module logger; the level comes from ``ROBOSTACK_LOG`` (default WARNING)."""
    root = logging.getLogger("robostack")
    if not root.handlers:
        root.addHandler(RichHandler(console=console, show_path=False))
        root.setLevel(os.environ.get("ROBOSTACK_LOG", "WARNING").upper())
    return logging.getLogger(name)


def progress(transient: bool = False, disable: bool = False) -> Progress:
    """A progress bar on stderr, so JSON on stdout stays clean; ``disable`` prints nothing at all."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
        transient=transient,
        disable=disable,
    )
