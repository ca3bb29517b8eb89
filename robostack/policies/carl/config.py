"""Typed configs for CaRL: the network (read from the env's spaces) and the PPO run."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from robostack.core.config import StrictModel

# The folder `--policy carl` loads: PPO from the DAgger start. `robostack train carl` writes
# policies/carl (PPO from scratch) unless told --out.
CARL_DIR = "policies/carl_finetuned"

# Roach "roach_ln2" encoder: (out channels, kernel, stride) per conv, each followed by LayerNorm + ReLU.
ROACH_CONVS: tuple[tuple[int, int, int], ...] = (
    (8, 5, 2),
    (16, 5, 2),
    (24, 5, 2),
    (32, 5, 2),
    (64, 3, 2),
    (128, 3, 1),
    (256, 3, 1),
)


class ModelConfig(StrictModel):
    """Shapes come from the env (``bev`` C×H×W, ``measurements`` M); widths follow CaRL."""

    bev_channels: int = Field(gt=0)
    bev_height: int = Field(ge=16)
    bev_width: int = Field(ge=16)
    measurement_dim: int = Field(gt=0)
    # value-only measurements (``value_measurements`` V), read by the value head alone, as CaRL's;
    # 0 for a policy trained before the env had them
    value_measurement_dim: int = Field(default=0, ge=0)
    # average-pool the raster by this factor first (2: a 96-px, 2 px/m raster is read at 1 px/m)
    bev_pool: int = Field(default=1, ge=1, le=8)
    convs: tuple[tuple[int, int, int], ...] = ROACH_CONVS
    features_dim: int = 256
    hidden_dim: int = 256
    # initial Beta mean of action[0] (accel/brake), keeping α + β as at zero bias; CaRL starts at 0.
    # A small positive prior lets a short CPU run discover driving at all (braking is 2.5× stronger
    # than throttle, so a centred policy mostly stands still). Only the initial weights change.
    accel_prior: float = Field(default=0.0, ge=-0.4, le=0.4)
    # measurements are rescaled by a running mean/std held in the saved policy
    normalise_measurements: bool = True
    # DrivingConfig fields the policy was trained with (raster size, ...), so evaluation matches them
    env: dict[str, Any] = Field(default_factory=dict)


class TrainConfig(StrictModel):
    """One PPO run. Batch sizes are totals over all ranks, as in CaRL's ``total_*`` flags.

    CaRL (CARLA, 8 GPUs): 128 envs × 512 steps = 65,536 per update, mini-batch 16,384, 3 epochs.
    Scaled here to a 2-core CPU: ``num_envs`` per rank × ``rollout_steps`` per update.
    """

    seed: int = Field(default=0, ge=0, lt=1_000_000)  # training seeds stay below the eval range
    env: dict[str, Any] = Field(default_factory=dict)  # DrivingConfig fields (network, raster_size, ...)
    reward: Literal["simple", "summed"] = "simple"
    # CPU budget: reading the 96-px raster at half resolution makes an update ~3x cheaper
    bev_pool: int = Field(default=2, ge=1, le=8)
    accel_prior: float = Field(default=0.0, ge=-0.4, le=0.4)  # see ModelConfig.accel_prior
    num_envs: int = Field(default=2, gt=0)  # per rank
    rollout_steps: int = Field(default=256, gt=0)
    minibatch_size: int = Field(default=256, gt=0)  # total over ranks
    update_epochs: int = Field(default=3, gt=0)
    total_samples: int = Field(default=200_000, gt=0)
    learning_rate: float = 2.5e-4
    anneal_lr: bool = True
    adam_eps: float = 1e-5
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_coef: float = 0.1
    clip_value: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    norm_adv: bool = True
    # fine-tuning a warm start (`robostack train carl-dagger`): the first updates train the value head
    # alone, and a KL term keeps the policy near the anchor policy's (a folder) while the critic learns
    critic_warmup_updates: int = Field(default=0, ge=0)
    anchor_policy: str | None = None
    anchor_coef: float = Field(default=0.0, ge=0.0)
    out: str = "policies/carl"
    checkpoint_every: int = Field(default=5, gt=0)  # updates
    # a loadable policy folder OUT/snapshots/<samples> this often (updates), to choose on validation
    snapshot_every: int | None = Field(default=None, gt=0)
    max_minutes: float | None = None
    threads: int = 1
    progress: bool = True


def add_train_arguments(parser: Any) -> None:
    """Flags shared by ``robostack train carl`` and ``torchrun -m robostack.policies.carl.train``."""
    parser.add_argument("--config", default=None, help="TrainConfig YAML")
    parser.add_argument("--out", default=None, help="policy folder (default policies/carl)")
    parser.add_argument("--reward", choices=["simple", "summed"], default=None)
    parser.add_argument("--total-samples", type=int, default=None, help="env steps over all ranks")
    parser.add_argument("--num-envs", type=int, default=None, help="envs per rank (one process each)")
    parser.add_argument("--rollout-steps", type=int, default=None)
    parser.add_argument("--minibatch-size", type=int, default=None, help="total over ranks")
    parser.add_argument("--update-epochs", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ent-coef", type=float, default=None, help="entropy bonus (CaRL: 0.01)")
    parser.add_argument(
        "--no-clip-value", action="store_true", help="plain value loss (a critic far from its targets)"
    )
    parser.add_argument(
        "--critic-warmup-updates", type=int, default=None, help="first updates train the value head only"
    )
    parser.add_argument("--anchor-policy", default=None, help="policy folder the KL term holds on to")
    parser.add_argument("--anchor-coef", type=float, default=None, help="weight of KL(anchor ‖ policy)")
    parser.add_argument("--bev-pool", type=int, default=None, help="average-pool the raster by this factor")
    parser.add_argument("--accel-prior", type=float, default=None, help="initial mean of action[0]")
    parser.add_argument("--checkpoint-every", type=int, default=None, help="updates between checkpoints")
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=None,
        help="updates between policy snapshots in OUT/snapshots/<samples> (for `eval driving --checkpoint`)",
    )
    parser.add_argument("--max-minutes", type=float, default=None, help="stop (and save) after this long")
    parser.add_argument(
        "--env", default=None, help='DrivingConfig fields as JSON, e.g. \'{"network": "grid"}\''
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUT/checkpoint, or else from the policy saved in OUT",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="no training: write OUT's policy folder from OUT/checkpoint (a run stopped early)",
    )
    parser.add_argument("--no-progress", action="store_true", help="log lines only (for log files)")


def config_from_args(args: Any) -> TrainConfig:
    """A `TrainConfig` from the YAML (if any) with the flags laid over it."""
    import json

    from robostack.core.config import load_config, validate_config
    from robostack.core.errors import ConfigError

    base = load_config(TrainConfig, args.config) if args.config else TrainConfig()
    flags: dict[str, Any] = {
        "out": args.out,
        "reward": args.reward,
        "total_samples": args.total_samples,
        "num_envs": args.num_envs,
        "rollout_steps": args.rollout_steps,
        "minibatch_size": args.minibatch_size,
        "update_epochs": args.update_epochs,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
        "ent_coef": args.ent_coef,
        "critic_warmup_updates": args.critic_warmup_updates,
        "anchor_policy": args.anchor_policy,
        "anchor_coef": args.anchor_coef,
        "bev_pool": args.bev_pool,
        "accel_prior": args.accel_prior,
        "checkpoint_every": args.checkpoint_every,
        "snapshot_every": args.snapshot_every,
        "max_minutes": args.max_minutes,
    }
    if args.env:
        try:
            flags["env"] = {**base.env, **json.loads(args.env)}
        except json.JSONDecodeError as err:
            raise ConfigError(f"--env: not valid JSON ({err.msg})") from None
    if args.no_progress:
        flags["progress"] = False
    if args.no_clip_value:
        flags["clip_value"] = False
    data = {**base.model_dump(), **{k: v for k, v in flags.items() if v is not None}}
    return validate_config(TrainConfig, data, "carl train flags")
