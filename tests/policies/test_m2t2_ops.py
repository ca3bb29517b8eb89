"""M2T2 building blocks against brute force and hand-computed cases: FPS, ball query, three-NN,
Hungarian matching, grasp-pose construction, the finger-swap symmetry of the ADD-S loss, and its
confidence-weighted form."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from robostack.policies.m2t2.criterion import SceneTarget, adds_pred_to_gt, confident_adds
from robostack.policies.m2t2.grasp import (
    GRIPPER_DEPTH,
    build_grasp_poses,
    gram_schmidt,
    grasp_pose,
    placement_pose,
    width_bin_centres,
    width_to_bin,
)
from robostack.policies.m2t2.matcher import hungarian, matching_cost
from robostack.policies.m2t2.pointnet2 import (
    ball_query,
    furthest_point_sample,
    resize_by_groups,
    three_interpolate,
)

torch.set_num_threads(1)


def brute_fps(xyz: np.ndarray, m: int) -> list[int]:
    chosen = [0]
    dist = np.full(len(xyz), np.inf)
    for _ in range(m - 1):
        dist = np.minimum(dist, ((xyz - xyz[chosen[-1]]) ** 2).sum(1))
        chosen.append(int(dist.argmax()))
    return chosen


def brute_ball(xyz: np.ndarray, centres: np.ndarray, r: float, k: int) -> np.ndarray:
    out = np.zeros((len(centres), k), np.int64)
    for i, c in enumerate(centres):
        inside = [j for j in range(len(xyz)) if ((xyz[j] - c) ** 2).sum() < r * r][:k]
        inside = inside or [0]
        out[i] = inside + [inside[0]] * (k - len(inside))
    return out


def test_fps_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    xyz = rng.uniform(-1, 1, (2, 60, 3)).astype(np.float32)
    got = furthest_point_sample(torch.from_numpy(xyz), 12).numpy()
    for b in range(2):
        assert got[b].tolist() == brute_fps(xyz[b].astype(np.float64), 12)
    assert len(set(got[0].tolist())) == 12


def test_ball_query_matches_brute_force() -> None:
    rng = np.random.default_rng(1)
    xyz = rng.uniform(0, 1, (1, 80, 3)).astype(np.float32)
    centres = xyz[:, [0, 5, 17, 40]]
    centres = np.concatenate([centres, [[[5.0, 5.0, 5.0]]]], 1).astype(np.float32)  # no neighbours
    for r, k in ((0.25, 6), (0.5, 16)):
        got = ball_query(r, k, torch.from_numpy(xyz), torch.from_numpy(centres)).numpy()[0]
        assert (got == brute_ball(xyz[0], centres[0], r, k)).all()


def test_three_interpolate_matches_brute_force() -> None:
    rng = np.random.default_rng(2)
    known, unknown = rng.uniform(0, 1, (1, 10, 3)), rng.uniform(0, 1, (1, 7, 3))
    feats = rng.normal(size=(1, 4, 10))
    got = three_interpolate(*(torch.from_numpy(a) for a in (unknown, known, feats))).numpy()[0]
    for i, p in enumerate(unknown[0]):
        d2 = ((known[0] - p) ** 2).sum(1)
        nn3 = np.argsort(d2)[:3]
        w = 1 / (d2[nn3] + 1e-8)
        assert np.allclose(got[:, i], feats[0][:, nn3] @ (w / w.sum()), atol=1e-9)


def test_resize_by_groups_takes_the_group_max() -> None:
    values = torch.tensor([[[0.0, 3.0, -1.0, 2.0]]])
    idx = torch.tensor([[[0, 2, 2], [1, 3, 0]]])
    assert resize_by_groups(values, idx).tolist() == [[[0.0, 3.0]]]


def test_hungarian_on_a_hand_made_cost() -> None:
    cost = np.array([[4.0, 1.0, 3.0], [2.0, 0.0, 5.0], [3.0, 2.0, 2.0], [9.0, 9.0, 9.0]])
    rows, cols = hungarian(cost)
    # Optimum 1 + 2 + 2 = 5: query 0 → 1, query 1 → 0, query 2 → 2; query 3 unmatched.
    assert dict(zip(rows.tolist(), cols.tolist(), strict=True)) == {0: 1, 1: 0, 2: 2}


def test_matching_cost_recovers_a_permutation_of_masks() -> None:
    rng = np.random.default_rng(3)
    targets = torch.from_numpy((rng.uniform(size=(3, 50)) < 0.3).astype(np.float32))
    perm = [2, 0, 1]
    logits = torch.full((5, 50), -6.0)
    for q, k in enumerate(perm):
        logits[q] = targets[k] * 12 - 6
    objectness = torch.tensor([3.0, 3.0, 3.0, -3.0, -3.0])
    rows, cols = hungarian(matching_cost(objectness, logits, targets))
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == perm


def test_grasp_pose_against_hand_computed() -> None:
    # Top-down grasp at contact (0, 0, 0.05), baseline +x, width 4 cm.
    pose = grasp_pose(np.array([0, 0, 0.05]), np.array([0, 0, -1.0]), np.array([1.0, 0, 0]), 0.04)
    expected = np.array(
        [[1, 0, 0, 0.02], [0, -1, 0, 0.0], [0, 0, -1, 0.05 + GRIPPER_DEPTH], [0, 0, 0, 1]], dtype=float
    )
    assert np.allclose(pose, expected, atol=1e-12)
    # A tilted one: baseline +y, approach −x, width 8 cm.
    pose = grasp_pose(np.array([0.1, 0.2, 0.3]), np.array([-1.0, 0, 0]), np.array([0, 1.0, 0]), 0.08)
    assert np.allclose(pose[:3, 1], np.cross([-1, 0, 0], [0, 1, 0]))
    assert np.allclose(pose[:3, 3], [0.1 + GRIPPER_DEPTH, 0.24, 0.3])
    assert np.isclose(np.linalg.det(pose[:3, :3]), 1.0)


def test_grasp_pose_round_trip_and_gram_schmidt() -> None:
    rng = np.random.default_rng(4)
    b = torch.nn.functional.normalize(torch.from_numpy(rng.normal(size=(20, 3))), dim=-1)
    a = gram_schmidt(torch.from_numpy(rng.normal(size=(20, 3))), b)
    assert torch.allclose((a * b).sum(-1), torch.zeros(20, dtype=torch.float64), atol=1e-12)
    c, w = torch.from_numpy(rng.normal(size=(20, 3))), torch.from_numpy(rng.uniform(0, 0.08, 20))
    poses = build_grasp_poses(c, b, a, w)
    back = poses[:, :3, 3] - w[:, None] / 2 * poses[:, :3, 0] + GRIPPER_DEPTH * poses[:, :3, 2]
    assert torch.allclose(back, c, atol=1e-12)
    assert torch.allclose(
        poses[:, :3, :3].transpose(1, 2) @ poses[:, :3, :3], torch.eye(3).double(), atol=1e-12
    )


def test_matches_the_tabletop_gripper_pose() -> None:
    gripper = pytest.importorskip("robostack.sim.tabletop.gripper")
    rng = np.random.default_rng(5)
    for _ in range(5):
        b = rng.normal(size=3)
        b /= np.linalg.norm(b)
        a = rng.normal(size=3)
        a -= (a @ b) * b
        a /= np.linalg.norm(a)
        c, w = rng.normal(size=3), float(rng.uniform(0, 0.08))
        assert np.allclose(gripper.grasp_pose(c, a, b, w), grasp_pose(c, a, b, w), atol=1e-9)


def test_adds_is_symmetric_under_finger_swap() -> None:
    c = torch.tensor([[0.0, 0.0, 0.05]], dtype=torch.float64)
    b = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)
    a = torch.tensor([[0.0, 0.0, -1.0]], dtype=torch.float64)
    w = torch.tensor([0.04], dtype=torch.float64)
    pose = build_grasp_poses(c, b, a, w)
    swapped = build_grasp_poses(c + w[:, None] * b, -b, a, w)  # same grasp, seen from the other finger
    assert not torch.allclose(pose, swapped)
    assert float(adds_pred_to_gt(pose, swapped)) < 1e-9
    assert float(adds_pred_to_gt(swapped, pose)) < 1e-9
    shifted = build_grasp_poses(c + 0.03, b, a, w)
    assert abs(float(adds_pred_to_gt(shifted, pose)) - 0.03 * 3**0.5) < 1e-9


def test_confident_adds_weights_each_contact_by_its_mask() -> None:
    """Three points of one object: the first is a labelled contact with an exact grasp, the second a
    predicted contact (σ(0) = 0.5 > 0.4) 3 cm off, the third neither. The loss is the mean of
    confidence × distance over the first two, and lowers only the second one's confidence."""
    b = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64).expand(3, 3)
    a = torch.tensor([[0.0, 0.0, -1.0]], dtype=torch.float64).expand(3, 3)
    w = torch.full((3,), 0.04, dtype=torch.float64)
    centres = torch.tensor([[0.0, 0.0, 0.05], [0.03, 0.0, 0.05], [0.0, 0.03, 0.05]], dtype=torch.float64)
    poses = build_grasp_poses(centres, b, a, w)
    gt = build_grasp_poses(centres[:1], b[:1], a[:1], w[:1])
    none = torch.zeros(0)
    target = SceneTarget(
        contact_masks=torch.tensor([[1.0, 0.0, 0.0]]),
        mask_object=torch.tensor([5]),
        grasp_contact=none,
        grasp_baseline=none,
        grasp_approach=none,
        grasp_width=none,
        grasp_object=torch.tensor([5]),
        contact_index=torch.tensor([0]),
        contact_object=torch.tensor([5]),
        contact_width_bin=torch.tensor([0]),
        place_mask=none,
        place_region=none,
        has_place=False,
    )
    logits = torch.tensor([[0.0, 0.0, -5.0]], dtype=torch.float64, requires_grad=True)
    match = (torch.tensor([0]), torch.tensor([0]))
    loss = confident_adds(target, gt, poses.__getitem__, logits, match, mask_thresh=0.4, max_contacts=256)
    assert abs(float(loss) - (0.5 * 0.0 + 0.5 * 0.03) / 2) < 1e-9
    loss.backward()
    assert logits.grad is not None
    assert float(logits.grad[0, 0]) == 0.0 and float(logits.grad[0, 2]) == 0.0
    assert abs(float(logits.grad[0, 1]) - 0.25 * 0.03 / 2) < 1e-9
    capped = confident_adds(target, gt, poses.__getitem__, logits, match, mask_thresh=0.4, max_contacts=1)
    assert min(abs(float(capped)), abs(float(capped) - 0.5 * 0.03)) < 1e-9  # one of the two contacts


