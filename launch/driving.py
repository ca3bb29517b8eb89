"""One driving episode with the trained CaRL policy, as a video: BEV raster | top-down map with route.

python launch/driving.py                       # writes runs/driving/video.mp4
python launch/driving.py --seed 1000003 --policy policies/carl_finetuned --out runs/driving/video.mp4

Each frame is the env's own ``render()``: the policy's input, the ego-centred BEV raster in colour,
beside a north-up top-down view of the network with the route. A caption strip above it gives the
step, route completion and speed. Evaluation seeds (≥ 1,000,000) are networks and routes never
seen in training.
"""

from __future__ import annotations

import argparse

import torch

from robostack.core import registry
from robostack.policies.carl.config import CARL_DIR
from robostack.sim.driving.video import record_episode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--policy", default=CARL_DIR, help=f"saved CaRL policy folder (default {CARL_DIR})")
    parser.add_argument("--seed", type=int, default=1_000_000, help="episode seed (>= 1,000,000: held out)")
    parser.add_argument("--out", default="runs/driving/video.mp4")
    args = parser.parse_args()
    torch.set_num_threads(1)
    policy = registry.get("policy", "carl").from_pretrained(args.policy)
    out = record_episode(policy, args.seed, args.out, label="CaRL")  # on the raster it was trained on
    print(
        f"{out['video']}: {out['frames']} frames, route completion {100 * out['route_completion']:.1f}%, "
        f"return {out['return']:.2f}, end: {out.get('termination_reason', '')}"
    )


if __name__ == "__main__":
    main()
