"""`ViNTPolicy`: the network plus everything needed to use it (normalisation, loss, save/load, act).

Images enter as uint8 (``…×H×W×3`` or ``…×3×H×W``); resizing and ImageNet normalisation happen here,
so a caller never pre-processes. Waypoints leave in metres (robot frame: x forward, y left) and are
normalised by ``metres_per_frame`` inside, as in the original code.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.nn import functional as F

from robostack.core.errors import RobostackError
from robostack.core.pretrained import Pretrained
from robostack.core.registry import register
from robostack.core.types import Action, Observation
from robostack.policies.vint.model import ViNTConfig, ViNTNet


@register("policy", "vint")
class ViNTPolicy(Pretrained, nn.Module):
    """ViNT with its pre-processing. ``forward(batch) -> (loss, info)`` for training."""

    config_class = ViNTConfig
    train_command = "robostack train vint"

    def __init__(self, config: ViNTConfig | None = None) -> None:
        super().__init__()
        self.config = config or ViNTConfig()
        self.net = ViNTNet(self.config)
        self.register_buffer("image_mean", torch.tensor(self.config.image_mean).view(3, 1, 1))
        self.register_buffer("image_std", torch.tensor(self.config.image_std).view(3, 1, 1))
        self._context: deque[torch.Tensor] = deque(maxlen=self.config.context_size + 1)
        self._goal: torch.Tensor | None = None

    # -- pre-processing -------------------------------------------------------------------------
    def preprocess(self, images: torch.Tensor | NDArray[np.uint8]) -> torch.Tensor:
        """uint8 images ``…×H×W×3`` or ``…×3×H×W`` → normalised float ``…×3×S×S``."""
        x = torch.as_tensor(images)
        if x.shape[-1] == 3 and x.shape[-3] != 3:
            x = x.movedim(-1, -3)
        lead = x.shape[:-3]
        x = x.reshape(-1, *x.shape[-3:]).float().div_(255.0)
        size = self.config.image_size
        if x.shape[-2:] != (size, size):
            x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
        x = (x - self.image_mean) / self.image_std
        return x.reshape(*lead, 3, size, size)

    # -- training -------------------------------------------------------------------------------
    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        """The original loss: ``alpha·1e-2·MSE(distance) + (1−alpha)·masked MSE(waypoints)``.

        ``batch``: ``context`` uint8 ``B×(ctx+1)×…``, ``goal`` uint8 ``B×…``, ``distance`` (frames),
        ``actions`` ``B×len×4`` (normalised units), ``action_mask`` ``B``. A batch may instead carry
        ``frames`` ``G×(ctx+K)×…`` with ``goal`` ``G×K×…``: K consecutive samples that share context
        frames, each frame encoded once (same loss, fewer encoder passes), and optionally ``obs_tokens``
        ``G×(ctx+K)×d``: those frames' observation tokens, cached while that encoder is frozen."""
        dist, deltas = self._predict_batch(batch)
        actions = self.net.waypoints(deltas)
        label = batch["distance"].float().reshape(-1)
        mask = batch["action_mask"].float().reshape(-1)
        target = batch["actions"].float().reshape(actions.shape)
        dist_loss = F.mse_loss(dist, label)
        per_sample = F.mse_loss(actions, target, reduction="none").mean(dim=(1, 2))
        action_loss = (per_sample * mask).mean() / (mask.mean() + 1e-2)
        # A network that drives |raw (cos, sin)| up shrinks the gradient through the normalisation by
        # the same factor: headings then stop learning (seen here: norms of 10+, headings all ~0).
        heading_norm = ((deltas[:, :, 2:].norm(dim=-1) - 1.0) ** 2).mean()
        alpha = self.config.alpha
        loss = alpha * 1e-2 * dist_loss + (1 - alpha) * (
            action_loss + self.config.heading_norm_weight * heading_norm
        )
        with torch.no_grad():
            cos = F.cosine_similarity(actions[:, :, :2].flatten(1), target[:, :, :2].flatten(1), dim=1)
            wp_cos = float((cos * mask).sum() / mask.sum().clamp(min=1))
        info = {
            "loss": loss.item(),
            "dist_loss": dist_loss.item(),
            "action_loss": action_loss.item(),
            "waypoint_cos": wp_cos,
            "heading_norm": heading_norm.item(),
        }
        return loss, info

    def _predict_batch(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Distances and raw action deltas for a training batch (either form, see `forward`)."""
        n = self.config.context_size + 1
        if "frames" not in batch:
            context, goal = self.preprocess(batch["context"]), self.preprocess(batch["goal"])
            b = context.shape[0]
            obs_tokens = self.net.encode_obs(context.flatten(0, 1)).reshape(b, n, -1)
            return self.net.decode_raw(obs_tokens, self.net.encode_goal(context[:, -1], goal))
        g, total = batch["frames"].shape[:2]
        k = total - n + 1
        current = self.preprocess(batch["frames"][:, n - 1 :])  # G×K×3×S×S
        goals = self.preprocess(batch["goal"])  # G×K×3×S×S
        if "obs_tokens" in batch:  # cached by a frozen observation encoder
            tokens = batch["obs_tokens"]
        else:
            frames = self.preprocess(batch["frames"])  # G×(ctx+K)×3×S×S
            tokens = self.net.encode_obs(frames.flatten(0, 1)).reshape(g, total, -1)
        windows = tokens.unfold(1, n, 1).movedim(-1, 2)  # G×K×n×d
        goal_tokens = self.net.encode_goal(current.flatten(0, 1), goals.flatten(0, 1))
        if not k:
            return torch.empty(0), torch.empty(0)
        return self.net.decode_raw(windows.flatten(0, 1), goal_tokens)

    # -- inference with cached context ----------------------------------------------------------
    def reset(self) -> None:
        self._context.clear()

    @torch.no_grad()
    def observe(self, image: NDArray[np.uint8]) -> None:
        """Encode one new frame into the context cache (the only per-frame observation encoding)."""
        x = self.preprocess(image[None])
        token = self.net.encode_obs(x)[0]
        if not self._context:
            self._context.extend([token] * (self.config.context_size + 1))
        self._context.append(token)
        self._current = x

    @torch.no_grad()
    def predict(
        self, goals: NDArray[np.uint8] | torch.Tensor
    ) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Against each goal image ``N×…`` (pre-processed goals may be passed as floats): predicted
        temporal distance ``N`` (frames) and waypoints ``N×len×4`` with x, y in metres."""
        if not self._context:
            raise RobostackError("ViNT.predict before any observe(image)")
        g = goals if isinstance(goals, torch.Tensor) and goals.is_floating_point() else self.preprocess(goals)
        n = g.shape[0]
        obs = torch.stack(list(self._context)).unsqueeze(0).expand(n, -1, -1)
        goal_tokens = self.net.encode_goal(self._current.expand(n, -1, -1, -1), g)
        dist, wp = self.net.decode(obs, goal_tokens)
        wp = wp.clone()
        wp[:, :, :2] *= self.config.metres_per_frame
        return dist.numpy(), wp.numpy()

    def set_goal(self, image: NDArray[np.uint8]) -> None:
        self._goal = self.preprocess(image[None])

    def act(self, obs: Observation) -> Action:
        """One control step towards the goal image set by `set_goal` (no graph)."""
        from robostack.policies.vint.controller import PDController

        if self._goal is None:
            raise RobostackError("ViNT.act needs a goal image: call set_goal(image) first")
        self.observe(obs.rgb)
        _, wp = self.predict(self._goal)
        return PDController().command(wp[0])
