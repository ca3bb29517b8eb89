"""The pybullet apartment: kinematics, the geometric gripper, cameras and the privileged map."""

import math

import numpy as np
import pytest

from robostack.sim.apartment.config import ApartmentConfig
from robostack.sim.apartment.layout import generate_layout
from robostack.sim.apartment.world import ApartmentWorld, top_down_orientation


@pytest.fixture(scope="module")
def world():
    w = ApartmentWorld(generate_layout(7), ApartmentConfig(image_size=64, wrist_image_size=32))
    yield w
    w.close()


def _face(world: ApartmentWorld, target: np.ndarray) -> None:
    """Drive-free placement: the nearest reachable pose ~0.55 m from ``target``, facing it."""
    best = None
    for r in np.linspace(0.45, 0.7, 6):
        for a in np.linspace(-math.pi, math.pi, 48, endpoint=False):
            x, y = target[0] + r * math.cos(a), target[1] + r * math.sin(a)
            yaw = math.atan2(target[1] - y, target[0] - x)
            if world.nav_map.is_free((x, y)) and not world.pose_collides(x, y, yaw):
                best = (x, y, yaw)
                break
        if best:
            break
    assert best is not None
    world.set_base_pose(*best)


def test_pick_and_release_the_red_mug(world):
    world.reset_episode(world.layout.robot_start)
    mug = world.object_position("red mug")
    _face(world, mug)
    yaw = world.base_pose()[2]
    quat = top_down_orientation(yaw)
    q = world.inverse_kinematics(mug, quat)
    pos, _ = world.forward_kinematics(q)
    assert np.linalg.norm(pos - mug) < 0.01
    world.set_arm_joints(q)
    assert world.grasp_candidate() == "red mug"
    assert world.close_gripper() == "red mug"
    assert world.holding == "red mug"
    assert world.finger_positions()[0] == pytest.approx(0.03)
    world.set_arm_joints(world.inverse_kinematics(mug + np.array([0, 0, 0.1]), quat))
    assert world.object_position("red mug")[2] > mug[2] + 0.07  # it follows the hand
    world.set_arm_joints(world.inverse_kinematics(mug + np.array([0, 0, 0.03]), quat))
    world.open_gripper()
    assert world.holding is None
    settled = world.object_position("red mug")
    assert settled[2] == pytest.approx(mug[2], abs=0.01)  # fell back onto the counter
    assert np.linalg.norm(settled[:2] - mug[:2]) < 0.05


def test_fingertips_near_a_mugs_top_take_it(world):
    """An upright cylinder spans its length along the approach, not its diameter: fingertips
    1.5 cm below the 10 cm mug's top overlap it, so a close takes it."""
    world.reset_episode(world.layout.robot_start)
    mug = world.object_position("red mug")
    height = world.object_spec("red mug").size[2]
    _face(world, mug)
    quat = top_down_orientation(world.base_pose()[2])
    world.set_arm_joints(world.inverse_kinematics(mug + np.array([0, 0, height / 2 - 0.015]), quat))
    assert world.grasp_candidate() == "red mug"
    world.set_arm_joints(world.inverse_kinematics(mug + np.array([0, 0, height / 2 + 0.02]), quat))
    assert world.grasp_candidate() is None  # fingertips above the top


def test_a_bad_place_falls_to_the_floor(world):
    world.reset_episode(world.layout.robot_start)
    mug = world.object_position("red mug")
    _face(world, mug)
    quat = top_down_orientation(world.base_pose()[2])
    world.set_arm_joints(world.inverse_kinematics(mug, quat))
    assert world.close_gripper() == "red mug"
    counter = world.furniture("kitchen counter")
    # Carry it past the counter's front edge, towards the robot, and let go in mid-air.
    base = world.base_pose()
    toward = np.array([base[0], base[1]]) - mug[:2]
    toward /= np.linalg.norm(toward)
    x0, y0, x1, y1 = counter.footprint()
    for step in np.arange(0.05, 0.5, 0.05):
        xy = mug[:2] + step * toward
        if not (x0 - 0.05 <= xy[0] <= x1 + 0.05 and y0 - 0.05 <= xy[1] <= y1 + 0.05):
            break
    target = np.array([xy[0], xy[1], mug[2] + 0.05])
    world.set_arm_joints(world.inverse_kinematics(target, quat))
    world.open_gripper()
    assert world.object_position("red mug")[2] < 0.1  # on the floor, not on the counter
    assert world.physics_dirty


def test_closing_on_nothing(world):
    world.reset_episode(world.layout.robot_start)
    world.set_arm_joints(world.ARM_HOME)
    assert world.close_gripper() is None
    assert world.holding is None
    assert np.allclose(world.finger_positions(), 0.0)
    world.open_gripper()
    assert np.allclose(world.finger_positions(), 0.04)


