"""Grasp and placement geometry (Contact-GraspNet / M2T2 parameterisation, Franka Panda gripper)
and the per-contact action head.

Grasp pose: R = [b, a×b, a], t = c + (w/2)·b − d·a, with c the contact, b the baseline (contact →
other finger), a the approach, w the width and d = 0.1034 m the hand-to-finger-baseline depth.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.nn import functional as F

from robostack.policies.m2t2.config import M2T2Config

GRIPPER_DEPTH = 0.1034
MAX_WIDTH = 0.08

CONTROL_POINTS = torch.tensor(
    [
        [0.0, 0.0, 0.0],  # hand frame origin
        [0.04, 0.0, 0.0634],  # finger roots (4 cm behind the tips)
        [-0.04, 0.0, 0.0634],
        [0.04, 0.0, GRIPPER_DEPTH],  # finger tips, fully open
        [-0.04, 0.0, GRIPPER_DEPTH],
    ]
)
"""Five Panda control points in the gripper frame (x = baseline, z = approach) for the ADD-S loss;
``CONTROL_POINTS_SWAPPED`` is the same gripper turned 180° about its approach (fingers swapped)."""
CONTROL_POINTS_SWAPPED = CONTROL_POINTS * torch.tensor([-1.0, -1.0, 1.0])


def width_bin_centres(bins: int = 10, max_width: float = MAX_WIDTH) -> torch.Tensor:
    edges = torch.linspace(0, max_width, bins + 1)
    return (edges[:-1] + edges[1:]) / 2


def width_to_bin(width: torch.Tensor, bins: int = 10, max_width: float = MAX_WIDTH) -> torch.Tensor:
    return (width / max_width * bins).long().clamp(0, bins - 1)


def build_grasp_poses(
    contact: torch.Tensor, baseline: torch.Tensor, approach: torch.Tensor, width: torch.Tensor
) -> torch.Tensor:
    """``…×3`` contacts, unit baselines and approaches, ``…`` widths → ``…×4×4`` poses."""
    rot = torch.stack([baseline, torch.cross(approach, baseline, dim=-1), approach], -1)
    t = contact + width.unsqueeze(-1) / 2 * baseline - GRIPPER_DEPTH * approach
    pose = torch.zeros(*contact.shape[:-1], 4, 4, dtype=contact.dtype, device=contact.device)
    pose[..., :3, :3] = rot
    pose[..., :3, 3] = t
    pose[..., 3, 3] = 1.0
    return pose


def grasp_pose(
    contact: NDArray[np.floating],
    approach: NDArray[np.floating],
    baseline: NDArray[np.floating],
    width: float,
) -> NDArray[np.float64]:
    """One 4×4 grasp pose (numpy), same argument order as the tabletop world's ``grasp_pose``."""
    t = [torch.as_tensor(np.asarray(v, dtype=np.float64)) for v in (contact, baseline, approach)]
    return build_grasp_poses(t[0], t[1], t[2], torch.tensor(float(width), dtype=torch.float64)).numpy()


def control_points(poses: torch.Tensor, swapped: bool = False) -> torch.Tensor:
    """Poses ``…×4×4`` → the five control points in the world ``…×5×3``."""
    pts = (CONTROL_POINTS_SWAPPED if swapped else CONTROL_POINTS).to(poses)
    return pts @ poses[..., :3, :3].transpose(-1, -2) + poses[..., None, :3, 3]


def gram_schmidt(approach: torch.Tensor, baseline: torch.Tensor) -> torch.Tensor:
    """Remove ``approach``'s component along unit ``baseline``, then normalise."""
    a = approach - (approach * baseline).sum(-1, keepdim=True) * baseline
    return F.normalize(a, dim=-1)


