"""Grasp and placement labels, computed by executing each candidate in simulation.

Grasps. Antipodal candidates are sampled on each object's collision surface: a surface point ``c``
with outward normal ``n`` gives the baseline ``b = -n``; a ray from ``c`` along ``b`` finds the far
side ``q`` (width ``|q - c|`` <= 0.08 m), which must face back within `ANTIPODAL_DEG`; the approach
is a random direction orthogonal to ``b`` that points down (a hand cannot come up through the
table). Each candidate is executed with a free-floating Panda-sized gripper (palm + two fingers,
the geometry of `robostack.sim.tabletop.gripper`), as Contact-GraspNet's simulator labels did:
the open gripper is placed at the pre-grasp and grasp poses (any penetration of the scene = failure),
the fingers close, the hand lifts 10 cm and shakes; success = the object left the table and is still
touched by both fingers.

Placements. A held object (upright, random yaw, gripped top-down) is tried on a 2.5 cm xy grid over
the receptacle (plus a 2 cm margin) for 8 yaw bins (45 degree steps, M2T2's prompts): every trial
is a copy of the object released 1 cm above the surface found by a downward ray; copies never
collide with each other (collision groups) and run side by side on static copies of the receptacle,
so all trials of a scene share one 0.25 s simulation. Success = no penetration at release, then the
object rests on the receptacle only (not the table), moved < 2 cm, tilted < 20 degrees, nearly
still. Cells whose downward ray meets the table or another object rather than the receptacle are
failures without a simulation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import open3d as o3d
import pybullet as p
from numpy.typing import NDArray

from robostack.data.grasp_dataset import NUM_YAW_BINS, GraspSet
from robostack.sim.tabletop.gripper import FINGER_JOINT_Z, GRIPPER_DEPTH, MAX_WIDTH, grasp_pose
from robostack.sim.tabletop.objects import get_model, hull_mesh, surface_points
from robostack.sim.tabletop.world import (
    TabletopWorld,
    matrix_from_pose,
    quat_from_matrix,
    rot_z,
)

ANTIPODAL_DEG = 25.0
PREGRASP = 0.08  # metres back along the approach checked for collisions
LIFT = 0.10
FINGER_HALF = (0.006, 0.011, 0.026)  # finger box half sizes (x = baseline)
FINGER_TIP = GRIPPER_DEPTH + 0.008  # fingertip along the approach axis
PALM_HALF = (0.105, 0.03, 0.028)
PALM_Z = FINGER_JOINT_Z - PALM_HALF[2]
FINGER_TRAVEL = MAX_WIDTH / 2 + FINGER_HALF[0]
PLACE_GRID = 0.025
PLACE_DROP = 0.01
CONTACT_RADIUS = 0.005
COPY_GROUP = 0x8  # placement copies: collide with dynamic (1) and static (2) bodies, not each other


@dataclass
class Candidate:
    contact: NDArray[np.float64]
    approach: NDArray[np.float64]
    baseline: NDArray[np.float64]
    width: float


# -- grasp candidates ------------------------------------------------------------------------
def sample_antipodal(
    name: str, pose: NDArray[np.float64], count: int, rng: np.random.Generator, tries: int = 400
) -> list[Candidate]:
    """Up to ``count`` antipodal grasps on model ``name`` at world ``pose`` (see module docstring)."""
    pts, normals = surface_points(name, tries, int(rng.integers(2**31)))
    mesh = o3d.t.geometry.TriangleMesh.from_legacy(hull_mesh(name))
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(mesh)
    b = -normals
    origins = pts + 1e-4 * b
    rays = np.concatenate([origins, b], 1).astype(np.float32)
    hit = scene.cast_rays(o3d.core.Tensor(rays))
    t = hit["t_hit"].numpy()
    far_normal = hit["primitive_normals"].numpy().astype(np.float64)
    far_normal /= np.linalg.norm(far_normal, axis=1, keepdims=True) + 1e-12
    # The exit face's outward normal points along +b for an antipodal pair (either winding).
    cos = np.abs(np.einsum("ij,ij->i", far_normal, b))
    ok = (
        np.isfinite(t) & (t > 0.003) & (t < MAX_WIDTH - 0.004) & (cos > math.cos(math.radians(ANTIPODAL_DEG)))
    )
    rot, trans = pose[:3, :3], pose[:3, 3]
    out: list[Candidate] = []
    for i in rng.permutation(np.flatnonzero(ok)):
        c = rot @ pts[i] + trans
        bw = rot @ b[i]
        a = _downward_approach(bw, rng)
        if a is None:
            continue
        cand = Candidate(c, a, bw, float(t[i]))
        if lowest_point(cand) < 0.002:  # would dig into the table: not worth simulating
            continue
        out.append(cand)
        if len(out) >= count:
            break
    return out


def gripper_corners(pose: NDArray[np.float64], opening: float) -> NDArray[np.float64]:
    """World corners of the palm and both fingers' boxes at ``pose`` with the given opening."""
    boxes = [(np.array([0.0, 0.0, PALM_Z]), np.array(PALM_HALF))]
    fz = FINGER_TIP - FINGER_HALF[2]
    for sign in (-1.0, 1.0):
        boxes.append((np.array([sign * (opening / 2 + FINGER_HALF[0]), 0.0, fz]), np.array(FINGER_HALF)))
    signs = np.array([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)], float)
    local = np.concatenate([centre + signs * half for centre, half in boxes])
    return local @ pose[:3, :3].T + pose[:3, 3]


