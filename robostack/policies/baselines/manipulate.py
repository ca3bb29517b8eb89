"""Classical pick and place: top-down grasps from the object's privileged pose, through IK.

The yardstick for the learned manipulation policies. Both skills expect the base to stand next to
the target already (the plan's ``go_to`` step does that) and fail with ``unreachable`` otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from robostack.core.registry import register
from robostack.core.types import Action, SkillResult, Subtask
from robostack.policies.baselines.targets import resolve_target


@dataclass(frozen=True)
class ManipulateConfig:
    approach_height: float = 0.08
    """Pre-grasp / pre-place height above the contact point, m."""
    ik_tolerance: float = 0.02
    """Largest accepted IK position error, m."""
    joint_tolerance: float = 0.01
    segment_budget: int = 60
    """Control steps allowed for each arm motion."""
    lift_check: float = 0.04
    """A pick succeeds when the object rose at least this much, m."""
    edge_margin: float = 0.12
    """Keep placements this far inside the receptacle's top, m."""


def top_down_quaternion(yaw: float) -> np.ndarray:
    """Gripper pointing straight down, turned ``yaw`` about the world z axis (xyzw); the fingers
    then close along the horizontal direction ``yaw + pi/2``.

    That is Rz(yaw)·Rx(pi): roll by pi flips the approach axis to -z.
    """
    return np.array([math.cos(yaw / 2), math.sin(yaw / 2), 0.0, 0.0])


def pick_target(subtask: Subtask, world: Any) -> tuple[str, SkillResult | None]:
    """The name of the object to pick, or the result that settles the pick before the arm moves."""
    target = resolve_target(subtask.target, world, world.base_pose()[:2])
    if target is None or target.kind != "object":
        return "", SkillResult(subtask, False, "not_found", detail=f"no object {subtask.target!r} here")
    if world.holding == target.name:
        return target.name, SkillResult(subtask, True, detail=f"already holding {target.name}")
    if world.holding is not None:
        return target.name, SkillResult(
            subtask, False, "grasp_failed", detail=f"the hand holds {world.holding}"
        )
    return target.name, None


def place_target(subtask: Subtask, world: Any) -> tuple[Any, SkillResult | None]:
    """The receptacle (`Furniture`) to place the held object on, or the result that settles the
    place before the arm moves."""
    if world.holding is None:
        return None, SkillResult(subtask, False, "not_holding", detail="nothing in the gripper to place")
    target = resolve_target(subtask.receptacle, world, world.base_pose()[:2])
    if target is None or target.kind != "furniture":
        return None, SkillResult(
            subtask, False, "not_found", detail=f"no receptacle {subtask.receptacle!r} here"
        )
    return world.furniture(target.name), None


