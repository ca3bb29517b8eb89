"""``pick/learned`` and ``place/learned``: M2T2 in the apartment, through the classical skills' arm code.

Two depth cameras look at the work spot from the robot's side, as the tabletop world's cameras look
at its table, and their points are fused in a frame whose origin lies on the supporting surface
(z = 0 there, as in training; x toward the robot). The robot's own points are dropped, as a real
robot filters its body from its cloud.

- pick: M2T2's grasps on the target's points, best first; the first few the arm can reach are tried,
  each as an approach along the gripper's axis, a close and a lift.
- place: the held object is observed in the hand, held up clear of the furniture; M2T2's place
  queries (8 yaw bins) rank poses over the receptacle's points within the arm's reach; the best
  reachable one is lowered onto from above and released.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from robostack.core.registry import register
from robostack.core.types import SkillResult, Subtask
from robostack.policies.baselines.manipulate import (
    ArmSkill,
    ManipulateConfig,
    nearest_footprint_point,
    pick_target,
    place_target,
    rests_on,
)

DEFAULT_CHECKPOINT = Path("policies/m2t2")
CAMERAS = 2
IMAGE_SIZE = 192
APPROACH = 0.08
"""Pre-grasp distance back along the gripper's approach axis, m."""
LOWER = 0.10
"""Placements are approached from this far above, m."""
SHOW_HEIGHT = 1.1
"""The held object is looked at with its grasp point this high, m: 0.3 m above the tallest
furniture top (0.8 m), more than the longest object hangs below the fingertips."""
HELD_BELOW = 0.32
"""The held object's cameras look at a point this far below the hand, m: the cloud keeps what lies
above it, and the longest object (a 20 cm bottle held at its top) ends 0.3 m below the hand."""
PLACE_REACH = 0.6
"""Receptacle points farther than this from the arm's base (horizontally, m) are not offered as
placements: the arm reaches about 0.65 m at a counter's height, straight down."""
PLACE_EDGE = 0.08
"""Receptacle points nearer its footprint's edge than this (m) are not offered either: a sink's
5 cm rim, and an object set down with its centre there, would overhang it."""
RECEPTACLE = -2
"""Segment id given to the receptacle's points (pybullet body ids are >= 0, nothing is -1)."""


def surface_frame(world: Any, point: NDArray[np.float64]) -> NDArray[np.float64]:
    """4×4 world ← local: origin at ``point`` on a surface, z up, x toward the robot."""
    base = world.base_pose()[:2]
    x = np.array([base[0] - point[0], base[1] - point[1], 0.0])
    x /= max(float(np.linalg.norm(x)), 1e-9)
    z = np.array([0.0, 0.0, 1.0])
    frame = np.eye(4)
    frame[:3, :3] = np.column_stack([x, np.cross(z, x), z])
    frame[:3, 3] = point
    return frame


def observe(world: Any, frame: NDArray[np.float64], seed: int = 0) -> Any:
    """The fused cloud (tabletop `Cloud`, segment = pybullet body ids) in ``frame``'s coordinates,
    from cameras placed around its origin as the tabletop world places them around its table."""
    from robostack.sim.tabletop.cameras import Camera, fuse, random_cameras

    def to_world(point: tuple[float, ...]) -> tuple[float, float, float]:
        x, y, z = frame[:3, :3] @ np.asarray(point) + frame[:3, 3]
        return float(x), float(y), float(z)

    local = random_cameras(np.random.default_rng(seed), CAMERAS, IMAGE_SIZE, np.zeros(3))
    cameras = [Camera(to_world(c.eye), to_world(c.target), c.fov, c.size) for c in local]
    inverse = np.linalg.inv(frame)
    views = []
    for pts, rgb, body in world.depth_views(cameras):
        mine = body != world.robot_id
        local_pts = pts[mine] @ inverse[:3, :3].T + inverse[:3, 3]
        views.append((local_pts.astype(np.float32), rgb[mine], body[mine]))
    return fuse(views)


