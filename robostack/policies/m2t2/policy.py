"""`M2T2Policy`: the network plus pre/post-processing, the training loss, save/load, and the two
queries the evaluation harness and skills use: ``grasps`` and ``placements``.

Inputs are world-frame clouds of any size (table at z = 0); they are resampled to the model's
``num_points`` with a seeded permutation (so the same call gives the same answer), as M2T2 does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from robostack.core.errors import RobostackError
from robostack.core.pretrained import Pretrained
from robostack.core.registry import register
from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.criterion import Criterion
from robostack.policies.m2t2.data import resample_index
from robostack.policies.m2t2.grasp import bottom_centre, build_grasp_poses, gripper_collisions, placement_pose
from robostack.policies.m2t2.model import M2T2Net, M2T2Output

GraspCandidate = tuple[NDArray[np.float64], float, float]
PlaceCandidate = tuple[NDArray[np.float64], float]


def _check_cloud(name: str, array: Any, columns: int | None = 3) -> NDArray:
    a = np.asarray(array)
    shape_ok = a.ndim == 2 and a.shape[1] == columns if columns else a.ndim == 1
    if not shape_ok or len(a) == 0:
        raise RobostackError(f"M2T2: {name} must be a non-empty array of shape (N, {columns}), got {a.shape}")
    if not np.isfinite(a).all():
        raise RobostackError(f"M2T2: {name} has NaN or infinite values")
    return a


def near(points: NDArray, centres: NDArray, reach: float) -> NDArray[np.float32]:
    """The cloud's points within ``reach`` of the centres' bounding box (all the open gripper can
    touch when rooted at those centres: it spans 0.21 m by 0.19 m)."""
    lo, hi = centres.min(0) - reach, centres.max(0) + reach
    pts = np.asarray(points, np.float32)
    return pts[((pts >= lo) & (pts <= hi)).all(1)]


def spread_out(ranked_xyz: NDArray, spacing: float, count: int) -> NDArray[np.int64]:
    """Up to ``count`` positions into ``ranked_xyz`` (best first): greedily skip points closer than
    ``spacing`` to one already taken, then top up with the skipped ones in rank order. A motion
    planner then gets distinct grasps to try rather than twenty copies of one."""
    taken: list[int] = []
    for i, p in enumerate(ranked_xyz):
        if len(taken) == count:
            break
        if not taken or np.min(np.linalg.norm(ranked_xyz[taken] - p, axis=1)) >= spacing:
            taken.append(i)
    rest = [i for i in range(len(ranked_xyz)) if i not in set(taken)]
    return np.asarray(taken + rest[: count - len(taken)], dtype=np.int64)


def pooled_place_probs(out: M2T2Output, idx: NDArray[np.int64]) -> tuple[torch.Tensor, NDArray[np.int64]]:
    """Place-query probabilities with the runs side by side (``bins × runs·N``) and the point
    indices they refer to (``runs·N``)."""
    return out.preds[-1].place_masks.sigmoid().transpose(0, 1).flatten(1), idx.reshape(-1)


def support_mean(prob: torch.Tensor, xyz: NDArray, radius: float) -> torch.Tensor:
    """Each candidate's probability replaced by the mean over the cloud's points within ``radius``
    of it in xy, zeros included: a point at the edge of a placeable region (a tray's rim, the table
    beyond it) scores below one in its middle, where a small error in the release still lands."""
    candidates = torch.nonzero((prob > 0).any(0)).squeeze(-1)
    out = torch.zeros_like(prob)
    if not len(candidates):
        return out
    xy = torch.from_numpy(np.asarray(xyz, np.float32)[:, :2])
    close = (torch.cdist(xy[candidates], xy) <= radius).float()  # C × M
    out[:, candidates] = (prob @ close.T) / close.sum(1)
    return out


@register("policy", "m2t2")
class M2T2Policy(Pretrained, nn.Module):
    """M2T2 with its pre-processing. ``forward(batch) -> (loss, info)`` for training."""

    config_class = M2T2Config
    train_command = "robostack train m2t2"

    def __init__(self, config: M2T2Config | None = None) -> None:
        super().__init__()
        self.config = config or M2T2Config()
        self.net = M2T2Net(self.config)
        self.criterion = Criterion(self.config)
        self.seed = 0

    # -- training ---------------------------------------------------------------------------------
    def forward(self, batch: dict[str, Any]) -> tuple[torch.Tensor, dict[str, float]]:
        """Batch from `data.collate`: ``points`` B×N×3, ``held`` B×M×3, ``targets`` (labels)."""
        out = self.net(batch["points"], batch["held"])
        losses, matches = self.criterion.mask_losses(out.preds, batch["targets"])
        actions = self.net.actions(out.point_feats)
        losses.update(
            self.criterion.action_losses(batch["points"], actions, batch["targets"], out.preds[-1], matches)
        )
        loss = sum(losses.values(), batch["points"].new_zeros(()))
        info = {"loss": float(loss.detach())} | {k: float(v.detach()) for k, v in losses.items()}
        return loss, info

    # -- inference --------------------------------------------------------------------------------
    def reset(self) -> None:
        """Stateless between scenes; restarts the resampling seed so episodes are repeatable."""
        self.seed = 0

    def _resample(self, n: int, run: int = 0) -> NDArray[np.int64]:
        rng = np.random.default_rng(self.seed if run == 0 else [self.seed, run])
        return resample_index(n, self.config.num_points, rng)

    @torch.no_grad()
    def infer(self, points: NDArray, held: NDArray | None = None) -> tuple[M2T2Output, NDArray[np.int64]]:
        """Run the network on ``num_runs`` resamplings of one scene, as one batch; returns the
        output and the resampled point indices (``num_runs × num_points``)."""
        points = _check_cloud("points", points)
        idx = np.stack([self._resample(len(points), run) for run in range(self.config.num_runs)])
        xyz = torch.from_numpy(points[idx].astype(np.float32))
        if held is None or len(held) == 0:
            obj = torch.zeros(1, self.config.num_object_points, 3)
        else:
            held = _check_cloud("held_points", held)
            sel = resample_index(len(held), self.config.num_object_points, np.random.default_rng(self.seed))
            obj = torch.from_numpy(held[sel].astype(np.float32))[None]
        was_training = self.training
        self.eval()
        out = self.net(xyz, obj.expand(len(idx), -1, -1))
        self.train(was_training)
        return out, idx

    @torch.no_grad()
    def grasps(
        self,
        points: NDArray,
        rgb: NDArray | None,
        segment: NDArray,
        target_index: int,
        max_grasps: int = 20,
    ) -> list[GraspCandidate]:
        """Grasps of object ``target_index`` (by ``segment``), best first: (pose 4×4, width, score).

        In each run the grasp query whose mask covers the target's points best (score-weighted by
        objectness) is selected, as M2T2 does with segmentation; the target's points, pooled over
        runs and ranked by that mask, become grasps, spread at least ``grasp_spacing`` apart
        (`spread_out`). Scores are mask confidence × objectness; those above ``mask_thresh`` are
        M2T2's contacts."""
        points = _check_cloud("points", points).astype(np.float32)
        segment = _check_cloud("segment", segment, None)
        if len(segment) != len(points):
            raise RobostackError(f"M2T2: segment has {len(segment)} entries for {len(points)} points")
        out, idx = self.infer(points)
        return self.select_grasps(out, idx, points, segment, target_index, max_grasps)

    @torch.no_grad()
    def select_grasps(
        self,
        out: M2T2Output,
        idx: NDArray[np.int64],
        points: NDArray,
        segment: NDArray,
        target_index: int,
        max_grasps: int = 20,
    ) -> list[GraspCandidate]:
        """`grasps` from an `infer` output (one network pass can serve every object of a scene)."""
        on_target = torch.from_numpy(np.asarray(segment)[idx] == target_index)  # runs × N
        run_of, point_of = torch.nonzero(on_target, as_tuple=True)
        if not len(run_of):
            return []
        score = self._target_scores(out, on_target)[run_of, point_of]
        xyz = torch.from_numpy(points[idx[run_of.numpy(), point_of.numpy()]])
        ranked = torch.argsort(score, descending=True, stable=True)
        pool = self.config.collision_pool * max_grasps if self.config.collision_filter else max_grasps
        chosen = ranked[torch.from_numpy(spread_out(xyz[ranked].numpy(), self.config.grasp_spacing, pool))]
        # The action head runs on the chosen contacts only: it is the costly part per point.
        feats = out.point_feats[run_of[chosen], :, point_of[chosen]]  # K×C
        baseline, approach, width_logits = self.net.actions(feats.T[None])
        width = self.net.action_head.widths(width_logits[0]).double()
        poses = build_grasp_poses(xyz[chosen].double(), baseline[0].double(), approach[0].double(), width)
        keep = torch.arange(len(chosen))
        if self.config.collision_filter:
            # As Contact-GraspNet and M2T2's demos do: drop grasps whose open gripper hits the
            # observed cloud or the table (all of them kept when none is free).
            cloud = near(points[idx[0]], xyz[chosen].numpy(), 0.2)  # one resampled cloud bounds the cost
            hits, lowest = gripper_collisions(poses.float(), torch.from_numpy(cloud))
            free = torch.nonzero((hits == 0) & (lowest > 0.0)).squeeze(-1)
            keep = free if len(free) else keep
        return [
            (poses[i].numpy(), float(width[i]), float(score[chosen[i]])) for i in keep[:max_grasps].tolist()
        ]

    @staticmethod
    def _target_scores(out: M2T2Output, on_target: torch.Tensor) -> torch.Tensor:
        """Per run, every point's score (runs × N) under the grasp query whose mask covers the
        target best, weighted by objectness: mask confidence × objectness."""
        pred = out.preds[-1]
        prob = pred.grasp_masks.sigmoid()  # runs × Q × N
        objectness = pred.objectness.sigmoid()  # runs × Q
        target = on_target[:, None, :].float()
        overlap = (prob * target).sum(-1)
        coverage = overlap / (prob.sum(-1) + target.sum(-1) - overlap)
        query = (coverage * objectness).argmax(-1)  # runs
        runs = torch.arange(len(query))
        return prob[runs, query] * objectness[runs, query][:, None]

    @torch.no_grad()
    def placements(
        self,
        points: NDArray,
        rgb: NDArray | None,
        segment: NDArray,
        held_points: NDArray,
        ee_pose: NDArray,
        receptacle_index: int | None = None,
        per_bin: int = 8,
    ) -> list[PlaceCandidate]:
        """End-effector placement poses, best first: (pose 4×4, score), from the 8 yaw-bin place
        queries, the best ``per_bin`` per bin over all runs. With ``receptacle_index`` only points of
        that segment are candidates."""
        points = _check_cloud("points", points).astype(np.float32)
        held = _check_cloud("held_points", held_points).astype(np.float64)
        ee = np.asarray(ee_pose, dtype=np.float64)
        if ee.shape != (4, 4) or not np.isfinite(ee).all():
            raise RobostackError(f"M2T2: ee_pose must be a finite 4x4 matrix, got shape {ee.shape}")
        prob, idx = pooled_place_probs(*self.infer(points, held))
        if receptacle_index is not None:
            seg = _check_cloud("segment", segment, None)[idx]
            prob = prob * torch.from_numpy(seg == receptacle_index)
        if self.config.place_support_radius > 0:
            prob = support_mean(prob, points[idx], self.config.place_support_radius)
        bottom = bottom_centre(held @ ee[:3, :3].T + ee[:3, 3], self.config.grid_resolution)
        found: list[PlaceCandidate] = []
        xyz = points[idx]
        for k in range(prob.shape[0]):
            top = torch.topk(prob[k], min(per_bin, prob.shape[1]))
            for s, i in zip(top.values.tolist(), top.indices.tolist(), strict=True):
                if s <= 0:
                    continue
                pose = placement_pose(xyz[i], k, ee, bottom, self.config.placement_height, prob.shape[0])
                found.append((pose, float(s)))
        return sorted(found, key=lambda c: -c[1])