class ArmSkill:
    def __init__(self, config: ManipulateConfig | None = None) -> None:
        self.config = config or ManipulateConfig()

    def run(self, subtask: Subtask, robot: Any) -> SkillResult:
        world = getattr(robot, "world", None)
        if world is None:
            return SkillResult(subtask, False, "unsupported", detail="needs a simulated robot's object poses")
        return self.act(subtask, robot, world)

    def act(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        """The skill proper, with privileged access to the world."""
        raise NotImplementedError

    def _solve(self, world: Any, pos: np.ndarray, quat: np.ndarray) -> np.ndarray | None:
        q = world.inverse_kinematics(pos, quat)
        reached, _ = world.forward_kinematics(q)
        return q if np.linalg.norm(np.asarray(reached) - pos) <= self.config.ik_tolerance else None

    def _move(self, robot: Any, world: Any, q: np.ndarray) -> int:
        """Drive the arm to joint target ``q``; return the steps used."""
        for step in range(self.config.segment_budget):
            if np.max(np.abs(world.arm_joint_positions() - q)) < self.config.joint_tolerance:
                return step
            robot.send(Action(arm_joints=tuple(float(v) for v in q)))
        return self.config.segment_budget

    def _gripper(self, robot: Any, closed: bool, steps: int = 3) -> int:
        for _ in range(steps):
            robot.send(Action(gripper=1.0 if closed else 0.0))
        return steps

    def _waypoints(self, world: Any, points: list[np.ndarray], quat: np.ndarray) -> list[np.ndarray] | None:
        """Joint targets for each point, or None when any one is out of reach."""
        solutions = []
        for point in points:
            q = self._solve(world, point, quat)
            if q is None:
                return None
            solutions.append(q)
        return solutions


@register("skill", "pick/classical")
class ClassicalPick(ArmSkill):
    def act(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        name, settled = pick_target(subtask, world)
        if settled is not None:
            return settled
        start = world.object_position(name)
        quat = top_down_quaternion(self._grasp_yaw(world, name))
        above = start + np.array([0.0, 0.0, self.config.approach_height])
        steps = self._move(robot, world, world.ARM_READY)  # IK converges from here, not from tucked
        plan = self._waypoints(world, [above, start], quat)
        if plan is None:
            return SkillResult(subtask, False, "unreachable", steps, detail="object out of the arm's reach")
        steps += self._gripper(robot, closed=False)
        steps += sum(self._move(robot, world, q) for q in plan)
        steps += self._gripper(robot, closed=True)
        steps += self._move(robot, world, plan[0])
        lifted = world.object_position(name)[2] - start[2]
        success = bool(world.holding == name and lifted >= self.config.lift_check)
        steps += self._move(robot, world, world.ARM_HOME)  # carry it tucked in
        return SkillResult(
            subtask,
            success,
            "" if success else "grasp_failed",
            steps=steps,
            metrics={"success": float(success)},
            detail=f"picked {name}" if success else "the fingers closed on nothing",
        )

    def _grasp_yaw(self, world: Any, name: str) -> float:
        """Close the fingers across the object's narrower side, choosing of the two equivalent hand
        yaws the one nearer the base's heading (less wrist twist)."""
        spec = world.object_spec(name)
        closing = spec.yaw if spec.size[0] <= spec.size[1] else spec.yaw + math.pi / 2
        if spec.shape != "box":
            closing = float(world.base_pose()[2]) + math.pi / 2
        yaw = closing - math.pi / 2
        base_yaw = float(world.base_pose()[2])
        return min((yaw, yaw + math.pi), key=lambda y: abs(math.remainder(y - base_yaw, 2 * math.pi)))


@register("skill", "place/classical")
class ClassicalPlace(ArmSkill):
    def act(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        furniture, settled = place_target(subtask, world)
        if settled is not None:
            return settled
        held = world.holding
        spot = self._spot(world, furniture)
        height = world.object_spec(held).size[2]
        release = np.array([spot[0], spot[1], furniture.top_z + 0.5 * height + 0.02])
        above = release + np.array([0.0, 0.0, self.config.approach_height])
        quat = top_down_quaternion(float(world.base_pose()[2]))
        steps = self._move(robot, world, world.ARM_READY)  # IK converges from here, not from tucked
        plan = self._waypoints(world, [above, release], quat)
        if plan is None:
            return SkillResult(
                subtask, False, "unreachable", steps, detail="receptacle out of the arm's reach"
            )
        steps += sum(self._move(robot, world, q) for q in plan)
        steps += self._gripper(robot, closed=False)
        steps += self._move(robot, world, plan[0])
        steps += self._move(robot, world, world.ARM_HOME)
        success = bool(rests_on(world, held, furniture))
        return SkillResult(
            subtask,
            success,
            "" if success else "place_failed",
            steps=steps,
            metrics={"success": float(success)},
            detail=f"{held} on {furniture.name}"
            if success
            else f"{held} did not come to rest on {furniture.name}",
        )

    def _spot(self, world: Any, furniture: Any) -> np.ndarray:
        """The point of the receptacle's top nearest the robot, kept inside its edges."""
        return nearest_footprint_point(world, furniture, self.config.edge_margin)


def nearest_footprint_point(world: Any, furniture: Any, margin: float = 0.0) -> np.ndarray:
    """The point of the furniture's footprint, shrunk by ``margin`` on every side, nearest the
    robot's base (world xy)."""
    half = np.maximum(np.array(furniture.size[:2], dtype=np.float64) / 2 - margin, 0.0)
    centre = np.array(furniture.center, dtype=np.float64)
    return centre + np.clip(world.base_pose()[:2] - centre, -half, half)


def rests_on(world: Any, name: str, furniture: Any) -> bool:
    """The object is out of the hand, over the furniture's footprint and off the floor (on the top,
    or in a basin below the rim)."""
    pos = world.object_position(name)
    half = np.array(furniture.size[:2]) / 2
    inside = bool(np.all(np.abs(pos[:2] - np.array(furniture.center)) <= half))
    return world.holding is None and inside and pos[2] >= 0.5 * furniture.top_z
