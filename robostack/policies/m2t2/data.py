"""From labelled scenes (the ``GraspScene`` contract of ``robostack.data.grasp_dataset``) to model
inputs and `SceneTarget` labels, plus a tiny synthetic scene generator for tests and smoke runs.

Resampling follows M2T2's ``sample_points``: a random permutation of the cloud, repeated when the
cloud has fewer points than the model takes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from robostack.data.grasp_dataset import GraspScene, GraspSet
from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.criterion import SceneTarget
from robostack.policies.m2t2.grasp import width_to_bin

CONTACT_RADIUS = 0.005


def resample_index(n: int, m: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """``m`` indices into ``n`` points: a permutation, repeated (then topped up) when ``n < m``."""
    if n == 0:
        raise ValueError("empty point cloud")
    if n >= m:
        return rng.permutation(n)[:m]
    reps = np.concatenate([rng.permutation(n) for _ in range(m // n)])
    return np.concatenate([reps, rng.permutation(n)[: m - len(reps)]])


def both_fingers(grasps: Any) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Successful grasps of one object, listed from each finger: (contact, baseline, approach, width)."""
    ok = np.asarray(grasps.success, dtype=bool)
    c = np.asarray(grasps.contacts, np.float32)[ok]
    b = np.asarray(grasps.baseline, np.float32)[ok]
    a = np.asarray(grasps.approach, np.float32)[ok]
    w = np.asarray(grasps.width, np.float32)[ok]
    return (
        np.concatenate([c, c + w[:, None] * b]),
        np.concatenate([b, -b]),
        np.concatenate([a, a]),
        np.concatenate([w, w]),
    )


def widened_masks(scene: Any, idx: NDArray[np.int64], radius: float, k: int) -> NDArray[np.bool_]:
    """``k×len(idx)`` masks: points of object k within ``radius`` of one of its successful contacts.

    The dataset's 5 mm masks hold a handful of points per object at 4096 points a scene; a wider
    radius gives the mask loss something to learn from after resampling."""
    points = np.asarray(scene.points, np.float32)[idx]
    segment = np.asarray(scene.segment)[idx]
    out = np.zeros((k, len(idx)), bool)
    for obj, gs in enumerate(scene.grasps[:k]):
        c, _, _, _ = both_fingers(gs)
        on = np.flatnonzero(segment == obj)
        if len(c) and len(on):
            d = np.linalg.norm(points[on, None] - c[None], axis=-1).min(1)
            out[obj, on[d < radius]] = True
    return out


