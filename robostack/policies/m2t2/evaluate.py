"""Offline figures on labelled scenes (no simulation): how often the policy's best grasp matches a
grasp that succeeded in simulation, and its best placement lands where the labels say it fits.

- ``grasp_top1_adds_2cm``: share of (scene, object with successful grasps) whose top-1 predicted
  grasp lies within 2 cm ADD-S (mean distance of the five Panda control points, either finger
  order) of a successful labelled grasp of that object.
- ``grasp_top1_adds_m``: the median of that distance.
- ``place_top1_in_mask``: share of place scenes whose top-1 placement point is placeable in its
  yaw bin (``place_mask``), candidates restricted to the receptacle when the scene names one.

Simulated grasp/place success is the tabletop harness's job (``robostack eval pick-place``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from robostack.policies.m2t2.grasp import build_grasp_poses, control_points
from robostack.policies.m2t2.model import M2T2Output
from robostack.policies.m2t2.policy import M2T2Policy, pooled_place_probs


def grasp_error(pose: np.ndarray, gs: Any) -> float:
    """ADD-S distance (metres) from one pose to the closest successful grasp of a `GraspSet`."""
    ok = np.asarray(gs.success, bool)
    t = torch.from_numpy
    gt = build_grasp_poses(
        t(np.asarray(gs.contacts, np.float64)[ok]),
        t(np.asarray(gs.baseline, np.float64)[ok]),
        t(np.asarray(gs.approach, np.float64)[ok]),
        t(np.asarray(gs.width, np.float64)[ok]),
    )
    pred = control_points(t(pose)[None])
    dists = [(pred - control_points(gt, s)).norm(dim=-1).mean(-1) for s in (False, True)]
    return float(torch.minimum(*dists).min())


@torch.no_grad()
def evaluate_scenes(policy: M2T2Policy, scenes: list[Any]) -> dict[str, float]:
    errors: list[float] = []
    placed: list[bool] = []
    for i, scene in enumerate(scenes):
        policy.seed = i
        out, idx = policy.infer(scene.points)  # as `grasps` sees a scene: nothing held
        for k, gs in enumerate(scene.grasps):
            if not np.asarray(gs.success, bool).any() or not (np.asarray(scene.segment) == k).any():
                continue
            found = policy.select_grasps(out, idx, scene.points, scene.segment, k, max_grasps=1)
            errors.append(grasp_error(found[0][0], gs) if found else float("inf"))
        held = np.asarray(scene.held_points)
        if len(held) and np.asarray(scene.place_region).any():
            placed.append(_top_place_ok(*policy.infer(scene.points, held), scene))
    err = np.asarray(errors)
    return {
        "scenes": len(scenes),
        "grasp_objects": len(errors),
        "grasp_top1_adds_2cm": float((err < 0.02).mean()) if len(err) else float("nan"),
        "grasp_top1_adds_m": float(np.median(err)) if len(err) else float("nan"),
        "place_scenes": len(placed),
        "place_top1_in_mask": float(np.mean(placed)) if placed else float("nan"),
    }


def _top_place_ok(out: M2T2Output, idx: np.ndarray, scene: Any) -> bool:
    """Is the best place query's best point (inside the region/receptacle) placeable in its bin?"""
    prob, idx = pooled_place_probs(out, idx)
    prob = prob.numpy()
    allowed = np.asarray(scene.place_region, bool)[idx]
    rec = int(getattr(scene, "receptacle_index", -1))
    if rec >= 0:
        allowed &= np.asarray(scene.segment)[idx] == rec
    prob = np.where(allowed[None], prob, -1.0)
    k, j = np.unravel_index(int(prob.argmax()), prob.shape)
    return bool(np.asarray(scene.place_mask, bool)[k, idx[j]])
