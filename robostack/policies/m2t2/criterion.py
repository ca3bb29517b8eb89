"""M2T2's losses: objectness BCE, grasp-mask top-k BCE + Dice (after Hungarian matching, for every
decoder stage), placement-mask top-k BCE + Dice inside the placement region, the ADD-S pose loss on
the five Panda control points (symmetric under finger swap) and the weighted width cross-entropy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from functools import partial

import torch
from torch.nn import functional as F

from robostack.policies.m2t2.config import WIDTH_BIN_WEIGHTS, M2T2Config
from robostack.policies.m2t2.decoder import Prediction
from robostack.policies.m2t2.grasp import build_grasp_poses, control_points, width_bin_centres
from robostack.policies.m2t2.matcher import hungarian, matching_cost


@dataclass
class SceneTarget:
    """Labels of one scene, already resampled to the model's points.

    ``contact_masks`` ``K×N`` (objects with at least one labelled contact, scene objects
    ``mask_object`` ``K``); successful GT grasps of all objects, each listed from both fingers:
    ``grasp_contact/baseline/approach`` ``G×3``, ``grasp_width`` ``G``, ``grasp_object`` ``G``;
    the pose-loss points ``contact_index`` ``P`` with their object ``contact_object`` ``P`` and
    width bin ``contact_width_bin`` ``P``; placement labels ``place_mask`` ``8×N`` and
    ``place_region`` ``N`` when ``has_place``."""

    contact_masks: torch.Tensor
    mask_object: torch.Tensor
    grasp_contact: torch.Tensor
    grasp_baseline: torch.Tensor
    grasp_approach: torch.Tensor
    grasp_width: torch.Tensor
    grasp_object: torch.Tensor
    contact_index: torch.Tensor
    contact_object: torch.Tensor
    contact_width_bin: torch.Tensor
    place_mask: torch.Tensor
    place_region: torch.Tensor
    has_place: bool

    def to(self, device: torch.device) -> SceneTarget:
        """The same labels on ``device``."""
        moved = {f.name: getattr(self, f.name).to(device) for f in fields(self) if f.name != "has_place"}
        return replace(self, **moved)


def topk_bce(logits: torch.Tensor, targets: torch.Tensor, k: int) -> torch.Tensor:
    """Mean BCE over the ``k`` hardest points of each mask (``…×N``) → ``…``."""
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return loss.topk(min(k, loss.shape[-1]), dim=-1).values.mean(-1)


def dice(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    prob = logits.sigmoid()
    return 1 - (2 * (prob * targets).sum(-1) + 1) / (prob.sum(-1) + targets.sum(-1) + 1)


def closest_grasp_distance(pred_poses: torch.Tensor, gt_poses: torch.Tensor) -> torch.Tensor:
    """Each prediction's distance to the closest GT grasp: mean control-point distance, the better of
    the two finger orders. Poses ``P×4×4``, ``G×4×4`` → ``P``."""
    pred = control_points(pred_poses)  # P×5×3
    dists = []
    for swapped in (False, True):
        gt = control_points(gt_poses, swapped)  # G×5×3
        dists.append((pred.unsqueeze(1) - gt.unsqueeze(0)).norm(dim=-1).mean(-1))  # P×G
    return torch.minimum(*dists).amin(-1)


def adds_pred_to_gt(pred_poses: torch.Tensor, gt_poses: torch.Tensor) -> torch.Tensor:
    """ADD-S from predictions to GT: the mean of `closest_grasp_distance` → scalar."""
    return closest_grasp_distance(pred_poses, gt_poses).mean()


def grasp_poses_at(
    xyz: torch.Tensor, baseline: torch.Tensor, approach: torch.Tensor, width: torch.Tensor, idx: torch.Tensor
) -> torch.Tensor:
    """The predicted grasps at points ``idx`` only: the losses need poses at a few hundred of them."""
    return build_grasp_poses(xyz[idx], baseline[idx], approach[idx], width[idx])


def labelled_adds(tgt: SceneTarget, gt_poses: torch.Tensor, poses: torch.Tensor) -> torch.Tensor:
    """Mean ADD-S over the scene's labelled contacts (``poses`` at ``tgt.contact_index``), each
    against its own object's grasps."""
    out = poses.new_zeros(())
    for k in tgt.contact_object.unique():
        sel, gsel = tgt.contact_object == k, tgt.grasp_object == k
        if bool(gsel.any()):
            out = out + adds_pred_to_gt(poses[sel], gt_poses[gsel]) * sel.float().mean()
    return out