def prepare_scene(
    scene: Any, cfg: M2T2Config, rng: np.random.Generator, yaw_steps: int = 0
) -> tuple[dict[str, Any], SceneTarget]:
    """One scene → (model inputs ``points`` N×3, ``held`` M×3 numpy; labels as a `SceneTarget`).

    ``yaw_steps`` = m turns the whole scene by m·45° about the world z axis (training augmentation):
    gravity stays vertical, grasps turn with the scene, and placing with yaw bin k in the original
    is placing with bin k + m in the turned scene, so the placement labels roll by m bins."""
    rot = _yaw(2 * np.pi * yaw_steps / 8).astype(np.float32)
    idx = resample_index(len(scene.points), cfg.num_points, rng)
    points = np.asarray(scene.points, np.float32)[idx] @ rot.T
    masks = np.asarray(scene.contact_mask, bool).reshape(-1, len(scene.points))[:, idx]
    if cfg.contact_radius > 0:
        masks = masks | widened_masks(scene, idx, cfg.contact_radius, len(masks))
    held = np.asarray(scene.held_points, np.float32).reshape(-1, 3)
    has_place = len(held) > 0
    held_in = held[resample_index(len(held), cfg.num_object_points, rng)] if has_place else None
    place_mask = np.asarray(scene.place_mask, bool)[:, idx] if has_place else np.zeros((8, len(idx)), bool)
    place_mask = np.roll(place_mask, yaw_steps % 8, axis=0)
    place_region = np.asarray(scene.place_region, bool)[idx] if has_place else np.zeros(len(idx), bool)

    cs, bs, as_, ws, objs = [], [], [], [], []
    for k, gs in enumerate(scene.grasps):
        c, b, a, w = both_fingers(gs)
        cs.append(c @ rot.T), bs.append(b @ rot.T), as_.append(a @ rot.T), ws.append(w)
        objs.append(np.full(len(c), k))
    contact = np.concatenate(cs) if cs else np.zeros((0, 3), np.float32)
    grasp_object = np.concatenate(objs) if objs else np.zeros(0, np.int64)
    # Objects with both labelled contact points and successful grasps are the matching targets.
    keep = [k for k in range(len(masks)) if masks[k].any() and (grasp_object == k).any()]
    object_of = np.full(len(idx), -1)
    for k in keep[::-1]:
        object_of[masks[k]] = k
    pos = np.flatnonzero(object_of >= 0)
    if len(pos) > cfg.max_contacts_per_scene:
        pos = np.sort(rng.choice(pos, cfg.max_contacts_per_scene, replace=False))
    width_bin = np.zeros(len(pos), np.int64)
    width = np.concatenate(ws) if ws else np.zeros(0, np.float32)
    for k in np.unique(object_of[pos]):
        sel, gsel = object_of[pos] == k, np.flatnonzero(grasp_object == k)
        d = np.linalg.norm(points[pos[sel], None] - contact[None, gsel], axis=-1)
        width_bin[sel] = width_to_bin(torch.from_numpy(width[gsel[d.argmin(1)]]), cfg.num_width_bins).numpy()

    t = torch.from_numpy
    target = SceneTarget(
        contact_masks=t(masks[keep].astype(np.float32)),
        mask_object=t(np.asarray(keep, np.int64)),
        grasp_contact=t(contact),
        grasp_baseline=t(np.concatenate(bs) if bs else np.zeros((0, 3), np.float32)),
        grasp_approach=t(np.concatenate(as_) if as_ else np.zeros((0, 3), np.float32)),
        grasp_width=t(width),
        grasp_object=t(grasp_object.astype(np.int64)),
        contact_index=t(pos.astype(np.int64)),
        contact_object=t(object_of[pos].astype(np.int64)),
        contact_width_bin=t(width_bin),
        place_mask=t(place_mask.astype(np.float32)),
        place_region=t(place_region),
        has_place=bool(has_place and place_region.any()),
    )
    inputs = {"points": points, "held": held_in, "segment": np.asarray(scene.segment)[idx]}
    return inputs, target


def collate(samples: list[tuple[dict[str, Any], SceneTarget]], cfg: M2T2Config) -> dict[str, Any]:
    """Stack inputs; scenes without a held object get zero object points (their place loss is off)."""
    points = torch.from_numpy(np.stack([s[0]["points"] for s in samples]))
    empty = np.zeros((cfg.num_object_points, 3), np.float32)
    held = torch.from_numpy(np.stack([s[0]["held"] if s[0]["held"] is not None else empty for s in samples]))
    return {"points": points, "held": held, "targets": [s[1] for s in samples]}


