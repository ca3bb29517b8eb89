"""Write episode videos as H.264 mp4 (yuv420p), which every player and browser can play."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import imageio.v2 as imageio
import numpy as np


def write_video(frames: Sequence[np.ndarray], path: str | Path, fps: int = 10) -> Path:
    """Encode RGB uint8 frames (all the same even size) to ``path`` with the bundled ffmpeg."""
    path = Path(path)
    if not frames:
        raise ValueError("no frames to write")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial.mp4")
    with imageio.get_writer(
        tmp, fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=1, ffmpeg_log_level="error"
    ) as writer:
        for frame in frames:
            writer.append_data(np.ascontiguousarray(frame))
    tmp.replace(path)  # never leave a half-written video behind
    return path
