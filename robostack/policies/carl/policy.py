"""`CarlPolicy`: the network plus its pre-processing, saved as ``config.yaml`` + ``model.safetensors``.

Observations enter as the env gives them (``bev`` uint8 C×H×W, ``measurements`` float32 M and
``value_measurements`` float32 V, batched or not); scaling to [0, 1] and the measurements' running
normalisation live here, in the saved state, so `robostack eval driving` only calls ``reset()`` and
``act(obs)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn
from torch.distributions import Beta
from torch.nn import functional as F

from robostack.core.errors import RobostackError
from robostack.core.pretrained import Pretrained
from robostack.core.registry import register
from robostack.policies.carl.config import ModelConfig
from robostack.policies.carl.model import CarlNet, to_action

MEAS_CLIP = 10.0  # normalised measurements are clipped, so one odd reading cannot blow up a layer


def _tensor(x: Any) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


@register("policy", "carl")
class CarlPolicy(Pretrained, nn.Module):
    """Beta policy over [accel/brake, steer]; evaluation uses the Beta mean (CaRL's ``mean``)."""

    config_class = ModelConfig
    train_command = "robostack train carl"

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.net = CarlNet(config)
        m = config.measurement_dim
        self.register_buffer("meas_mean", torch.zeros(m))
        self.register_buffer("meas_var", torch.ones(m))
        self.register_buffer("meas_count", torch.tensor(1e-4, dtype=torch.float64))

    @classmethod
    def for_spaces(cls, observation_space: Any, **overrides: Any) -> CarlPolicy:
        """Size the network from the env's Dict space (``bev`` C×H×W uint8, ``measurements`` M and,
        where the env has them, ``value_measurements`` V)."""
        try:
            c, h, w = observation_space["bev"].shape
            (m,) = observation_space["measurements"].shape
            value_space = observation_space.spaces.get("value_measurements")
            (v,) = value_space.shape if value_space is not None else (0,)
        except (AttributeError, KeyError, TypeError, ValueError):
            raise RobostackError(
                f"CaRL needs Dict(bev=C×H×W, measurements=M) observations, got {observation_space}"
            ) from None
        fields = {"bev_channels": c, "bev_height": h, "bev_width": w, "measurement_dim": m}
        fields["value_measurement_dim"] = v
        return cls(ModelConfig(**{**fields, **overrides}))

    @property
    def env_config(self) -> Any:
        """The driving world's settings this policy was trained with (read by `robostack eval driving`)."""
        from robostack.sim.driving.config import DrivingConfig

        fields = {k: v for k, v in self.config.env.items() if k != "seed"}
        return DrivingConfig(**fields)

    # -- pre-processing -------------------------------------------------------------------------
    def preprocess(self, obs: dict[str, Any]) -> dict[str, torch.Tensor]:
        """Env observation(s) → the network's inputs: ``bev`` float B×C×H×W in [0, 1], average-pooled
        by ``bev_pool``; normalised ``measurements`` B×M; and ``value_measurements`` B×V where the
        network reads them and ``obs`` holds them (acting needs no value)."""
        bev = _tensor(obs["bev"])
        meas = _tensor(obs["measurements"]).float()
        unbatched = bev.dim() == 3
        if unbatched:
            bev, meas = bev.unsqueeze(0), meas.unsqueeze(0)
        expected = (self.config.bev_channels, self.config.bev_height, self.config.bev_width)
        if tuple(bev.shape[1:]) != expected or meas.shape[-1] != self.config.measurement_dim:
            raise RobostackError(
                f"CaRL policy expects bev {expected} and {self.config.measurement_dim} measurements, "
                f"got bev {tuple(bev.shape[1:])} and {meas.shape[-1]}"
            )
        if not torch.isfinite(meas).all():
            raise RobostackError("CaRL policy: NaN or infinite value in the measurements")
        device = self.meas_mean.device
        bev = bev.to(device, torch.float32) / 255.0
        if self.config.bev_pool > 1:
            bev = F.avg_pool2d(bev, self.config.bev_pool)
        meas = meas.to(device)
        if self.config.normalise_measurements:
            meas = ((meas - self.meas_mean) / (self.meas_var.sqrt() + 1e-6)).clamp(-MEAS_CLIP, MEAS_CLIP)
        inputs = {"bev": bev, "measurements": meas}
        if self.config.value_measurement_dim and "value_measurements" in obs:
            value_meas = _tensor(obs["value_measurements"]).float()
            value_meas = value_meas.unsqueeze(0) if unbatched else value_meas
            if value_meas.shape[-1] != self.config.value_measurement_dim:
                raise RobostackError(
                    f"CaRL policy expects {self.config.value_measurement_dim} value measurements, "
                    f"got {value_meas.shape[-1]}"
                )
            inputs["value_measurements"] = value_meas.to(device)
        return inputs

    @torch.no_grad()
    def update_normaliser(self, batch_sum: torch.Tensor, batch_sq: torch.Tensor, n: float) -> None:
        """Fold in measurement sums (already summed over ranks, so every rank stays identical)."""
        if n <= 0:
            return
        mean_b = batch_sum / n
        var_b = (batch_sq / n - mean_b.square()).clamp(min=0)
        total = self.meas_count + n
        delta = mean_b - self.meas_mean
        new_mean = self.meas_mean + delta * (n / total)
        m2 = self.meas_var * self.meas_count + var_b * n + delta.square() * self.meas_count * n / total
        self.meas_mean.copy_(new_mean.float())
        self.meas_var.copy_((m2 / total).float())
        self.meas_count.fill_(float(total))

    # -- training -------------------------------------------------------------------------------
    def distribution(self, obs: dict[str, Any]) -> tuple[Beta, torch.Tensor]:
        return self.net(**self.preprocess(obs))

    def network_batch(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """A rollout batch with its observations replaced by the network's inputs (`preprocess`)."""
        return {**batch, **self.preprocess(batch)}

    def forward(self, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, float]]:
        """PPO loss on a rollout mini-batch (see `robostack.policies.carl.ppo.ppo_loss`)."""
        from robostack.policies.carl.ppo import PPOCoefs, ppo_loss

        return ppo_loss(self, self.network_batch(batch), PPOCoefs())

    def load_widening_value_input(self, state: dict[str, torch.Tensor]) -> None:
        """Load weights saved before the env had value measurements (or with fewer): the value head's
        first layer gains zero columns for the new inputs, so they start with no effect."""
        key = "net.value_trunk.0.weight"
        want = self.net.value_trunk[0].weight.shape[1]
        have = state[key].shape[1] if key in state else want
        if have < want:
            state = {**state, key: F.pad(state[key], (0, want - have))}
        self.load_state_dict(state)

    # -- control --------------------------------------------------------------------------------
    def reset(self) -> None:
        """The policy is memoryless (the last action is in the measurements)."""

    @torch.no_grad()
    def act(self, obs: dict[str, Any]) -> NDArray[np.float32]:
        """One observation (unbatched) → action [accel/brake, steer] in [-1, 1], from the Beta mean."""
        dist, _ = self.distribution(obs)
        return to_action(dist.mean)[0].cpu().numpy().astype(np.float32)
