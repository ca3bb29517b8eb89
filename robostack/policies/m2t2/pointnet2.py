"""PointNet++ building blocks in pure PyTorch (no CUDA ops): furthest-point sampling, ball query,
grouping, three-NN interpolation, multi-scale set abstraction and feature propagation.

Each op is vectorised over the batch and the points; only furthest-point sampling loops (once per
sampled point), as the original CUDA kernel does. Shapes follow the original ``pointnet2_ops``:
coordinates ``B×N×3``, features ``B×C×N``.
"""

from __future__ import annotations

import torch
from torch import nn


def furthest_point_sample(xyz: torch.Tensor, npoint: int) -> torch.Tensor:
    """Indices ``B×npoint`` of a furthest-point subset of ``xyz`` (``B×N×3``), starting at point 0.

    Squared distances as |x|² − 2x·p + |p|² (one batched matmul a step, half the time of the
    direct form on a CPU)."""
    b, n, _ = xyz.shape
    if npoint > n:
        raise ValueError(f"cannot sample {npoint} of {n} points")
    idx = torch.zeros(b, npoint, dtype=torch.long, device=xyz.device)
    sq = xyz.square().sum(-1).unsqueeze(1)  # B×1×N
    xt = xyz.transpose(1, 2).contiguous()  # B×3×N
    dist = torch.full((b, n), float("inf"), device=xyz.device, dtype=xyz.dtype)
    last = torch.zeros(b, 1, 1, dtype=torch.long, device=xyz.device)
    for i in range(1, npoint):
        p = torch.gather(xyz, 1, last.expand(-1, -1, 3))  # B×1×3
        d = torch.baddbmm(sq, p, xt, alpha=-2).squeeze(1) + p.square().sum(-1)
        torch.minimum(dist, d, out=dist)
        last = dist.argmax(-1).view(b, 1, 1)
        idx[:, i] = last.view(b)
    return idx


