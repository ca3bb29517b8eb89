"""The CaRL network: Roach-style CNN with LayerNorm ("roach_ln2"), measurement MLP, Beta policy.

Changes from CaRL's 256×256 raster (say so, they matter): each conv is padded by ``k // 2`` so that a
small raster (64–128 px) still leaves a spatial map (96 px → 256×3×3 instead of 256×2×2), and the
raster may be average-pooled first (``bev_pool``, done by `CarlPolicy.preprocess`; training here
reads 96 px at 48 px → 256×2×2). As in CaRL, the value head reads the fused features and the
value-only measurements (time and route left, penalty timers); a policy saved before the env had them
has ``value_measurement_dim`` 0 and a value head on the features alone.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Beta
from torch.nn import functional as F

from robostack.policies.carl.config import ModelConfig

LOG_EPS = 1e-6  # keeps Beta log-probs finite at the support's edges


def conv_out(size: int, kernel: int, stride: int) -> int:
    pad = kernel // 2
    return (size + 2 * pad - kernel) // stride + 1


class RoachEncoder(nn.Module):
    """Conv → LayerNorm(C, H, W) → ReLU, seven times, then Linear → ``features_dim``."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c, h, w = cfg.bev_channels, cfg.bev_height // cfg.bev_pool, cfg.bev_width // cfg.bev_pool
        for out, kernel, stride in cfg.convs:
            h, w = conv_out(h, kernel, stride), conv_out(w, kernel, stride)
            layers += [nn.Conv2d(c, out, kernel, stride, padding=kernel // 2), nn.LayerNorm([out, h, w])]
            layers.append(nn.ReLU())
            c = out
        self.convs = nn.Sequential(*layers)
        self.flat_dim = c * h * w
        self.head = nn.Sequential(nn.Linear(self.flat_dim, cfg.features_dim), nn.ReLU())

    def forward(self, bev: torch.Tensor) -> torch.Tensor:
        return self.head(self.convs(bev).flatten(1))


def mlp(inp: int, hidden: int, layer_norm: bool) -> nn.Sequential:
    """Two hidden layers of ``hidden`` units (LayerNorm before each ReLU when asked)."""
    mods: list[nn.Module] = []
    for i in range(2):
        mods.append(nn.Linear(inp if i == 0 else hidden, hidden))
        if layer_norm:
            mods.append(nn.LayerNorm(hidden))
        mods.append(nn.ReLU())
    return nn.Sequential(*mods)


class CarlNet(nn.Module):
    """BEV (float in [0, 1], already pooled by ``bev_pool``) + measurements → Beta(α, β) over [0, 1]²
    and a state value."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = RoachEncoder(cfg)
        self.measurements = mlp(cfg.measurement_dim, cfg.features_dim, layer_norm=False)
        self.fuse = nn.Sequential(
            nn.Linear(2 * cfg.features_dim, cfg.features_dim), nn.LayerNorm(cfg.features_dim), nn.ReLU()
        )
        self.policy_trunk = mlp(cfg.features_dim, cfg.hidden_dim, layer_norm=True)
        self.alpha_beta = nn.Linear(cfg.hidden_dim, 4)
        self.value_trunk = mlp(cfg.features_dim + cfg.value_measurement_dim, cfg.hidden_dim, layer_norm=True)
        self.value = nn.Linear(cfg.hidden_dim, 1)
        self._init_heads()

    def _init_heads(self) -> None:
        # small last layers: the first policy is near Beta(1.7, 1.7) (centred, broad), values near 0
        nn.init.orthogonal_(self.alpha_beta.weight, 0.01)
        nn.init.zeros_(self.alpha_beta.bias)
        if self.cfg.accel_prior:
            total = 2.0 * (F.softplus(torch.zeros(())) + 1.0)  # α + β at zero bias
            mean = (self.cfg.accel_prior + 1.0) / 2.0
            with torch.no_grad():  # outputs are [α_accel, α_steer, β_accel, β_steer]
                self.alpha_beta.bias[0] = inverse_softplus(mean * total - 1.0)
                self.alpha_beta.bias[2] = inverse_softplus((1.0 - mean) * total - 1.0)
        nn.init.orthogonal_(self.value.weight, 1.0)
        nn.init.zeros_(self.value.bias)

    def features(self, bev: torch.Tensor, meas: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([self.encoder(bev), self.measurements(meas)], dim=-1))

    def forward(
        self, bev: torch.Tensor, measurements: torch.Tensor, value_measurements: torch.Tensor | None = None
    ) -> tuple[Beta, torch.Tensor]:
        """``value_measurements`` (B×V) may be left out where only the action is wanted: the value is
        then computed as if they were all 0."""
        feats = self.features(bev, measurements)
        raw = self.alpha_beta(self.policy_trunk(feats))
        # CaRL: softplus + 1 keeps α, β ≥ 1, so the density is unimodal (no mass piled on the edges)
        alpha, beta = (F.softplus(raw) + 1.0).chunk(2, dim=-1)
        value_in = feats
        if self.cfg.value_measurement_dim:
            if value_measurements is None:
                value_measurements = feats.new_zeros(feats.shape[0], self.cfg.value_measurement_dim)
            value_in = torch.cat([feats, value_measurements], dim=-1)
        value = self.value(self.value_trunk(value_in)).squeeze(-1)
        return Beta(alpha, beta), value


def inverse_softplus(y: torch.Tensor) -> torch.Tensor:
    return torch.log(torch.expm1(y.clamp(min=1e-4)))


def to_unit(action: torch.Tensor) -> torch.Tensor:
    """Env action in [-1, 1] → Beta sample in (0, 1)."""
    return ((action + 1.0) * 0.5).clamp(LOG_EPS, 1.0 - LOG_EPS)


def to_action(unit: torch.Tensor) -> torch.Tensor:
    """Beta sample in [0, 1] → env action in [-1, 1]."""
    return unit * 2.0 - 1.0
