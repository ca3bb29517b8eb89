"""The apartment in pybullet: static scene, kinematic mobile manipulator, cameras and a geometric gripper.

Speed decisions (DESIGN.md §5; `robostack bench sim` measures them). TinyRenderer costs ~300 ns per
covered pixel, so the work is to make it cover few pixels:

- The room shell (floor, ceiling, walls) is ray-cast in numpy and composited by depth (`surfaces.py`):
  exact depths, the same colours TinyRenderer would give, ~0.5 ms instead of ~3.5 ms per 128x128 frame.
  TinyRenderer (DIRECT, no shadows, no segmentation mask) draws only furniture, objects and the robot.
- Furniture of rooms the camera cannot see through doorways is parked out of view (`visibility.py`).
- Everything drawn is a primitive: furniture a few boxes (batched, up to 16 to a body), objects one
  cylinder/box/sphere each, and the robot's meshes are replaced by primitives (see `robot.py`).
- The base and the arm are kinematic: poses are set each step (`resetBasePositionAndOrientation`,
  `resetJointState`), base collisions are an occupancy-grid lookup, and physics (`stepSimulation`) runs
  only while a released object settles.

The gripper is a *geometric* grasp check, not friction physics: on close, an object whose centre lies
between the fingers (in the hand frame) and that is narrow enough becomes rigidly attached to the hand
and follows it kinematically; on open it is released and simulated until it comes to rest, so a bad
placement can still fall off a table.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pybullet as p
from numpy.typing import NDArray

from robostack.sim.apartment import robot as rb
from robostack.sim.apartment.config import ApartmentConfig
from robostack.sim.apartment.layout import (
    WALL_HEIGHT,
    ApartmentLayout,
    Furniture,
    ObjectSpec,
)
from robostack.sim.apartment.occupancy import OccupancyMap
from robostack.sim.apartment.surfaces import ShellPainter
from robostack.sim.apartment.visibility import RoomVisibility

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]

ROOM_COLORS: dict[str, tuple[float, float, float]] = {
    "kitchen": (0.93, 0.86, 0.68),
    "living room": (0.78, 0.86, 0.70),
    "bedroom": (0.74, 0.78, 0.92),
    "bathroom": (0.70, 0.88, 0.90),
    "hallway": (0.84, 0.80, 0.74),
    "office": (0.90, 0.78, 0.84),
}
WALL_COLOR = (0.96, 0.95, 0.92, 1.0)
CEILING_COLOR = (0.99, 0.99, 0.98, 1.0)
FURNITURE_COLORS: dict[str, tuple[float, float, float, float]] = {
    "counter": (0.55, 0.42, 0.30, 1.0),
    "sink": (0.92, 0.92, 0.94, 1.0),
    "table": (0.62, 0.45, 0.28, 1.0),
    "shelf": (0.45, 0.33, 0.24, 1.0),
    "sofa": (0.35, 0.42, 0.55, 1.0),
    "bed": (0.80, 0.80, 0.88, 1.0),
}
BASIN_COLOR = (0.62, 0.66, 0.70, 1.0)
BASIN_DEPTH = 0.12
MAX_SHAPES_PER_BODY = 16
"""pybullet keeps at most 16 shapes of a visual shape array; larger batches are split."""

GRASP_LATERAL = 0.03
"""How far (m) an object's centre may sit off the fingers' plane and still be grasped."""
GRASP_MAX_WIDTH = 0.08
"""Widest object (m, along the closing axis) the open hand can take."""
FINGER_SPAN = (-0.047, 0.008)
"""The finger pads' extent along the hand's approach axis, relative to the grasp point (m)."""


HIDDEN_AT = (0.0, 0.0, 1000.0)
"""Where culled room geometry is parked while rendering: far above every camera's view."""


def _yaw_quat(yaw: float) -> Quat:
    return (0.0, 0.0, math.sin(yaw / 2), math.cos(yaw / 2))


def top_down_orientation(yaw: float = 0.0) -> Quat:
    """Grasp orientation (xyzw) with the hand pointing straight down, its x axis along the horizontal
    direction ``yaw`` and the fingers closing along the perpendicular horizontal axis (``yaw + pi/2``).
    With ``yaw`` = the base's heading, the fingers close from the robot's left and right."""
    q = p.getQuaternionFromEuler((math.pi, 0.0, 0.0))
    x, y, z, w = p.multiplyTransforms((0, 0, 0), _yaw_quat(yaw), (0, 0, 0), q)[1]
    return (x, y, z, w)


