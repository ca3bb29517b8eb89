"""The tabletop world: a fixed Franka Panda, a table whose top is at z = 0, 1-10 objects in clutter
and one receptacle (tray, bowl or box, built from boxes), in a pybullet DIRECT client.

`TabletopWorld.build(seed, split, ...)` draws a scene from the seed alone (object models from one
side of the train/test split, poses, receptacle, cameras) and lets the objects settle, so the same
seed gives the same scene bit for bit. `observe()` renders the cameras into one fused, fixed-size
world-frame cloud whose ``segment`` is the object index (0..K-1, receptacle last, -1 for the
table, robot and background).
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

import numpy as np
import pybullet as p
import pybullet_data
from numpy.typing import NDArray

from robostack.core.config import StrictModel
from robostack.data.grasp_dataset import RECEPTACLE_PREFIX
from robostack.sim.tabletop import cameras
from robostack.sim.tabletop.objects import draw_model, get_model, half_height, split_names

ROBOT_BASE = (-0.45, 0.0, 0.0)
HOME_JOINTS = (0.0, -0.4, 0.0, -2.3, 0.0, 1.9, 0.785)
OBJECT_REGION = ((-0.02, 0.24), (-0.28, 0.02))  # x, y ranges of dropped objects (y mirrored per seed)
RECEPTACLE_REGION = ((0.04, 0.18), (0.17, 0.25))
RECEPTACLE_KINDS = ("tray", "bowl", "box")
TIMESTEP = 1.0 / 240.0
WALL_THICKNESS = 0.008
"""Receptacle floors and walls."""
RECEPTACLE_SIZES = {
    "tray": ((0.11, 0.08), 0.03),
    "box": ((0.08, 0.08), 0.075),
    "bowl": ((0.085, 0.085), 0.045),
}
"""Each kind's inner half sizes (x, y; a bowl's radius twice) and wall height."""
RECEPTACLE_COLOURS = {"tray": (0.25, 0.3, 0.75, 1), "box": (0.7, 0.55, 0.3, 1), "bowl": (0.85, 0.85, 0.8, 1)}
Shape = tuple[int, list[float], list[float], tuple[float, ...]]
"""pybullet geometry, its dims (box half extents, or cylinder radius and height), position, quaternion."""


class TabletopConfig(StrictModel):
    """Settings of the tabletop world."""

    num_points: int = 4096
    image_size: int = 160  # the dataset recipe's size, so evaluation clouds match training clouds
    min_cameras: int = 1
    max_cameras: int = 3
    min_objects: int = 1
    max_objects: int = 10
    voxel: float = 0.004
    settle_steps: int = 360


@dataclass
class SceneObject:
    name: str
    body: int


@dataclass
class Receptacle:
    kind: str
    body: int
    centre: NDArray[np.float64]  # xy of its centre
    yaw: float
    inner: tuple[float, float]  # half sizes of the inner floor (x, y in its frame); bowl: (r, r)
    floor_z: float  # height of the inner floor's top
    wall_z: float  # height of the walls' top


@dataclass
class Scene:
    seed: int
    split: str
    objects: list[SceneObject] = field(default_factory=list)
    receptacle: Receptacle | None = None
    cameras: list[cameras.Camera] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Segment names: objects, then the receptacle."""
        out = [o.name for o in self.objects]
        if self.receptacle is not None:
            out.append(RECEPTACLE_PREFIX + self.receptacle.kind)
        return out

    @property
    def bodies(self) -> list[int]:
        out = [o.body for o in self.objects]
        if self.receptacle is not None:
            out.append(self.receptacle.body)
        return out


def quat_from_matrix(r: NDArray[np.floating]) -> tuple[float, float, float, float]:
    """Rotation matrix -> pybullet quaternion (x, y, z, w)."""
    m = np.asarray(r, dtype=np.float64)
    t = np.trace(m)
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = (
            (m[2, 1] - m[1, 2]) / s,
            (m[0, 2] - m[2, 0]) / s,
            (m[1, 0] - m[0, 1]) / s,
            0.25 * s,
        )
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = math.sqrt(max(1.0 + m[i, i] - m[j, j] - m[k, k], 1e-12)) * 2
        v = [0.0, 0.0, 0.0]
        v[i] = 0.25 * s
        v[j] = (m[j, i] + m[i, j]) / s
        v[k] = (m[k, i] + m[i, k]) / s
        q = (v[0], v[1], v[2], (m[k, j] - m[j, k]) / s)
    n = math.sqrt(sum(x * x for x in q))
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


def matrix_from_pose(pos: tuple[float, ...], quat: tuple[float, ...]) -> NDArray[np.float64]:
    out = np.eye(4)
    out[:3, :3] = np.asarray(p.getMatrixFromQuaternion(quat)).reshape(3, 3)
    out[:3, 3] = pos
    return out


