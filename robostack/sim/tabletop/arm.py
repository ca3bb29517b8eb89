"""Grasp and place execution with the fixed Panda: IK, a collision-aware approach and retreat,
and physics for everything that touches an object.

Planning is kinematic: the arm is set to each IK solution along the path (home -> pre-grasp in joint
space, then a straight line along the approach axis) and any penetration of the table, the other
objects or the receptacle rejects the plan, as does an IK solution more than 1 cm / 0.1 rad off.
Execution is physical: the approach replays the planned (collision-free) configurations, then
position-controlled joints and fingers close, lift, carry, lower, release and retreat while the
simulation steps, so a grasp holds or slips by friction alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pybullet as p
from numpy.typing import NDArray

from robostack.sim.tabletop.gripper import MAX_WIDTH, grasp_from_hand, hand_from_grasp
from robostack.sim.tabletop.world import HOME_JOINTS, TabletopWorld, matrix_from_pose, quat_from_matrix

PREGRASP = 0.10  # metres back along the approach axis
LIFT = 0.15
PENETRATION = 0.002  # metres of overlap tolerated by the planner
ARM_FORCES = (87.0, 87.0, 87.0, 87.0, 12.0, 12.0, 12.0)
FINGER_FORCE = 40.0
FINGER_SWAP = np.diag([-1.0, -1.0, 1.0, 1.0])
"""A grasp pose times this: turned 180 degrees about its approach axis, the fingers trade places."""

Array = NDArray[np.float64]


@dataclass
class Plan:
    path: list[Array]  # joint configurations, the last one at the goal pose
    reason: str = ""


class PandaArm:
    """IK planning and execution for the world's Panda (see the module docstring)."""

    def __init__(self, world: TabletopWorld) -> None:
        if world.robot < 0:
            raise ValueError("the world was built without the robot")
        self.world = world
        self.c = world.client
        self.robot = world.robot
        self.joints = world.arm_joints
        self.fingers = world.finger_joints
        self.hand = world.hand_link
        info = [p.getJointInfo(self.robot, j, physicsClientId=self.c) for j in self.joints]
        self.lower = [i[8] for i in info]
        self.upper = [i[9] for i in info]

    # -- state ---------------------------------------------------------------------------------
    def q(self) -> Array:
        return np.array([s[0] for s in p.getJointStates(self.robot, self.joints, physicsClientId=self.c)])

    def set_q(self, q: Array, opening: float | None = None) -> None:
        for j, v in zip(self.joints, q, strict=True):
            p.resetJointState(self.robot, j, float(v), physicsClientId=self.c)
        if opening is not None:
            for j in self.fingers:
                p.resetJointState(self.robot, j, opening / 2, physicsClientId=self.c)

    def hand_pose(self) -> Array:
        s = p.getLinkState(self.robot, self.hand, computeForwardKinematics=True, physicsClientId=self.c)
        return matrix_from_pose(s[4], s[5])

    def ee_pose(self) -> Array:
        """The hand pose in the grasp convention (x = finger motion), as the policies use it."""
        return grasp_from_hand(self.hand_pose())

    def go_home(self) -> None:
        self.set_q(np.array(HOME_JOINTS), 0.08)
        self._hold(np.array(HOME_JOINTS), 0.08)

    # -- planning ------------------------------------------------------------------------------
    def ik(self, grasp: Array, seed_q: Array) -> Array | None:
        """Joint angles that put the hand at ``grasp`` (grasp convention), or None when unreachable."""
        saved = self.q()
        try:
            return self._solve_ik(grasp, seed_q)
        finally:  # IK moves the joints to test its answers; the arm stays where it was
            self.set_q(saved)

    def _solve_ik(self, grasp: Array, seed_q: Array) -> Array | None:
        hand = hand_from_grasp(grasp)
        pos, quat = list(map(float, hand[:3, 3])), quat_from_matrix(hand[:3, :3])
        self.set_q(seed_q)
        ranges = [u - lo for lo, u in zip(self.lower, self.upper, strict=True)]
        q = seed_q
        for _ in range(4):  # pybullet's IK improves when restarted from its last answer
            sol = p.calculateInverseKinematics(
                self.robot,
                self.hand,
                pos,
                quat,
                lowerLimits=self.lower,
                upperLimits=self.upper,
                jointRanges=ranges,
                restPoses=list(HOME_JOINTS),
                maxNumIterations=100,
                residualThreshold=1e-5,
                physicsClientId=self.c,
            )
            q = np.clip(np.array(sol[:7]), self.lower, self.upper)
            self.set_q(q)
            if self._pose_error(hand) < (0.005, 0.05):
                break
        pos_err, rot_err = self._pose_error(hand)
        return q if pos_err < 0.01 and rot_err < 0.1 else None

    def _pose_error(self, target: Array) -> tuple[float, float]:
        now = self.hand_pose()
        pos_err = float(np.linalg.norm(now[:3, 3] - target[:3, 3]))
        cos = (np.trace(now[:3, :3].T @ target[:3, :3]) - 1) / 2
        return pos_err, float(math.acos(float(np.clip(cos, -1.0, 1.0))))

    def fingers_q(self) -> list[float]:
        return [s[0] for s in p.getJointStates(self.robot, self.fingers, physicsClientId=self.c)]

    def set_fingers(self, values: list[float]) -> None:
        for j, v in zip(self.fingers, values, strict=True):
            p.resetJointState(self.robot, j, v, physicsClientId=self.c)

    def collides(self, q: Array, opening: float | None, ignore: tuple[int, ...] = ()) -> bool:
        """Does the arm at ``q`` (fingers at ``opening``, None = as they are) penetrate the table or
        a scene body?"""
        self.set_q(q, opening)
        p.performCollisionDetection(physicsClientId=self.c)
        scene = self.world.scene
        bodies = [b for b in (scene.bodies if scene else []) if b not in ignore]
        for body in [self.world.table, *bodies]:
            for cp in p.getClosestPoints(self.robot, body, 0.0, physicsClientId=self.c):
                if body == self.world.table and cp[3] <= 0:  # the base stands on the table
                    continue
                if cp[8] < -PENETRATION:
                    return True
        return False

    def plan_approach(
        self,
        goal: Array,
        opening: float | None,
        back: float,
        ignore: tuple[int, ...] = (),
        along: Array | None = None,
    ) -> Plan:
        """Current -> ``back`` m behind ``goal`` along ``along`` (default: its approach axis) -> ``goal``.

        ``ignore`` lists bodies that may touch the hand (the held object while placing); with
        ``opening`` None the fingers stay as they are (holding it)."""
        start = self.q()
        saved = start.copy()
        fingers = self.fingers_q()
        try:
            a = goal[:3, 2] if along is None else np.asarray(along, np.float64)
            path: list[Array] = []
            prev = start
            for s in np.linspace(1.0, 0.0, 6):
                pose = goal.copy()
                pose[:3, 3] = goal[:3, 3] - s * back * a
                q = self.ik(pose, prev)
                if q is None:
                    return Plan([], "unreachable")
                if self.collides(q, opening, ignore):
                    return Plan([], "collision")
                path.append(q)
                prev = q
            for t in np.linspace(0.0, 1.0, 8)[1:-1]:  # the joint-space move to the pre-pose
                if self.collides((1 - t) * start + t * path[0], opening, ignore):
                    return Plan([], "collision")
            return Plan(path)
        finally:  # teleporting fingers through a held object would fling it
            self.set_q(saved)
            self.set_fingers(fingers)

    def plan_grasp(self, grasp: Array) -> Plan:
        """An open-handed approach to ``grasp``, or else to its twin with the fingers swapped: the
        Panda's fingers are alike, so both close on the same two contacts, yet the arm may reach
        only one of them (a wrist joint limit, a link in a neighbour's way)."""
        plan = self.plan_approach(grasp, MAX_WIDTH, PREGRASP)
        return plan if plan.path else self.plan_approach(grasp @ FINGER_SWAP, MAX_WIDTH, PREGRASP)

    # -- execution -----------------------------------------------------------------------------
    def _hold(self, q: Array, opening: float) -> None:
        p.setJointMotorControlArray(
            self.robot,
            self.joints,
            p.POSITION_CONTROL,
            list(map(float, q)),
            forces=ARM_FORCES,
            physicsClientId=self.c,
        )
        p.setJointMotorControlArray(
            self.robot,
            self.fingers,
            p.POSITION_CONTROL,
            [opening / 2] * 2,
            forces=[FINGER_FORCE] * 2,
            physicsClientId=self.c,
        )

    def _drive(self, targets: list[Array], opening: float, steps_per: int = 12) -> None:
        """Step the simulation while the joint targets move through ``targets``."""
        q0 = self.q()
        for target in targets:
            for i in range(1, steps_per + 1):
                self._hold(q0 + (target - q0) * i / steps_per, opening)
                p.stepSimulation(physicsClientId=self.c)
            q0 = target
        for _ in range(steps_per):
            p.stepSimulation(physicsClientId=self.c)

    def _step(self, n: int) -> None:
        for _ in range(n):
            p.stepSimulation(physicsClientId=self.c)

    def execute_grasp(self, plan: Plan, target: int) -> bool:
        """Approach (replayed), close, lift 15 cm, shake; True when the object left the table and
        is still held by both fingers."""
        z0 = p.getBasePositionAndOrientation(target, physicsClientId=self.c)[0][2]
        for q in plan.path:
            self.set_q(q, 0.08)
        self._hold(plan.path[-1], 0.08)
        self._hold(plan.path[-1], 0.0)
        self._step(60)
        q_goal = self.q()
        up = self.ee_pose()
        up[:3, 3] += np.array([0.0, 0.0, LIFT])
        lifted = self.ik(up, q_goal)
        if lifted is None:
            return False
        self._drive([q_goal + (lifted - q_goal) * t for t in np.linspace(0.2, 1.0, 5)], 0.0)
        self.shake(lifted)
        z1 = p.getBasePositionAndOrientation(target, physicsClientId=self.c)[0][2]
        return bool(z1 - z0 > 0.5 * LIFT and self.holds(target))

    def shake(self, q: Array, cycles: int = 3) -> None:
        """Wag the wrist (joints 5-7, +-0.25 rad at 2.5 Hz), as the labels' shake test does."""
        steps = 96  # 0.4 s per cycle at 240 Hz
        for i in range(cycles * steps):
            s = 0.25 * math.sin(2 * math.pi * i / steps)
            target = q.copy()
            target[4:7] += np.array([s, -s, s])
            self._hold(target, 0.0)
            p.stepSimulation(physicsClientId=self.c)
        self._hold(q, 0.0)
        self._step(30)

    def release(self, q: Array) -> None:
        """Open the hand. Friction-anchored finger contacts in pybullet can keep a slightly wedged
        object stuck to an open finger, which a real gripper would shake off, so fingers that have
        not opened after 0.25 s are set open."""
        self._hold(q, 0.08)
        self._step(60)
        for j in self.fingers:
            if p.getJointState(self.robot, j, physicsClientId=self.c)[0] < 0.039:
                p.resetJointState(self.robot, j, 0.04, physicsClientId=self.c)
        self._step(30)

    def holds(self, body: int) -> bool:
        links = {cp[3] for cp in p.getContactPoints(self.robot, body, physicsClientId=self.c)}
        return all(f in links for f in self.fingers)

    def execute_place(self, plan: Plan, body: int) -> None:
        """Carry (slowly, 1 s) to the pre-place pose, lower, open, retreat straight up, let it settle."""
        self._drive(plan.path[:1], 0.0, steps_per=240)
        self._drive(plan.path[1:], 0.0, steps_per=12)
        self.release(plan.path[-1])
        for rise in (0.10, 0.06, 0.03):
            back = self.ee_pose()
            back[:3, 3] += np.array([0.0, 0.0, rise])
            q_back = self.ik(back, self.q())
            if q_back is not None:
                self._drive([q_back], 0.08, steps_per=60)
                break
        self._step(120)
