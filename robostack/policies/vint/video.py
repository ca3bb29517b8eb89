"""A video of one image-goal episode: head camera beside a floor plan that shows the topological graph,
the current sub-goal node, the goal, the path so far and ViNT's predicted waypoints (for launch scripts)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.errors import RobostackError
from robostack.core.types import Action


def _draw(
    world: Any, graph: Any, pose: np.ndarray, sub: int, waypoints: np.ndarray, trail: list
) -> np.ndarray:
    import cv2

    from robostack.viz.topdown import draw_path, draw_robot

    s = 40.0

    def px(xy: Any) -> tuple[int, int]:
        return world.topdown_pixel(xy, s)

    img = draw_path(world.render_topdown(s), trail, px)
    for i, node in enumerate(graph.nodes):
        colour = (255, 140, 0) if i == sub else (40, 90, 220)
        cv2.circle(img, px(node.pose[:2]), 6 if i == sub else 4, colour, -1)
    cv2.drawMarker(img, px(graph.nodes[-1].pose[:2]), (0, 170, 0), cv2.MARKER_STAR, 18, 2)
    c, si = math.cos(pose[2]), math.sin(pose[2])
    for x, y in waypoints[:, :2]:
        cv2.circle(img, px((pose[0] + c * x - si * y, pose[1] + si * x + c * y)), 3, (220, 30, 30), -1)
    draw_robot(img, pose, px)
    return img


def record_imagegoal(seed: int, checkpoint: str | Path, out: str | Path, use_graph: bool = True) -> dict:
    """Run one nav-imagegoal episode with ViNT and write ``out`` (mp4); return the episode's figures."""
    from robostack.hal.sim_robot import SimRobot
    from robostack.planning.topological import TopologicalGraph
    from robostack.policies.vint.evaluate import make_episode, world_config
    from robostack.policies.vint.navigator import TopoNavigator
    from robostack.policies.vint.policy import ViNTPolicy
    from robostack.viz.topdown import compose_frame
    from robostack.viz.video import write_video

    episode = make_episode(seed)
    if episode is None:
        raise RobostackError(f"seed {seed}: no goal 3-10 m from the start in this apartment")
    policy = ViNTPolicy.from_pretrained(checkpoint)
    graph = TopologicalGraph.from_traversal(episode.images, episode.poses)
    nav = TopoNavigator(policy, graph, use_graph=use_graph)
    frames, trail, done = [], [], False
    with SimRobot("apartment", seed=seed, world_config=world_config()) as robot:
        world = robot.world
        for step in range(max(60, 2 * len(episode.images) + 20)):
            obs = robot.observe()
            action, done, info = nav.step(obs.rgb, obs.odometry)
            pose = world.base_pose()
            trail.append((float(pose[0]), float(pose[1])))
            plan = _draw(world, graph, pose, info.subgoal, info.waypoints, trail)
            caption = (
                f"ViNT step {step}  sub-goal node {info.subgoal}/{len(graph) - 1}  dist {info.distance:.1f}"
            )
            frames.append(compose_frame(obs.rgb, plan, caption))
            if done:
                break
            robot.send(action)
        robot.send(Action())
        final = float(np.linalg.norm(world.base_pose()[:2] - episode.goal))
    write_video(frames, out, fps=4)
    return {"seed": seed, "stopped": done, "final_distance_m": final, "success": bool(done and final <= 1.0)}
