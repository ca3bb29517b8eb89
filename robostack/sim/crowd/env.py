"""`robostack/Crowd-v0`: a robot crosses a crowd that replays recorded ETH-UCY pedestrians.

The pedestrians are the held-out scene's real tracks (the test split of the leave-one-out
protocol, so a predictor trained for that scene has never seen them). They do not react to the
robot — the usual replay setting — so avoiding them is entirely the robot's job.

- step: 0.4 s, one annotated frame (2.5 Hz, the data's own rate; the predictor runs at this rate);
- robot: holonomic disc, action = velocity (vx, vy) in m/s, its norm clipped to ``max_speed``;
- observation: ``robot`` [x, y, vx, vy, goal_x, goal_y]; ``pedestrians`` (max_peds, obs_len, 2),
  the last ``obs_len`` positions of the nearest pedestrians now in view (a track younger than
  ``obs_len`` frames is back-filled with its first position); ``mask`` marks the valid rows;
- episode: the seed picks a moment of the recording with people about, a crossing line through
  them and its direction; it ends at the goal (success), on contact (collision: centres closer
  than the two radii) or after ``max_steps``.

Same seed => same episode, bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray
from pydantic import Field

from robostack.core.config import StrictModel
from robostack.core.registry import register
from robostack.data.eth_ucy import SCENES, read_annotations

Obs = dict[str, NDArray[Any]]


class CrowdConfig(StrictModel):
    """Settings of `CrowdEnv`."""

    scene: str = Field(default="zara1", description="ETH-UCY scene whose test split is replayed")
    data_dir: str | None = Field(default=None, description="ETH-UCY split directory (default: shared data)")
    dt: float = Field(default=0.4, gt=0, description="seconds per step = one annotated frame")
    obs_len: int = Field(default=8, ge=2)
    max_peds: int = Field(default=32, ge=1)
    max_steps: int = Field(default=50, ge=5)
    max_speed: float = Field(default=1.2, gt=0, description="m/s")
    robot_radius: float = Field(default=0.3, gt=0)
    ped_radius: float = Field(default=0.3, gt=0)
    goal_radius: float = Field(default=0.3, gt=0)
    crossing_length: float = Field(default=8.0, gt=1.0, description="start-to-goal distance, metres")
    min_peds_near: int = Field(default=3, ge=1, description="people within the crossing's span at the start")
    clear_start: float = Field(
        default=1.0, ge=0, description="no pedestrian this close to start or goal at t=0"
    )


@dataclass(frozen=True)
class Recording:
    """One scene's tracks on a dense grid: ``pos[frame, ped]`` with ``present[frame, ped]``."""

    pos: NDArray[np.float64]
    present: NDArray[np.bool_]

    @classmethod
    def load(cls, scene: str, data_dir: str | None) -> Recording:
        from robostack.core.errors import RobostackError
        from robostack.data.eth_ucy import default_data_dir

        if scene not in SCENES:
            raise RobostackError(f"unknown ETH-UCY scene {scene!r}; expected one of {', '.join(SCENES)}")
        folder = Path(data_dir) if data_dir else default_data_dir()
        files = sorted((folder / scene / "test").glob("*.txt"))
        if not files:
            raise RobostackError(f"no ETH-UCY test files under {folder / scene / 'test'}")
        data = read_annotations(files[0])  # univ has two recordings; replay the first
        frames, frame_idx = np.unique(data[:, 0], return_inverse=True)
        peds, ped_idx = np.unique(data[:, 1], return_inverse=True)
        pos = np.zeros((len(frames), len(peds), 2))
        present = np.zeros((len(frames), len(peds)), dtype=bool)
        pos[frame_idx, ped_idx] = data[:, 2:4]
        present[frame_idx, ped_idx] = True
        return cls(pos, present)

    @property
    def num_frames(self) -> int:
        return int(self.pos.shape[0])


