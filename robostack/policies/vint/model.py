"""The ViNT network (Shah et al. 2023), as in ``visualnav-transformer/train/vint_train/models/vint``.

Tokens: one EfficientNet encoding per observation frame (5 past + current, shared encoder, 3 channels)
and one goal token from a second EfficientNet on the current frame stacked with the goal (6 channels,
early fusion). Sinusoidal positions, a pre-norm transformer encoder, the flattened tokens through an
MLP (256, 128, 64, 32), then a temporal-distance head and a head for 5 waypoints (dx, dy, cos, sin):
positions are cumulative sums of predicted deltas and (cos, sin) are L2-normalised.

The width/depth coefficients, token size and feed-forward size are parameters so a narrowed model can
train on a CPU; the structure is the published one.
"""

from __future__ import annotations

import math

import torch
from pydantic import Field
from torch import nn
from torch.nn import functional as F

from robostack.core.config import StrictModel


class ViNTConfig(StrictModel):
    """Architecture and deployment constants, saved with the weights as ``config.yaml``."""

    image_size: int = Field(64, ge=16, description="square input, pixels (published: 85x64)")
    context_size: int = Field(5, ge=0, description="past frames besides the current one")
    len_traj_pred: int = Field(5, ge=1, description="waypoints predicted")
    width_coefficient: float = Field(1.0, gt=0, description="EfficientNet-B0 = 1.0")
    depth_coefficient: float = Field(1.0, gt=0, description="EfficientNet-B0 = 1.0")
    encoding_size: int = Field(512, ge=8, description="token size (published: 512)")
    mha_num_layers: int = Field(4, ge=1)
    mha_num_heads: int = Field(4, ge=1)
    mha_ff_dim: int = Field(2048, ge=8, description="feed-forward size (published: 2048)")
    mlp_sizes: tuple[int, ...] = (256, 128, 64, 32)
    dropout: float = Field(0.0, ge=0, lt=1)
    max_dist_cat: int = Field(20, ge=1, description="distance label of a negative goal, frames")
    metres_per_frame: float = Field(0.125, gt=0, description="waypoint normalisation, m per frame")
    fps: float = Field(4.0, gt=0)
    alpha: float = Field(0.5, ge=0, le=1, description="loss weight: alpha*1e-2*dist + (1-alpha)*action")
    heading_norm_weight: float = Field(
        0.1, ge=0, description="weight of (|raw (cos, sin)| - 1)^2: keeps the heading gradient alive"
    )
    image_mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    image_std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    train_apartment_seeds: tuple[int, ...] = ()
    """Apartments the weights saw; evaluation refuses to reuse them."""


def efficientnet(config: ViNTConfig, in_channels: int) -> nn.Module:
    """EfficientNet-B0 from scratch (random init, as in the original code: no weight download)."""
    from efficientnet_pytorch import EfficientNet

    return EfficientNet.from_name(
        "efficientnet-b0",
        in_channels=in_channels,
        width_coefficient=config.width_coefficient,
        depth_coefficient=config.depth_coefficient,
        image_size=config.image_size,
        dropout_rate=config.dropout,
    )


class PositionalEncoding(nn.Module):
    """Fixed sinusoidal positions added to the token sequence."""

    def __init__(self, d_model: int, max_len: int) -> None:
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, d_model)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)[:, : d_model // 2]
        self.register_buffer("pe", pe.unsqueeze(0), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pe[:, : x.size(1)]


def _pool(encoder: nn.Module, images: torch.Tensor) -> torch.Tensor:
    features = encoder.extract_features(images)
    return torch.flatten(encoder._avg_pooling(features), start_dim=1)


class ViNTNet(nn.Module):
    """Images in (already normalised floats), ``(distance, waypoints)`` out."""

    def __init__(self, config: ViNTConfig) -> None:
        super().__init__()
        self.config = config
        d = config.encoding_size
        self.obs_encoder = efficientnet(config, 3)
        self.goal_encoder = efficientnet(config, 6)
        self.compress_obs = nn.Linear(self.obs_encoder._fc.in_features, d)
        self.compress_goal = nn.Linear(self.goal_encoder._fc.in_features, d)
        seq_len = config.context_size + 2
        self.positional = PositionalEncoding(d, seq_len)
        layer = nn.TransformerEncoderLayer(
            d,
            config.mha_num_heads,
            config.mha_ff_dim,
            dropout=config.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.transformer = nn.TransformerEncoder(layer, config.mha_num_layers, enable_nested_tensor=False)
        sizes = (seq_len * d, *config.mlp_sizes)
        self.decoder = nn.Sequential(
            *(m for a, b in zip(sizes[:-1], sizes[1:], strict=True) for m in (nn.Linear(a, b), nn.ReLU()))
        )
        self.dist_head = nn.Linear(sizes[-1], 1)
        self.action_head = nn.Linear(sizes[-1], config.len_traj_pred * 4)

    def encode_obs(self, frames: torch.Tensor) -> torch.Tensor:
        """``N×3×H×W`` → ``N×d`` observation tokens (cacheable per frame at deployment)."""
        return self.compress_obs(_pool(self.obs_encoder, frames))

    def encode_goal(self, current: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Current frame stacked with the goal, ``N×3×H×W`` each → ``N×d`` goal tokens."""
        return self.compress_goal(_pool(self.goal_encoder, torch.cat([current, goal], dim=1)))

    def decode_raw(
        self, obs_tokens: torch.Tensor, goal_tokens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``B×(ctx+1)×d`` and ``B×d`` → distance ``B`` and the action head's raw ``B×len×4`` deltas."""
        tokens = torch.cat([obs_tokens, goal_tokens.unsqueeze(1)], dim=1)
        x = self.transformer(self.positional(tokens))
        x = self.decoder(torch.flatten(x, start_dim=1))
        dist = self.dist_head(x).squeeze(-1)
        return dist, self.action_head(x).reshape(-1, self.config.len_traj_pred, 4)

    @staticmethod
    def waypoints(deltas: torch.Tensor) -> torch.Tensor:
        """Raw deltas → waypoints: cumulative (x, y), L2-normalised (cos, sin)."""
        xy = torch.cumsum(deltas[:, :, :2], dim=1)
        return torch.cat([xy, F.normalize(deltas[:, :, 2:], dim=-1)], dim=-1)

    def decode(
        self, obs_tokens: torch.Tensor, goal_tokens: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``B×(ctx+1)×d`` and ``B×d`` → distance ``B`` and waypoints ``B×len×4`` (normalised units)."""
        dist, deltas = self.decode_raw(obs_tokens, goal_tokens)
        return dist, self.waypoints(deltas)

    def forward(self, context: torch.Tensor, goal: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``context`` ``B×(ctx+1)×3×H×W`` (oldest first), ``goal`` ``B×3×H×W``."""
        b, n = context.shape[:2]
        obs_tokens = self.encode_obs(context.flatten(0, 1)).reshape(b, n, -1)
        goal_tokens = self.encode_goal(context[:, -1], goal)
        return self.decode(obs_tokens, goal_tokens)
