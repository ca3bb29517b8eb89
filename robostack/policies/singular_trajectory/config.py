"""Configs for SingularTrajectory: the model (saved with the weights) and a training run."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat

from robostack.core.config import StrictModel

STOCHASTIC_STATIC_DIST: dict[str, float] = {
    "eth": 0.4,
    "hotel": 0.492,
    "univ": 0.233,
    "zara1": 0.309,
    "zara2": 0.3,
}
"""Metres per frame below which an agent counts as static (the original's stochastic configs)."""

DETERMINISTIC_STATIC_DIST: dict[str, float] = {
    "eth": 0.021,
    "hotel": 0.014,
    "univ": 0.0,
    "zara1": 0.015,
    "zara2": 0.014,
}
"""The same threshold in the original's deterministic (1-sample) configs."""


class ModelConfig(StrictModel):
    """Everything needed to rebuild the network; written to ``config.yaml`` beside the weights."""

    obs_len: int = 8
    pred_len: int = 12
    rank: int = 4
    """k, the dimension of the singular space."""
    num_samples: int = 20
    """Anchors = predicted samples: 20 in stochastic mode, 1 in deterministic mode."""
    static_dist: float = 0.3
    d_model: int = 256
    nhead: int = 2
    ff_dim: int = 256
    num_layers: int = 2
    dropout: float = 0.1
    denoiser_dims: tuple[int, ...] = (512, 256, 128)
    denoiser_activation: Literal["none", "leaky_relu"] = "none"
    """Between the denoiser's layers. The original's sampling path (``generate_accelerate``) has
    none, so the refiner is linear in the noisy coefficients and non-linear in the context;
    checkpoints trained with leaky ReLU (MID's denoiser) say so in their config."""
    obs_coefficients: Literal["bspline_transpose", "linear_least_squares"] = "linear_least_squares"
    """How the observed track gets its k coefficients: each coordinate of the future basis
    interpolated linearly to the observed steps and fitted by least squares, or, as the original,
    a degree-2 B-spline over the interleaved vector and its transpose (validated worse here)."""
    scene_offset: Literal["scene", "batch"] = "scene"
    """The context's position input: each agent's last position minus the mean of its own scene
    (window), or, as the original, minus the mean over the whole batch, which packs whole windows
    until it holds 512 agents (at test time, windows of one recording in time order)."""
    walkable_maps: Literal["files", "observed", "place"] = "files"
    """Where the adaptive anchors' walkable area comes from. ``files``: the original release's
    map images and homographies, where the data directory holds them (the public splits do not).
    ``observed``: every position annotated in the same recording up to the window's last observed
    frame, grown by ``walkable_radius``; built from the tracks alone, nothing from the future.
    ``place``: that, plus every position of the training and validation recordings filmed at the
    same place (what a map image of the place shows; never a test recording)."""
    walkable_radius: PositiveFloat = 0.3
    """Metres each observed position is grown by (``walkable_maps: observed`` or ``place``)."""
    diffusion_steps: int = 10
    beta_start: float = 1e-4
    beta_end: float = 5e-2
    step_noise: float = 1e-5
    """The original scales the reverse-step noise down to 1e-5: the refiner is nearly deterministic."""
    output_scale: float = 0.1
    """C_pred = C_anchor + output_scale * x_0."""
    noise_seed: int = 0
    scene: str = ""
    """The held-out ETH-UCY scene this model was trained for (informational)."""


class TrainConfig(StrictModel):
    """One leave-one-out training run. Defaults are the original's; the CLI scales them down."""

    scene: str = "eth"
    deterministic: bool = False
    epochs: int = 256
    batch_size: int = 512
    lr: float = 1e-3
    weight_decay: float = 1e-4
    lr_step: int = 64
    lr_gamma: float = 0.5
    clip_grad: float = 10.0
    seed: int = 0
    flip_augment: bool = False
    """Mirror half the training batches in y. The original flips only the data it fits the
    spaces and anchors on; people pass each other on one side, which a flip would blur."""
    val_every: int = 1
    max_batches_per_epoch: int = 0
    """0 = every batch; otherwise a cap (a scale-down stated in the model card)."""
    init_from: str = ""
    """Continue from this checkpoint's weights, spaces and anchors (optimiser state is not saved)."""
    start_epoch: int = 0
    """With ``init_from``: epochs already done, so the schedule resumes at ``start_epoch + 1``."""
    ema_decay: float = Field(0.0, ge=0.0, lt=1.0)
    """0 = off. Otherwise validate and keep an exponential moving average of the weights, updated
    after every step with this decay (not in the original; a common habit of diffusion training)."""
