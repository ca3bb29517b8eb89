"""The M2T2 model config (saved with the weights). Defaults are the CPU scale-down of the original.

Every field that differs from NVlabs/M2T2 ``config.yaml`` says what the original used; the model card
lists the same table.
"""

from __future__ import annotations

from pydantic import Field

from robostack.core.config import StrictModel

WIDTH_BIN_WEIGHTS: tuple[float, ...] = (
    0.16652107,
    0.21488856,
    0.37031708,
    0.55618503,
    0.75124664,
    0.93943357,
    1.07824539,
    1.19423112,
    1.55731375,
    3.17161779,
)
"""Per-bin width cross-entropy weights of Contact-GraspNet, reused by M2T2."""


class M2T2Config(StrictModel):
    """Everything needed to rebuild the network and its pre/post-processing."""

    num_points: int = Field(2048, ge=64, description="scene points fed to the encoder (original 16384)")
    num_object_points: int = Field(512, ge=16, description="held-object points (original 1024)")
    # PointNet++ MSG scene encoder: four SA levels, each downsampling by `downsample`.
    downsample: int = Field(4, ge=2)
    radius: float = Field(0.05, gt=0, description="SA1 radii are radius, radius*radius_mult")
    radius_mult: float = Field(2.0, gt=1)
    nsamples: tuple[int, int] = (16, 32)
    sa_widths: tuple[int, int, int, int] = Field(
        (16, 32, 64, 128), description="first MLP width per SA level (original 32, 64, 128, 256)"
    )
    fp_dims: tuple[int, int, int, int] = Field(
        (64, 128, 128, 128), description="res0..res3 channels (original 128, 256, 512, 512)"
    )
    object_points: tuple[int, int, int] = Field(
        (128, 32, 8), description="object encoder SA points (original 256, 64, 16 on 1024 points)"
    )
    object_dim: int = Field(256, description="object encoder global feature (original 512)")
    # Contact decoder (Mask2Former style).
    embed_dim: int = Field(128, description="original 256")
    feedforward_dim: int = Field(256, description="original 512")
    num_heads: int = Field(4, description="original 8")
    num_layers: int = Field(3, description="original 9; context levels res3, res2, res1 in turn")
    num_grasp_queries: int = Field(16, description="one per object (original 100)")
    num_place_queries: int = Field(8, description="one per yaw bin (original 8)")
    use_attn_mask: bool = True
    use_task_embed: bool = True
    # Heads.
    action_hidden: int = Field(128, description="per-contact MLP hidden width (original 256)")
    num_width_bins: int = 10
    max_width: float = 0.08
    gripper_depth: float = 0.1034
    # Inference.
    mask_thresh: float = 0.4
    num_runs: int = Field(
        1, ge=1, description="resamplings of the scene per query, candidates pooled (README demo: 5)"
    )
    object_thresh: float = 0.4
    collision_filter: bool = Field(True, description="drop grasps whose open gripper hits the cloud or table")
    collision_pool: int = Field(4, ge=1, description="candidates checked per grasp returned")
    grasp_spacing: float = Field(0.01, ge=0, description="returned grasps' contacts at least this far apart")
    placement_height: float = 0.02
    place_support_radius: float = Field(
        0.0,
        ge=0,
        description="rank placements by the mean place probability of the cloud within this xy distance "
        "(0 = each point's own, as the original)",
    )
    grid_resolution: float = 0.01
    # Loss weights and options (config.yaml of the original).
    object_weight: float = 2.0
    object_pos_weight: float = 10.0
    mask_bce_weight: float = 5.0
    mask_dice_weight: float = 5.0
    grasp_topk: int = Field(128, description="hardest points in the grasp-mask BCE (original 512 of 16384)")
    place_topk: int = Field(256, description="hardest points in the place-mask BCE (original 1024)")
    adds_weight: float = 100.0
    width_weight: float = 1.0
    contact_radius: float = Field(
        0.01,
        ge=0,
        description="training masks also mark an object's points this close to one of its successful "
        "contacts (either finger); the dataset's 5 mm masks are kept (0 = those alone)",
    )
    max_contacts_per_scene: int = Field(
        256,
        description="contacts the pose loss uses per scene (with adds_on_confident shared evenly among "
        "the matched objects; README: 512)",
    )
    adds_on_confident: bool = Field(
        False,
        description="the original's pose loss: ADD-S at every point of a matched object's predicted "
        "(above mask_thresh) or labelled contacts, each weighted by its mask confidence, so that "
        "confidence falls where the pose is far from every successful grasp (False: the labelled "
        "contacts alone, equally weighted)",
    )
