"""SingularTrajectory (Bae, Park, Jeon, CVPR 2024) as a robostack policy.

Pipeline for a batch of agents (world metres):

1. each agent's observation fixes a frame (origin, heading, unit speed for moving agents);
2. moving and static agents each have their own singular space (SVD of normalised training
   futures, k=4) and their own prototype anchors (k-means of the training coefficients);
3. a context encoder sees each agent's observed coefficients, its position in the scene and its
   anchors, and attends to the other agents of the same scene;
4. a 10-step diffusion refiner moves all anchors at once: C = C_anchor + 0.1 * x_0;
5. the coefficients are mapped back to 12 future points and to world metres.

The spaces and anchors are fitted from data by `fit_spaces` and saved with the weights, so the
saved policy carries its own normalisation. Given walkable-area maps, `adaptive_anchors`
stretches each agent's prototype paths back onto them (`walkable.py`): the original release's map
images where a data directory holds them, or, with ``walkable_maps: observed``, the area people
were seen to walk so far in the recording (``place``: and in the training recordings of the same
place). Without maps the anchors are the prototypes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from robostack.core.errors import RobostackError
from robostack.core.pretrained import Pretrained
from robostack.core.registry import register
from robostack.policies.singular_trajectory.anchors import kmeans
from robostack.policies.singular_trajectory.config import ModelConfig
from robostack.policies.singular_trajectory.network import ContextEncoder, Denoiser, LinearSchedule
from robostack.policies.singular_trajectory.space import (
    Frame,
    bspline_resample_matrix,
    fit_basis,
    flatten,
    make_frame,
    project,
    resample_matrix,
    speed_per_frame,
    unflatten,
)
from robostack.policies.singular_trajectory.walkable import Region, WalkableMap


@dataclass
class TrajectoryBatch:
    """Agents of one or more scenes. ``pred`` is absent at inference time."""

    obs: Tensor  # (N, obs_len, 2) world metres
    scene: Tensor  # (N,) integer scene id; agents interact only within a scene
    pred: Tensor | None = None  # (N, pred_len, 2)
    anchors: Tensor | None = None  # (N, S, k) per-agent adaptive anchors; None = the prototypes


def flip_y(traj: Tensor) -> Tensor:
    return traj * torch.tensor([1.0, -1.0], dtype=traj.dtype)


@register("policy", "singular-trajectory")
class SingularTrajectory(Pretrained, nn.Module):
    """Predicts ``num_samples`` futures per agent; ``forward`` returns the best-of-S ADE loss."""

    config_class = ModelConfig
    train_command = "robostack train singular-trajectory"

    basis_moving: Tensor
    basis_static: Tensor
    anchors_moving: Tensor
    anchors_static: Tensor
    obs_resample: Tensor

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        k, s = config.rank, config.num_samples
        dim_future = 2 * config.pred_len
        self.register_buffer("basis_moving", torch.zeros(dim_future, k))
        self.register_buffer("basis_static", torch.zeros(dim_future, k))
        self.register_buffer("anchors_moving", torch.zeros(s, k))
        self.register_buffer("anchors_static", torch.zeros(s, k))
        if config.obs_coefficients == "bspline_transpose":
            obs_resample = bspline_resample_matrix(2 * config.pred_len, 2 * config.obs_len)
        else:
            obs_resample = resample_matrix(config.pred_len, config.obs_len)
        self.register_buffer("obs_resample", obs_resample, persistent=False)
        self.encoder = ContextEncoder(
            k + 2 + s * k, config.d_model, config.nhead, config.ff_dim, config.num_layers, config.dropout
        )
        self.denoiser = Denoiser(
            s * k, config.denoiser_dims, config.d_model, activation=config.denoiser_activation == "leaky_relu"
        )
        self.schedule = LinearSchedule(config.diffusion_steps, config.beta_start, config.beta_end)

    # ---- fitting the singular spaces and anchors from training data -------------------------

    @torch.no_grad()
    def fit_spaces(self, obs: Tensor, pred: Tensor, seed: int = 0) -> dict[str, int]:
        """Fit both spaces and anchor sets on training tracks (flip-augmented, as the original)."""
        obs = torch.cat((obs, flip_y(obs)))
        pred = torch.cat((pred, flip_y(pred)))
        moving = speed_per_frame(obs) > self.config.static_dist
        counts = {"moving": int(moving.sum()), "static": int((~moving).sum())}
        for name, mask, scaled in (("moving", moving, True), ("static", ~moving, False)):
            if int(mask.sum()) < max(self.config.rank, self.config.num_samples):
                mask = torch.ones_like(mask)  # too few agents of this kind: share all tracks
            frame = make_frame(obs[mask], scaled)
            future = frame.to_local(pred[mask])
            basis = fit_basis(future, self.config.rank)
            coeffs = project(flatten(future), basis)
            getattr(self, f"basis_{name}").copy_(basis)
            getattr(self, f"anchors_{name}").copy_(kmeans(coeffs, self.config.num_samples, seed=seed))
        return counts

    # ---- prediction --------------------------------------------------------------------------

    def space_counts(self, obs: Tensor) -> dict[str, int]:
        """How many flip-augmented training tracks each space holds (as `fit_spaces` reports)."""
        moving = speed_per_frame(torch.cat((obs, flip_y(obs)))) > self.config.static_dist
        return {"moving": int(moving.sum()), "static": int((~moving).sum())}

    def _coefficients(self, batch: TrajectoryBatch) -> tuple[Tensor, Frame, Tensor, Tensor]:
        """Per agent: moving mask, frame, observed coefficients, anchors (N, S, k)."""
        moving = speed_per_frame(batch.obs) > self.config.static_dist
        frame = make_frame(batch.obs, moving)
        obs_local = flatten(frame.to_local(batch.obs))
        c_obs = torch.where(
            moving.unsqueeze(1),
            self._observed_coefficients(obs_local, self.basis_moving),
            self._observed_coefficients(obs_local, self.basis_static),
        )
        if batch.anchors is not None:
            return moving, frame, c_obs, batch.anchors
        anchors = torch.where(moving.view(-1, 1, 1), self.anchors_moving, self.anchors_static)
        return moving, frame, c_obs, anchors

    def _observed_coefficients(self, obs_local: Tensor, basis: Tensor) -> Tensor:
        """Flattened normalised observations (N, 2*obs_len) -> (N, k) in the given future space."""
        obs_basis = self.obs_resample @ basis
        if self.config.obs_coefficients == "bspline_transpose":
            return obs_local @ obs_basis
        return project(obs_local, obs_basis)

    def _to_local_paths(self, moving: Tensor, coeffs: Tensor) -> Tensor:
        """Coefficients (N, S, k) -> normalised paths (N, S, pred_len, 2) in each agent's own space."""
        return unflatten(
            torch.where(moving.view(-1, 1, 1), coeffs @ self.basis_moving.T, coeffs @ self.basis_static.T)
        )

    @torch.no_grad()
    def adaptive_anchors(self, obs: Tensor, regions: Sequence[Region]) -> Tensor:
        """Per-agent anchors (N, S, k): the prototypes, with paths that end off the walkable area
        of each region's map stretched back onto it (the original caches these per split)."""
        batch = TrajectoryBatch(obs=obs, scene=torch.zeros(obs.shape[0], dtype=torch.long))
        moving, frame, _, anchors = self._coefficients(batch)
        world = frame.to_world(self._to_local_paths(moving, anchors)).numpy()
        origin = frame.origin.numpy()
        for rows, walkable in regions:
            world[rows] = walkable.correct(world[rows], origin[rows])
        local = flatten(frame.to_local(torch.from_numpy(world).float()))
        return torch.where(
            moving.view(-1, 1, 1), project(local, self.basis_moving), project(local, self.basis_static)
        )

    def _scene_offsets(self, origin: Tensor, scene: Tensor) -> Tensor:
        """Each agent's last position relative to the mean of its scene (``scene_offset``: or of
        the whole batch)."""
        if self.config.scene_offset == "batch":
            return origin - origin.mean(0)
        ids, inverse = torch.unique(scene, return_inverse=True)
        sums = torch.zeros(len(ids), 2, dtype=origin.dtype).index_add_(0, inverse, origin)
        counts = torch.bincount(inverse, minlength=len(ids)).unsqueeze(1).to(origin.dtype)
        return origin - (sums / counts)[inverse]

    def sample(self, batch: TrajectoryBatch) -> Tensor:
        """Futures (N, S, pred_len, 2) in world metres."""
        cfg = self.config
        moving, frame, c_obs, anchors = self._coefficients(batch)
        n, s, k = anchors.shape
        feats = torch.cat((c_obs, self._scene_offsets(frame.origin, batch.scene), anchors.reshape(n, -1)), -1)
        ctx = self.encoder(feats, batch.scene)
        generator = torch.Generator().manual_seed(cfg.noise_seed)
        x = torch.randn(n, s * k, generator=generator)
        projected = self.denoiser.project_context(ctx)
        for t in reversed(range(self.schedule.steps)):
            eps = self.denoiser(x, self.schedule.betas[t], projected)
            noise = torch.randn(n, s * k, generator=generator) * cfg.step_noise
            x = self.schedule.reverse_step(x, eps, t, noise)
        coeffs = anchors + cfg.output_scale * x.view(n, s, k)
        return frame.to_world(self._to_local_paths(moving, coeffs))

    def forward(self, batch: TrajectoryBatch) -> tuple[Tensor, dict[str, float]]:
        """Best-of-S ADE in metres (the original's training loss) and minADE/minFDE for logging."""
        if batch.pred is None:
            raise RobostackError("forward() needs ground-truth futures (batch.pred)")
        samples = self.sample(batch)
        err = (samples - batch.pred.unsqueeze(1)).norm(dim=-1)  # (N, S, T)
        loss = err.mean(-1).min(1).values.mean()
        fde = err[..., -1].min(1).values.mean()
        return loss, {"ade": float(loss.detach()), "fde": float(fde.detach())}

    @torch.no_grad()
    def predict(
        self, obs: Tensor, scene: Tensor | None = None, walkable: WalkableMap | None = None
    ) -> Tensor:
        """Inference helper: observed tracks (N, obs_len, 2) -> futures (N, S, pred_len, 2);
        ``walkable``, where people can walk, adapts the anchors to it."""
        if obs.dim() != 3 or obs.shape[1:] != (self.config.obs_len, 2):
            raise RobostackError(f"expected observations of shape (N, {self.config.obs_len}, 2)")
        if not torch.isfinite(obs).all():
            raise RobostackError("observations contain NaN or infinite values")
        obs = obs.float()
        scene = torch.zeros(obs.shape[0], dtype=torch.long) if scene is None else scene
        anchors = None if walkable is None else self.adaptive_anchors(obs, [(slice(None), walkable)])
        return self.sample(TrajectoryBatch(obs=obs, scene=scene, anchors=anchors))

    def reset(self) -> None:
        """Stateless between calls: nothing to reset."""
