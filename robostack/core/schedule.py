"""Learning-rate schedules shared by the trainers."""

from __future__ import annotations

import math


def cosine_factor(progress: float) -> float:
    """Half a cosine from 1 at the start of a budget (``progress`` 0) to 0 at its end (1 or more)."""
    return 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
