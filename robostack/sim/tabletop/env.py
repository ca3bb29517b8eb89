"""`robostack/Tabletop-v0`: pick an object and place it in the receptacle, one grasp and one placement.

- reset(seed=): builds scene ``seed`` (`TabletopWorld.build`), picks the target with the same seed
  and returns the fused cloud. ``options={"split": "train"|"test", "num_objects": n}`` override the
  model split (default test: unseen models) and the object count.
- observation: ``points`` (N, 3) world frame, ``rgb`` (N, 3), ``segment`` (N,) object index (-1 =
  table/robot/background; the receptacle is the last index), ``target`` and ``receptacle`` indices,
  ``phase`` (0 = grasp, 1 = place), ``held_points`` (1024, 3) in the end-effector frame (zeros
  before the grasp) and ``ee_pose`` (4, 4).
- action: a gripper pose in the grasp convention of `robostack.sim.tabletop.gripper`, as
  12 numbers: position (3), the first two rotation columns (6D rotation: baseline, then the
  approach is made orthogonal to it), width (1, ignored while placing) and 2 unused. Phase 0 executes
  it as a grasp (IK approach along the approach axis, close, lift, shake), phase 1 as a placement
  (carry, lower from 10 cm above, release, retreat).
- reward 1 for a successful grasp and 1 for a successful placement; the episode terminates after the
  placement or on any failure (``info["reason"]``).

Same seed => same episode, bit for bit.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray

from robostack.core.registry import register
from robostack.sim.tabletop.arm import PandaArm
from robostack.sim.tabletop.evaluate import HELD_POINTS, held_points_in_ee, rests_in_receptacle
from robostack.sim.tabletop.gripper import MAX_WIDTH
from robostack.sim.tabletop.world import TabletopConfig, TabletopWorld

Obs = dict[str, Any]
ACTION_DIM = 12


def pose_from_action(action: NDArray[np.floating]) -> tuple[NDArray[np.float64], float]:
    """(4, 4) gripper pose and width of an action vector (see the module docstring)."""
    a = np.asarray(action, np.float64)
    b = a[3:6] / max(float(np.linalg.norm(a[3:6])), 1e-9)
    z = a[6:9] - float(a[6:9] @ b) * b
    nz = float(np.linalg.norm(z))
    if nz < 1e-6:  # degenerate: any direction orthogonal to the baseline
        z = np.cross(b, [0.0, 0.0, 1.0]) if abs(b[2]) < 0.9 else np.cross(b, [1.0, 0.0, 0.0])
        nz = float(np.linalg.norm(z))
    z /= nz
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = b, np.cross(z, b), z, a[:3]
    return pose, float(np.clip(a[9], 0.0, MAX_WIDTH))


def action_from_pose(pose: NDArray[np.floating], width: float = MAX_WIDTH) -> NDArray[np.float32]:
    out = np.zeros(ACTION_DIM, np.float32)
    out[:3], out[3:6], out[6:9], out[9] = pose[:3, 3], pose[:3, 0], pose[:3, 2], width
    return out


@register("world", "tabletop")
class TabletopEnv(gym.Env[Obs, NDArray[np.float32]]):
    """Grasp-then-place episodes in the tabletop world (see the module docstring)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(self, config: TabletopConfig | None = None, render_mode: str | None = None) -> None:
        self.config = c = config or TabletopConfig()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}"
            )
        self.render_mode = render_mode
        n, k = c.num_points, c.max_objects + 1
        low = np.array([-1.0] * 3 + [-1.0] * 6 + [0.0] * 3, np.float32)
        high = np.array([1.0] * 3 + [1.0] * 6 + [MAX_WIDTH, 1.0, 1.0], np.float32)
        self.action_space = spaces.Box(low, high, (ACTION_DIM,), np.float32)
        self.observation_space: spaces.Space[Obs] = spaces.Dict(  # type: ignore[assignment]
            {
                "points": spaces.Box(-2.0, 2.0, (n, 3), np.float32),
                "rgb": spaces.Box(0.0, 1.0, (n, 3), np.float32),
                "segment": spaces.Box(-1, k - 1, (n,), np.int32),
                "target": spaces.Discrete(k),
                "receptacle": spaces.Discrete(k),
                "phase": spaces.Discrete(2),
                "held_points": spaces.Box(-1.0, 1.0, (HELD_POINTS, 3), np.float32),
                "ee_pose": spaces.Box(-2.0, 2.0, (4, 4), np.float32),
            }
        )
        self.world = TabletopWorld(c)
        self.arm: PandaArm | None = None
        self._obs: Obs = {}
        self._target = 0
        self._phase = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Obs, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        scene_seed = int(self.np_random.integers(2**31 - 1)) if seed is None else int(seed)
        split = options.get("split", "test")
        scene = self.world.build(scene_seed, split, options.get("num_objects"))
        obs = self.world.observe(np.random.default_rng([scene_seed, 31]))
        self.arm = PandaArm(self.world)
        self.arm.go_home()
        visible = [k for k in range(len(scene.objects)) if np.any(obs.segment == k)] or [0]
        rng = np.random.default_rng([scene_seed, 4242])
        self._target = int(visible[int(rng.integers(len(visible)))])
        self._phase = 0
        self._cloud = obs
        self._obs = {
            "points": obs.points,
            "rgb": obs.rgb,
            "segment": obs.segment,
            "target": self._target,
            "receptacle": len(scene.names) - 1,
            "phase": 0,
            "held_points": np.zeros((HELD_POINTS, 3), np.float32),
            "ee_pose": self.arm.ee_pose().astype(np.float32),
        }
        return self._fresh(), {"seed": scene_seed, "objects": scene.names}

    def _fresh(self) -> Obs:
        """A copy: callers keep observations, so none may share memory with the next one."""
        return {k: np.array(v, copy=True) if isinstance(v, np.ndarray) else v for k, v in self._obs.items()}

    def step(self, action: NDArray[np.float32]) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        if self.arm is None or self.world.scene is None:
            raise RuntimeError("call reset() before step()")
        pose, _width = pose_from_action(action)
        scene = self.world.scene
        if not scene.objects:
            return self._fresh(), 0.0, True, False, {"reason": "no_object"}
        body = scene.objects[min(self._target, len(scene.objects) - 1)].body
        if self._phase == 0:
            plan = self.arm.plan_grasp(pose)
            if not plan.path:
                return self._fresh(), 0.0, True, False, {"reason": f"grasp_{plan.reason}"}
            before = self.world.object_pose(body)
            if not self.arm.execute_grasp(plan, body):
                return self._fresh(), 0.0, True, False, {"reason": "grasp_failed"}
            ee = self.arm.ee_pose()
            rng = np.random.default_rng([scene.seed, 4243])
            cloud = self._cloud
            held = held_points_in_ee(
                cloud.points, cloud.segment, self._target, before, self.world.object_pose(body), ee, rng
            )
            self._phase = 1
            self._obs = dict(
                self._obs, phase=1, held_points=np.clip(held, -1, 1), ee_pose=ee.astype(np.float32)
            )
            return self._fresh(), 1.0, False, False, {"reason": "grasped"}
        plan = self.arm.plan_approach(pose, None, 0.10, ignore=(body,), along=np.array([0.0, 0.0, -1.0]))
        if not plan.path:
            return self._fresh(), 0.0, True, False, {"reason": f"place_{plan.reason}"}
        self.arm.execute_place(plan, body)
        ok = rests_in_receptacle(self.world, self.arm, body)
        self._obs = dict(self._obs, ee_pose=self.arm.ee_pose().astype(np.float32))
        return self._fresh(), float(ok), True, False, {"reason": "placed" if ok else "place_failed"}

    def render(self) -> NDArray[np.uint8] | None:
        if self.render_mode != "rgb_array" or self.world.scene is None:
            return None
        import pybullet as p

        cam = self.world.scene.cameras[0]
        view = p.computeViewMatrix(cam.eye, cam.target, (0, 0, 1), physicsClientId=self.world.client)
        proj = p.computeProjectionMatrixFOV(cam.fov, 1.0, 0.05, 3.0, physicsClientId=self.world.client)
        _, _, rgba, _, _ = p.getCameraImage(
            cam.size, cam.size, view, proj, renderer=p.ER_TINY_RENDERER, physicsClientId=self.world.client
        )
        return np.asarray(rgba, np.uint8).reshape(cam.size, cam.size, 4)[..., :3].copy()

    def close(self) -> None:
        self.world.close()