def test_width_bins() -> None:
    centres = width_bin_centres()
    assert len(centres) == 10 and abs(float(centres[0]) - 0.004) < 1e-7
    assert width_to_bin(torch.tensor([0.0, 0.0079, 0.008, 0.08, 0.2])).tolist() == [0, 0, 1, 9, 9]


def test_placement_pose_puts_the_bottom_centre_on_the_contact() -> None:
    ee = np.eye(4)
    ee[:3, 3] = [0.1, 0.0, 0.3]
    bottom = np.array([0.1, 0.0, 0.2])
    contact = np.array([0.4, 0.2, 0.0])
    for k in range(8):
        pose = placement_pose(contact, k, ee, bottom, height=0.02)
        moved_bottom = pose[:3, :3] @ (ee[:3, :3].T @ (bottom - ee[:3, 3])) + pose[:3, 3]
        assert np.allclose(moved_bottom, contact + [0, 0, 0.02])


def test_spread_out_keeps_rank_order_and_spacing() -> None:
    from robostack.policies.m2t2.policy import spread_out

    xyz = np.array([[0, 0, 0], [0.002, 0, 0], [0.05, 0, 0], [0.051, 0, 0], [0.2, 0, 0]], dtype=float)
    assert spread_out(xyz, 0.01, 3).tolist() == [0, 2, 4]
    assert spread_out(xyz, 0.01, 5).tolist() == [0, 2, 4, 1, 3]
    assert spread_out(xyz, 0.0, 2).tolist() == [0, 1]


