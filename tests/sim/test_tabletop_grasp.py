"""Grasp construction and execution in the tabletop world: a grasp that holds, one that grasps air."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robostack.sim.tabletop.gripper import GRIPPER_DEPTH, grasp_from_pose, grasp_pose, hand_from_grasp


def test_grasp_pose_against_hand_computed_poses() -> None:
    # top-down grasp, fingers along world x: R = [b, a x b, a], t = c + w/2 b - 0.1034 a
    pose = grasp_pose(np.array([0.1, 0.2, 0.05]), np.array([0, 0, -1.0]), np.array([1.0, 0, 0]), 0.04)
    expected = np.array([[1, 0, 0, 0.12], [0, -1, 0, 0.2], [0, 0, -1, 0.05 + GRIPPER_DEPTH], [0, 0, 0, 1.0]])
    np.testing.assert_allclose(pose, expected, atol=1e-12)
    # side grasp along +y with a baseline that is not orthogonal yet (Gram-Schmidt on the approach)
    pose = grasp_pose(np.zeros(3), np.array([0, 1.0, 0.5]), np.array([0, 0, 2.0]), 0.08)
    np.testing.assert_allclose(pose[:3, 0], [0, 0, 1])
    np.testing.assert_allclose(pose[:3, 2], [0, 1, 0])
    np.testing.assert_allclose(pose[:3, 1], [1, 0, 0])
    np.testing.assert_allclose(pose[:3, 3], [0, -GRIPPER_DEPTH, 0.04])
    assert np.isclose(np.linalg.det(pose[:3, :3]), 1.0)
    c, a, b = grasp_from_pose(pose, 0.08)
    np.testing.assert_allclose(c, 0, atol=1e-12)
    np.testing.assert_allclose(a, [0, 1, 0])
    # pybullet's panda_hand opens along its y axis: the grasp's baseline
    np.testing.assert_allclose(hand_from_grasp(pose)[:3, 1], pose[:3, 0], atol=1e-12)
    with pytest.raises(ValueError):
        grasp_pose(np.zeros(3), np.array([1.0, 0, 0]), np.array([1.0, 0, 0]), 0.04)


def _world_with_cube():
    from robostack.sim.tabletop.world import SceneObject, TabletopConfig, TabletopWorld

    world = TabletopWorld(TabletopConfig(image_size=96, max_cameras=1))
    scene = world.build(11, "train", num_objects=0)
    half = 0.0225
    side = -np.sign(scene.receptacle.centre[1])  # the side away from the receptacle
    body = world.add_object("prim/small_cube", np.array([0.12, 0.15 * side, half]), (0, 0, 0, 1))
    scene.objects.append(SceneObject("prim/small_cube", body))
    for _ in range(60):
        import pybullet as p

        p.stepSimulation(physicsClientId=world.client)
    return world, body


def test_arm_grasp_holds_an_easy_object_and_fails_on_air() -> None:
    from robostack.sim.tabletop.arm import PREGRASP, PandaArm

    world, body = _world_with_cube()
    arm = PandaArm(world)
    arm.go_home()
    top_down = np.array([0, 0, -1.0])
    baseline = np.array([math.cos(0.3), math.sin(0.3), 0.0])
    centre = world.object_pose(body)[:3, 3]
    pose = grasp_pose(centre - 0.0225 * baseline, top_down, baseline, 0.045)
    plan = arm.plan_approach(pose, 0.08, PREGRASP)
    assert plan.path, plan.reason
    assert arm.execute_grasp(plan, body)
    assert world.object_pose(body)[2, 3] > 0.1

    world2, body2 = _world_with_cube()
    arm2 = PandaArm(world2)
    arm2.go_home()
    air = grasp_pose(np.array([0.12, 0.0, 0.04]), top_down, baseline, 0.04)  # 15 cm beside the cube
    plan2 = arm2.plan_approach(air, 0.08, PREGRASP)
    assert plan2.path, plan2.reason
    assert not arm2.execute_grasp(plan2, body2)
    assert world2.object_pose(body2)[2, 3] < 0.025  # the cube never left the table
    world.close()
    world2.close()


def test_finger_swap_is_the_same_grasp_from_the_other_finger() -> None:
    from robostack.sim.tabletop.arm import FINGER_SWAP

    c, a, b, w = np.array([0.1, -0.2, 0.03]), np.array([0.2, 0.0, -1.0]), np.array([0.0, 1.0, 0.0]), 0.05
    swapped = grasp_pose(c + w * b, a, -b, w)  # contact on the other finger, baseline reversed
    assert np.allclose(grasp_pose(c, a, b, w) @ FINGER_SWAP, swapped)


def test_grasp_planner_turns_to_the_finger_swapped_twin_when_the_wrist_cannot() -> None:
    from robostack.sim.tabletop.arm import PREGRASP, PandaArm

    world, body = _world_with_cube()
    arm = PandaArm(world)
    arm.go_home()
    baseline = np.array([math.cos(0.75 * math.pi), math.sin(0.75 * math.pi), 0.0])  # past the wrist's limit
    centre = world.object_pose(body)[:3, 3]
    pose = grasp_pose(centre - 0.0225 * baseline, np.array([0, 0, -1.0]), baseline, 0.045)
    assert arm.plan_approach(pose, 0.08, PREGRASP).reason == "unreachable"
    plan = arm.plan_grasp(pose)
    assert plan.path and arm.execute_grasp(plan, body)
    assert world.object_pose(body)[2, 3] > 0.1
    world.close()


def test_planner_rejects_a_grasp_through_the_table() -> None:
    from robostack.sim.tabletop.arm import PREGRASP, PandaArm

    world, _ = _world_with_cube()
    arm = PandaArm(world)
    arm.go_home()
    sunk = grasp_pose(np.array([0.12, 0.05, -0.03]), np.array([0, 0, -1.0]), np.array([1.0, 0, 0]), 0.04)
    assert arm.plan_approach(sunk, 0.08, PREGRASP).reason == "collision"
    world.close()


def test_floating_gripper_labels_a_grasp_on_the_cube() -> None:
    from robostack.sim.tabletop import labels

    world, body = _world_with_cube()
    gripper = labels.FloatingGripper(world.client)
    centre = world.object_pose(body)[:3, 3]
    good = labels.Candidate(centre - [0.0225, 0, 0], np.array([0, 0, -1.0]), np.array([1.0, 0, 0]), 0.045)
    assert labels.execute_floating_grasp(world, gripper, body, good)
    world2, body2 = _world_with_cube()
    gripper2 = labels.FloatingGripper(world2.client)
    air = labels.Candidate(np.array([0.0, 0.1, 0.03]), np.array([0, 0, -1.0]), np.array([1.0, 0, 0]), 0.045)
    assert not labels.execute_floating_grasp(world2, gripper2, body2, air)
    world.close()
    world2.close()