def test_cameras_and_depth(world):
    world.reset_episode(world.layout.robot_start)
    rgb, depth = world.render_head()
    assert rgb.shape == (64, 64, 3) and rgb.dtype == np.uint8
    assert depth.shape == (64, 64) and depth.dtype == np.float32
    assert np.all(depth >= world.config.near) and np.all(depth <= world.config.far)
    assert depth.min() < 3.0  # walls and floor are in view, not empty space
    assert world.render_wrist().shape == (32, 32, 3)


@pytest.mark.parametrize("seed", [7, 3])
def test_culling_does_not_change_the_image(seed):
    """Portal culling only hides what walls hide: culled and full renders agree from random poses."""
    layout = generate_layout(seed)
    with ApartmentWorld(layout, ApartmentConfig(image_size=48)) as w:
        rng = np.random.default_rng(seed)
        visibility = w._visibility
        checked = 0
        while checked < 25:
            x, y = rng.uniform(0, layout.size[0]), rng.uniform(0, layout.size[1])
            if not w.nav_map.is_free((x, y)):
                continue
            w.set_base_pose(x, y, rng.uniform(-math.pi, math.pi))
            culled, _ = w.render_head()
            visibility.visible_rooms = lambda *a, **k: visibility.all_rooms  # type: ignore[method-assign]
            full, _ = w.render_head()
            del visibility.visible_rooms
            assert np.mean(np.any(culled != full, axis=-1)) < 0.003, (x, y)
            checked += 1


def test_map_queries(world):
    layout = world.layout
    start = layout.robot_start
    assert world.room_at(start[:2]) == layout.room_at(start[0], start[1])
    assert not world.pose_collides(*start)
    sink = world.furniture("sink")
    assert sink.kind == "sink" and sink.room == "kitchen"
    assert world.pose_collides(sink.center[0], sink.center[1], 0.0)
    d = world.geodesic_distance(start[:2], sink.center)
    assert math.isfinite(d) and d >= math.dist(start[:2], sink.center) - 0.7
    assert world.nav_map.grid.sum() > world.occupancy.grid.sum()
    img = world.render_topdown(20)
    u, v = world.topdown_pixel(start[:2], 20)
    assert 0 <= v < img.shape[0] and 0 <= u < img.shape[1]
    assert set(world.object_names()) == {o.name for o in layout.objects}


@pytest.mark.parametrize("seed", [7, 3])
def test_ray_cast_shell_matches_rendered_geometry(seed):
    """surfaces.py ray-casts floor, ceiling and walls; TinyRenderer drawing real boxes for them must give
    the same frames, up to edge pixels (rasterisation rules) and float rounding in depth."""
    import pybullet as p

    from robostack.sim.apartment.layout import WALL_HEIGHT
    from robostack.sim.apartment.world import CEILING_COLOR, ROOM_COLORS

    layout = generate_layout(seed)
    with ApartmentWorld(layout, ApartmentConfig(image_size=64)) as w:
        rng = np.random.default_rng(seed)
        poses = []
        while len(poses) < 12:
            x, y = rng.uniform(0, layout.size[0]), rng.uniform(0, layout.size[1])
            if w.nav_map.is_free((x, y)):
                poses.append((x, y, rng.uniform(-math.pi, math.pi)))
        cast = []
        for pose in poses:
            w.set_base_pose(*pose)
            cast.append(w.render_head())
        for room in layout.rooms:
            half = ((room.x1 - room.x0) / 2, (room.y1 - room.y0) / 2, 0.005)
            for z, rgba in ((-0.005, (*ROOM_COLORS[room.name], 1)), (WALL_HEIGHT + 0.005, CEILING_COLOR)):
                vis = p.createVisualShape(
                    p.GEOM_BOX, halfExtents=half, rgbaColor=rgba, physicsClientId=w._cid
                )
                centre = ((room.x0 + room.x1) / 2, (room.y0 + room.y1) / 2, z)
                p.createMultiBody(0, -1, vis, centre, physicsClientId=w._cid)
        w._draw_walls(True)
        w._draw_walls = lambda drawn: None  # keep the real walls in view
        for pose, (rgb, depth) in zip(poses, cast, strict=True):
            w.set_base_pose(*pose)
            eye, forward, up = w.head_camera_pose()
            w._cull_for(eye, forward)
            real_rgb, real_depth = w._render(64, eye, forward, up, 90.0, w.config.near, shell=False)
            differs = np.abs(rgb.astype(int) - real_rgb.astype(int)).max(axis=-1) > 3
            assert differs.mean() < 0.02, pose
            assert np.median(np.abs(depth - real_depth)) < 1e-3