def rot_z(yaw: float) -> NDArray[np.float64]:
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def receptacle_shapes(kind: str) -> tuple[tuple[float, float], float, list[Shape]]:
    """A receptacle's inner half sizes, wall height and shapes in its own frame, the floor first."""
    if kind not in RECEPTACLE_SIZES:
        raise ValueError(f"unknown receptacle {kind!r}")
    inner, wall = RECEPTACLE_SIZES[kind]
    t = WALL_THICKNESS
    ident = (0.0, 0.0, 0.0, 1.0)
    shapes: list[Shape] = []
    if kind == "bowl":
        r = inner[0]
        shapes.append((p.GEOM_CYLINDER, [r + t, t], [0, 0, t / 2], ident))
        n = 12
        seg = 2 * (r + t) * math.tan(math.pi / n)
        for i in range(n):
            a = 2 * math.pi * i / n
            ring = [(r + t / 2) * math.cos(a), (r + t / 2) * math.sin(a), wall / 2]
            shapes.append((p.GEOM_BOX, [t / 2, seg / 2, wall / 2], ring, p.getQuaternionFromEuler((0, 0, a))))
    else:
        ix, iy = inner
        shapes.append((p.GEOM_BOX, [ix + t, iy + t, t / 2], [0, 0, t / 2], ident))
        shapes.append((p.GEOM_BOX, [t / 2, iy + t, wall / 2], [ix + t / 2, 0, wall / 2], ident))
        shapes.append((p.GEOM_BOX, [t / 2, iy + t, wall / 2], [-ix - t / 2, 0, wall / 2], ident))
        shapes.append((p.GEOM_BOX, [ix, t / 2, wall / 2], [0, iy + t / 2, wall / 2], ident))
        shapes.append((p.GEOM_BOX, [ix, t / 2, wall / 2], [0, -iy - t / 2, wall / 2], ident))
    return inner, wall, shapes


def _shape_pair(client: int, shape: Shape, colour: tuple[float, ...]) -> tuple[int, int]:
    """The collision and visual shape of one receptacle part."""
    geom, dims, pos, q = shape
    if geom == p.GEOM_BOX:
        col_size = vis_size = {"halfExtents": dims}
    else:  # a cylinder, whose height pybullet calls "length" in a visual shape
        col_size, vis_size = {"radius": dims[0], "height": dims[1]}, {"radius": dims[0], "length": dims[1]}
    col = p.createCollisionShape(
        geom, **col_size, collisionFramePosition=pos, collisionFrameOrientation=q, physicsClientId=client
    )
    vis = p.createVisualShape(
        geom,
        **vis_size,
        rgbaColor=colour,
        visualFramePosition=pos,
        visualFrameOrientation=q,
        physicsClientId=client,
    )
    return col, vis


