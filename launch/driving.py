"""One driving episode with the trained CaRL policy, as a video: BEV raster | top-down map.

python launch/driving.py                       # writes runs/driving/video.mp4
python launch/driving.py --seed 1000003 --policy policies/carl --out runs/driving/video.mp4

Left: the policy's own input, the ego-centred BEV raster (``env.render()``: road, route, lane
boundaries, vehicles coloured by speed, traffic lights by state). Right: a top-down view of the
whole road network drawn here from the env's map (the env renders only the raster): grey road,
blue route, green trail of the ego so far, red box the ego, white dots the SUMO traffic near it.
Evaluation seeds (≥ 1,000,000) are networks and routes never seen in training.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import gymnasium
import numpy as np
import torch

import robostack.sim  # noqa: F401  (registers robostack/Driving-v0)
from robostack.core import registry
from robostack.sim.driving.config import DrivingConfig
from robostack.viz.video import write_video

HEIGHT = 384  # output frame height; both panels are scaled to it


def topdown(world, trail: list[np.ndarray]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The network around the route, with the route, the ego's trail, the ego and nearby cars."""
    road_map, route = world.road_map, world.route
    image = np.zeros((*road_map.shape, 3), np.uint8)
    image[road_map.road > 0] = (70, 70, 70)
    image[road_map.lane_lines > 0] = (120, 120, 120)
    image[route.mask > 0] = (40, 90, 170)
    if len(trail) > 1:
        pts = np.round(road_map.to_pixels(np.asarray(trail))).astype(np.int32)
        cv2.polylines(image, [pts], False, (0, 220, 0), 2, cv2.LINE_AA)
    centres = getattr(world, "_vehicles", (np.empty((0, 2)),))[0]
    for p in np.round(road_map.to_pixels(np.asarray(centres).reshape(-1, 2))).astype(int):
        cv2.circle(image, (int(p[0]), int(p[1])), 3, (235, 235, 235), -1)
    ego = world.ego
    c, s = math.cos(ego.yaw), math.sin(ego.yaw)
    corners = np.array(
        [[dx * c - dy * s, dx * s + dy * c] for dx, dy in ((2.4, 1), (2.4, -1), (-2.4, -1), (-2.4, 1))]
    )
    poly = np.round(road_map.to_pixels(ego.position + corners)).astype(np.int32)
    cv2.fillPoly(image, [poly], (240, 40, 40))
    # crop to the route's extent plus a margin, so the route fills the panel
    rows, cols = np.nonzero(route.mask)
    margin = int(40 * road_map.pixels_per_meter)
    r0, r1 = max(rows.min() - margin, 0), min(rows.max() + margin, image.shape[0])
    c0, c1 = max(cols.min() - margin, 0), min(cols.max() + margin, image.shape[1])
    return image[r0:r1, c0:c1]


def side_by_side(bev_rgb: np.ndarray, map_rgb: np.ndarray, caption: str) -> np.ndarray:
    left = cv2.resize(bev_rgb, (HEIGHT, HEIGHT), interpolation=cv2.INTER_NEAREST)
    width = int(round(map_rgb.shape[1] * HEIGHT / map_rgb.shape[0]))
    width += width % 2
    right = cv2.resize(map_rgb, (width, HEIGHT), interpolation=cv2.INTER_AREA)
    frame = np.concatenate([left, np.full((HEIGHT, 4, 3), 255, np.uint8), right], axis=1)
    cv2.putText(frame, caption, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policy", default="policies/carl", help="saved CaRL policy folder")
    parser.add_argument("--seed", type=int, default=1_000_000, help="episode seed (>= 1,000,000: held out)")
    parser.add_argument("--max-steps", type=int, default=600)
    parser.add_argument("--out", default="runs/driving/video.mp4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    policy = registry.get("policy", "carl").from_pretrained(args.policy)
    env = gymnasium.make(
        "robostack/Driving-v0",
        config=DrivingConfig(seed=args.seed, max_steps=args.max_steps),
        render_mode="rgb_array",
    )
    obs, info = env.reset(seed=args.seed)
    world = env.unwrapped
    policy.reset()
    trail, frames = [world.ego.position.copy()], []
    reason, total = "", 0.0
    for step in range(args.max_steps):
        action = policy.act(obs)
        obs, reward, terminated, truncated, info = env.step(action)
        total += reward
        trail.append(world.ego.position.copy())
        rc = 100 * info["route_completion"]
        caption = f"seed {args.seed}  step {step + 1}  RC {rc:.0f}%  v {world.ego.speed:.1f} m/s"
        frames.append(side_by_side(env.render(), topdown(world, trail), caption))
        if terminated or truncated:
            reason = info.get("termination_reason", "")
            break
    env.close()
    path = write_video(frames, Path(args.out), fps=10)
    print(
        f"{path}: {len(frames)} frames, route completion {100 * info['route_completion']:.1f}%, "
        f"return {total:.2f}, end: {reason or 'max steps'}"
    )


if __name__ == "__main__":
    main()