class ActionHead(nn.Module):
    """Per-point MLPs on the res0 feature: baseline (contact_dir), approach, width-bin logits."""

    def __init__(self, cfg: M2T2Config, in_ch: int) -> None:
        super().__init__()
        h = cfg.action_hidden

        def head(out: int) -> nn.Sequential:
            return nn.Sequential(nn.Linear(in_ch, h), nn.ReLU(inplace=True), nn.Linear(h, out))

        self.contact_dir = head(3)
        self.approach_dir = head(3)
        self.width = head(cfg.num_width_bins)
        self.register_buffer("bin_centres", width_bin_centres(cfg.num_width_bins, cfg.max_width))

    def forward(self, feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``feats`` ``…×C`` → baseline ``…×3``, approach ``…×3`` (both unit, orthogonal), width logits."""
        b = F.normalize(self.contact_dir(feats), dim=-1)
        a = gram_schmidt(self.approach_dir(feats), b)
        return b, a, self.width(feats)

    def widths(self, logits: torch.Tensor) -> torch.Tensor:
        return self.bin_centres[logits.argmax(-1)]


def yaw_rotation(k: int, bins: int = 8) -> NDArray[np.float64]:
    yaw = 2 * np.pi * k / bins
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def bottom_centre(held_world: NDArray[np.floating], resolution: float = 0.01) -> NDArray[np.float64]:
    """Lowest z of the held object, xy at the mean of its occupied ``resolution`` grid cells."""
    cells = np.unique(np.floor(held_world[:, :2] / resolution).astype(np.int64), axis=0)
    xy = (cells.astype(np.float64) + 0.5).mean(0) * resolution
    return np.array([xy[0], xy[1], float(held_world[:, 2].min())])


def placement_pose(
    contact: NDArray[np.floating],
    k: int,
    ee_pose: NDArray[np.floating],
    bottom: NDArray[np.floating],
    height: float = 0.02,
    bins: int = 8,
) -> NDArray[np.float64]:
    """End-effector pose that puts the held object's bottom centre at ``contact`` after a yaw of
    bin ``k``: R = R_z(k)·R_ee, t = contact + R_z(k)(ee_pos − bottom), lifted by ``height``."""
    rz = yaw_rotation(k, bins)
    pose = np.eye(4)
    pose[:3, :3] = rz @ np.asarray(ee_pose, dtype=np.float64)[:3, :3]
    pose[:3, 3] = np.asarray(contact, dtype=np.float64) + rz @ (np.asarray(ee_pose)[:3, 3] - bottom)
    pose[2, 3] += height
    return pose


# Open Panda gripper as three boxes in the grasp frame (x = baseline, z = approach), for the
# collision filter: (centre, half extents). Palm from the hand frame to the finger joints (z 0.0584),
# fingers 5.2 cm long ending 8 mm past the finger baseline, each 1.2 cm thick outside the opening.
PALM_BOX = ((0.0, 0.0, 0.0304), (0.105, 0.03, 0.028))
FINGER_HALF = (0.006, 0.011, 0.026)
FINGER_CENTRE_Z = GRIPPER_DEPTH + 0.008 - 0.026


def gripper_boxes(opening: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Centres and half extents ``3×3`` of the palm and both fingers at ``opening``."""
    x = opening / 2 + FINGER_HALF[0]
    centres = torch.tensor([PALM_BOX[0], (x, 0.0, FINGER_CENTRE_Z), (-x, 0.0, FINGER_CENTRE_Z)])
    halves = torch.tensor([PALM_BOX[1], FINGER_HALF, FINGER_HALF])
    return centres.double(), halves.double()


def gripper_collisions(
    poses: torch.Tensor, points: torch.Tensor, opening: float = MAX_WIDTH, margin: float = 0.002
) -> tuple[torch.Tensor, torch.Tensor]:
    """For grasp poses ``P×4×4`` and a scene cloud ``N×3``: how many points lie inside the open
    gripper's boxes (shrunk by ``margin`` against sensor noise), and the lowest box corner's z
    (below 0 = inside the table). Returns (``P`` counts, ``P`` z)."""
    centres, halves = (t.to(poses.dtype) for t in gripper_boxes(opening))
    local = (points.to(poses.dtype)[None] - poses[:, None, :3, 3]) @ poses[:, :3, :3]  # P×N×3
    inside = ((local[:, :, None] - centres).abs() < (halves - margin)).all(-1).any(-1)  # P×N
    signs = torch.tensor([[i, j, k] for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)]).to(poses.dtype)
    corners = (centres[:, None] + signs * halves[:, None]).reshape(-1, 3)  # 24×3
    world_z = corners @ poses[:, :3, :3].transpose(1, 2)[:, :, 2:] + poses[:, None, 2:3, 3]
    return inside.sum(-1), world_z.squeeze(-1).amin(-1)
