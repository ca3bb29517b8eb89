"""`RecordingRobot`: a Robot wrapper that records what happens, for videos, rerun and metrics.

It delegates everything to the wrapped robot, so skills cannot tell it is there. A simulated world
with a privileged map gives the true pose and a top-down panel; any other robot (the crowd world, a
real robot) is recorded from its odometry and camera alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from robostack.core.types import Action
from robostack.viz.topdown import compose_frame, draw_path, draw_robot


class RecordingRobot:
    def __init__(
        self,
        robot: Any,
        video: bool = True,
        rerun: Any = None,
        on_step: Callable[[], None] | None = None,
        px_per_m: float = 40.0,
    ) -> None:
        self._robot = robot
        self.video = video
        self.rerun = rerun
        self.on_step = on_step
        self.px_per_m = px_per_m
        self.label = ""
        self.frames: list[np.ndarray] = []
        self.trajectory: list[tuple[float, float]] = []
        self._map: np.ndarray | None = None
        self._record()

    def __getattr__(self, name: str) -> Any:  # world, control_dt, observe, stop, ...
        return getattr(self._robot, name)

    def send(self, action: Action) -> Action:
        sent = self._robot.send(action)
        self._record()
        if self.on_step is not None:
            self.on_step()
        return sent

    def _record(self) -> None:
        world = getattr(self._robot, "world", None)
        obs = None if world is not None else self._robot.observe()
        pose = world.base_pose() if world is not None else np.asarray(obs.odometry[:3])
        self.trajectory.append((float(pose[0]), float(pose[1])))
        if not (self.video or self.rerun):
            return
        if obs is None:
            obs = self._robot.observe()
        if self.video and world is not None:
            self.frames.append(self._frame(world, obs.rgb, pose))
        elif self.video and obs.rgb.size:
            self.frames.append(obs.rgb)
        if self.rerun is not None:
            self.rerun.log_step(obs.time, obs.rgb, obs.depth, pose, self.label)

    def _frame(self, world: Any, rgb: np.ndarray, pose: np.ndarray) -> np.ndarray:
        if self._map is None:
            self._map = world.render_topdown(self.px_per_m)

        def to_pixel(xy: tuple[float, float]) -> tuple[int, int]:
            u, v = world.topdown_pixel(xy, self.px_per_m)
            return int(u), int(v)

        top = draw_robot(draw_path(self._map, self.trajectory, to_pixel), pose, to_pixel)
        holding = world.holding
        caption = self.label + (f"   [holding {holding}]" if holding else "")
        return compose_frame(rgb, top, caption)