@register("world", "crowd")
class CrowdEnv(gym.Env[Obs, NDArray[np.float32]]):
    """A holonomic robot crossing replayed ETH-UCY pedestrians (see the module docstring)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}
    hal_profile = "tracked_people"
    """How `SimRobot` drives this world: a differential base with tracked people in its observation."""

    def __init__(self, config: CrowdConfig | None = None, render_mode: str | None = None) -> None:
        self.config = c = config or CrowdConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.recording = Recording.load(c.scene, c.data_dir)
        self.action_space = spaces.Box(-c.max_speed, c.max_speed, (2,), np.float32)
        self.observation_space: spaces.Space[Obs] = spaces.Dict(  # type: ignore[assignment]
            {
                "robot": spaces.Box(-np.inf, np.inf, (6,), np.float32),
                "pedestrians": spaces.Box(-np.inf, np.inf, (c.max_peds, c.obs_len, 2), np.float32),
                "mask": spaces.MultiBinary(c.max_peds),
            }
        )
        self._frame = 0
        self._steps = 0
        self._robot = np.zeros(2)
        self._velocity = np.zeros(2)
        self._start = np.zeros(2)
        self._goal = np.zeros(2)
        self._min_distance = math.inf
        self.overlay: list[NDArray[np.float64]] = []
        """Optional paths (world metres) drawn by `render`, e.g. predicted futures."""

    # --- gymnasium API --------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        super().reset(seed=seed)
        rng = self.np_random
        c, rec = self.config, self.recording
        for _ in range(200):
            frame = int(rng.integers(c.obs_len - 1, max(c.obs_len, rec.num_frames - c.max_steps)))
            people = rec.pos[frame, rec.present[frame]]
            if len(people) < c.min_peds_near:
                continue
            centre = people[rng.integers(len(people))] + rng.normal(0.0, 0.5, 2)
            angle = rng.uniform(-math.pi, math.pi)
            half = 0.5 * c.crossing_length * np.array([math.cos(angle), math.sin(angle)])
            start, goal = centre - half, centre + half
            near = np.linalg.norm(people - centre, axis=1) < 0.5 * c.crossing_length
            if near.sum() < c.min_peds_near:
                continue
            if min(
                np.linalg.norm(people - start, axis=1).min(), np.linalg.norm(people - goal, axis=1).min()
            ) < (c.clear_start):
                continue
            break
        self._frame, self._steps = frame, 0
        self._start, self._goal = start, goal
        self._robot, self._velocity = start.copy(), np.zeros(2)
        self._min_distance = self._nearest_distance()
        self.overlay = []
        return self._observation(), self._info(collision=False, success=False)

    def step(self, action: NDArray[np.float32]) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        c = self.config
        v = np.asarray(action, dtype=np.float64).reshape(2)
        if not np.all(np.isfinite(v)):
            raise ValueError("action holds NaN or infinite values")
        speed = float(np.linalg.norm(v))
        if speed > c.max_speed:
            v = v * (c.max_speed / speed)
        before = float(np.linalg.norm(self._goal - self._robot))
        mid_robot = self._robot + 0.5 * v * c.dt
        self._robot = self._robot + v * c.dt
        self._velocity = v
        self._frame = min(self._frame + 1, self.recording.num_frames - 1)
        self._steps += 1
        dist = min(self._nearest_distance(), self._nearest_distance(mid_robot, midway=True))
        self._min_distance = min(self._min_distance, dist)
        collision = dist < c.robot_radius + c.ped_radius
        after = float(np.linalg.norm(self._goal - self._robot))
        success = after < c.goal_radius and not collision
        reward = (before - after) + (1.0 if success else 0.0) - (1.0 if collision else 0.0)
        terminated = collision or success
        truncated = not terminated and (
            self._steps >= c.max_steps or self._frame >= self.recording.num_frames - 1
        )
        return self._observation(), float(reward), terminated, truncated, self._info(collision, success)

    def render(self) -> NDArray[np.uint8] | None:
        """Top-down view (``render_mode="rgb_array"``), 12 m around the crossing."""
        if self.render_mode is None:
            return None
        from robostack.sim.crowd.render import draw_scene

        rec = self.recording
        people = rec.pos[self._frame, rec.present[self._frame]]
        return draw_scene(
            centre=0.5 * (self._start + self._goal),
            robot=self._robot,
            goal=self._goal,
            people=people,
            robot_radius=self.config.robot_radius,
            ped_radius=self.config.ped_radius,
            paths=self.overlay,
        )

    # --- pieces ---------------------------------------------------------------------------------

    @property
    def time(self) -> float:
        return self._steps * self.config.dt

    def pedestrians_now(self) -> NDArray[np.float64]:
        """Positions of everyone in view at the current frame (P, 2)."""
        rec = self.recording
        return rec.pos[self._frame, rec.present[self._frame]].copy()

    def _nearest_distance(self, robot: NDArray[np.float64] | None = None, midway: bool = False) -> float:
        rec, f = self.recording, self._frame
        here = rec.present[f]
        people = rec.pos[f, here]
        if midway and f > 0:  # positions half a step back, for pedestrians seen at both frames
            both = here & rec.present[f - 1]
            people = 0.5 * (rec.pos[f, both] + rec.pos[f - 1, both])
        if len(people) == 0:
            return math.inf
        robot = self._robot if robot is None else robot
        return float(np.linalg.norm(people - robot, axis=1).min())

    def _observation(self) -> Obs:
        c, rec, f = self.config, self.recording, self._frame
        ids = np.flatnonzero(rec.present[f])
        if len(ids) > c.max_peds:
            order = np.argsort(np.linalg.norm(rec.pos[f, ids] - self._robot, axis=1), kind="stable")
            ids = np.sort(ids[order[: c.max_peds]])
        hist = np.zeros((c.max_peds, c.obs_len, 2), dtype=np.float32)
        mask = np.zeros(c.max_peds, dtype=np.int8)
        for row, ped in enumerate(ids):
            track = rec.pos[max(0, f - c.obs_len + 1) : f + 1, ped]
            seen = rec.present[max(0, f - c.obs_len + 1) : f + 1, ped]
            track = track.copy()
            track[: int(np.argmax(seen))] = track[int(np.argmax(seen))]  # before the pedestrian appeared
            for i in range(1, len(track)):
                if not seen[i]:
                    track[i] = track[i - 1]  # a gap in the annotation: hold the last position
            hist[row, c.obs_len - len(track) :] = track
            hist[row, : c.obs_len - len(track)] = track[0]
            mask[row] = 1
        robot = np.array([*self._robot, *self._velocity, *self._goal], dtype=np.float32)
        return {"robot": robot, "pedestrians": hist, "mask": mask}

    def _info(self, collision: bool, success: bool) -> dict[str, Any]:
        return {
            "collision": bool(collision),
            "success": bool(success),
            "min_distance": float(self._min_distance),
            "time": self.time,
            "frame": self._frame,
        }