def hand_target(
    pose: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The apartment hand's grasp point, approach axis and quaternion (xyzw) for an M2T2 hand pose.

    M2T2's pose is [baseline b, a×b, approach a] at the hand base, `GRIPPER_DEPTH` behind the
    fingertips; the apartment's grasp link sits between the fingertips with y along the closing
    axis and z along the approach, so its rotation is [b×a, b, a].
    """
    from scipy.spatial.transform import Rotation

    from robostack.sim.tabletop.gripper import GRIPPER_DEPTH

    b, a = pose[:3, 0], pose[:3, 2]
    centre = pose[:3, 3] + GRIPPER_DEPTH * a
    rotation = np.column_stack([np.cross(b, a), b, a])
    return centre, a, Rotation.from_matrix(rotation).as_quat()


def m2t2_hand_pose(position: NDArray[np.float64], quat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Inverse of `hand_target`: the M2T2 hand pose of the apartment's grasp link pose."""
    from scipy.spatial.transform import Rotation

    from robostack.sim.tabletop.gripper import GRIPPER_DEPTH

    rotation = Rotation.from_quat(quat).as_matrix()
    b, a = rotation[:, 1], rotation[:, 2]
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([b, np.cross(a, b), a])
    pose[:3, 3] = position - GRIPPER_DEPTH * a
    return pose


class _M2T2Skill(ArmSkill):
    def __init__(
        self, checkpoint: str | Path = DEFAULT_CHECKPOINT, config: ManipulateConfig | None = None
    ) -> None:
        super().__init__(config)
        self.checkpoint = Path(checkpoint)
        self._policy: Any = None

    @property
    def policy(self) -> Any:
        if self._policy is None:
            from robostack.policies.m2t2.policy import M2T2Policy

            self._policy = M2T2Policy.from_pretrained(self.checkpoint)
        return self._policy

    def _here_or_nearer(
        self, attempt: Callable[[], SkillResult], robot: Any, world: Any, target_xy: NDArray[np.float64]
    ) -> SkillResult:
        """``attempt`` from where the robot stands and, when nothing was in reach (a learned
        navigator counts 1 m as arrived), once more after stepping up to ``target_xy``."""
        result = attempt()
        if result.reason != "unreachable":
            return result
        steps = result.steps + self._close_in(robot, world, target_xy)
        again = attempt()
        return replace(again, steps=steps + again.steps)

    def _close_in(self, robot: Any, world: Any, target_xy: NDArray[np.float64]) -> int:
        """Face the target and creep toward it while the base stays clear (the classical skill's
        final approach); returns the steps used."""
        from robostack.policies.baselines.navigate import ClassicalNavigate

        nav = ClassicalNavigate()
        x, y, _ = world.base_pose()
        yaw = math.atan2(target_xy[1] - y, target_xy[0] - x)
        steps = nav.face(robot, world, yaw, nav.config.step_budget)
        return steps + nav.close_in(robot, world, np.asarray(target_xy, dtype=np.float64))


@register("skill", "pick/learned")
class M2T2Pick(_M2T2Skill):
    attempts = 3
    """Reachable grasps tried before giving up."""

    def act(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        name, settled = pick_target(subtask, world)
        if settled is not None:
            return settled
        attempt = partial(self._pick_from_here, subtask, robot, world, name)
        return self._here_or_nearer(attempt, robot, world, world.object_position(name)[:2])

    def _pick_from_here(self, subtask: Subtask, robot: Any, world: Any, name: str) -> SkillResult:
        """Observe the target, then try the best `attempts` reachable M2T2 grasps."""
        steps = self._move(robot, world, world.ARM_HOME)  # out of the cameras' way
        height = world.object_spec(name).size[2]
        footprint = world.object_position(name) - np.array([0.0, 0.0, height / 2])
        frame = surface_frame(world, footprint)
        cloud = observe(world, frame)
        body = world.object_ids[name]
        if not np.any(cloud.segment == body):
            return SkillResult(subtask, False, "not_found", steps, detail=f"{name} is not in view")
        grasps = self.policy.grasps(cloud.points, cloud.rgb, cloud.segment, body)
        tried = 0
        for pose, _width, _score in grasps:
            if tried == self.attempts:
                break
            centre, approach, quat = hand_target(frame @ pose)
            plan = self._waypoints(world, [centre - APPROACH * approach, centre], quat)
            if plan is None:
                continue
            tried += 1
            steps += self._grasp(robot, world, plan, centre, quat)
            if world.holding == name:
                steps += self._move(robot, world, world.ARM_HOME)
                return SkillResult(
                    subtask,
                    True,
                    steps=steps,
                    metrics={"success": 1.0, "attempts": float(tried)},
                    detail=f"picked {name} with M2T2 grasp {tried}",
                )
        steps += self._move(robot, world, world.ARM_HOME)
        if tried:
            detail = f"{tried} M2T2 grasps closed on nothing"
        else:
            detail = f"none of {len(grasps)} M2T2 grasps in reach"
        return SkillResult(
            subtask, False, "grasp_failed" if tried else "unreachable", steps, {"success": 0.0}, detail
        )

    def _grasp(
        self, robot: Any, world: Any, plan: list[NDArray[np.float64]], centre: NDArray[np.float64], quat: Any
    ) -> int:
        """Approach, close, lift; the hand opens again when it closed on nothing."""
        steps = self._move(robot, world, world.ARM_READY)  # IK converges from here, not from tucked
        steps += self._gripper(robot, closed=False)
        steps += sum(self._move(robot, world, q) for q in plan)
        steps += self._gripper(robot, closed=True)
        lift = self._waypoints(world, [centre + np.array([0.0, 0.0, self.config.approach_height])], quat)
        steps += self._move(robot, world, (lift or plan[:1])[0])
        if world.holding is None:
            steps += self._gripper(robot, closed=False)
        return steps


@register("skill", "place/learned")
class M2T2Place(_M2T2Skill):
    def act(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        furniture, settled = place_target(subtask, world)
        if settled is not None:
            return settled
        attempt = partial(self._place_from_here, subtask, robot, world, furniture)
        return self._here_or_nearer(attempt, robot, world, nearest_footprint_point(world, furniture))

    def _place_from_here(self, subtask: Subtask, robot: Any, world: Any, furniture: Any) -> SkillResult:
        """Look at the held object and the receptacle, then put it at the best reachable placement."""
        held = world.holding
        steps = self._show_held(robot, world)
        position, quat = world.end_effector_pose()
        hand = m2t2_hand_pose(position, quat)
        held_points = self._held_points(world, held, hand)
        if len(held_points) == 0:
            return SkillResult(
                subtask, False, "place_failed", steps, detail=f"{held} is not visible in the hand"
            )
        steps += self._move(robot, world, world.ARM_HOME)  # the arm out of the receptacle's view
        frame = surface_frame(world, np.array([*furniture.center, support_height(furniture)]))
        cloud = observe(world, frame)
        segment = mark_receptacle(cloud, frame, furniture, set(world.object_ids.values()), arm_mount(world))
        places = self.policy.placements(
            cloud.points, cloud.rgb, segment, held_points, np.linalg.inv(frame) @ hand, RECEPTACLE
        )
        for pose, _score in places:
            release, _approach, quat = hand_target(frame @ pose)
            plan = self._waypoints(world, [release + np.array([0.0, 0.0, LOWER]), release], quat)
            if plan is None:
                continue
            steps += sum(self._move(robot, world, q) for q in plan)
            steps += self._gripper(robot, closed=False)
            steps += self._move(robot, world, plan[0])
            steps += self._move(robot, world, world.ARM_HOME)
            success = rests_on(world, held, furniture)
            return SkillResult(
                subtask,
                success,
                "" if success else "place_failed",
                steps,
                {"success": float(success)},
                f"{held} on {furniture.name}"
                if success
                else f"{held} did not come to rest on {furniture.name}",
            )
        steps += self._move(robot, world, world.ARM_HOME)
        return SkillResult(
            subtask,
            False,
            "unreachable",
            steps,
            {"success": 0.0},
            f"none of {len(places)} placements in reach",
        )

    def _show_held(self, robot: Any, world: Any) -> int:
        """Hold the object up in front of the robot, its grasp point at `SHOW_HEIGHT`, so that no
        furniture hides it from the cameras (as a counter would at `ARM_READY`); stays at
        `ARM_READY` when the arm cannot reach that high."""
        steps = self._move(robot, world, world.ARM_READY)
        position, quat = world.end_effector_pose()
        rise = max(0.0, SHOW_HEIGHT - float(position[2]))
        plan = self._waypoints(world, [position + np.array([0.0, 0.0, rise])], quat) if rise else None
        return steps + (self._move(robot, world, plan[0]) if plan else 0)

    def _held_points(self, world: Any, name: str, hand: NDArray[np.float64]) -> NDArray[np.float32]:
        """The held object's observed points in M2T2's hand frame (cameras around the hand)."""
        frame = surface_frame(world, hand[:3, 3] - [0.0, 0.0, HELD_BELOW])
        cloud = observe(world, frame)
        pts = cloud.points[cloud.segment == world.object_ids[name]].astype(np.float64)
        pts = pts @ frame[:3, :3].T + frame[:3, 3]
        return ((pts - hand[:3, 3]) @ hand[:3, :3]).astype(np.float32)


def support_height(furniture: Any) -> float:
    """Where placed objects come to rest: the top, or a sink's basin floor below its rim."""
    from robostack.sim.apartment.world import BASIN_DEPTH

    return furniture.top_z - (BASIN_DEPTH if furniture.kind == "sink" else 0.0)


def arm_mount(world: Any) -> NDArray[np.float64]:
    """The arm's base (``panda_link0``) in world xy."""
    from robostack.sim.apartment.robot import ARM_MOUNT

    x, y, yaw = world.base_pose()
    return np.array([x + ARM_MOUNT[0] * np.cos(yaw), y + ARM_MOUNT[0] * np.sin(yaw)])


def mark_receptacle(
    cloud: Any, frame: NDArray[np.float64], furniture: Any, objects: set[int], mount: NDArray[np.float64]
) -> NDArray[np.int32]:
    """The cloud's segment with the receptacle's points set to `RECEPTACLE`: those over its
    footprint at least `PLACE_EDGE` inside its edge, not on an object, and within `PLACE_REACH` of
    the arm's ``mount``. Static furniture shares pybullet bodies, so its points are found by
    geometry; M2T2's placements are kept where the arm can put them (on a desk, its best ones may
    all lie on the far side)."""
    world_pts = cloud.points.astype(np.float64) @ frame[:3, :3].T + frame[:3, 3]
    half = np.asarray(furniture.size[:2]) / 2 - PLACE_EDGE
    over = np.all(np.abs(world_pts[:, :2] - np.asarray(furniture.center)) <= half, axis=1)
    near = np.linalg.norm(world_pts[:, :2] - mount, axis=1) <= PLACE_REACH
    is_object = np.isin(cloud.segment, list(objects))
    return np.where(over & near & ~is_object, RECEPTACLE, cloud.segment).astype(np.int32)
