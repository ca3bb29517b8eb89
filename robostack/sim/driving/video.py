"""One driving episode as a video: the BEV raster beside a top-down view with the route.

A launch script needs only::

    from robostack.policies.baselines.driving import LaneFollowingPolicy
    from robostack.sim.driving.video import record_episode

    print(record_episode(LaneFollowingPolicy(), seed=1_000_000, path="runs/driving/video.mp4"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from robostack.sim.driving.config import DrivingConfig


def record_episode(
    policy: Any, seed: int, path: str | Path, config: DrivingConfig | None = None, fps: int = 10
) -> dict[str, Any]:
    """Run ``policy`` (``reset()``, ``act(obs)``; ``attach(env)`` and ``env_overrides`` are honoured as
    in `evaluate`) for one episode of ``seed`` and write ``path`` (mp4, one frame a step). Returns the
    last step's info with the video's path and frame count."""
    from robostack.sim.driving.env import DrivingEnv
    from robostack.sim.driving.evaluate import episode_config
    from robostack.viz.video import write_video

    env = DrivingEnv(episode_config(policy, config), render_mode="rgb_array")
    attach = getattr(policy, "attach", None)
    if callable(attach):
        attach(env)
    try:
        obs, info = env.reset(seed=seed)
        policy.reset()
        frames = [env.render()]
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(np.asarray(policy.act(obs), dtype=np.float32))
            frames.append(env.render())
            done = terminated or truncated
    finally:
        env.close()
    written = write_video([f for f in frames if f is not None], path, fps=fps)
    return {**info, "video": str(written), "frames": len(frames)}