def lowest_point(cand: Candidate) -> float:
    """Lowest z of the open gripper at the grasp pose."""
    pose = grasp_pose(cand.contact, cand.approach, cand.baseline, cand.width)
    return float(gripper_corners(pose, min(MAX_WIDTH, cand.width + 0.025))[:, 2].min())


def _downward_approach(b: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64] | None:
    """A random unit vector orthogonal to ``b`` pointing at least 37 degrees below horizontal."""
    helper = np.array([0.0, 0.0, 1.0]) if abs(b[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(b, helper)
    u /= np.linalg.norm(u)
    v = np.cross(b, u)
    for _ in range(12):
        ang = rng.uniform(0, 2 * math.pi)
        a = math.cos(ang) * u + math.sin(ang) * v
        if a[2] < -0.6:
            return a
    # The most downward direction in the plane, if it points down at all.
    a = -(u * u[2] + v * v[2])
    n = np.linalg.norm(a)
    if n < 1e-6 or a[2] / n > -0.6:
        return None
    return a / n


# -- floating gripper ------------------------------------------------------------------------
class FloatingGripper:
    """A Panda-sized free-floating gripper: palm box plus two box fingers on prismatic joints along
    its x axis (the grasp frame of `grasp_pose`), driven by a fixed constraint."""

    def __init__(self, client: int) -> None:
        self.client = c = client
        palm = p.createCollisionShape(p.GEOM_BOX, halfExtents=PALM_HALF, physicsClientId=c)
        finger = p.createCollisionShape(p.GEOM_BOX, halfExtents=FINGER_HALF, physicsClientId=c)
        fz = FINGER_TIP - FINGER_HALF[2]
        self.body = p.createMultiBody(
            0.8,
            palm,
            -1,
            [3.0, 0.0, 1.0],
            [0, 0, 0, 1],
            baseInertialFramePosition=[0, 0, 0],
            linkMasses=[0.1, 0.1],
            linkCollisionShapeIndices=[finger, finger],
            linkVisualShapeIndices=[-1, -1],
            linkPositions=[[0, 0, fz - PALM_Z], [0, 0, fz - PALM_Z]],
            linkOrientations=[[0, 0, 0, 1]] * 2,
            linkInertialFramePositions=[[0, 0, 0]] * 2,
            linkInertialFrameOrientations=[[0, 0, 0, 1]] * 2,
            linkParentIndices=[0, 0],
            linkJointTypes=[p.JOINT_PRISMATIC] * 2,
            linkJointAxis=[[1, 0, 0]] * 2,
            physicsClientId=c,
        )
        for link in (0, 1):
            p.changeDynamics(self.body, link, lateralFriction=1.5, spinningFriction=0.01, physicsClientId=c)
        self.constraint = p.createConstraint(
            self.body, -1, -1, -1, p.JOINT_FIXED, [0, 0, 0], [0, 0, 0], [3.0, 0.0, 1.0], physicsClientId=c
        )

    def _base_pose(self, pose: NDArray[np.float64]) -> tuple[list[float], tuple[float, ...]]:
        # The body's origin is the palm centre, PALM_Z along the approach from the hand frame.
        pos = pose[:3, 3] + PALM_Z * pose[:3, 2]
        return list(map(float, pos)), quat_from_matrix(pose[:3, :3])

    def teleport(self, pose: NDArray[np.float64], opening: float) -> None:
        pos, quat = self._base_pose(pose)
        c = self.client
        p.resetBasePositionAndOrientation(self.body, pos, quat, physicsClientId=c)
        p.resetBaseVelocity(self.body, [0, 0, 0], [0, 0, 0], physicsClientId=c)
        q = opening / 2 + FINGER_HALF[0]
        p.resetJointState(self.body, 0, -q, physicsClientId=c)
        p.resetJointState(self.body, 1, q, physicsClientId=c)
        p.changeConstraint(self.constraint, pos, quat, maxForce=2000, physicsClientId=c)
        for j, target in ((0, -q), (1, q)):
            p.setJointMotorControl2(self.body, j, p.POSITION_CONTROL, target, force=60, physicsClientId=c)

    def move(self, pose: NDArray[np.float64]) -> None:
        pos, quat = self._base_pose(pose)
        p.changeConstraint(self.constraint, pos, quat, maxForce=2000, physicsClientId=self.client)

    def close(self, force: float = 40.0) -> None:
        for j, sign in ((0, -1.0), (1, 1.0)):
            p.setJointMotorControl2(
                self.body,
                j,
                p.POSITION_CONTROL,
                sign * (FINGER_HALF[0] - 0.002),
                force=force,
                maxVelocity=0.25,
                physicsClientId=self.client,
            )

    def penetrates(self, bodies: list[int], tol: float = 0.001) -> bool:
        p.performCollisionDetection(physicsClientId=self.client)
        for other in bodies:
            for cp in p.getClosestPoints(self.body, other, 0.0, physicsClientId=self.client):
                if cp[8] < -tol:
                    return True
        return False

    def touches_both(self, body: int) -> bool:
        links = {cp[3] for cp in p.getContactPoints(self.body, body, physicsClientId=self.client)}
        return 0 in links and 1 in links

    def park(self) -> None:
        self.teleport(np.array([[1, 0, 0, 3.0], [0, 1, 0, 0], [0, 0, 1, 1.0], [0, 0, 0, 1.0]]), MAX_WIDTH)


def translated(pose: NDArray[np.float64], offset: NDArray[np.float64]) -> NDArray[np.float64]:
    out = pose.copy()
    out[:3, 3] = out[:3, 3] + offset
    return out


def execute_floating_grasp(
    world: TabletopWorld, gripper: FloatingGripper, target: int, cand: Candidate
) -> bool:
    """Run one grasp (module docstring) from the current world state; True when it holds."""
    c = world.client
    pose = grasp_pose(cand.contact, cand.approach, cand.baseline, cand.width)
    opening = min(MAX_WIDTH, cand.width + 0.025)
    others = [world.table] + [b for b in world.scene.bodies if b != target] if world.scene else [world.table]
    for back in (PREGRASP, PREGRASP / 2, 0.0):
        gripper.teleport(translated(pose, -back * pose[:3, 2]), opening)
        if gripper.penetrates(others + [target]):
            return False
    z0 = p.getBasePositionAndOrientation(target, physicsClientId=c)[0][2]
    gripper.close()
    for _ in range(50):
        p.stepSimulation(physicsClientId=c)
    steps = 50
    for i in range(1, steps + 1):
        gripper.move(translated(pose, np.array([0, 0, LIFT * i / steps])))
        p.stepSimulation(physicsClientId=c)
    top = translated(pose, np.array([0, 0, LIFT]))
    for i in range(60):  # shake: +-2 cm at ~4 Hz along the baseline and the vertical
        s = 0.02 * math.sin(2 * math.pi * 4 * i * (1 / 240))
        gripper.move(translated(top, s * pose[:3, 0] + np.array([0, 0, s])))
        p.stepSimulation(physicsClientId=c)
    z1 = p.getBasePositionAndOrientation(target, physicsClientId=c)[0][2]
    return bool(z1 - z0 > 0.6 * LIFT and gripper.touches_both(target))


def label_grasps(world: TabletopWorld, per_object: int, rng: np.random.Generator) -> list[GraspSet]:
    """Sample and execute grasps on every scene object (receptacles get an empty set)."""
    scene = world.scene
    assert scene is not None
    c = world.client
    gripper = FloatingGripper(c)
    gripper.park()
    state = p.saveState(physicsClientId=c)
    out: list[GraspSet] = []
    for obj in scene.objects:
        pose = world.object_pose(obj.body)
        cands = sample_antipodal(obj.name, pose, per_object, rng)
        success = []
        for cand in cands:
            p.restoreState(stateId=state, physicsClientId=c)
            success.append(execute_floating_grasp(world, gripper, obj.body, cand))
        out.append(_grasp_set(cands, success))
    p.restoreState(stateId=state, physicsClientId=c)
    p.removeState(state, physicsClientId=c)
    p.removeBody(gripper.body, physicsClientId=c)
    if scene.receptacle is not None:
        out.append(GraspSet.empty())
    return out


def _grasp_set(cands: list[Candidate], success: list[bool]) -> GraspSet:
    if not cands:
        return GraspSet.empty()
    return GraspSet(
        contacts=np.array([x.contact for x in cands], np.float32),
        approach=np.array([x.approach for x in cands], np.float32),
        baseline=np.array([x.baseline for x in cands], np.float32),
        width=np.array([x.width for x in cands], np.float32),
        success=np.array(success, bool),
    )


def contact_masks(
    points: NDArray[np.float32], segment: NDArray[np.int32], grasps: list[GraspSet]
) -> NDArray[np.bool_]:
    """(K, N): points of object k within 5 mm of either finger contact of a successful grasp of k."""
    from scipy.spatial import cKDTree

    mask = np.zeros((len(grasps), len(points)), bool)
    tree = cKDTree(points)
    for k, g in enumerate(grasps):
        ok = g.success
        if not ok.any():
            continue
        c1 = g.contacts[ok].astype(np.float64)
        c2 = c1 + g.width[ok, None] * g.baseline[ok]
        for hits in tree.query_ball_point(np.concatenate([c1, c2]), CONTACT_RADIUS):
            mask[k, hits] = True
        mask[k] &= segment == k
    return mask


# -- placements ------------------------------------------------------------------------------
@dataclass
class HeldObject:
    name: str
    ee_pose: NDArray[np.float64]  # grasp-convention pose of the hand
    obj_in_ee: NDArray[np.float64]  # object pose in the ee frame
    points_ee: NDArray[np.float32]  # (M, 3) surface points in the ee frame


def make_held_object(name: str, rng: np.random.Generator, num_points: int = 1024) -> HeldObject:
    """The held object upright at a random yaw, gripped top-down across its narrower side, hovering
    over the workspace."""
    v = np.asarray(hull_mesh(name).vertices)
    yaw = float(rng.uniform(-math.pi, math.pi))
    obj = np.eye(4)
    obj[:3, :3] = rot_z(yaw)
    obj[:3, 3] = [0.12, 0.0, 0.30]
    ext = v.max(0) - v.min(0)
    baseline_local = np.array([1.0, 0, 0]) if ext[0] <= ext[1] else np.array([0, 1.0, 0])
    b = obj[:3, :3] @ baseline_local
    a = np.array([0.0, 0.0, -1.0])
    width = float(min(ext[:2].min(), MAX_WIDTH))
    top = obj[:3, 3] + np.array([0, 0, v[:, 2].max() - min(0.02, 0.4 * ext[2])])
    ee = grasp_pose(top - 0.5 * width * b, a, b, width)
    obj_in_ee = np.linalg.inv(ee) @ obj
    pts, _ = surface_points(name, num_points, int(rng.integers(2**31)))
    pts_ee = (obj_in_ee[:3, :3] @ pts.T).T + obj_in_ee[:3, 3]
    return HeldObject(name, ee, obj_in_ee, pts_ee.astype(np.float32))


def bottom_centre(points_world: NDArray[np.floating]) -> NDArray[np.float64]:
    """M2T2's reference point: lowest z, xy at the mean of the occupied 1 cm cells."""
    pts = np.asarray(points_world, np.float64)
    cells = np.unique(np.floor(pts[:, :2] / 0.01), axis=0)
    xy = (cells + 0.5).mean(0) * 0.01
    return np.array([xy[0], xy[1], pts[:, 2].min()])


def place_grid(world: TabletopWorld) -> NDArray[np.float64]:
    """(P, 3) grid points (2.5 cm) over the receptacle and a 2 cm margin, z = surface height below."""
    rec = world.scene.receptacle if world.scene else None
    assert rec is not None
    ticks = [np.arange(-r, r + 1e-9, PLACE_GRID) for r in (rec.inner[0] + 0.02, rec.inner[1] + 0.02)]
    ticks = [t - t.mean() for t in ticks]  # symmetric about the centre
    gx, gy = np.meshgrid(*ticks)
    local = np.stack([gx.ravel(), gy.ravel()], 1)
    xy = local @ rot_z(rec.yaw)[:2, :2].T + rec.centre
    froms = [[x, y, 0.5] for x, y in xy]
    tos = [[x, y, -0.05] for x, y in xy]
    hits = p.rayTestBatch(froms, tos, physicsClientId=world.client)
    z = np.array([h[3][2] if h[0] >= 0 else 0.0 for h in hits])
    return np.concatenate([xy, z[:, None]], 1)


def grid_on_receptacle(world: TabletopWorld, grid: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Cells whose downward ray first meets the receptacle; the rest (table, other objects) would
    rest on something else, so they are failures without a simulation."""
    rec = world.scene.receptacle if world.scene else None
    assert rec is not None
    froms = [[x, y, 0.5] for x, y, _ in grid]
    tos = [[x, y, -0.05] for x, y, _ in grid]
    hits = p.rayTestBatch(froms, tos, physicsClientId=world.client)
    return np.array([h[0] == rec.body for h in hits], dtype=bool)


def label_placements(world: TabletopWorld, held: HeldObject) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Try every grid cell x yaw bin (module docstring); returns (grid (P, 3), success (P, 8)).

    Trials run side by side, far from the scene: each yaw bin and each of 2x2 interleaved
    sub-lattices of the grid gets its own static copy of the receptacle and its neighbours, so
    copies rarely overlap (overlapping bodies cost broad-phase pairs even when they never collide).
    """
    scene = world.scene
    assert scene is not None and scene.receptacle is not None
    c = world.client
    rec = scene.receptacle
    grid = place_grid(world)
    on_rec = grid_on_receptacle(world, grid)
    state = p.saveState(physicsClientId=c)
    added: list[int] = []
    floor = p.createCollisionShape(p.GEOM_BOX, halfExtents=[20, 20, 0.05], physicsClientId=c)
    added.append(p.createMultiBody(0, floor, -1, [0, 0, -0.05 - 50.0], physicsClientId=c))
    near = [o for o in scene.objects if _near(world, o.body, grid)]
    obj_world0 = held.ee_pose @ held.obj_in_ee
    mass = get_model(held.name).mass
    pts_obj = (np.linalg.inv(held.obj_in_ee) @ np.c_[held.points_ee, np.ones(len(held.points_ee))].T).T[:, :3]
    local = np.round((grid[:, :2] - rec.centre) @ rot_z(rec.yaw)[:2, :2] / PLACE_GRID).astype(int)
    copies: list[tuple[int, int, int, NDArray[np.float64], int]] = []
    group = 0
    for k in range(NUM_YAW_BINS):
        rot = rot_z(2 * math.pi * k / NUM_YAW_BINS) @ obj_world0[:3, :3]
        ref = bottom_centre(pts_obj @ rot.T)
        quat = quat_from_matrix(rot)
        for sub in range(4):
            offset = np.array([1.5 * (group % 8), 1.5 * (group // 8), -50.0])
            group += 1
            sel = np.flatnonzero((local[:, 0] % 2 == sub % 2) & (local[:, 1] % 2 == sub // 2) & on_rec)
            base = world.add_receptacle(rec.kind, rec.centre + offset[:2], rec.yaw)
            _shift(c, base.body, offset)
            added.append(base.body)
            for o in near:
                pos, q = p.getBasePositionAndOrientation(o.body, physicsClientId=c)
                added.append(world.add_object(o.name, np.asarray(pos) + offset, q, mass=0.0))
            for i in sel:
                pos = grid[i] + offset - ref + np.array([0, 0, PLACE_DROP])
                body = world.add_object(held.name, pos, quat, mass=mass)
                p.setCollisionFilterGroupMask(body, -1, COPY_GROUP, 0x3, physicsClientId=c)
                copies.append((body, int(i), k, pos, base.body))
    added.extend(b for b, *_ in copies)
    p.performCollisionDetection(physicsClientId=c)
    start_ok = {b: all(cp[8] > -0.002 for cp in p.getContactPoints(b, physicsClientId=c)) for b, *_ in copies}
    for b, ok in start_ok.items():  # failed already: take them out of the simulation
        if not ok:
            p.resetBasePositionAndOrientation(b, [0, 0, -100.0], [0, 0, 0, 1], physicsClientId=c)
            p.changeDynamics(b, -1, mass=0.0, physicsClientId=c)
    for _ in range(60):  # 0.25 s
        p.stepSimulation(physicsClientId=c)
    success = np.zeros((len(grid), NUM_YAW_BINS), bool)
    for body, i, k, pos, rec_body in copies:
        if start_ok[body]:
            start_r = rot_z(2 * math.pi * k / NUM_YAW_BINS) @ obj_world0[:3, :3]
            success[i, k] = _rests_on(c, body, pos, start_r, rec_body)
    for b in added:
        p.removeBody(b, physicsClientId=c)
    p.restoreState(stateId=state, physicsClientId=c)
    p.removeState(state, physicsClientId=c)
    return grid, success


def _shift(client: int, body: int, offset: NDArray[np.float64]) -> None:
    pos, q = p.getBasePositionAndOrientation(body, physicsClientId=client)
    p.resetBasePositionAndOrientation(body, [pos[0], pos[1], pos[2] + offset[2]], q, physicsClientId=client)


def _near(world: TabletopWorld, body: int, grid: NDArray[np.float64]) -> bool:
    lo, hi = p.getAABB(body, physicsClientId=world.client)
    g_lo, g_hi = grid[:, :2].min(0) - 0.1, grid[:, :2].max(0) + 0.1
    return bool(lo[0] < g_hi[0] and hi[0] > g_lo[0] and lo[1] < g_hi[1] and hi[1] > g_lo[1])


def _rests_on(
    client: int, body: int, start: NDArray[np.float64], start_r: NDArray[np.float64], support: int
) -> bool:
    """Moved < 2 cm, tilted < 20 degrees, nearly still, and touching the receptacle (not the floor)."""
    end_pos, end_quat = p.getBasePositionAndOrientation(body, physicsClientId=client)
    moved = float(np.linalg.norm(np.asarray(end_pos[:2]) - start[:2]))
    end_r = matrix_from_pose(end_pos, end_quat)[:3, :3]
    tilt = math.degrees(math.acos(float(np.clip((np.trace(start_r.T @ end_r) - 1) / 2, -1, 1))))
    touching = {cp[2] for cp in p.getContactPoints(body, physicsClientId=client)}
    lin, _ = p.getBaseVelocity(body, physicsClientId=client)
    only_receptacle = touching == {support}
    return bool(moved < 0.02 and tilt < 20.0 and only_receptacle and float(np.linalg.norm(lin)) < 0.05)


def place_masks(
    points: NDArray[np.float32],
    segment: NDArray[np.int32],
    grid: NDArray[np.float64],
    success: NDArray[np.bool_],
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Per-point placement labels from the grid trials.

    ``place_region`` = points inside the tried grid's cells; ``place_mask[b]`` = region points on the
    surface of a cell whose yaw-b trial succeeded (within 1 cm of that cell's surface height, so
    wall tops and other objects stay negative). Denser than M2T2's 5 mm-of-a-grid-point rule, which
    at 4096 points would leave almost no positives.
    """
    from scipy.spatial import cKDTree

    tree = cKDTree(grid[:, :2])
    dist, cell = tree.query(points[:, :2].astype(np.float64), p=np.inf)
    region = dist <= PLACE_GRID / 2 + 1e-6
    on_surface = np.abs(points[:, 2] - grid[cell, 2]) < 0.01
    mask = success[cell].T & (region & on_surface)[None, :]
    return mask, region
