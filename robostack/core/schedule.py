"""Learning-rate schedules shared by the trainers."""

from __future__ import annotations

import math

import torch


def cosine_factor(progress: float) -> float:
    """Half a cosine from 1 at the start of a budget (``progress`` 0) to 0 at its end (1 or more)."""
    return 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))


def set_lr(optimiser: torch.optim.Optimizer, lr: float) -> None:
    """Set every parameter group's learning rate (schedules computed by the trainer itself)."""
    for group in optimiser.param_groups:
        group["lr"] = lr
