"""The apartment world's settings (one typed model, shared by the world, the env and the bench)."""

from __future__ import annotations

from pydantic import Field

from robostack.core.config import StrictModel


class ApartmentConfig(StrictModel):
    """Settings for `ApartmentEnv` / `ApartmentWorld`. Defaults are the benchmarked configuration."""

    image_size: int = Field(default=128, ge=16, le=1024, description="head camera width = height, pixels")
    wrist_image_size: int = Field(
        default=64, ge=16, le=512, description="wrist camera width = height, pixels"
    )
    render_cameras: bool = Field(
        default=True, description="False skips all camera rendering (images stay zero)"
    )
    render_wrist: bool = Field(
        default=True, description="False skips the wrist camera (its image stays zero)"
    )
    wrist_every: int = Field(
        default=5, ge=1, description="render the wrist camera every N steps (else repeat)"
    )
    head_fov_deg: float = Field(default=90.0, gt=10, lt=170)
    wrist_fov_deg: float = Field(default=75.0, gt=10, lt=170)
    near: float = Field(default=0.05, gt=0)
    far: float = Field(default=12.0, gt=1.0, description="depth beyond this reads as `far`, metres")
    control_dt: float = Field(default=0.1, gt=0, description="seconds per env step")
    max_linear: float = Field(default=0.8, gt=0, description="m/s")
    max_angular: float = Field(default=2.0, gt=0, description="rad/s")
    arm_joint_speed: float = Field(default=1.5, gt=0, description="rad/s per arm joint")
    robot_radius: float = Field(
        default=0.33, gt=0, description="base's circumscribed radius, for the nav map"
    )
    map_resolution: float = Field(default=0.05, gt=0.005, le=0.5, description="occupancy cell size, metres")
    settle_time: float = Field(default=1.0, ge=0, description="max simulated seconds after a release")
    layout_seed: int | None = Field(default=None, description="fix the apartment for every episode")
