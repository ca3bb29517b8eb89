"""Placement and contact labels of the grasp dataset."""

from __future__ import annotations

import numpy as np

from robostack.data.grasp_dataset import GraspSet


def test_placements_succeed_inside_the_receptacle_and_fail_off_it() -> None:
    from robostack.sim.tabletop import labels
    from robostack.sim.tabletop.world import TabletopConfig, TabletopWorld

    world = TabletopWorld(TabletopConfig(image_size=96, max_cameras=1))
    world.build(5, "train", num_objects=0, receptacle="tray")
    rec = world.scene.receptacle
    held = labels.make_held_object("prim/small_cube", np.random.default_rng(0))
    grid, success = labels.label_placements(world, held)
    assert success.shape == (len(grid), 8)
    local = (grid[:, :2] - rec.centre) @ np.array(
        [[np.cos(rec.yaw), -np.sin(rec.yaw)], [np.sin(rec.yaw), np.cos(rec.yaw)]]
    )
    well_inside = (np.abs(local[:, 0]) < rec.inner[0] - 0.03) & (np.abs(local[:, 1]) < rec.inner[1] - 0.03)
    outside = (np.abs(local[:, 0]) > rec.inner[0] + 0.01) | (np.abs(local[:, 1]) > rec.inner[1] + 0.01)
    assert well_inside.any() and outside.any()
    assert success[well_inside].mean() > 0.9  # a 4.5 cm cube fits anywhere well inside the tray
    assert not success[outside].any()  # on the table or the rim: never a placement
    world.close()


def test_contact_mask_marks_points_near_successful_contacts_of_that_object_only() -> None:
    from robostack.sim.tabletop.labels import contact_masks

    points = np.array([[0, 0, 0], [0.004, 0, 0], [0.02, 0, 0], [0.05, 0, 0], [0.052, 0, 0]], np.float32)
    segment = np.array([0, 0, 0, 0, 1], np.int32)
    z = np.zeros((1, 3), np.float32)
    hit = GraspSet(
        z.copy(),
        np.array([[0, 0, -1.0]], np.float32),
        np.array([[1.0, 0, 0]], np.float32),
        np.array([0.05], np.float32),
        np.array([True]),
    )
    miss = GraspSet(z.copy() + 0.02, hit.approach, hit.baseline, hit.width, np.array([False]))
    mask = contact_masks(points, segment, [hit, miss])
    # object 0: both finger contacts (x = 0 and x = 0.05) within 5 mm; 0.02 is not; 0.052 is object 1
    assert mask[0].tolist() == [True, True, False, True, False]
    assert not mask[1].any()  # object 1's only grasp failed
