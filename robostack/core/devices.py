"""Which torch device a training run uses, checked before any work starts."""

from __future__ import annotations

import torch

from robostack.core.errors import RobostackError


def training_device(name: str) -> torch.device:
    """``name`` as a torch device, or one clear error when it is malformed or absent here."""
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise RobostackError(f"--device {name!r}: not a torch device (cpu, cuda, cuda:1, ...)") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RobostackError(f"--device {name!r}: this machine has no CUDA GPU")
    return device
