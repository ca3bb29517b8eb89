"""Per-agent normalisation and the singular space (Bae et al., CVPR 2024, §3.1).

Every track is put in a frame fixed by its own observation: origin at the last observed point,
x-axis along the heading of the last two steps and (for moving agents) unit speed per frame. In
that frame futures are low-rank: the first ``k`` left singular vectors of the stacked futures
reconstruct them to a few centimetres, so the model predicts ``k`` coefficients instead of
``2 * pred_len`` coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

EPS = 1e-6


@dataclass(frozen=True)
class Frame:
    """A per-agent similarity transform from world metres to the normalised frame."""

    origin: Tensor  # (N, 2) last observed position
    cos: Tensor  # (N,) heading of the last two steps
    sin: Tensor  # (N,)
    scale: Tensor  # (N,) 1 / metres-per-frame for moving agents, 1 for static ones

    def to_local(self, xy: Tensor) -> Tensor:
        """World (N, ..., 2) -> normalised; extra dims between N and 2 are broadcast."""
        d = xy - self._per_agent(self.origin, xy)
        c, s, k = (self._per_agent(v, xy[..., 0]) for v in (self.cos, self.sin, self.scale))
        x = (c * d[..., 0] + s * d[..., 1]) * k
        y = (-s * d[..., 0] + c * d[..., 1]) * k
        return torch.stack((x, y), dim=-1)

    def to_world(self, xy: Tensor) -> Tensor:
        """Normalised (N, ..., 2) -> world metres."""
        c, s, k = (self._per_agent(v, xy[..., 0]) for v in (self.cos, self.sin, self.scale))
        lx, ly = xy[..., 0] / k, xy[..., 1] / k
        x = c * lx - s * ly
        y = s * lx + c * ly
        return torch.stack((x, y), dim=-1) + self._per_agent(self.origin, xy)

    @staticmethod
    def _per_agent(value: Tensor, like: Tensor) -> Tensor:
        """View a per-agent value (N,) or (N, 2) so it broadcasts against ``like`` (N, ..., [2])."""
        extra = like.dim() - value.dim()
        return value.view(value.shape[0], *([1] * extra), *value.shape[1:])


def speed_per_frame(obs: Tensor) -> Tensor:
    """Mean speed over the last two observed steps, metres per frame (N,)."""
    lag = 2 if obs.shape[1] > 2 else 1
    return (obs[:, -1] - obs[:, -1 - lag]).norm(dim=-1) / lag


def make_frame(obs: Tensor, scale_normalise: bool | Tensor) -> Frame:
    """The frame of each agent from its observation (N, obs_len, 2).

    ``scale_normalise`` (bool or per-agent bool tensor) selects unit-speed scaling; the paper uses
    it for moving agents only, since a static agent's speed is noise.
    """
    lag = 2 if obs.shape[1] > 2 else 1
    d = obs[:, -1] - obs[:, -1 - lag]
    dist = d.norm(dim=-1)
    heading = torch.atan2(d[:, 1], d[:, 0])
    scale = lag / dist.clamp_min(EPS)
    if isinstance(scale_normalise, bool):
        scale = scale if scale_normalise else torch.ones_like(scale)
    else:
        scale = torch.where(scale_normalise, scale, torch.ones_like(scale))
    return Frame(origin=obs[:, -1], cos=torch.cos(heading), sin=torch.sin(heading), scale=scale)


def flatten(traj: Tensor) -> Tensor:
    """(..., T, 2) -> (..., 2T), x/y interleaved per step."""
    return traj.reshape(*traj.shape[:-2], -1)


def unflatten(vec: Tensor) -> Tensor:
    """(..., 2T) -> (..., T, 2)."""
    return vec.reshape(*vec.shape[:-1], -1, 2)


def fit_basis(futures: Tensor, k: int) -> Tensor:
    """The first ``k`` left singular vectors of normalised futures (N, pred_len, 2) -> (2*pred_len, k)."""
    if futures.shape[0] < k:
        raise ValueError(f"need at least {k} trajectories to fit a rank-{k} space, got {futures.shape[0]}")
    matrix = flatten(futures).T.double()  # (2T, N)
    u, _, _ = torch.linalg.svd(matrix, full_matrices=False)
    basis = u[:, :k]
    # SVD signs are arbitrary; fix them so the same data always gives the same basis
    sign = torch.sign(basis[basis.abs().argmax(dim=0), torch.arange(k)])
    return (basis * sign).float()


def resample_matrix(src_len: int, dst_len: int) -> Tensor:
    """Linear-interpolation matrix (2*dst_len, 2*src_len) mapping a src_len-step signal to dst_len steps.

    It carries the future basis over to the observed window, so past and future share one set of
    coefficients (the paper uses a degree-2 B-spline here; linear interpolation is our choice).
    """
    pos = torch.linspace(0, src_len - 1, dst_len, dtype=torch.float64)
    lo = pos.floor().long().clamp(max=src_len - 2) if src_len > 1 else torch.zeros(dst_len, dtype=torch.long)
    frac = pos - lo
    mat = torch.zeros(dst_len, src_len, dtype=torch.float64)
    rows = torch.arange(dst_len)
    mat[rows, lo] += 1 - frac
    if src_len > 1:
        mat[rows, lo + 1] += frac
    return torch.kron(mat, torch.eye(2, dtype=torch.float64)).float()


def bspline_resample_matrix(src_dim: int, dst_dim: int, degree: int = 2) -> Tensor:
    """The original's observation map (dst_dim, src_dim): one clamped degree-2 B-spline per element
    of the flattened future vector, evaluated at ``dst_dim`` evenly spaced points.

    Like the original it resamples the x/y-interleaved vector as one signal, so an observed x can
    draw on a future y; the network only ever sees the resulting coefficients.
    """
    from scipy.interpolate import BSpline

    knots = np.concatenate((np.zeros(degree), np.linspace(0, 1, src_dim - degree + 1), np.ones(degree)))
    design = BSpline.design_matrix(np.linspace(0, 1, dst_dim), knots, degree).toarray()
    return torch.from_numpy(design).float()


def project(vectors: Tensor, basis: Tensor) -> Tensor:
    """Least-squares coefficients (..., k) of flattened trajectories (..., D) on basis (D, k)."""
    return vectors @ torch.linalg.pinv(basis).T
