"""One driving episode with the trained CaRL policy, as a video: BEV raster | top-down map with route.

python launch/driving.py                       # writes runs/driving/video.mp4
python launch/driving.py --seed 1000003 --policy policies/carl --out runs/driving/video.mp4

Each frame is the env's own ``render()``: the policy's input, the ego-centred BEV raster in colour,
beside a north-up top-down view of the network with the route. A caption strip above it gives the
step, route completion and speed. Evaluation seeds (≥ 1,000,000) are networks and routes never
seen in training.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import torch

from robostack.core import registry
from robostack.sim.driving.env import DrivingEnv
from robostack.sim.driving.evaluate import episode_config
from robostack.viz.video import write_video

CAPTION_PX = 24


def captioned(frame: np.ndarray, text: str) -> np.ndarray:
    strip = np.zeros((CAPTION_PX, frame.shape[1], 3), np.uint8)
    cv2.putText(strip, text, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate([strip, frame], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policy", default="policies/carl", help="saved CaRL policy folder")
    parser.add_argument("--seed", type=int, default=1_000_000, help="episode seed (>= 1,000,000: held out)")
    parser.add_argument("--out", default="runs/driving/video.mp4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    policy = registry.get("policy", "carl").from_pretrained(args.policy)
    env = DrivingEnv(episode_config(policy, None), render_mode="rgb_array")  # the raster it was trained on
    frames, total, done = [], 0.0, False
    try:
        obs, info = env.reset(seed=args.seed)
        policy.reset()
        while not done:
            obs, reward, terminated, truncated, info = env.step(policy.act(obs))
            total += reward
            done = terminated or truncated
            rc = 100 * info["route_completion"]
            text = f"CaRL  seed {args.seed}  step {len(frames) + 1}  RC {rc:.0f}%  v {env.ego.speed:.1f} m/s"
            frames.append(captioned(env.render(), text))
    finally:
        env.close()
    path = write_video(frames, Path(args.out), fps=10)
    end = info.get("termination_reason", "")
    print(f"{path}: {len(frames)} frames, route completion {rc:.1f}%, return {total:.2f}, end: {end}")


if __name__ == "__main__":
    main()
