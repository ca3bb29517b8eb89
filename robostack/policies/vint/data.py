"""Training samples for ViNT from nav-dataset episodes, with the original labelling rules.

A sample is (context frames t−5…t, goal frame, temporal distance, 5 future waypoints). The goal lies
0–20 frames ahead in the same run (label = the offset), or is a *negative* from another run (label 20,
no waypoint loss). Waypoints are the next 5 poses in the robot frame at t, divided by metres per frame,
with the heading as (cos, sin); past the run's end the last pose repeats. Waypoint loss counts only for
goals 1–9 frames ahead (the original's action range (0, 10)), and only when the robot was driven by the
planner over those 5 frames (`NavEpisode.expert`): a random swerve or a bump is a state worth seeing,
not a motion worth imitating.

Augmentation: with probability ``flip_prob`` a group is mirrored left-right (every image flipped, the
waypoints' y and sin negated), which doubles the data and gives left and right turns equal weight.

Batches come in groups of K consecutive samples that share their context frames, so each frame is
encoded once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from robostack.data.nav_dataset import NavEpisode


@dataclass(frozen=True)
class SampleConfig:
    context_size: int = 5
    len_traj_pred: int = 5
    max_dist_cat: int = 20
    max_action_dist: int = 10
    negative_prob: float = 0.1
    metres_per_frame: float = 0.125
    group: int = 4
    """K consecutive samples per group."""
    flip_prob: float = 0.0
    """Chance that a group is mirrored left-right (training only)."""


class NavSamples:
    """All frames of some episodes in one uint8 tensor, and a sampler of labelled batches."""

    def __init__(self, episodes: list[NavEpisode], config: SampleConfig) -> None:
        if not episodes:
            raise ValueError("no episodes to sample from")
        self.config = config
        self.images = torch.from_numpy(np.concatenate([e.images for e in episodes])).permute(0, 3, 1, 2)
        self.images = self.images.contiguous()
        self.poses = np.concatenate([e.poses for e in episodes])
        self.starts = np.cumsum([0] + [len(e.images) for e in episodes])[:-1]
        self.lengths = np.array([len(e.images) for e in episodes])
        self.expert = np.concatenate(
            [np.ones(len(e.images), bool) if e.expert is None else e.expert for e in episodes]
        )

    def __len__(self) -> int:
        return int(self.lengths.sum())

    def batch(self, groups: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """``groups`` × K samples: ``frames`` G×(ctx+K)×3×H×W (their dataset ``index`` G×(ctx+K) and
        whether each group is mirrored, ``flip`` G), ``goal`` G×K×3×H×W and the labels."""
        c = self.config
        k, n = c.group, c.context_size + 1
        frames, goals, dists, actions, masks, flips = [], [], [], [], [], []
        for _ in range(groups):
            flips.append(rng.random() < c.flip_prob)
            ep = int(rng.integers(len(self.lengths)))
            start, length = int(self.starts[ep]), int(self.lengths[ep])
            t0 = int(rng.integers(max(length - k + 1, 1)))
            ts = np.clip(np.arange(t0 - n + 1, t0 + k), 0, length - 1)
            frames.append(start + ts)
            for t in np.clip(np.arange(t0, t0 + k), 0, length - 1):
                goal, dist, mask = self._goal(ep, int(t), rng)
                goals.append(goal)
                dists.append(dist)
                masks.append(mask)
                actions.append(self.waypoints(ep, int(t)))
        index = np.stack(frames)
        batch = {
            "frames": self.images[index],
            "index": torch.from_numpy(index),
            "flip": torch.tensor(flips, dtype=torch.bool),
            "goal": self.images[np.array(goals)].reshape(groups, k, *self.images.shape[1:]),
            "distance": torch.tensor(dists, dtype=torch.float32),
            "actions": torch.from_numpy(np.stack(actions)).float(),
            "action_mask": torch.tensor(masks, dtype=torch.float32),
        }
        return mirror(batch, batch["flip"]) if any(flips) else batch

    def _goal(self, ep: int, t: int, rng: np.random.Generator) -> tuple[int, int, float]:
        c = self.config
        start, length = int(self.starts[ep]), int(self.lengths[ep])
        if len(self.lengths) > 1 and rng.random() < c.negative_prob:
            other = int(rng.integers(len(self.lengths) - 1))
            other += other >= ep
            return int(self.starts[other] + rng.integers(self.lengths[other])), c.max_dist_cat, 0.0
        offset = int(rng.integers(min(c.max_dist_cat, length - 1 - t) + 1))
        return start + t + offset, offset, float(0 < offset < c.max_action_dist and self.clean(ep, t))

    def clean(self, ep: int, t: int) -> bool:
        """The planner drove frames ``t … t+len−1`` (their commands make the labelled waypoints)."""
        start, length = int(self.starts[ep]), int(self.lengths[ep])
        return bool(self.expert[start + t : start + min(t + self.config.len_traj_pred, length)].all())

    def waypoints(self, ep: int, t: int) -> NDArray[np.float64]:
        """The next ``len_traj_pred`` poses in the robot frame at ``t``: (x, y) / m-per-frame, cos, sin."""
        c = self.config
        start, length = int(self.starts[ep]), int(self.lengths[ep])
        idx = start + np.clip(np.arange(t + 1, t + 1 + c.len_traj_pred), 0, length - 1)
        x0, y0, yaw0 = self.poses[start + t]
        rel = self.poses[idx, :2] - (x0, y0)
        cos, sin = np.cos(yaw0), np.sin(yaw0)
        local = np.stack([cos * rel[:, 0] + sin * rel[:, 1], -sin * rel[:, 0] + cos * rel[:, 1]], axis=1)
        dyaw = self.poses[idx, 2] - yaw0
        return np.concatenate(
            [local / c.metres_per_frame, np.cos(dyaw)[:, None], np.sin(dyaw)[:, None]], axis=1
        )


def mirror(batch: dict[str, torch.Tensor], flip: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mirror the groups where ``flip`` (G bools) is set: images left-right, waypoint y and sin negated."""
    out = dict(batch)
    out["frames"] = torch.where(flip.view(-1, 1, 1, 1, 1), batch["frames"].flip(-1), batch["frames"])
    out["goal"] = torch.where(flip.view(-1, 1, 1, 1, 1), batch["goal"].flip(-1), batch["goal"])
    per_sample = flip.repeat_interleave(batch["goal"].shape[1]).view(-1, 1)
    actions = batch["actions"].clone()
    actions[:, :, 1] = torch.where(per_sample, -actions[:, :, 1], actions[:, :, 1])
    actions[:, :, 3] = torch.where(per_sample, -actions[:, :, 3], actions[:, :, 3])
    out["actions"] = actions
    return out
