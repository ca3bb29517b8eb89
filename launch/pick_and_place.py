"""M2T2 picks the target object of a tabletop scene and places it in the receptacle.

python launch/pick_and_place.py                       # scene 1000 (unseen object models)
python launch/pick_and_place.py --seed 1003 --out runs/pick_and_place

Writes ``video.mp4`` (the scene camera before, after the grasp and after the placement) and
``episode.rrd`` for the rerun viewer: the fused point cloud, M2T2's predicted contacts coloured by
score, the chosen grasp drawn as a Panda gripper, and the chosen placement.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import rerun as rr

from robostack.core import registry
from robostack.sim.tabletop.env import TabletopEnv, action_from_pose
from robostack.sim.tabletop.gripper import GRIPPER_DEPTH, grasp_from_pose
from robostack.viz.video import write_video

FRAME_REPEATS = 10  # each key frame held for one second at 10 fps


def gripper_lines(pose: np.ndarray, width: float) -> list[np.ndarray]:
    """A Panda gripper as line strips: hand to finger base, then the two fingers to their tips."""
    t, b, a = pose[:3, 3], pose[:3, 0], pose[:3, 2]
    base = t + (GRIPPER_DEPTH - 0.045) * a
    tip = t + GRIPPER_DEPTH * a
    left, right = b * width / 2, -b * width / 2
    return [np.stack([t, base]), np.stack([base + left, tip + left]), np.stack([base + right, tip + right]),
            np.stack([base + left, base + right])]  # fmt: skip


def captioned(frame: np.ndarray, text: str) -> np.ndarray:
    out = np.ascontiguousarray(frame)
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):  # outlined: readable on any scene
        cv2.putText(out, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, thickness, cv2.LINE_AA)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--policy", default="policies/m2t2")
    parser.add_argument("--out", type=Path, default=Path("runs/pick_and_place"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    policy = registry.get("policy", "m2t2").from_pretrained(args.policy)
    env = TabletopEnv(render_mode="rgb_array")
    obs, info = env.reset(seed=args.seed)
    target, receptacle = int(obs["target"]), int(obs["receptacle"])
    print(f"scene {args.seed}: {', '.join(info['objects'])}; target: {info['objects'][target]}")

    rec = rr.RecordingStream("robostack pick_and_place")
    rec.save(str(args.out / "episode.rrd"))
    rec.log("world/cloud", rr.Points3D(obs["points"], colors=obs["rgb"], radii=0.002))
    frames = [captioned(env.render(), "scene")] * FRAME_REPEATS

    grasps = policy.grasps(obs["points"], obs["rgb"], obs["segment"], target)
    if not grasps:
        print("M2T2 found no grasp on the target")
        return
    scores = np.array([s for _, _, s in grasps])
    heat = 255 * np.stack([scores / scores.max(), 1 - scores / scores.max(), np.zeros_like(scores)], 1)
    contacts = [grasp_from_pose(p, w)[0] for p, w, _ in grasps]
    rec.log("world/contacts", rr.Points3D(contacts, colors=heat.astype(np.uint8), radii=0.004))
    # the best grasp the arm can reach without collision, as `robostack eval pick-place` chooses
    reachable = [g for g in grasps if env.arm.plan_grasp(g[0]).path]
    if not reachable:
        print(f"none of M2T2's {len(grasps)} grasps has a collision-free approach")
        return
    pose, width, score = reachable[0]
    rec.log("world/grasp", rr.LineStrips3D(gripper_lines(pose, width), colors=[0, 200, 255], radii=0.002))
    obs, reward, done, _, step = env.step(action_from_pose(pose, width))
    print(f"grasp (score {score:.2f}): {step['reason']}")
    frames += [captioned(env.render(), f"grasp: {step['reason']}")] * FRAME_REPEATS

    if not done:
        places = policy.placements(
            obs["points"], obs["rgb"], obs["segment"], obs["held_points"], obs["ee_pose"], receptacle
        )
        if places:
            place_pose, _ = places[0]
            rec.log("world/place", rr.LineStrips3D(gripper_lines(place_pose, 0.08), colors=[0, 255, 0]))
            _, reward, _, _, step = env.step(action_from_pose(place_pose))
            print(f"place: {step['reason']}")
            frames += [captioned(env.render(), f"place: {step['reason']}")] * FRAME_REPEATS
    rec.flush()
    env.close()
    print(f"wrote {write_video(frames, args.out / 'video.mp4')} and {args.out / 'episode.rrd'}")


if __name__ == "__main__":
    main()
