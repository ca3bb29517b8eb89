"""Latency of a call, for the ``bench`` commands (speed belongs in benchmarks, not timed tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def latency_ms(fn: Callable[[], Any], repeats: int, warmup: int) -> tuple[float, float]:
    """Median and 90th-percentile milliseconds of ``fn()`` over ``repeats`` calls, after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times)), float(np.percentile(times, 90))
