"""The M2T2 network: scene encoder → contact decoder (grasp/place queries) + per-point action head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.decoder import ContactDecoder, Prediction
from robostack.policies.m2t2.encoder import ObjectEncoder, SceneEncoder
from robostack.policies.m2t2.grasp import ActionHead


@dataclass
class M2T2Output:
    preds: list[Prediction]
    """Deep-supervised predictions, the last one is the model's answer."""
    point_feats: torch.Tensor
    """res0 per-point features ``B×C×N``, input to the action head."""


class M2T2Net(nn.Module):
    def __init__(self, cfg: M2T2Config) -> None:
        super().__init__()
        self.cfg = cfg
        self.scene_encoder = SceneEncoder(cfg)
        self.object_encoder = ObjectEncoder(cfg)
        self.decoder = ContactDecoder(cfg, self.scene_encoder.channels)
        self.action_head = ActionHead(cfg, self.scene_encoder.channels[0])

    def forward(self, points: torch.Tensor, held: torch.Tensor) -> M2T2Output:
        """``points`` ``B×N×3`` world frame; ``held`` ``B×M×3`` end-effector frame. Both are
        mean-centred here (the original's only normalisation; colours are unused, ``use_rgb: False``)."""
        scene = self.scene_encoder(points - points.mean(1, keepdim=True))
        obj = self.object_encoder(held - held.mean(1, keepdim=True))
        preds = self.decoder(scene, obj)
        return M2T2Output(preds, scene.feats[0])

    def actions(self, point_feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per point: baseline, approach, width logits (``B×N×…``)."""
        return self.action_head(point_feats.transpose(1, 2))
