"""`robostack/Apartment-v0`: the apartment world as a gymnasium environment.

Action ``[v, omega, q1..q7, gripper]`` (float32): base forward speed (m/s) and yaw rate (rad/s), absolute
arm joint targets (rad; joints move toward them at ``arm_joint_speed``), and a gripper command in [0, 1]
whose upward crossing of 0.5 closes the hand and downward crossing opens it.

Observation: head RGB-D (``rgb`` HxWx3 uint8, ``depth`` HxWx1 float32 metres along the optical axis),
``wrist_rgb`` (rendered every ``wrist_every`` steps, repeated in between), ``odometry``
``[x, y, yaw, v, omega]`` (world frame = odometry frame; the base is not noisy; v and omega are what was
achieved: the commanded values, less after a blocked move, zero when the base could not move at all) and
``joints`` (7 arm + 2 finger positions).

Base collisions: the step is integrated in sub-steps of at most 5 cm; a sub-step whose pose would
collide is replaced by its slide along the obstacle (the move's x-only or y-only part, walls being
axis-aligned) or, failing that, the base stops at the last free pose. ``info``: ``collision`` (some
sub-step was blocked), ``holding`` (object name or None), ``sim_time`` (steps x ``control_dt``),
``layout_seed`` and ``room`` (the room under the base).

The reward is always 0 and episodes never terminate here: tasks and success tests live in the pipeline.
``reset(seed=k)`` builds apartment k with its own start pose; ``options={"layout_seed": j}`` (or
``ApartmentConfig.layout_seed``) pins apartment j and draws the start from ``seed``. Same seed => same
apartment, same start, same observations, bit for bit. The live world is `ApartmentEnv.world`.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from robostack.core.errors import ContractError
from robostack.core.geometry import wrap_angle
from robostack.core.registry import register
from robostack.sim.apartment import robot as rb
from robostack.sim.apartment.config import ApartmentConfig
from robostack.sim.apartment.layout import ApartmentLayout, generate_layout, sample_start
from robostack.sim.apartment.world import ApartmentWorld

__all__ = ["ApartmentConfig", "ApartmentEnv"]

Obs = dict[str, NDArray[Any]]
SUBSTEP_M = 0.05
"""Longest base sub-step, metres (half the base's 0.2 m half-width: no tunnelling through thin walls)."""
SUBSTEP_RAD = 0.1
"""Largest yaw sub-step, radians."""


def _unicycle(x: float, y: float, yaw: float, v: float, w: float, dt: float) -> tuple[float, float, float]:
    """The exact unicycle pose after ``dt`` at constant ``v``, ``w``."""
    if abs(w) > 1e-9:
        nx = x + v / w * (math.sin(yaw + w * dt) - math.sin(yaw))
        ny = y - v / w * (math.cos(yaw + w * dt) - math.cos(yaw))
    else:
        nx, ny = x + v * dt * math.cos(yaw), y + v * dt * math.sin(yaw)
    return nx, ny, yaw + w * dt


def _slide(
    world: ApartmentWorld, pose: tuple[float, float, float], target: tuple[float, float, float]
) -> tuple[float, float, float] | None:
    """The first free pose among the blocked move's axis-aligned parts (larger part first; with the new
    heading, then the old one), then the turn alone; None when none is free."""
    x, y, yaw = pose
    nx, ny, nyaw = target
    parts = [(nx, y), (x, ny)] if abs(nx - x) >= abs(ny - y) else [(x, ny), (nx, y)]
    candidates = [(px, py, h) for h in (nyaw, yaw) for px, py in parts] + [(x, y, nyaw)]
    for cx, cy, cyaw in candidates:
        if (cx, cy, cyaw) != (x, y, yaw) and not world.pose_collides(cx, cy, cyaw):
            return cx, cy, cyaw
    return None


@register("world", "apartment")
class ApartmentEnv(gym.Env[Obs, NDArray[np.float32]]):
    """A mobile manipulator in a procedurally generated apartment (see the module docstring)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, config: ApartmentConfig | None = None, render_mode: str | None = None) -> None:
        self.config = config or ApartmentConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        self.metadata = {"render_modes": ["rgb_array"], "render_fps": round(1.0 / self.config.control_dt)}
        lo, hi = self._joint_limits()
        c = self.config
        self.action_space = self._box = spaces.Box(
            low=np.array([-c.max_linear, -c.max_angular, *lo, 0.0], dtype=np.float32),
            high=np.array([c.max_linear, c.max_angular, *hi, 1.0], dtype=np.float32),
            dtype=np.float32,
        )
        n, m = c.image_size, c.wrist_image_size
        joint_lo = np.array([*lo, 0.0, 0.0], dtype=np.float32)
        joint_hi = np.array([*hi, rb.FINGER_MAX, rb.FINGER_MAX], dtype=np.float32)
        self.observation_space = spaces.Dict(  # type: ignore[assignment]
            {
                "rgb": spaces.Box(0, 255, (n, n, 3), np.uint8),
                "depth": spaces.Box(0.0, c.far, (n, n, 1), np.float32),
                "wrist_rgb": spaces.Box(0, 255, (m, m, 3), np.uint8),
                "odometry": spaces.Box(-np.inf, np.inf, (5,), np.float32),
                "joints": spaces.Box(joint_lo, joint_hi, (9,), np.float32),
            }
        )
        self._world: ApartmentWorld | None = None
        self._layout: ApartmentLayout | None = None
        self._velocity = np.zeros(2)
        self._gripper_cmd = 0.0
        self._steps = 0
        self._wrist = np.zeros((m, m, 3), dtype=np.uint8)
        self._rgb = np.zeros((n, n, 3), dtype=np.uint8)
        self._depth = np.full((n, n), c.far, dtype=np.float32)

    @staticmethod
    def _joint_limits() -> tuple[list[float], list[float]]:
        """Panda joint limits from its URDF (no pybullet client needed)."""
        import xml.etree.ElementTree as ET

        root = ET.parse(rb._panda_path()).getroot()
        limits = {}
        for joint in root.findall("joint"):
            limit = joint.find("limit")
            if limit is not None:
                limits[joint.get("name")] = (float(limit.get("lower", 0)), float(limit.get("upper", 0)))
        return [limits[n][0] for n in rb.ARM_JOINTS], [limits[n][1] for n in rb.ARM_JOINTS]

    @property
    def world(self) -> ApartmentWorld:
        """The live `ApartmentWorld` (created by the first `reset`)."""
        if self._world is None:
            raise RuntimeError("call reset() before using the world")
        return self._world

    # --- gymnasium API --------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        """The seed picks the apartment and the start; ``options={"layout_seed": k}`` pins the apartment
        (the start then comes from ``seed``)."""
        super().reset(seed=seed)
        options = options or {}
        layout_seed = options.get("layout_seed", self.config.layout_seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(2**31 - 1))
        if layout_seed is None:
            layout_seed = episode_seed
        layout_seed = int(layout_seed)
        if self._layout is None or self._layout.seed != layout_seed:
            self._layout = generate_layout(layout_seed)
            self._close_world()
        if self._world is not None and self._world.physics_dirty:
            self._close_world()  # physics leaves contact caches behind; rebuild for bit-exact replays
        if self._world is None:
            self._world = ApartmentWorld(self._layout, self.config)
        if episode_seed == layout_seed:
            start = self._layout.robot_start
        else:
            start = sample_start(self._layout, np.random.default_rng(episode_seed))
        self._world.reset_episode(start)
        self._velocity = np.zeros(2)
        self._gripper_cmd = 0.0
        self._steps = 0
        self._render_cameras(force_wrist=True)
        return self._observation(), self._info(collision=False)

    def step(self, action: NDArray[np.float32]) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        world = self.world
        a = np.clip(np.asarray(action, dtype=np.float64).reshape(10), self._box.low, self._box.high)
        if not np.all(np.isfinite(a)):
            raise ContractError("action holds NaN or infinite values")
        collision = self._drive(world, float(a[0]), float(a[1]))
        dq = np.clip(a[2:9] - world.arm_joint_positions(), -self._max_dq, self._max_dq)
        world.set_arm_joints(world.arm_joint_positions() + dq)
        self._gripper(world, float(a[9]))
        self._steps += 1
        self._render_cameras()
        return self._observation(), 0.0, False, False, self._info(collision=collision)

    def render(self) -> NDArray[np.uint8]:
        """The head camera's latest RGB frame (the only render mode is ``"rgb_array"``)."""
        return self._rgb.copy()

    def close(self) -> None:
        self._close_world()
        super().close()

    # --- pieces ---------------------------------------------------------------------------------

    @property
    def _max_dq(self) -> float:
        return self.config.arm_joint_speed * self.config.control_dt

    def _drive(self, world: ApartmentWorld, v: float, w: float) -> bool:
        """Integrate the unicycle model over one step in sub-steps; a blocked sub-step slides along the
        obstacle or stops the base there (see the module docstring). Returns True if any was blocked."""
        dt = self.config.control_dt
        if v == 0.0 and w == 0.0:
            self._velocity = np.zeros(2)
            return False
        start = world.base_pose()
        n = max(1, math.ceil(abs(v) * dt / SUBSTEP_M), math.ceil(abs(w) * dt / SUBSTEP_RAD))
        blocked = False
        for _ in range(n):
            x, y, yaw = world.base_pose()
            nx, ny, nyaw = _unicycle(x, y, yaw, v, w, dt / n)
            if not world.pose_collides(nx, ny, nyaw):
                world.set_base_pose(nx, ny, nyaw)
                continue
            blocked = True
            slide = _slide(world, (x, y, yaw), (nx, ny, nyaw))
            if slide is None:
                break
            world.set_base_pose(*slide)
        end = world.base_pose()
        if not blocked:
            self._velocity = np.array([v, w])
        else:  # what the base achieved: its forward displacement and turn over the step
            d = end[:2] - start[:2]
            ahead = float(d[0] * math.cos(start[2]) + d[1] * math.sin(start[2]))
            self._velocity = np.array([ahead / dt, wrap_angle(float(end[2] - start[2])) / dt])
        return blocked

    def _gripper(self, world: ApartmentWorld, command: float) -> None:
        if command > 0.5 >= self._gripper_cmd:
            world.close_gripper()
        elif command <= 0.5 < self._gripper_cmd:
            world.open_gripper()
        self._gripper_cmd = command

    def _render_cameras(self, force_wrist: bool = False) -> None:
        c = self.config
        if not c.render_cameras:
            return
        world = self.world
        self._rgb, self._depth = world.render_head()
        if c.render_wrist and (force_wrist or self._steps % c.wrist_every == 0):
            self._wrist = world.render_wrist()

    def _observation(self) -> Obs:
        world = self.world
        pose = world.base_pose()
        return {
            "rgb": self._rgb.copy(),
            "depth": self._depth[:, :, None].copy(),
            "wrist_rgb": self._wrist.copy(),
            "odometry": np.array([*pose, *self._velocity], dtype=np.float32),
            "joints": np.concatenate([world.arm_joint_positions(), world.finger_positions()]).astype(
                np.float32
            ),
        }

    def _info(self, collision: bool) -> dict[str, Any]:
        world = self.world
        return {
            "collision": collision,
            "holding": world.holding,
            "sim_time": self._steps * self.config.control_dt,
            "layout_seed": self._layout.seed if self._layout is not None else None,
            "room": world.room_at(world.base_pose()[:2]),
        }

    def _close_world(self) -> None:
        if self._world is not None:
            self._world.close()
            self._world = None
