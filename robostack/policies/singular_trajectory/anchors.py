"""Prototype anchors: k-means centres of the training futures' singular-space coefficients.

The original fits ``sklearn.cluster.KMeans(init='k-means++', n_init=1, random_state=0)``; this is
the same algorithm (k-means++ seeding, then Lloyd iterations) written in torch, so the stack does
not need scikit-learn.
"""

from __future__ import annotations

import torch
from torch import Tensor


def kmeans_pp_init(points: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """k-means++ seeding: each new centre drawn with probability proportional to squared distance."""
    n = points.shape[0]
    first = int(torch.randint(n, (1,), generator=generator))
    centres = [points[first]]
    d2 = ((points - centres[0]) ** 2).sum(-1)
    for _ in range(1, k):
        total = d2.sum()
        if total <= 0:  # fewer distinct points than clusters: repeat one
            idx = int(torch.randint(n, (1,), generator=generator))
        else:
            idx = int(torch.multinomial(d2 / total, 1, generator=generator))
        centres.append(points[idx])
        d2 = torch.minimum(d2, ((points - points[idx]) ** 2).sum(-1))
    return torch.stack(centres)


def kmeans(points: Tensor, k: int, seed: int = 0, iters: int = 300, tol: float = 1e-6) -> Tensor:
    """Cluster ``points`` (N, D) into ``k`` centres (k, D), deterministic for a seed."""
    if points.shape[0] == 0:
        raise ValueError("k-means needs at least one point")
    pts = points.double()
    if k == 1:
        return pts.mean(0, keepdim=True).float()
    generator = torch.Generator().manual_seed(seed)
    centres = kmeans_pp_init(pts, k, generator)
    for _ in range(iters):
        assign = torch.cdist(pts, centres).argmin(dim=1)
        sums = torch.zeros_like(centres).index_add_(0, assign, pts)
        counts = torch.bincount(assign, minlength=k).unsqueeze(1)
        new = torch.where(counts > 0, sums / counts.clamp_min(1), centres)
        shift = (new - centres).norm(dim=1).max()
        centres = new
        if shift < tol:
            break
    return centres.float()
