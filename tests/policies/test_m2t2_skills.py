"""M2T2 as the apartment's learned pick and place skills: frames, receptacle points, one episode."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from robostack.core import registry
from robostack.core.types import Action, Subtask
from robostack.hal import SimRobot
from robostack.policies.baselines.manipulate import ClassicalPick, nearest_footprint_point
from robostack.policies.baselines.navigate import ClassicalNavigate
from robostack.policies.m2t2.skill import (
    RECEPTACLE,
    M2T2Pick,
    M2T2Place,
    hand_target,
    m2t2_hand_pose,
    mark_receptacle,
)
from robostack.sim.tabletop.cameras import Cloud
from robostack.sim.tabletop.gripper import GRIPPER_DEPTH


def test_hand_frames_convert_both_ways():
    rotation = Rotation.from_euler("xyz", [0.3, -1.1, 2.0]).as_matrix()
    pose = np.eye(4)
    pose[:3, :3], pose[:3, 3] = rotation, [0.4, -0.2, 0.9]
    centre, approach, quat = hand_target(pose)
    np.testing.assert_allclose(approach, rotation[:, 2])
    np.testing.assert_allclose(centre, pose[:3, 3] + GRIPPER_DEPTH * rotation[:, 2])
    hand = Rotation.from_quat(quat).as_matrix()
    np.testing.assert_allclose(hand[:, 1], rotation[:, 0], atol=1e-9)  # closing axis = baseline
    np.testing.assert_allclose(m2t2_hand_pose(centre, quat), pose, atol=1e-9)


def test_receptacle_points_are_found_by_footprint():
    class Sink:
        center, size = (1.0, 2.0), (0.4, 0.6, 0.9)

    points = np.array(
        [[1.1, 2.2, 0.0], [1.5, 2.0, 0.0], [0.9, 1.8, 0.05], [0.9, 1.85, 0.0], [1.17, 2.0, 0.0]], np.float32
    )
    zeros = np.zeros_like(points)
    cloud = Cloud(points, zeros, np.array([5, 5, 9, 5, 5], np.int32), zeros)
    segment = mark_receptacle(cloud, np.eye(4), Sink(), objects={9}, mount=np.array([1.5, 2.2]))
    # kept as they were: off the footprint, an object, beyond the arm's reach (0.69 m from the
    # mount), and 3 cm from the footprint's edge
    assert segment.tolist() == [RECEPTACLE, 5, 9, 5, 5]


def test_the_nearest_point_of_a_footprint():
    class Sink:
        center, size = (1.0, 2.0), (0.4, 0.6, 0.9)

    class World:
        def __init__(self, x: float, y: float) -> None:
            self.pose = np.array([x, y, 0.0])

        def base_pose(self) -> np.ndarray:
            return self.pose

    np.testing.assert_allclose(nearest_footprint_point(World(2.0, 2.1), Sink()), [1.2, 2.1])
    np.testing.assert_allclose(nearest_footprint_point(World(1.1, 1.0), Sink()), [1.1, 1.7])
    np.testing.assert_allclose(nearest_footprint_point(World(0.0, 3.0), Sink()), [0.8, 2.3])  # a corner


def test_learned_skills_are_declared():
    assert {"pick/learned", "place/learned"} <= set(registry.names("skill"))


def test_m2t2_places_a_picked_mug_in_the_sink():
    with SimRobot("apartment", seed=7) as robot:
        nav = ClassicalNavigate()
        assert M2T2Place().run(Subtask("place", "place", "red mug", "sink"), robot).reason == "not_holding"
        assert M2T2Pick().run(Subtask("pick", "pick", "grand piano"), robot).reason == "not_found"
        assert nav.run(Subtask("navigate", "go_to", "red mug"), robot).success
        assert ClassicalPick().run(Subtask("pick", "pick", "red mug"), robot).success
        assert nav.run(Subtask("navigate", "go_to", "sink"), robot).success
        result = M2T2Place().run(Subtask("place", "place", "red mug", "sink"), robot)
        assert result.success, result.detail
        assert robot.world.holding is None


def test_m2t2_pick_steps_up_to_a_target_out_of_reach():
    with SimRobot("apartment", seed=7) as robot:
        assert ClassicalNavigate().run(Subtask("navigate", "go_to", "red mug"), robot).success
        world = robot.world
        for _ in range(20):  # back away, as a navigator that counts 1 m as arrived may stop
            robot.send(Action(-0.2, 0.0))
        mug = world.object_position("red mug")[:2]
        far = float(np.linalg.norm(world.base_pose()[:2] - mug))
        result = M2T2Pick().run(Subtask("pick", "pick", "red mug"), robot)
        assert result.success, result.detail
        assert float(np.linalg.norm(world.base_pose()[:2] - mug)) < far - 0.1


@pytest.mark.parametrize("skill", [M2T2Pick, M2T2Place])
def test_learned_skills_need_a_simulated_world(skill):
    class Real:
        world = None

    assert skill().run(Subtask("pick", "pick", "red mug", "sink"), Real()).reason == "unsupported"
