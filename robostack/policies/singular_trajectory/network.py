"""The learned parts: a scene-aware context encoder and a diffusion refiner of anchor coefficients.

The noise schedule is written here rather than taken from ``diffusers``: it is ten lines (linear
betas, DDPM reverse mean), the refiner back-propagates through every reverse step, and diffusers
would add huggingface_hub and friends to the install for one formula.
"""

from __future__ import annotations

from typing import cast

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class ConcatSquashLinear(nn.Module):
    """Linear layer whose output is gated and shifted by a condition vector (FFJORD / MID / LED).

    The condition is ``[time embedding (3), context]``. The context part does not change across
    diffusion steps, so `project_context` computes it once and `forward` adds only the time part:
    the same function as one linear map on the concatenation, at a third of the cost.
    """

    def __init__(self, dim_in: int, dim_out: int, dim_ctx: int, dim_time: int = 3) -> None:
        super().__init__()
        self.dim_time = dim_time
        self.layer = nn.Linear(dim_in, dim_out)
        self.gate = nn.Linear(dim_time + dim_ctx, dim_out)
        self.bias = nn.Linear(dim_time + dim_ctx, dim_out, bias=False)

    def project_context(self, ctx: Tensor) -> tuple[Tensor, Tensor]:
        d = self.dim_time
        gate = F.linear(ctx, self.gate.weight[:, d:], self.gate.bias)
        bias = F.linear(ctx, self.bias.weight[:, d:])
        return gate, bias

    def forward(self, x: Tensor, time: Tensor, projected: tuple[Tensor, Tensor]) -> Tensor:
        d = self.dim_time
        gate = projected[0] + F.linear(time, self.gate.weight[:, :d])
        bias = projected[1] + F.linear(time, self.bias.weight[:, :d])
        return self.layer(x) * torch.sigmoid(gate) + bias


class Denoiser(nn.Module):
    """Predicts the noise on all anchors' coefficients of an agent at once (S*k -> S*k)."""

    def __init__(self, dim: int, hidden: tuple[int, ...], dim_ctx: int, activation: bool = False) -> None:
        super().__init__()
        self.activation = activation
        dims = (dim, *hidden, dim)
        self.layers = nn.ModuleList(
            ConcatSquashLinear(a, b, dim_ctx) for a, b in zip(dims[:-1], dims[1:], strict=True)
        )

    def project_context(self, ctx: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Per-layer context terms, computed once per prediction."""
        return [cast(ConcatSquashLinear, layer).project_context(ctx) for layer in self.layers]

    def forward(self, x: Tensor, beta: Tensor, projected: list[tuple[Tensor, Tensor]]) -> Tensor:
        b = beta.reshape(1, 1)
        time = torch.cat((b, torch.sin(b), torch.cos(b)), dim=-1)  # (1, 3), broadcast over agents
        for i, (layer, proj) in enumerate(zip(self.layers, projected, strict=True)):
            x = layer(x, time, proj)
            if self.activation and i < len(self.layers) - 1:
                x = F.leaky_relu(x)
        return x


class ContextEncoder(nn.Module):
    """Embeds each agent's observation, position and anchors, then mixes agents of the same scene."""

    def __init__(self, dim_in: int, d_model: int, nhead: int, ff_dim: int, layers: int, dropout: float):
        super().__init__()
        self.embed = nn.Linear(dim_in, d_model, bias=False)
        layer = nn.TransformerEncoderLayer(d_model, nhead, ff_dim, dropout=dropout, batch_first=True)
        self.mixer = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, feats: Tensor, scene: Tensor) -> Tensor:
        """``feats`` (N, dim_in); ``scene`` (N,) ids — attention only within one scene."""
        h = self.embed(feats)
        blocked = scene.unsqueeze(0) != scene.unsqueeze(1)
        return h + self.mixer(h.unsqueeze(0), mask=blocked).squeeze(0)


class LinearSchedule(nn.Module):
    """DDPM linear beta schedule and reverse step."""

    betas: Tensor
    alphas: Tensor
    alpha_bars: Tensor

    def __init__(self, steps: int, beta_start: float, beta_end: float) -> None:
        super().__init__()
        betas = torch.linspace(beta_start, beta_end, steps, dtype=torch.float64)
        alphas = 1 - betas
        self.register_buffer("betas", betas.float(), persistent=False)
        self.register_buffer("alphas", alphas.float(), persistent=False)
        self.register_buffer("alpha_bars", torch.cumprod(alphas, 0).float(), persistent=False)

    @property
    def steps(self) -> int:
        return int(self.betas.shape[0])

    def reverse_step(self, x: Tensor, eps: Tensor, t: int, noise: Tensor | None) -> Tensor:
        """x_{t-1} from x_t and the predicted noise (posterior mean plus sigma_t * noise)."""
        mean = (x - (1 - self.alphas[t]) / torch.sqrt(1 - self.alpha_bars[t]) * eps) / torch.sqrt(
            self.alphas[t]
        )
        if t == 0 or noise is None:
            return mean
        return mean + torch.sqrt(self.betas[t]) * noise