def gather_points(xyz: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``xyz`` ``B×N×C`` at ``idx`` ``B×…`` → ``B×…×C``."""
    b = xyz.shape[0]
    flat = idx.reshape(b, -1)
    out = torch.gather(xyz, 1, flat.unsqueeze(-1).expand(-1, -1, xyz.shape[-1]))
    return out.reshape(*idx.shape, xyz.shape[-1])


def ball_query(
    radius: float, nsample: int, xyz: torch.Tensor, centres: torch.Tensor, d2: torch.Tensor | None = None
) -> torch.Tensor:
    """For each centre (``B×M×3``), the first ``nsample`` points of ``xyz`` (``B×N×3``, in index
    order) within ``radius``; short groups repeat their first point, as the CUDA kernel does.
    A centre with no neighbour at all gets index 0. ``d2``: precomputed squared distances
    ``B×M×N`` (shared between the radii of one level). Returns ``B×M×nsample`` long."""
    n = xyz.shape[1]
    if d2 is None:
        d2 = torch.cdist(centres, xyz).square()
    order = torch.arange(n, device=xyz.device, dtype=torch.int32).expand_as(d2)
    key = order.masked_fill(d2 >= radius * radius, n)
    k = min(nsample, n)
    first = torch.topk(key, k, dim=-1, largest=False, sorted=True).values.long()
    if k < nsample:
        first = torch.cat([first, first.new_full((*first.shape[:-1], nsample - k), n)], -1)
    head = first[..., :1]
    head = torch.where(head == n, torch.zeros_like(head), head)
    return torch.where(first == n, head.expand_as(first), first)


def group(features: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``features`` ``B×C×N`` at ``idx`` ``B×M×S`` → ``B×C×M×S``."""
    b, c, _ = features.shape
    m, s = idx.shape[1:]
    flat = idx.reshape(b, 1, m * s).expand(-1, c, -1)
    return torch.gather(features, 2, flat).reshape(b, c, m, s)


def three_interpolate(unknown: torch.Tensor, known: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
    """Inverse-distance interpolation of ``feats`` (``B×C×m`` at ``known`` ``B×m×3``) onto
    ``unknown`` (``B×n×3``) from the three nearest known points → ``B×C×n``."""
    k = min(3, known.shape[1])
    d2 = torch.cdist(unknown, known).square()
    dist, idx = torch.topk(d2, k, dim=-1, largest=False)
    weight = 1.0 / (dist + 1e-8)
    weight = weight / weight.sum(-1, keepdim=True)
    neighbours = group(feats, idx)  # B×C×n×k
    return (neighbours * weight.unsqueeze(1)).sum(-1)


def resize_by_groups(values: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Carry per-point values ``B×Q×N`` to the next coarser level through its grouping indices
    ``B×M×S`` (max over each group) → ``B×Q×M``. Used for the decoder's attention masks."""
    b, q, _ = values.shape
    m, s = idx.shape[1:]
    flat = idx.reshape(b, 1, m * s).expand(-1, q, -1)
    return torch.gather(values, 2, flat).reshape(b, q, m, s).amax(-1)


def shared_mlp(channels: list[int], dims: int = 2) -> nn.Sequential:
    conv = nn.Conv2d if dims == 2 else nn.Conv1d
    norm = nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d
    layers: list[nn.Module] = []
    for c_in, c_out in zip(channels[:-1], channels[1:], strict=True):
        layers += [conv(c_in, c_out, 1, bias=False), norm(c_out), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class SetAbstractionMSG(nn.Module):
    """Sample ``npoint`` centres (FPS), group at several radii, shared MLP + max-pool per branch."""

    def __init__(
        self, npoint: int | None, radii: list[float], nsamples: list[int], in_ch: int, mlps: list[list[int]]
    ) -> None:
        super().__init__()
        self.npoint, self.radii, self.nsamples = npoint, radii, nsamples
        self.branches = nn.ModuleList(shared_mlp([in_ch + 3, *mlp]) for mlp in mlps)
        self.out_ch = sum(mlp[-1] for mlp in mlps)

    def forward(
        self, xyz: torch.Tensor, features: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """→ centres ``B×M×3``, features ``B×C×M``, and the first branch's groups ``B×M×S``."""
        if self.npoint is None:  # group all: one centre at the origin
            centres = xyz.new_zeros(xyz.shape[0], 1, 3)
            grouped = xyz.transpose(1, 2).unsqueeze(2)  # B×3×1×N
            if features is not None:
                grouped = torch.cat([grouped, features.unsqueeze(2)], 1)
            out = self.branches[0](grouped).amax(-1)
            idx = torch.arange(xyz.shape[1], device=xyz.device).expand(xyz.shape[0], 1, -1)
            return centres, out, idx
        centres = gather_points(xyz, furthest_point_sample(xyz, self.npoint))
        outs, first_idx = [], None
        xyz_t = xyz.transpose(1, 2)
        d2 = torch.cdist(centres, xyz).square()
        for radius, nsample, mlp in zip(self.radii, self.nsamples, self.branches, strict=True):
            idx = ball_query(radius, nsample, xyz, centres, d2)
            rel = group(xyz_t, idx) - centres.transpose(1, 2).unsqueeze(-1)
            grouped = rel if features is None else torch.cat([rel, group(features, idx)], 1)
            outs.append(mlp(grouped).amax(-1))
            first_idx = idx if first_idx is None else first_idx
        assert first_idx is not None
        return centres, torch.cat(outs, 1), first_idx


class FeaturePropagation(nn.Module):
    """Interpolate coarse features onto finer points, concatenate the skip features, shared MLP."""

    def __init__(self, channels: list[int]) -> None:
        super().__init__()
        self.mlp = shared_mlp(channels, dims=1)

    def forward(
        self, fine_xyz: torch.Tensor, coarse_xyz: torch.Tensor, skip: torch.Tensor, coarse: torch.Tensor
    ) -> torch.Tensor:
        return self.mlp(torch.cat([three_interpolate(fine_xyz, coarse_xyz, coarse), skip], 1))