def batch_to(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """A `collate` batch, inputs and labels, on ``device``."""
    return {
        "points": batch["points"].to(device),
        "held": batch["held"].to(device),
        "targets": [t.to(device) for t in batch["targets"]],
    }


# -- synthetic scenes ------------------------------------------------------------------------------


def _box_surface(rng: np.random.Generator, half: NDArray, n: int) -> NDArray[np.float64]:
    """``n`` points on the top and four sides of a box centred at the origin (bottom at −half z)."""
    areas = np.array(
        [half[0] * half[1], half[1] * half[2], half[1] * half[2], half[0] * half[2], half[0] * half[2]]
    )
    face = rng.choice(5, n, p=areas / areas.sum())
    u = rng.uniform(-1, 1, (n, 3)) * half
    sign = np.where(face % 2 == 1, 1.0, -1.0)
    u[face == 0, 2] = half[2]
    sides = (face == 1) | (face == 2)
    u[sides, 0] = sign[sides] * half[0]
    ends = (face == 3) | (face == 4)
    u[ends, 1] = sign[ends] * half[1]
    return u


def _yaw(theta: float) -> NDArray[np.float64]:
    c, s = np.cos(theta), np.sin(theta)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def synthetic_scene(
    rng: np.random.Generator, num_points: int = 2048, objects: int = 3, held: bool = True
) -> GraspScene:
    """Boxes on a table (z = 0) with top-down antipodal grasps across each box's narrow side, their
    5 mm contact masks, and a held box whose 8 yaw bins are placeable where its footprint is free."""
    n_obj_pts = num_points // (2 * objects)
    pts, seg, grasp_sets, centres, halves, yaws = [], [], [], [], [], []
    while len(centres) < objects:
        c = rng.uniform(-0.2, 0.2, 2)
        if all(np.linalg.norm(c - o) > 0.13 for o in centres):
            centres.append(c)
    for k, c in enumerate(centres):
        half = np.array([rng.uniform(0.012, 0.035), rng.uniform(0.03, 0.05), rng.uniform(0.03, 0.06)])
        yaw = rng.uniform(0, np.pi)
        rot = _yaw(yaw)
        centre = np.array([c[0], c[1], half[2]])
        pts.append(_box_surface(rng, half, n_obj_pts) @ rot.T + centre)
        seg.append(np.full(n_obj_pts, k))
        g = 24
        local = np.stack(
            [-np.full(g, half[0]), rng.uniform(-0.8, 0.8, g) * half[1], rng.uniform(0.2, 0.8, g) * half[2]], 1
        )
        contacts = local @ rot.T + centre
        baseline = np.tile(rot[:, 0], (g, 1))
        approach = np.tile([0.0, 0.0, -1.0], (g, 1))
        grasp_sets.append(
            GraspSet(
                contacts.astype(np.float32),
                approach.astype(np.float32),
                baseline.astype(np.float32),
                np.full(g, 2 * half[0], np.float32),
                np.ones(g, bool),
            )
        )
        halves.append(half)
        yaws.append(yaw)
    n_table = num_points - objects * n_obj_pts
    table = np.concatenate([rng.uniform(-0.3, 0.3, (n_table, 2)), np.zeros((n_table, 1))], 1)
    points = np.concatenate([table, *pts]).astype(np.float32)
    segment = np.concatenate([np.full(n_table, -1), *seg]).astype(np.int32)
    contact_mask = np.zeros((objects, len(points)), bool)
    for k, gs in enumerate(grasp_sets):
        c, _, _, _ = both_fingers(gs)
        d = np.linalg.norm(points[:, None] - c[None], axis=-1).min(1)
        contact_mask[k] = (d < CONTACT_RADIUS * 2) & (segment == k)
    held_half = np.array([0.05, 0.02, 0.03])
    held_pts = (
        (_box_surface(rng, held_half, 512) + [0, 0, -0.13]).astype(np.float32) if held else np.zeros((0, 3))
    )
    place_mask = np.zeros((8, len(points)), bool)
    obj_xy = np.concatenate(pts)[:, :2]
    for b in range(8):
        rel = (obj_xy[None] - points[:n_table, None, :2]) @ _yaw(2 * np.pi * b / 8)[:2, :2]
        inside = (np.abs(rel) < held_half[:2] + 0.01).all(-1).any(-1)
        on_table = (np.abs(points[:n_table, :2]) < 0.3 - held_half[0]).all(-1)
        place_mask[b, :n_table] = ~inside & on_table
    return GraspScene(
        points=points,
        rgb=np.full((len(points), 3), 0.5, np.float32),
        segment=segment,
        object_names=[f"box{k}" for k in range(objects)],
        grasps=grasp_sets,
        contact_mask=contact_mask,
        held_points=np.asarray(held_pts, np.float32),
        place_mask=place_mask if held else np.zeros((8, len(points)), bool),
        place_region=(segment == -1) if held else np.zeros(len(points), bool),
        ee_pose=np.eye(4, dtype=np.float32),
    )