class TabletopWorld:
    """One pybullet DIRECT client holding the table, the Panda and a scene (see the module docstring)."""

    def __init__(self, config: TabletopConfig | None = None, robot: bool = True) -> None:
        self.config = config or TabletopConfig()
        self.client = p.connect(p.DIRECT)
        self.with_robot = robot
        self.scene: Scene | None = None
        self.robot = -1
        self.table = -1
        self._reset_bodies()

    # -- construction --------------------------------------------------------------------------
    def _reset_bodies(self) -> None:
        c = self.client
        p.resetSimulation(physicsClientId=c)
        self._shapes: dict[str, tuple[int, int]] = {}
        p.setGravity(0, 0, -9.81, physicsClientId=c)
        p.setTimeStep(TIMESTEP, physicsClientId=c)
        p.setPhysicsEngineParameter(
            numSolverIterations=50, deterministicOverlappingPairs=1, physicsClientId=c
        )
        half = (0.55, 0.6, 0.05)
        col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=c)
        vis = p.createVisualShape(
            p.GEOM_BOX, halfExtents=half, rgbaColor=(0.62, 0.5, 0.38, 1), physicsClientId=c
        )
        self.table = p.createMultiBody(0, col, vis, (-0.05, 0.0, -half[2]), physicsClientId=c)
        p.changeDynamics(self.table, -1, lateralFriction=0.8, physicsClientId=c)
        if self.with_robot:
            path = f"{pybullet_data.getDataPath()}/franka_panda/panda.urdf"
            self.robot = p.loadURDF(path, ROBOT_BASE, useFixedBase=True, physicsClientId=c)
            self.arm_joints = [
                j
                for j in range(p.getNumJoints(self.robot, physicsClientId=c))
                if p.getJointInfo(self.robot, j, physicsClientId=c)[2] == p.JOINT_REVOLUTE
            ]
            self.finger_joints = [
                j
                for j in range(p.getNumJoints(self.robot, physicsClientId=c))
                if p.getJointInfo(self.robot, j, physicsClientId=c)[2] == p.JOINT_PRISMATIC
            ]
            names = [
                p.getJointInfo(self.robot, j, physicsClientId=c)[12].decode()
                for j in range(p.getNumJoints(self.robot, physicsClientId=c))
            ]
            self.hand_link = names.index("panda_hand")
            for j, q in zip(self.arm_joints, HOME_JOINTS, strict=True):
                p.resetJointState(self.robot, j, q, physicsClientId=c)
            for j in self.finger_joints:
                p.resetJointState(self.robot, j, 0.04, physicsClientId=c)
                p.changeDynamics(self.robot, j, lateralFriction=1.5, spinningFriction=0.01, physicsClientId=c)

    def close(self) -> None:
        if self.client >= 0:
            p.disconnect(physicsClientId=self.client)
            self.client = -1

    def __del__(self) -> None:  # a world left open keeps a physics server alive
        with contextlib.suppress(Exception):  # interpreter shutdown may have removed pybullet
            self.close()

    def add_object(
        self, name: str, pos: NDArray[np.floating], quat: tuple[float, ...], mass: float | None = None
    ) -> int:
        """Create one body of model ``name`` (``mass`` 0 makes it static)."""
        m = get_model(name)
        c = self.client
        if name not in self._shapes:
            self._shapes[name] = self._make_shapes(name)
        col, vis = self._shapes[name]
        body = p.createMultiBody(
            m.mass if mass is None else mass, col, vis, list(pos), list(quat), physicsClientId=c
        )
        p.changeDynamics(
            body, -1, lateralFriction=1.0, spinningFriction=0.002, rollingFriction=0.0001, physicsClientId=c
        )
        return body

    def _make_shapes(self, name: str) -> tuple[int, int]:
        """Collision and visual shapes of a model, made once per simulation (mesh hulls are slow)."""
        m = get_model(name)
        c = self.client
        if m.kind == "box":
            half = [0.5 * d for d in m.dims]
            col = p.createCollisionShape(p.GEOM_BOX, halfExtents=half, physicsClientId=c)
            vis = p.createVisualShape(p.GEOM_BOX, halfExtents=half, rgbaColor=m.rgba, physicsClientId=c)
        elif m.kind == "cylinder":
            col = p.createCollisionShape(
                p.GEOM_CYLINDER, radius=m.dims[0], height=m.dims[1], physicsClientId=c
            )
            vis = p.createVisualShape(
                p.GEOM_CYLINDER, radius=m.dims[0], length=m.dims[1], rgbaColor=m.rgba, physicsClientId=c
            )
        elif m.kind == "sphere":
            col = p.createCollisionShape(p.GEOM_SPHERE, radius=m.dims[0], physicsClientId=c)
            vis = p.createVisualShape(p.GEOM_SPHERE, radius=m.dims[0], rgbaColor=m.rgba, physicsClientId=c)
        else:
            scale = [m.scale] * 3
            col = p.createCollisionShape(
                p.GEOM_MESH, fileName=m.mesh_file, meshScale=scale, physicsClientId=c
            )
            vis = p.createVisualShape(
                p.GEOM_MESH, fileName=m.mesh_file, meshScale=scale, rgbaColor=m.rgba, physicsClientId=c
            )
        return col, vis

    def add_receptacle(self, kind: str, centre: NDArray[np.floating], yaw: float) -> Receptacle:
        """A static receptacle built from boxes: a tray (low walls), a box (tall walls) or a bowl
        (a round floor with a ring of 12 wall segments)."""
        inner, wall, shapes = receptacle_shapes(kind)
        c = self.client
        pairs = [_shape_pair(c, shape, RECEPTACLE_COLOURS[kind]) for shape in shapes]
        cols, viss = [col for col, _ in pairs], [vis for _, vis in pairs]
        # One body, many shapes: the first is the base, the rest are fixed links.
        n = len(cols) - 1
        body = p.createMultiBody(
            0,
            cols[0],
            viss[0],
            [float(centre[0]), float(centre[1]), 0.0],
            p.getQuaternionFromEuler((0, 0, yaw)),
            linkMasses=[0.0] * n,
            linkCollisionShapeIndices=cols[1:],
            linkVisualShapeIndices=viss[1:],
            linkPositions=[[0, 0, 0]] * n,
            linkOrientations=[[0, 0, 0, 1]] * n,
            linkInertialFramePositions=[[0, 0, 0]] * n,
            linkInertialFrameOrientations=[[0, 0, 0, 1]] * n,
            linkParentIndices=[0] * n,
            linkJointTypes=[p.JOINT_FIXED] * n,
            linkJointAxis=[[0, 0, 1]] * n,
            physicsClientId=c,
        )
        for link in range(-1, n):
            p.changeDynamics(body, link, lateralFriction=0.8, physicsClientId=c)
        return Receptacle(
            kind, body, np.asarray(centre[:2], np.float64), float(yaw), inner, WALL_THICKNESS, wall
        )

    def build(
        self,
        seed: int,
        split: str = "train",
        num_objects: int | None = None,
        receptacle: str | None = None,
    ) -> Scene:
        """Draw and settle the scene of ``seed`` using models of ``split`` (see the module docstring)."""
        cfg = self.config
        rng = np.random.default_rng([int(seed), 7177])
        self._reset_bodies()
        side = 1.0 if rng.random() < 0.5 else -1.0  # receptacle left or right of the clutter
        kind = receptacle or RECEPTACLE_KINDS[int(rng.integers(len(RECEPTACLE_KINDS)))]
        rc = np.array([rng.uniform(*RECEPTACLE_REGION[0]), side * rng.uniform(*RECEPTACLE_REGION[1])])
        rec = self.add_receptacle(kind, rc, float(rng.uniform(-0.3, 0.3)))
        names = split_names(split)
        k = (
            num_objects
            if num_objects is not None
            else int(rng.integers(cfg.min_objects, cfg.max_objects + 1))
        )
        scene = Scene(seed=int(seed), split=split, receptacle=rec)
        for i in range(k):
            name = draw_model(names, rng)
            x = rng.uniform(*OBJECT_REGION[0])
            y = -side * (0.13 + rng.uniform(*OBJECT_REGION[1]) + 0.1)
            quat = self._random_orientation(name, rng)
            z = half_height(name) + 0.06 + 0.05 * i  # stagger drops so objects pile into clutter
            body = self.add_object(name, np.array([x, y, z]), quat)
            scene.objects.append(SceneObject(name, body))
        self._settle(cfg.settle_steps)
        scene.objects = [o for o in scene.objects if self._on_table(o.body)]
        centre = np.array([0.11, 0.0, 0.0])
        n_cam = int(rng.integers(cfg.min_cameras, cfg.max_cameras + 1))
        scene.cameras = cameras.random_cameras(rng, n_cam, cfg.image_size, centre)
        self.scene = scene
        return scene

    def _random_orientation(self, name: str, rng: np.random.Generator) -> tuple[float, float, float, float]:
        yaw = float(rng.uniform(-math.pi, math.pi))
        if name.startswith("random/"):
            return p.getQuaternionFromEuler(tuple(rng.uniform(-math.pi, math.pi, 3)))
        if rng.random() < 0.35 and get_model(name).kind != "sphere":  # lying on a side
            return p.getQuaternionFromEuler((math.pi / 2, 0.0, yaw))
        return p.getQuaternionFromEuler((0.0, 0.0, yaw))

    def _settle(self, steps: int) -> None:
        for _ in range(steps):
            p.stepSimulation(physicsClientId=self.client)

    def _on_table(self, body: int) -> bool:
        """Kept objects rest on the table inside the workspace; others are removed."""
        pos, _ = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        inside = bool(
            np.all(np.asarray(pos) >= cameras.WORKSPACE_LOW + [0.03, 0.03, -1])
            and np.all(np.asarray(pos) <= cameras.WORKSPACE_HIGH - [0.03, 0.03, 0])
        )
        if not inside or pos[2] < -0.01:
            p.removeBody(body, physicsClientId=self.client)
            return False
        return True

    # -- observation ---------------------------------------------------------------------------
    def observe(self, rng: np.random.Generator | None = None, num_points: int | None = None) -> cameras.Cloud:
        """Render every camera, fuse, and resample to a fixed number of points; ``segment`` holds
        object indices (-1 for the table, robot and background)."""
        scene = self._need_scene()
        views = [cameras.render(self.client, cam) for cam in scene.cameras]
        cloud = cameras.fuse(views, voxel=self.config.voxel)
        rng = rng or np.random.default_rng([scene.seed, 31])
        cloud = cameras.resample(cloud, num_points or self.config.num_points, rng)
        lut = {b: i for i, b in enumerate(scene.bodies)}
        segment = np.array([lut.get(int(b), -1) for b in cloud.segment], dtype=np.int32)
        return cameras.Cloud(cloud.points, cloud.rgb, segment, cloud.normals)

    def _need_scene(self) -> Scene:
        if self.scene is None:
            raise RuntimeError("no scene: call build(seed) first")
        return self.scene

    def object_pose(self, body: int) -> NDArray[np.float64]:
        pos, quat = p.getBasePositionAndOrientation(body, physicsClientId=self.client)
        return matrix_from_pose(pos, quat)
