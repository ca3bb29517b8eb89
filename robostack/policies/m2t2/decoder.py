"""Contact decoder, Mask2Former style: learnable grasp queries (one per object) and place queries
(one per yaw bin, plus the projected held-object feature) refined by masked cross-attention over the
multi-scale context (res3 → res2 → res1 in turn), self-attention and an FFN, with post-LayerNorm.

A prediction (objectness, grasp masks, place masks) is made from the queries before the first layer
and after every layer; all of them are deep-supervised. Each prediction's masks, resized to the
next layer's context level through the PointNet++ groups, become that layer's attention mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from robostack.policies.m2t2.config import M2T2Config
from robostack.policies.m2t2.encoder import SceneFeatures
from robostack.policies.m2t2.pointnet2 import resize_by_groups

CONTEXT_LEVELS = (3, 2, 1)
"""Layer i attends to level CONTEXT_LEVELS[i % 3] (res3 → res2 → res1, repeated)."""


@dataclass
class Prediction:
    """One decoder stage's outputs: objectness ``B×Qg``, grasp masks ``B×Qg×N``, place ``B×Qp×N``."""

    objectness: torch.Tensor
    grasp_masks: torch.Tensor
    place_masks: torch.Tensor


def sine_position_encoding(xyz: torch.Tensor, dim: int, lo: torch.Tensor, hi: torch.Tensor) -> torch.Tensor:
    """Sinusoidal 3-D encoding of coordinates normalised to [0, 1] by the cloud's bounds ``lo``,
    ``hi`` (``B×1×3``) → ``B×N×dim``."""
    unit = (xyz - lo) / (hi - lo).clamp(min=1e-6)
    freqs = dim // 6
    scale = 10000 ** (torch.arange(freqs, device=xyz.device, dtype=xyz.dtype) / max(freqs, 1))
    angles = unit.unsqueeze(-1) * (2 * math.pi) / scale  # B×N×3×F
    enc = torch.cat([angles.sin(), angles.cos()], -1).flatten(2)
    return nn.functional.pad(enc, (0, dim - enc.shape[-1]))


def mlp(dims: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class DecoderLayer(nn.Module):
    """Masked cross-attention, then self-attention, then FFN; each residual + post-LayerNorm."""

    def __init__(self, dim: int, heads: int, ff: int) -> None:
        super().__init__()
        self.cross = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.self_attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))
        self.norms = nn.ModuleList(nn.LayerNorm(dim) for _ in range(3))
        self.heads = heads

    def forward(
        self,
        q: torch.Tensor,
        qpos: torch.Tensor,
        ctx: torch.Tensor,
        ctx_pos: torch.Tensor,
        blocked: torch.Tensor | None,
    ) -> torch.Tensor:
        mask = None
        if blocked is not None:  # B×Q×L, True = may not attend
            mask = blocked.repeat_interleave(self.heads, 0)
        attn, _ = self.cross(q + qpos, ctx + ctx_pos, ctx, attn_mask=mask, need_weights=False)
        q = self.norms[0](q + attn)
        attn, _ = self.self_attn(q + qpos, q + qpos, q, need_weights=False)
        q = self.norms[1](q + attn)
        return self.norms[2](q + self.ffn(q))


class ContactDecoder(nn.Module):
    def __init__(self, cfg: M2T2Config, channels: list[int]) -> None:
        super().__init__()
        d = cfg.embed_dim
        self.cfg = cfg
        nq = cfg.num_grasp_queries + cfg.num_place_queries
        self.query_feat = nn.Embedding(nq, d)
        self.query_pos = nn.Embedding(nq, d)
        self.task_embed = nn.Embedding(2, d)  # 0 = grasp queries, 1 = place queries
        self.object_proj = nn.Linear(cfg.object_dim, d)
        self.context_proj = nn.ModuleList(nn.Linear(channels[lv], d) for lv in CONTEXT_LEVELS)
        self.level_embed = nn.Embedding(len(CONTEXT_LEVELS), d)
        self.layers = nn.ModuleList(
            DecoderLayer(d, cfg.num_heads, cfg.feedforward_dim) for _ in range(cfg.num_layers)
        )
        self.out_norm = nn.LayerNorm(d)
        self.objectness = nn.Linear(d, 1)
        self.grasp_mask_embed = mlp([d, d, d, channels[0]])
        self.place_mask_embed = mlp([d, d, d, channels[0]])

    def initial_queries(self, batch: int, object_feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        cfg = self.cfg
        q = self.query_feat.weight.unsqueeze(0).expand(batch, -1, -1)
        qpos = self.query_pos.weight.unsqueeze(0).expand(batch, -1, -1)
        ng = cfg.num_grasp_queries
        place = q[:, ng:] + self.object_proj(object_feat).unsqueeze(1)
        grasp = q[:, :ng]
        if cfg.use_task_embed:
            grasp = grasp + self.task_embed.weight[0]
            place = place + self.task_embed.weight[1]
        return torch.cat([grasp, place], 1), qpos

    def predict(self, q: torch.Tensor, mask_feats: torch.Tensor) -> Prediction:
        ng = self.cfg.num_grasp_queries
        q = self.out_norm(q)
        grasp = torch.einsum("bqc,bcn->bqn", self.grasp_mask_embed(q[:, :ng]), mask_feats)
        place = torch.einsum("bqc,bcn->bqn", self.place_mask_embed(q[:, ng:]), mask_feats)
        return Prediction(self.objectness(q[:, :ng]).squeeze(-1), grasp, place)

    def attention_mask(self, pred: Prediction, scene: SceneFeatures, level: int) -> torch.Tensor:
        """Block context points where the predicted mask logit is below 0; a query whose mask is
        empty at that level may attend everywhere."""
        logits = torch.cat([pred.grasp_masks, pred.place_masks], 1).detach()
        for lv in range(level):
            logits = resize_by_groups(logits, scene.groups[lv])
        blocked = logits < 0
        return blocked & ~blocked.all(-1, keepdim=True)

    def forward(self, scene: SceneFeatures, object_feat: torch.Tensor) -> list[Prediction]:
        batch = scene.feats[0].shape[0]
        q, qpos = self.initial_queries(batch, object_feat)
        contexts = []
        lo, hi = scene.xyz[0].amin(1, keepdim=True), scene.xyz[0].amax(1, keepdim=True)
        for i, lv in enumerate(CONTEXT_LEVELS):
            feat = self.context_proj[i](scene.feats[lv].transpose(1, 2)) + self.level_embed.weight[i]
            contexts.append((feat, sine_position_encoding(scene.xyz[lv], q.shape[-1], lo, hi), lv))
        preds = [self.predict(q, scene.feats[0])]
        for i, layer in enumerate(self.layers):
            ctx, pos, lv = contexts[i % len(contexts)]
            blocked = self.attention_mask(preds[-1], scene, lv) if self.cfg.use_attn_mask else None
            q = layer(q, qpos, ctx, pos, blocked)
            preds.append(self.predict(q, scene.feats[0]))
        return preds
