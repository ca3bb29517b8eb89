"""Hungarian matching of grasp queries to ground-truth objects (scipy ``linear_sum_assignment``).

Cost (M2T2 ``matcher.py``): 2·(−σ(objectness)) + 5·BCE(mask) + 5·Dice(mask), mask terms averaged
over the scene's points.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch.nn import functional as F


def pairwise_bce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean BCE of every mask ``Q×N`` against every target ``K×N`` → ``Q×K``."""
    n = logits.shape[-1]
    pos = F.softplus(-logits) @ targets.T
    neg = F.softplus(logits) @ (1 - targets).T
    return (pos + neg) / n


def pairwise_dice(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Dice loss of every mask ``Q×N`` against every target ``K×N`` → ``Q×K``."""
    prob = logits.sigmoid()
    inter = prob @ targets.T
    total = prob.sum(-1, keepdim=True) + targets.sum(-1).unsqueeze(0)
    return 1 - (2 * inter + 1) / (total + 1)


def matching_cost(
    objectness: torch.Tensor,
    masks: torch.Tensor,
    targets: torch.Tensor,
    object_weight: float = 2.0,
    bce_weight: float = 5.0,
    dice_weight: float = 5.0,
) -> torch.Tensor:
    """``objectness`` ``Q``, ``masks`` ``Q×N`` logits, ``targets`` ``K×N`` in {0,1} → cost ``Q×K``."""
    cost = -object_weight * objectness.sigmoid().unsqueeze(1)
    return cost + bce_weight * pairwise_bce(masks, targets) + dice_weight * pairwise_dice(masks, targets)


def hungarian(cost: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment: (query indices, target indices), sorted by query."""
    c = cost.detach().cpu().numpy() if isinstance(cost, torch.Tensor) else np.asarray(cost)
    rows, cols = linear_sum_assignment(c)
    return rows.astype(np.int64), cols.astype(np.int64)
