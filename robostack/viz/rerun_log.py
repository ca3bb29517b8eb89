"""Episode recordings for the rerun viewer (``rerun episode.rrd``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


class RerunRecording:
    """Logs head-camera images, depth and the base trajectory on a sim-time timeline."""

    def __init__(self, path: str | Path, name: str = "robostack") -> None:
        import rerun as rr

        self._rr = rr
        self.path = Path(path)
        self.stream = rr.RecordingStream(name)
        self.stream.save(str(self.path))
        self._trail: list[list[float]] = []

    def log_step(self, time: float, rgb: np.ndarray, depth: np.ndarray, pose: np.ndarray, label: str) -> None:
        rr = self._rr
        self.stream.set_time("sim_time", duration=time)
        self.stream.log("robot/head/rgb", rr.Image(rgb))
        self.stream.log("robot/head/depth", rr.DepthImage(depth[..., 0], meter=1.0))
        self._trail.append([float(pose[0]), float(pose[1]), 0.05])
        self.stream.log("world/base_path", rr.LineStrips3D([self._trail]))
        self.stream.log("world/base", rr.Points3D([self._trail[-1]], radii=0.15))
        self.stream.log("subtask", rr.TextLog(label))

    def close(self) -> Any:
        self.stream.flush()
        return self.path