def test_support_mean_ranks_a_region_middle_above_its_edge() -> None:
    from robostack.policies.m2t2.policy import support_mean

    # A row of points 1 cm apart: the first six placeable in bin 0 (the last one most of all),
    # the rest beyond the edge (the table); bin 1 holds nothing.
    xyz = np.stack([np.arange(10) * 0.01, np.zeros(10), np.zeros(10)], 1)
    prob = torch.zeros(2, 10)
    prob[0, :6] = torch.tensor([0.8, 0.8, 0.8, 0.8, 0.8, 0.9])
    smoothed = support_mean(prob, xyz, 0.015)
    assert int(prob[0].argmax()) == 5 and int(smoothed[0].argmax()) == 4
    assert smoothed[0, 4] == pytest.approx((0.8 + 0.8 + 0.9) / 3)
    assert smoothed[0, 5] == pytest.approx((0.8 + 0.9 + 0.0) / 3)  # the table beyond counts as zero
    assert smoothed[1].abs().sum() == 0 and smoothed[0, 6:].abs().sum() == 0  # never a new candidate
    assert support_mean(torch.zeros(2, 10), xyz, 0.015).abs().sum() == 0


def test_pick_place_runs_pool_by_episode() -> None:
    from robostack.policies.m2t2.model_card import combine_pick_place

    runs = [
        {"policy": "m2t2", "seed": 1000, "episodes": 4, "grasp_success": 0.5, "pick_and_place_success": 0.25},
        {
            "policy": "m2t2",
            "seed": 1004,
            "episodes": 6,
            "grasp_success": 0.6667,
            "pick_and_place_success": 0.5,
            "outcomes": {"success": 3, "grasp_failed": 2, "place_failed": 1},
            "failures": ["seed 1005: a -> tray grasp_failed"],
        },
    ]
    runs.reverse()  # failures come back in seed order, whatever order the files were read in
    runs[1]["failures"] = ["seed 1001: b -> bowl place_failed"]
    pooled = combine_pick_place(runs)
    assert pooled["episodes"] == 10 and pooled["seeds"] == "1000-1003, 1004-1009"
    assert pooled["grasp_success"] == 0.6 and pooled["pick_and_place_success"] == 0.4
    assert abs(pooled["place_success"] - 4 / 6) < 1e-4
    assert pooled["outcomes"] == {"grasp_failed": 2, "place_failed": 1, "success": 3}
    assert pooled["failures"] == ["seed 1001: b -> bowl place_failed", "seed 1005: a -> tray grasp_failed"]


