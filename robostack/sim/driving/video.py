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

CAPTION_PX = 24


def captioned(frame: np.ndarray, text: str) -> np.ndarray:
    """``frame`` under a black strip with ``text``."""
    import cv2

    strip = np.zeros((CAPTION_PX, frame.shape[1], 3), np.uint8)
    cv2.putText(strip, text, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate([strip, frame], axis=0)


def record_episode(
    policy: Any,
    seed: int,
    path: str | Path,
    config: DrivingConfig | None = None,
    fps: int = 10,
    label: str = "",
) -> dict[str, Any]:
    """Run ``policy`` (``reset()``, ``act(obs)``; ``attach(env)`` and ``env_overrides`` are honoured as
    in `evaluate`) for one episode of ``seed`` and write ``path`` (mp4, one frame a step, captioned with
    ``label``, the step, route completion and speed). Returns the last step's info with the episode's
    return and the video's path and frame count."""
    from robostack.sim.driving.env import DrivingEnv
    from robostack.sim.driving.evaluate import episode_config
    from robostack.viz.video import write_video

    env = DrivingEnv(episode_config(policy, config), render_mode="rgb_array")
    attach = getattr(policy, "attach", None)
    if callable(attach):
        attach(env)

    def frame(step: int, info: dict[str, Any]) -> np.ndarray:
        rc = 100 * info.get("route_completion", 0.0)
        text = f"{label}  seed {seed}  step {step}  RC {rc:.0f}%  v {env.ego.speed:.1f} m/s".strip()
        return captioned(env.render(), text)

    total = 0.0
    try:
        obs, info = env.reset(seed=seed)
        policy.reset()
        frames = [frame(0, info)]
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(np.asarray(policy.act(obs), dtype=np.float32))
            total += float(reward)
            frames.append(frame(len(frames), info))
            done = terminated or truncated
    finally:
        env.close()
    written = write_video(frames, path, fps=fps)
    return {**info, "return": total, "video": str(written), "frames": len(frames)}
