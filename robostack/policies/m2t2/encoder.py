"""Scene encoder (PointNet++ MSG with an FP decoder, multi-scale maps res0..res4) and the held-object
encoder (MSG stack + a global set abstraction), as in M2T2's ``pointnet2_msg`` / ``pointnet2_msg_cls``."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.pointnet2 import FeaturePropagation, SetAbstractionMSG


@dataclass
class SceneFeatures:
    """Per level l (0 = input points): coordinates ``B×N_l×3``, features ``B×C_l×N_l``, and for
    l ≥ 1 the grouping indices of level l into level l−1 (``B×N_l×S``)."""

    xyz: list[torch.Tensor]
    feats: list[torch.Tensor]
    groups: list[torch.Tensor]


def msg_levels(widths: tuple[int, ...], in_ch: int) -> list[tuple[int, list[list[int]]]]:
    """(input channels, per-branch MLPs) for each level: two branches of [w, w, 2w]."""
    levels = []
    for w in widths:
        levels.append((in_ch, [[w, w, 2 * w], [w, w, 2 * w]]))
        in_ch = 4 * w
    return levels


class SceneEncoder(nn.Module):
    def __init__(self, cfg: M2T2Config) -> None:
        super().__init__()
        self.sa = nn.ModuleList()
        npoint = cfg.num_points
        for level, (in_ch, mlps) in enumerate(msg_levels(cfg.sa_widths, 0)):
            npoint //= cfg.downsample
            r = cfg.radius * cfg.radius_mult**level
            radii = [r, r * cfg.radius_mult]
            self.sa.append(SetAbstractionMSG(npoint, radii, list(cfg.nsamples), in_ch, mlps))
        sa_out = [m.out_ch for m in self.sa]  # type: ignore[union-attr]
        fp = cfg.fp_dims
        # res3 from SA4→SA3, res2 from res3→SA2, res1 from res2→SA1, res0 from res1→input xyz.
        self.fp = nn.ModuleList(
            [
                FeaturePropagation([sa_out[2] + sa_out[3], fp[3], fp[3]]),
                FeaturePropagation([sa_out[1] + fp[3], fp[2], fp[2]]),
                FeaturePropagation([sa_out[0] + fp[2], fp[1], fp[1]]),
                FeaturePropagation([3 + fp[1], fp[0], fp[0]]),
            ]
        )
        self.channels = [fp[0], fp[1], fp[2], fp[3], sa_out[3]]

    def forward(self, xyz: torch.Tensor) -> SceneFeatures:
        """``xyz`` ``B×N×3`` (mean-centred) → multi-scale features res0..res4."""
        coords, sa_feats, groups = [xyz], [], []
        feats: torch.Tensor | None = None
        for sa in self.sa:
            centres, feats, idx = sa(coords[-1], feats)
            coords.append(centres)
            sa_feats.append(feats)
            groups.append(idx)
        res = [sa_feats[3]]  # res4
        skips = [sa_feats[2], sa_feats[1], sa_feats[0], xyz.transpose(1, 2)]
        for i, fp in enumerate(self.fp):
            fine = 3 - i
            res.append(fp(coords[fine], coords[fine + 1], skips[i], res[-1]))
        return SceneFeatures(xyz=coords, feats=res[::-1], groups=groups)


class ObjectEncoder(nn.Module):
    """Held-object points (``B×M×3``, end-effector frame) → one global feature ``B×object_dim``."""

    def __init__(self, cfg: M2T2Config) -> None:
        super().__init__()
        widths = cfg.sa_widths[:3]
        self.sa = nn.ModuleList()
        for level, (in_ch, mlps) in enumerate(msg_levels(widths, 0)):
            r = cfg.radius * cfg.radius_mult**level
            npoint = cfg.object_points[level]
            self.sa.append(
                SetAbstractionMSG(npoint, [r, r * cfg.radius_mult], list(cfg.nsamples), in_ch, mlps)
            )
        last = 4 * widths[-1]
        mlp = [cfg.object_dim // 2, cfg.object_dim // 2, cfg.object_dim]
        self.glob = SetAbstractionMSG(None, [], [], last, [mlp])

    def forward(self, xyz: torch.Tensor) -> torch.Tensor:
        feats: torch.Tensor | None = None
        for sa in self.sa:
            xyz, feats, _ = sa(xyz, feats)
        _, out, _ = self.glob(xyz, feats)
        return out.squeeze(-1)