class ApartmentWorld:
    """One apartment in its own pybullet client. Build it from a layout; `close()` when done."""

    ARM_HOME: NDArray[np.float64] = np.array([2.9, 0.6, 0.0, -3.0, 0.0, 1.0, math.pi / 4])
    """Tucked arm: turned backward and folded above the base, out of the head camera's view (only the
    arm's base shows) and inside the base's footprint."""
    ARM_READY: NDArray[np.float64] = np.array(
        [0.0, -math.pi / 4, 0.0, -3 * math.pi / 4, 0.0, math.pi / 2, math.pi / 4]
    )
    """Franka's "ready" pose, facing forward: the default rest pose for inverse kinematics."""

    def __init__(self, layout: ApartmentLayout, config: ApartmentConfig | None = None) -> None:
        self.layout = layout
        self.config = config or ApartmentConfig()
        self.robot_radius = self.config.robot_radius
        self.occupancy: OccupancyMap = layout.occupancy(self.config.map_resolution)
        self.nav_map: OccupancyMap = self.occupancy.inflated(self.robot_radius)
        self._cid = p.connect(p.DIRECT)
        self.physics_dirty = False
        """True once physics has run: a reset must then rebuild for bit-exact repeatability."""
        self._topdown: dict[float, NDArray[np.uint8]] = {}
        try:
            self._build()
        except Exception:
            self.close()
            raise

    # --- construction ---------------------------------------------------------------------------

    def _build(self) -> None:
        cid = self._cid
        p.setGravity(0, 0, -9.81, physicsClientId=cid)
        p.setTimeStep(1.0 / 240.0, physicsClientId=cid)
        self._all_rooms = frozenset(r.name for r in self.layout.rooms)
        self._room_bodies: dict[frozenset[str], list[int]] = {}
        self._collision_boxes: list[tuple[Vec3, Vec3]] = []
        # TinyRenderer draws bodies in creation order and shades every fragment that passes the depth
        # test, so build roughly front to back (robot, objects, furniture): fragments hidden by earlier
        # bodies then fail the depth test before they are shaded.
        self._build_robot()
        self.object_ids: dict[str, int] = {o.name: self._build_object(o) for o in self.layout.objects}
        self._specs: dict[str, ObjectSpec] = {o.name: o for o in self.layout.objects}
        for piece in self.layout.furniture:
            self._build_furniture(piece)
        self._build_walls()
        self._build_floor()
        self._build_static_collision()
        self._build_shell_painter()
        self._visibility = RoomVisibility(self.layout)
        self._shown: frozenset[str] = self._all_rooms
        self._projections: dict[tuple[float, float, float], list[float]] = {}
        self.reset_episode(self.layout.robot_start)

    def _static_boxes(
        self,
        boxes: list[tuple[Vec3, Vec3]],
        rgba: tuple[float, ...],
        group: frozenset[str] | None = None,
        bodies: list[int] | None = None,
    ) -> None:
        """Static boxes ``(half_extents, centre)``: visual-only bodies (batched 16 to a body) filed under
        the rooms they belong to, so rendering can hide rooms it cannot see, plus collision-only bodies
        that stay put for physics."""
        cid = self._cid
        for i in range(0, len(boxes), MAX_SHAPES_PER_BODY):
            chunk = boxes[i : i + MAX_SHAPES_PER_BODY]
            half = [list(b[0]) for b in chunk]
            pos = [list(b[1]) for b in chunk]
            vis = p.createVisualShapeArray(
                [p.GEOM_BOX] * len(chunk), halfExtents=half, visualFramePositions=pos, physicsClientId=cid
            )
            body = p.createMultiBody(0, -1, vis, (0, 0, 0), physicsClientId=cid)
            p.changeVisualShape(body, -1, rgbaColor=list(rgba), physicsClientId=cid)
            if bodies is None:
                self._room_bodies.setdefault(group or self._all_rooms, []).append(body)
            else:
                bodies.append(body)
        self._collision_boxes.extend(boxes)

    def _build_static_collision(self) -> None:
        """All static boxes as collision-only bodies, 16 to a body (they never move, culling or not)."""
        cid = self._cid
        # A body without a visual is drawn from its collision shape: give each one a speck under the floor.
        speck = p.createVisualShape(
            p.GEOM_BOX, halfExtents=(1e-3, 1e-3, 1e-3), visualFramePosition=(0, 0, -0.5), physicsClientId=cid
        )
        boxes = self._collision_boxes
        for i in range(0, len(boxes), MAX_SHAPES_PER_BODY):
            chunk = boxes[i : i + MAX_SHAPES_PER_BODY]
            col = p.createCollisionShapeArray(
                [p.GEOM_BOX] * len(chunk),
                halfExtents=[list(b[0]) for b in chunk],
                collisionFramePositions=[list(b[1]) for b in chunk],
                physicsClientId=cid,
            )
            p.createMultiBody(0, col, speck, (0, 0, 0), physicsClientId=cid)

    def _build_floor(self) -> None:
        """The floor is collision-only; cameras ray-cast it (and walls and ceiling, see `surfaces.py`)."""
        for room in self.layout.rooms:
            x0, y0, x1, y1 = room.x0, room.y0, room.x1, room.y1
            self._collision_boxes.append(
                (((x1 - x0) / 2, (y1 - y0) / 2, 0.005), ((x0 + x1) / 2, (y0 + y1) / 2, -0.005))
            )

    def _build_shell_painter(self) -> None:
        colors = {name: (*rgb, 1.0) for name, rgb in ROOM_COLORS.items()}
        self._shell = ShellPainter(
            self.layout,
            self.occupancy,
            [w.rect() for w in self.layout.walls],
            WALL_HEIGHT,
            colors,
            WALL_COLOR,
            CEILING_COLOR,
        )

    def _build_walls(self) -> None:
        """Walls: collision boxes, plus visual boxes that stay parked out of view unless a camera looks
        from above the walls (cameras below the ceiling ray-cast the walls instead, see `surfaces.py`)."""
        boxes = []
        for x0, y0, x1, y1 in (w.rect() for w in self.layout.walls):
            boxes.append(
                (
                    ((x1 - x0) / 2, (y1 - y0) / 2, WALL_HEIGHT / 2),
                    ((x0 + x1) / 2, (y0 + y1) / 2, WALL_HEIGHT / 2),
                )
            )
        self._wall_bodies: list[int] = []
        self._static_boxes(boxes, WALL_COLOR, bodies=self._wall_bodies)
        for body in self._wall_bodies:
            p.resetBasePositionAndOrientation(body, HIDDEN_AT, (0, 0, 0, 1), physicsClientId=self._cid)
        self._walls_drawn = False

    def _build_furniture(self, f: Furniture) -> None:
        cx, cy = f.center
        sx, sy, h = f.size
        rgba = FURNITURE_COLORS.get(f.kind, (0.6, 0.5, 0.4, 1.0))
        group = frozenset([f.room])
        if f.kind == "table":
            top = 0.04
            boxes = [((sx / 2, sy / 2, top / 2), (cx, cy, h - top / 2))]
            leg = 0.025
            for ex in (-1, 1):
                for ey in (-1, 1):
                    lx, ly = cx + ex * (sx / 2 - leg - 0.02), cy + ey * (sy / 2 - leg - 0.02)
                    boxes.append(((leg, leg, (h - top) / 2), (lx, ly, (h - top) / 2)))
            self._static_boxes(boxes, rgba, group)
        elif f.kind == "sink":
            bottom = h - BASIN_DEPTH
            rim = 0.05
            mid = bottom + BASIN_DEPTH / 2
            walls = [
                ((sx / 2, rim / 2, BASIN_DEPTH / 2), (cx, cy - sy / 2 + rim / 2, mid)),
                ((sx / 2, rim / 2, BASIN_DEPTH / 2), (cx, cy + sy / 2 - rim / 2, mid)),
                ((rim / 2, sy / 2, BASIN_DEPTH / 2), (cx - sx / 2 + rim / 2, cy, mid)),
                ((rim / 2, sy / 2, BASIN_DEPTH / 2), (cx + sx / 2 - rim / 2, cy, mid)),
            ]
            self._static_boxes([((sx / 2, sy / 2, bottom / 2), (cx, cy, bottom / 2))], rgba, group)
            self._static_boxes(walls, BASIN_COLOR, group)
        else:
            self._static_boxes([((sx / 2, sy / 2, h / 2), (cx, cy, h / 2))], rgba, group)

    def _build_object(self, o: ObjectSpec) -> int:
        cid = self._cid
        sx, sy, sz = o.size
        if o.shape == "cylinder":
            vis = p.createVisualShape(
                p.GEOM_CYLINDER, radius=sx / 2, length=sz, rgbaColor=o.rgba, physicsClientId=cid
            )
            col = p.createCollisionShape(p.GEOM_CYLINDER, radius=sx / 2, height=sz, physicsClientId=cid)
        elif o.shape == "sphere":
            vis = p.createVisualShape(p.GEOM_SPHERE, radius=sx / 2, rgbaColor=o.rgba, physicsClientId=cid)
            col = p.createCollisionShape(p.GEOM_SPHERE, radius=sx / 2, physicsClientId=cid)
        else:
            half = (sx / 2, sy / 2, sz / 2)
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=o.rgba, physicsClientId=cid)
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=cid)
        body = p.createMultiBody(0.15, col, vis, o.position, _yaw_quat(o.yaw), physicsClientId=cid)
        p.changeDynamics(
            body, -1, lateralFriction=0.9, rollingFriction=0.001, spinningFriction=0.001, physicsClientId=cid
        )
        return body

    def _build_robot(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = rb.write_urdf(Path(tmp))
            self.robot_id = p.loadURDF(str(path), (0, 0, 0), useFixedBase=True, physicsClientId=self._cid)
        joints: dict[str, int] = {}
        for j in range(p.getNumJoints(self.robot_id, physicsClientId=self._cid)):
            info = p.getJointInfo(self.robot_id, j, physicsClientId=self._cid)
            joints[info[1].decode()] = j
            joints["link:" + info[12].decode()] = j
        self._arm_idx = [joints[n] for n in rb.ARM_JOINTS]
        self._finger_idx = [joints[n] for n in rb.FINGER_JOINTS]
        self._grasp_link = joints["link:" + rb.GRASP_LINK]
        self._hand_link = joints["link:" + rb.HAND_LINK]
        lows, highs = [], []
        for j in self._arm_idx + self._finger_idx:
            info = p.getJointInfo(self.robot_id, j, physicsClientId=self._cid)
            lows.append(info[8])
            highs.append(info[9])
        self.joint_lower = np.array(lows[:7])
        self.joint_upper = np.array(highs[:7])
        self._ik_lower, self._ik_upper = lows, highs
        # Motors off: the arm is kinematic, and `settle` writes its pose back after physics has run.
        for j in self._arm_idx + self._finger_idx:
            p.setJointMotorControl2(self.robot_id, j, p.VELOCITY_CONTROL, force=0, physicsClientId=self._cid)
        # A robot-frame box footprint, sampled every ~4 cm, for the occupancy collision test.
        hl, hw = rb.BASE_LENGTH / 2, rb.BASE_WIDTH / 2
        xs = np.linspace(-hl, hl, int(math.ceil(2 * hl / 0.04)) + 1)
        ys = np.linspace(-hw, hw, int(math.ceil(2 * hw / 0.04)) + 1)
        self._footprint = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)

    def close(self) -> None:
        """Disconnect the pybullet client (safe to call twice)."""
        if self._cid >= 0:
            with contextlib.suppress(p.error):
                p.disconnect(physicsClientId=self._cid)
            self._cid = -1

    def __del__(self) -> None:  # a forgotten world must not keep its physics client alive
        with contextlib.suppress(Exception):
            self.close()

    def __enter__(self) -> ApartmentWorld:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- episode state --------------------------------------------------------------------------

    def reset_episode(self, robot_start: tuple[float, float, float]) -> None:
        """Objects back on their furniture, arm home, gripper open, robot at ``robot_start``."""
        self._holding: str | None = None
        self._grasp_offset: tuple[Vec3, Quat] | None = None
        for name, body in self.object_ids.items():
            spec = self._specs[name]
            p.resetBasePositionAndOrientation(
                body, spec.position, _yaw_quat(spec.yaw), physicsClientId=self._cid
            )
            p.resetBaseVelocity(body, (0, 0, 0), (0, 0, 0), physicsClientId=self._cid)
        self._q = self.ARM_HOME.copy()
        self._fingers = np.array([rb.FINGER_MAX, rb.FINGER_MAX])
        self._apply_joints()
        self.set_base_pose(*robot_start)

    def _apply_joints(self) -> None:
        for j, q in zip(self._arm_idx, self._q, strict=True):
            p.resetJointState(self.robot_id, j, float(q), physicsClientId=self._cid)
        for j, q in zip(self._finger_idx, self._fingers, strict=True):
            p.resetJointState(self.robot_id, j, float(q), physicsClientId=self._cid)

    # --- map queries ----------------------------------------------------------------------------

    def geodesic_distance(
        self, a_xy: NDArray[np.float64] | tuple[float, ...], b_xy: NDArray[np.float64] | tuple[float, ...]
    ) -> float:
        """Shortest drivable path length for the robot's centre (on the inflated `nav_map`)."""
        return self.nav_map.geodesic_distance(a_xy, b_xy)

    def room_at(self, xy: NDArray[np.float64] | tuple[float, ...]) -> str | None:
        return self.layout.room_at(float(xy[0]), float(xy[1]))

    # --- base -----------------------------------------------------------------------------------

    def base_pose(self) -> NDArray[np.float64]:
        """``[x, y, yaw]`` in the world frame."""
        return self._pose.copy()

    def set_base_pose(self, x: float, y: float, yaw: float) -> None:
        """Teleport the base (no collision test; see `pose_collides`)."""
        yaw = math.atan2(math.sin(yaw), math.cos(yaw))
        self._pose = np.array([x, y, yaw], dtype=np.float64)
        p.resetBasePositionAndOrientation(
            self.robot_id, (x, y, 0.0), _yaw_quat(yaw), physicsClientId=self._cid
        )
        self._update_held()

    def pose_collides(self, x: float, y: float, yaw: float) -> bool:
        """True when the base's box footprint at this pose overlaps a wall or furniture (raw grid)."""
        c, s = math.cos(yaw), math.sin(yaw)
        pts = self._footprint @ np.array([[c, s], [-s, c]]) + np.array([x, y])
        return bool(self.occupancy.cells_blocked(pts).any())

    # --- arm ------------------------------------------------------------------------------------

    def arm_joint_positions(self) -> NDArray[np.float64]:
        return self._q.copy()

    def finger_positions(self) -> NDArray[np.float64]:
        return self._fingers.copy()

    def set_arm_joints(self, q7: NDArray[np.float64] | list[float] | tuple[float, ...]) -> None:
        """Set the 7 arm joints (clipped to their limits); a held object follows the hand."""
        q = np.clip(np.asarray(q7, dtype=np.float64).reshape(7), self.joint_lower, self.joint_upper)
        self._q = q
        for j, v in zip(self._arm_idx, q, strict=True):
            p.resetJointState(self.robot_id, j, float(v), physicsClientId=self._cid)
        self._update_held()

    def _link_pose(self, link: int) -> tuple[Vec3, Quat]:
        state = p.getLinkState(self.robot_id, link, computeForwardKinematics=True, physicsClientId=self._cid)
        (px, py, pz), (qx, qy, qz, qw) = state[4], state[5]
        return (px, py, pz), (qx, qy, qz, qw)

    def end_effector_pose(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Grasp point (between the fingertips) ``(xyz, quat xyzw)`` in the world frame."""
        pos, quat = self._link_pose(self._grasp_link)
        return np.array(pos), np.array(quat)

    def forward_kinematics(
        self, q7: NDArray[np.float64] | list[float]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Grasp-point pose for arm joints ``q7`` at the current base pose (the robot is left unchanged)."""
        saved = self._q.copy()
        self._set_arm_state(np.asarray(q7, dtype=np.float64).reshape(7))
        pos, quat = self.end_effector_pose()
        self._set_arm_state(saved)
        return pos, quat

    def inverse_kinematics(
        self,
        pos: NDArray[np.float64] | tuple[float, float, float],
        quat: NDArray[np.float64] | tuple[float, float, float, float],
        rest: NDArray[np.float64] | None = None,
        iterations: int = 12,
    ) -> NDArray[np.float64]:
        """Arm joints that put the grasp point at world ``pos`` with orientation ``quat`` (xyzw), for the
        current base pose. The robot is left as it was.

        pybullet's damped least squares, started from ``rest`` (default `ARM_READY`, so the answer does
        not depend on where the arm happens to be): first with joint limits and the rest pose as null
        space (which picks a sensible elbow), then restarted from its own answer without the null-space
        term, which removes the millimetres of bias the null-space solver leaves. Unreachable targets
        give the closest pose found; check the residual with `forward_kinematics`."""
        rest_q = np.asarray(self.ARM_READY if rest is None else rest, dtype=np.float64)
        rest_full = [*rest_q.tolist(), rb.FINGER_MAX, rb.FINGER_MAX]
        ranges = [hi - lo for lo, hi in zip(self._ik_lower, self._ik_upper, strict=True)]
        saved = self._q.copy()
        target = np.asarray(pos, dtype=np.float64)
        orn = [float(v) for v in quat]
        self._set_arm_state(rest_q)
        best, best_err = rest_q.copy(), math.inf
        for i in range(iterations):
            limits = {}
            if i < 2:
                limits = {
                    "lowerLimits": self._ik_lower,
                    "upperLimits": self._ik_upper,
                    "jointRanges": ranges,
                    "restPoses": rest_full,
                }
            sol = p.calculateInverseKinematics(
                self.robot_id,
                self._grasp_link,
                target.tolist(),
                orn,
                maxNumIterations=100,
                residualThreshold=1e-6,
                physicsClientId=self._cid,
                **limits,
            )
            q = np.clip(np.array(sol[:7]), self.joint_lower, self.joint_upper)
            self._set_arm_state(q)
            got, _ = self.end_effector_pose()
            err = float(np.linalg.norm(got - target))
            if err < best_err:
                best, best_err = q, err
            if err < 1e-4:
                break
        self._set_arm_state(saved)
        return best

    def _set_arm_state(self, q: NDArray[np.float64]) -> None:
        """Write arm joints into pybullet only (no bookkeeping, no held object): for IK/FK probes."""
        for j, v in zip(self._arm_idx, q, strict=True):
            p.resetJointState(self.robot_id, j, float(v), physicsClientId=self._cid)

    # --- gripper --------------------------------------------------------------------------------

    @property
    def holding(self) -> str | None:
        """Name of the object in the hand, or None."""
        return self._holding

    def _set_fingers(self, each: float) -> None:
        self._fingers = np.array([each, each])
        for j in self._finger_idx:
            p.resetJointState(self.robot_id, j, float(each), physicsClientId=self._cid)

    def _width_across(self, spec: ObjectSpec, obj_quat: Quat, axis: NDArray[np.float64]) -> float:
        """The object's extent along a world direction: a box's projected extents, a cylinder's
        length and diameter projected (its axis is its local z), a sphere's diameter."""
        if spec.shape == "sphere":
            return float(spec.size[0])
        rot = np.array(p.getMatrixFromQuaternion(obj_quat)).reshape(3, 3)
        if spec.shape == "cylinder":
            along = abs(float(axis @ rot[:, 2]))
            return along * float(spec.size[2]) + math.sqrt(max(0.0, 1.0 - along**2)) * float(spec.size[0])
        return float(sum(abs(float(axis @ rot[:, i])) * spec.size[i] for i in range(3)))

    def grasp_candidate(self) -> str | None:
        """The object a close would take now: centre between the fingers, narrow enough (nearest wins)."""
        g_pos, g_quat = self._link_pose(self._grasp_link)
        rot = np.array(p.getMatrixFromQuaternion(g_quat)).reshape(3, 3)
        opening = 2 * float(self._fingers[0])
        best, best_d = None, math.inf
        for name, body in self.object_ids.items():
            o_pos, o_quat = p.getBasePositionAndOrientation(body, physicsClientId=self._cid)
            local = rot.T @ (np.array(o_pos) - np.array(g_pos))  # hand frame: y = closing axis, z = approach
            spec = self._specs[name]
            half_h = self._width_across(spec, o_quat, rot[:, 2]) / 2
            width = self._width_across(spec, o_quat, rot[:, 1])
            if abs(local[0]) > GRASP_LATERAL or abs(local[1]) > opening / 2:
                continue
            if local[2] - half_h > FINGER_SPAN[1] - 0.01 or local[2] + half_h < FINGER_SPAN[0] + 0.01:
                continue
            if width > min(GRASP_MAX_WIDTH, opening):
                continue
            d = float(np.linalg.norm(local))
            if d < best_d:
                best, best_d = name, d
        return best

    def close_gripper(self) -> str | None:
        """Close the hand. Attaches the object between the fingers, if any, and returns its name."""
        if self._holding is not None:
            return self._holding
        name = self.grasp_candidate()
        if name is None:
            self._set_fingers(0.0)
            return None
        body = self.object_ids[name]
        g_pos, g_quat = self._link_pose(self._grasp_link)
        o_pos, o_quat = p.getBasePositionAndOrientation(body, physicsClientId=self._cid)
        inv_pos, inv_quat = p.invertTransform(g_pos, g_quat)
        (px, py, pz), (qx, qy, qz, qw) = p.multiplyTransforms(inv_pos, inv_quat, o_pos, o_quat)
        self._grasp_offset = ((px, py, pz), (qx, qy, qz, qw))
        g_rot = np.array(p.getMatrixFromQuaternion(g_quat)).reshape(3, 3)
        width = self._width_across(self._specs[name], o_quat, g_rot[:, 1])
        self._holding = name
        self._set_fingers(min(rb.FINGER_MAX, width / 2))
        return name

    def open_gripper(self) -> None:
        """Open the hand; a held object is released and simulated until it settles (or `settle_time`)."""
        self._set_fingers(rb.FINGER_MAX)
        if self._holding is None:
            return
        body = self.object_ids[self._holding]
        self._holding, self._grasp_offset = None, None
        p.resetBaseVelocity(body, (0, 0, 0), (0, 0, 0), physicsClientId=self._cid)
        self.settle(body)

    def settle(self, body: int) -> int:
        """Step physics until ``body`` is still (checked every 24 steps = 0.1 s); returns steps taken."""
        self.physics_dirty = True
        max_steps = int(self.config.settle_time * 240)
        steps = 0
        while steps < max_steps:
            for _ in range(24):
                p.stepSimulation(physicsClientId=self._cid)
            steps += 24
            lin, ang = p.getBaseVelocity(body, physicsClientId=self._cid)
            if np.linalg.norm(lin) < 0.01 and np.linalg.norm(ang) < 0.1:
                break
        self._apply_joints()  # the arm is kinematic: undo any sag while physics ran
        return steps

    def _update_held(self) -> None:
        if self._holding is None or self._grasp_offset is None:
            return
        g_pos, g_quat = self._link_pose(self._grasp_link)
        pos, quat = p.multiplyTransforms(g_pos, g_quat, *self._grasp_offset)
        p.resetBasePositionAndOrientation(
            self.object_ids[self._holding], pos, quat, physicsClientId=self._cid
        )

    # --- objects and furniture ------------------------------------------------------------------

    def object_names(self) -> list[str]:
        return list(self.object_ids)

    def object_position(self, name: str) -> NDArray[np.float64]:
        pos, _ = p.getBasePositionAndOrientation(self._object_id(name), physicsClientId=self._cid)
        return np.array(pos)

    def object_pose(self, name: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        pos, quat = p.getBasePositionAndOrientation(self._object_id(name), physicsClientId=self._cid)
        return np.array(pos), np.array(quat)

    def object_spec(self, name: str) -> ObjectSpec:
        self._object_id(name)
        return self._specs[name]

    def _object_id(self, name: str) -> int:
        try:
            return self.object_ids[name]
        except KeyError:
            raise KeyError(f"no object named {name!r} in this apartment") from None

    def furniture(self, name: str) -> Furniture:
        return self.layout.furniture_named(name)

    def furniture_names(self) -> list[str]:
        return [f.name for f in self.layout.furniture]

    # --- cameras --------------------------------------------------------------------------------

    def head_camera_pose(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Head camera ``(eye, forward, up)`` in the world frame."""
        x, y, yaw = self._pose
        c, s = math.cos(yaw), math.sin(yaw)
        cx, cy, cz = rb.HEAD_CAMERA
        eye = np.array([x + c * cx - s * cy, y + s * cx + c * cy, cz])
        cp, sp = math.cos(rb.HEAD_PITCH), math.sin(rb.HEAD_PITCH)
        forward = np.array([c * cp, s * cp, -sp])
        up = np.array([c * sp, s * sp, cp])
        return eye, forward, up

    def _render(
        self,
        size: int | tuple[int, int],
        eye: NDArray[np.float64],
        forward: NDArray[np.float64],
        up: NDArray[np.float64],
        fov_deg: float,
        near: float,
        shell: bool = True,
    ) -> tuple[NDArray[np.uint8], NDArray[np.float32]]:
        """One frame: ``(rgb, depth in metres along the optical axis)``. ``size`` is a side length or
        ``(width, height)``; ``fov_deg`` is vertical. TinyRenderer draws furniture, objects and the robot;
        the shell (floor, ceiling, and walls when the eye is below the ceiling) is ray-cast and composited
        by depth. ``shell=False`` skips the compositing (tests compare against real geometry)."""
        width, height = (size, size) if isinstance(size, int) else size
        cast_walls = float(eye[2]) < WALL_HEIGHT - 1e-3
        self._draw_walls(not cast_walls)
        far = self.config.far
        view = p.computeViewMatrix(eye.tolist(), (eye + forward).tolist(), up.tolist())
        key = (fov_deg, near, width / height)
        proj = self._projections.get(key)
        if proj is None:
            proj = self._projections[key] = p.computeProjectionMatrixFOV(fov_deg, width / height, near, far)
        _, _, rgba, zbuf, _ = p.getCameraImage(
            width,
            height,
            view,
            proj,
            renderer=p.ER_TINY_RENDERER,
            flags=p.ER_NO_SEGMENTATION_MASK,
            shadow=0,
            physicsClientId=self._cid,
        )
        frame = np.array(rgba, dtype=np.uint8, copy=True).reshape(-1)
        z = np.asarray(zbuf, dtype=np.float32).reshape(-1)
        depth = np.clip(far * near / (far - (far - near) * z), near, far).astype(np.float32)
        if shell:
            self._shell.paint(
                frame.view(np.uint32), depth, (height, width), eye, forward, up, fov_deg, cast_walls
            )
        rgb = np.ascontiguousarray(frame.reshape(height, width, 4)[:, :, :3])
        return rgb, depth.reshape(height, width)

    def _draw_walls(self, drawn: bool) -> None:
        """Show the wall boxes to TinyRenderer (views from above) or park them (views from inside)."""
        if drawn == self._walls_drawn:
            return
        for body in self._wall_bodies:
            where = (0.0, 0.0, 0.0) if drawn else HIDDEN_AT
            p.resetBasePositionAndOrientation(body, where, (0, 0, 0, 1), physicsClientId=self._cid)
        self._walls_drawn = drawn

    def _show_rooms(self, visible: frozenset[str]) -> None:
        """Park the geometry of rooms the camera cannot see out of view (portal culling)."""
        if visible == self._shown:
            return
        for group, bodies in self._room_bodies.items():
            want, had = bool(group & visible), bool(group & self._shown)
            if want != had:
                for body in bodies:
                    p.resetBasePositionAndOrientation(
                        body, (0, 0, 0) if want else HIDDEN_AT, (0, 0, 0, 1), physicsClientId=self._cid
                    )
        self._shown = visible

    def _cull_for(self, eye: NDArray[np.float64], forward: NDArray[np.float64]) -> None:
        horizontal = math.hypot(forward[0], forward[1])
        heading = math.atan2(forward[1], forward[0]) if horizontal > 0.3 else None
        self._show_rooms(self._visibility.visible_rooms((float(eye[0]), float(eye[1])), heading))

    def render_head(self) -> tuple[NDArray[np.uint8], NDArray[np.float32]]:
        """Head camera ``(rgb uint8 HxWx3, depth float32 HxW in metres along the optical axis)``."""
        eye, forward, up = self.head_camera_pose()
        self._cull_for(eye, forward)
        return self._render(
            self.config.image_size, eye, forward, up, self.config.head_fov_deg, self.config.near
        )

    def render_wrist(self) -> NDArray[np.uint8]:
        """Wrist camera RGB: on the hand, looking along the approach axis between the fingers."""
        pos, quat = self._link_pose(self._hand_link)
        rot = np.array(p.getMatrixFromQuaternion(quat)).reshape(3, 3)
        eye = np.array(pos) + rot @ np.array([0.06, 0.0, 0.02])
        self._cull_for(eye, rot[:, 2])
        rgb, _ = self._render(
            self.config.wrist_image_size, eye, rot[:, 2], rot[:, 0], self.config.wrist_fov_deg, 0.01
        )
        return rgb

    def depth_views(self, cameras: Sequence[Any]) -> list[tuple[Any, Any, Any]]:
        """World-frame ``(points, rgb, body ids)`` of depth cameras (tabletop `Camera`s) close to a
        manipulation target: walls are drawn as boxes and every room shown, so all nearby geometry is
        in the cloud (the head camera's ray-cast shell is not used)."""
        from robostack.sim.tabletop.cameras import render

        self._draw_walls(True)
        self._show_rooms(self._all_rooms)
        return [render(self._cid, cam) for cam in cameras]

    def render_view(
        self,
        eye: NDArray[np.float64] | tuple[float, float, float],
        target: NDArray[np.float64] | tuple[float, float, float],
        size: tuple[int, int] = (320, 240),
        fov_deg: float = 60.0,
    ) -> NDArray[np.uint8]:
        """RGB from any viewpoint (e.g. a third-person camera for videos); ``size = (width, height)``,
        ``fov_deg`` vertical. Culling follows this camera, so it also sees only what walls let through."""
        eye_v = np.asarray(eye, dtype=np.float64)
        forward = np.asarray(target, dtype=np.float64) - eye_v
        forward /= np.linalg.norm(forward)
        side = np.cross(forward, [0.0, 0.0, 1.0])
        if np.linalg.norm(side) < 1e-6:  # looking straight down or up: any horizontal "up" works
            side = np.array([0.0, -1.0, 0.0])
        up = np.cross(side / np.linalg.norm(side), forward)
        self._cull_for(eye_v, forward)
        rgb, _ = self._render(size, eye_v, forward, up, fov_deg, 0.05)
        return rgb

    # --- top-down map ---------------------------------------------------------------------------

    def topdown_pixel(
        self, xy: NDArray[np.float64] | tuple[float, ...], px_per_m: float = 40
    ) -> tuple[int, int]:
        """Pixel ``(u, v)`` (column, row) of world ``xy`` in `render_topdown`'s image."""
        ox, oy = self.occupancy.origin
        top = oy + self.occupancy.grid.shape[0] * self.occupancy.resolution
        return int(round((float(xy[0]) - ox) * px_per_m)), int(round((top - float(xy[1])) * px_per_m))

    def render_topdown(self, px_per_m: float = 40, labels: bool = True) -> NDArray[np.uint8]:
        """A floor plan (rooms coloured, walls, furniture, labels) as an RGB image; cached per scale.
        Returns a copy, so callers may draw paths and the robot on it."""
        key = float(px_per_m) * (1 if labels else -1)
        if key not in self._topdown:
            self._topdown[key] = self._draw_topdown(px_per_m, labels)
        return self._topdown[key].copy()

    def _draw_topdown(self, s: float, labels: bool) -> NDArray[np.uint8]:
        import cv2

        res = self.occupancy.resolution
        h = int(round(self.occupancy.grid.shape[0] * res * s))
        w = int(round(self.occupancy.grid.shape[1] * res * s))
        img = np.full((h, w, 3), 60, dtype=np.uint8)

        def rect(r: tuple[float, float, float, float], color: tuple[int, ...], thickness: int = -1) -> None:
            u0, v0 = self.topdown_pixel((r[0], r[3]), s)
            u1, v1 = self.topdown_pixel((r[2], r[1]), s)
            cv2.rectangle(img, (u0, v0), (u1, v1), color, thickness)

        for room in self.layout.rooms:
            color = tuple(int(255 * c) for c in ROOM_COLORS.get(room.name, (0.8, 0.8, 0.8)))
            rect((room.x0, room.y0, room.x1, room.y1), color)
        for f in self.layout.furniture:
            rgba = FURNITURE_COLORS.get(f.kind, (0.6, 0.5, 0.4, 1.0))
            rect(f.footprint(), tuple(int(200 * c) for c in rgba[:3]))
            rect(f.footprint(), (40, 40, 40), 1)
        for wall in self.layout.walls:
            rect(wall.rect(), (25, 25, 25))
        if labels:
            scale = max(0.3, s / 100)
            for room in self.layout.rooms:
                u, v = self.topdown_pixel((room.x0 + 0.15, room.y1 - 0.35), s)
                cv2.putText(
                    img, room.name, (u, v), cv2.FONT_HERSHEY_SIMPLEX, scale, (30, 30, 30), 1, cv2.LINE_AA
                )
            for f in self.layout.furniture:
                u, v = self.topdown_pixel((f.center[0] - f.size[0] / 2, f.center[1]), s)
                cv2.putText(
                    img, f.name, (u, v), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.7, (0, 0, 0), 1, cv2.LINE_AA
                )
        return img