def confident_adds(
    tgt: SceneTarget,
    gt_poses: torch.Tensor,
    poses_at: Callable[[torch.Tensor], torch.Tensor],
    masks: torch.Tensor,
    match: tuple,
    mask_thresh: float,
    max_contacts: int,
) -> torch.Tensor:
    """The original's ADD-S: at each matched object's predicted (confidence above ``mask_thresh``)
    or labelled contacts, mask confidence × distance to its object's closest grasp, averaged over
    the scene's contacts. At most ``max_contacts`` for the scene, shared evenly among the matched
    objects and drawn at random. ``poses_at(idx)`` gives the predicted poses at points ``idx``,
    ``masks`` the grasp-mask logits ``Q×N``; the confidence keeps its gradient."""
    queries, rows = match
    per_object = max(1, max_contacts // max(1, len(rows)))
    terms = []
    for query, row in zip(queries, rows, strict=True):
        gsel = tgt.grasp_object == tgt.mask_object[row]
        conf = masks[query].sigmoid()
        idx = torch.nonzero((conf > mask_thresh) | (tgt.contact_masks[row] > 0)).squeeze(-1)
        if len(idx) > per_object:
            idx = idx[torch.randperm(len(idx), device=idx.device)[:per_object]]
        terms.append(conf[idx] * closest_grasp_distance(poses_at(idx), gt_poses[gsel]))
    return torch.cat(terms).mean() if terms else gt_poses.new_zeros(())


class Criterion:
    def __init__(self, cfg: M2T2Config) -> None:
        self.cfg = cfg
        self.width_weights = torch.tensor(WIDTH_BIN_WEIGHTS[: cfg.num_width_bins])
        self.bin_centres = width_bin_centres(cfg.num_width_bins, cfg.max_width)

    def mask_losses(
        self, preds: list[Prediction], targets: list[SceneTarget]
    ) -> tuple[dict[str, torch.Tensor], list[tuple]]:
        """Objectness, grasp- and place-mask losses summed over decoder stages; the last stage's
        matches (per scene: query indices, object indices)."""
        cfg = self.cfg
        zero = preds[0].objectness.sum() * 0
        out = {
            "objectness": zero,
            "grasp_bce": zero,
            "grasp_dice": zero,
            "place_bce": zero,
            "place_dice": zero,
        }
        matches: list[tuple] = []
        pos_weight = torch.tensor(cfg.object_pos_weight, device=zero.device)
        for pred in preds:
            matches = []
            obj_target = torch.zeros_like(pred.objectness)
            bce, dsc, count = zero, zero, 0
            for b, tgt in enumerate(targets):
                k = tgt.contact_masks.shape[0]
                if k == 0:
                    matches.append((torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)))
                    continue
                with torch.no_grad():
                    cost = matching_cost(pred.objectness[b], pred.grasp_masks[b], tgt.contact_masks)
                rows, cols = (torch.as_tensor(x, device=zero.device) for x in hungarian(cost))
                matches.append((rows, cols))
                obj_target[b, rows] = 1.0
                logits, gt = pred.grasp_masks[b, rows], tgt.contact_masks[cols]
                bce = bce + topk_bce(logits, gt, cfg.grasp_topk).sum()
                dsc = dsc + dice(logits, gt).sum()
                count += len(rows)
            obj = F.binary_cross_entropy_with_logits(pred.objectness, obj_target, pos_weight=pos_weight)
            out["objectness"] = out["objectness"] + cfg.object_weight * 0.1 * obj
            if count:
                out["grasp_bce"] = out["grasp_bce"] + cfg.mask_bce_weight * bce / count
                out["grasp_dice"] = out["grasp_dice"] + cfg.mask_dice_weight * dsc / count
            pb, pd = self.place_losses(pred, targets)
            out["place_bce"] = out["place_bce"] + cfg.mask_bce_weight * pb
            out["place_dice"] = out["place_dice"] + cfg.mask_dice_weight * pd
        return out, matches

    def place_losses(self, pred: Prediction, targets: list[SceneTarget]) -> tuple[torch.Tensor, torch.Tensor]:
        """Each place query is its yaw bin's mask (no matching), evaluated inside the region only."""
        zero = pred.place_masks.sum() * 0
        bce, dsc, count = zero, zero, 0
        for b, tgt in enumerate(targets):
            if not tgt.has_place or not bool(tgt.place_region.any()):
                continue
            region = tgt.place_region.bool()
            logits, gt = pred.place_masks[b][:, region], tgt.place_mask[:, region]
            bce = bce + topk_bce(logits, gt, self.cfg.place_topk).mean()
            dsc = dsc + dice(logits, gt).mean()
            count += 1
        return (bce / count, dsc / count) if count else (zero, zero)

    def action_losses(
        self,
        xyz: torch.Tensor,
        actions: tuple[torch.Tensor, ...],
        targets: list[SceneTarget],
        last: Prediction,
        matches: list[tuple],
    ) -> dict[str, torch.Tensor]:
        """ADD-S (pred→GT, weight 100) and width CE of each scene, the width at its labelled
        contacts. ``xyz`` ``B×N×3`` (same frame as the GT grasps); ``actions`` per point ``B×N×…``;
        ``last`` and ``matches`` the last decoder stage and its matches (`mask_losses`)."""
        baseline, approach, width_logits = actions
        bin_centres, weights = self.bin_centres.to(xyz.device), self.width_weights.to(xyz.device)
        adds, width, count = xyz.sum() * 0, xyz.sum() * 0, 0
        for b, tgt in enumerate(targets):
            if tgt.contact_index.numel() == 0:
                continue
            w_pred = bin_centres[width_logits[b].argmax(-1)]
            poses_at = partial(grasp_poses_at, xyz[b], baseline[b], approach[b], w_pred)
            gt_poses = build_grasp_poses(
                tgt.grasp_contact, tgt.grasp_baseline, tgt.grasp_approach, tgt.grasp_width
            )
            if self.cfg.adds_on_confident:
                adds = adds + confident_adds(
                    tgt,
                    gt_poses,
                    poses_at,
                    last.grasp_masks[b],
                    matches[b],
                    self.cfg.mask_thresh,
                    self.cfg.max_contacts_per_scene,
                )
            else:
                adds = adds + labelled_adds(tgt, gt_poses, poses_at(tgt.contact_index))
            logits = width_logits[b, tgt.contact_index]
            width = width + F.cross_entropy(logits, tgt.contact_width_bin, weight=weights)
            count += 1
        if count:
            adds, width = adds / count, width / count
        return {"adds": self.cfg.adds_weight * adds, "width": self.cfg.width_weight * width}