def test_gripper_collision_filter() -> None:
    from robostack.policies.m2t2.grasp import gripper_collisions

    # A 4 cm box on a table; a top-down grasp across it is free, the same grasp 3.5 cm lower puts
    # the fingers in the table, and one approaching from below starts inside the table.
    grid = np.linspace(-0.02, 0.02, 9)
    box = np.stack(np.meshgrid(grid, grid, np.linspace(0, 0.06, 13)), -1).reshape(-1, 3)
    table = np.concatenate([np.random.default_rng(0).uniform(-0.3, 0.3, (2000, 2)), np.zeros((2000, 1))], 1)
    cloud = torch.from_numpy(np.concatenate([box, table]))
    down, up, across = np.array([0, 0, -1.0]), np.array([0, 0, 1.0]), np.array([1.0, 0, 0])
    poses = [
        grasp_pose(np.array([-0.02, 0, 0.04]), down, across, 0.04),
        grasp_pose(np.array([-0.02, 0, 0.005]), down, across, 0.04),
        grasp_pose(np.array([-0.02, 0, 0.04]), up, across, 0.04),
        grasp_pose(np.array([0.01, 0, 0.04]), down, across, 0.04),  # a finger inside the box
    ]
    hits, lowest = gripper_collisions(torch.from_numpy(np.stack(poses)), cloud)
    assert hits[0] == 0 and lowest[0] > 0
    assert hits[1] > 0 and lowest[1] < 0
    assert lowest[2] < 0
    assert hits[3] > 0
