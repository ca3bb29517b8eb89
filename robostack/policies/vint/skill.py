"""``navigate/learned``: ViNT on a topological graph as the stack's navigate skill.

The graph comes from one prior traversal of the route, recorded at 4 Hz: a mapping run driven by the
classical planner in a twin of the robot's apartment (the live robot is not moved), the way ViNT's
``create_topomap.py`` records a teleoperated drive before deployment. Each node is labelled with the room
it lies in and, for the last one, the subtask's target, so "go to the kitchen" or "go to the red mug" map
to a node. From then on only camera images drive the robot: ViNT localises against the graph and its
predicted waypoints go through the deployment PD controller. Turning in place and ``stop`` are not
visual and go to the classical skill, and so does the turn in place a mapping run often begins with.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.geometry import wrap_angle
from robostack.core.registry import register
from robostack.core.types import Action, SkillResult, Subtask

DEFAULT_CHECKPOINT = Path("policies/vint")
AT_START = 0.1
"""m: a mapping run's base this near its start has not yet left it (see `initial_turn`)."""
GOAL_THRESHOLD = math.inf
"""Frames (`NavigatorConfig.goal_threshold`): the original deployment's stop, a run ends once the goal
node is the closest. Beside furniture, where household goals lie, ViNT predicted the goal image 8–20
frames away while the robot circled it, passing within 0.2 m (apartment 182), and the pick or place
that follows closes in anyway. The image-goal benchmark keeps the navigator's 3 frames."""


@register("skill", "navigate/learned")
class ViNTNavigate:
    def __init__(self, checkpoint: str | Path = DEFAULT_CHECKPOINT, step_budget: int = 400) -> None:
        self.checkpoint = Path(checkpoint)
        self.step_budget = step_budget
        self._policy: Any = None

    @property
    def policy(self) -> Any:
        if self._policy is None:
            from robostack.policies.vint.policy import ViNTPolicy

            self._policy = ViNTPolicy.from_pretrained(self.checkpoint)
        return self._policy

    def run(self, subtask: Subtask, robot: Any) -> SkillResult:
        from robostack.policies.baselines.navigate import ClassicalNavigate

        if subtask.action in ("stop", "turn_left", "turn_right"):
            return ClassicalNavigate().run(subtask, robot)
        world = getattr(robot, "world", None)
        if world is None:
            return SkillResult(
                subtask, False, "unsupported", detail="needs a prior traversal of this apartment"
            )
        goal = ClassicalNavigate().goal_for(subtask, world)
        if goal is None:
            return SkillResult(subtask, False, "not_found", detail=f"no {subtask.target!r} in this world")
        route = self.map_route(world, np.asarray(goal.xy, dtype=float), subtask.target)
        if route is None:
            return SkillResult(subtask, False, "unreachable", detail="the mapping run found no route")
        graph, turn = route
        return self._follow(subtask, robot, world, graph, turn, np.asarray(goal.xy, dtype=float))

    def map_route(self, world: Any, goal_xy: np.ndarray, target: str) -> tuple[Any, float] | None:
        """The prior traversal: drive the route in a twin world, keep a node a second (every 4 frames).
        Returns the graph and the turn in place (rad) the drive began with, which the graph leaves out."""
        from robostack.planning.topological import TopologicalGraph
        from robostack.policies.vint.evaluate import traverse
        from robostack.sim.apartment.world import ApartmentWorld

        config = world.config.model_copy(update={"render_wrist": False})
        with ApartmentWorld(world.layout, config) as twin:
            twin.reset_episode(tuple(world.base_pose()))
            images, poses = traverse(twin, world.base_pose(), goal_xy, unstick=True)
            if not images:
                return None
            labels = [tuple(r for r in [twin.room_at(p[:2])] if r) for p in poses]
        labels[-1] = (*labels[-1], target)
        first, turn = initial_turn(poses)
        graph = TopologicalGraph.from_traversal(images[first:], poses[first:], labels=labels[first:])
        return graph, turn

    def _follow(
        self, subtask: Subtask, robot: Any, world: Any, graph: Any, turn: float, goal_xy: np.ndarray
    ) -> SkillResult:
        from robostack.policies.vint.navigator import NavigatorConfig, TopoNavigator

        goal_node = graph.find(subtask.target) if subtask.target else None
        config = NavigatorConfig(goal_threshold=GOAL_THRESHOLD)
        nav = TopoNavigator(self.policy, graph, goal=goal_node, config=config)
        repeats = max(1, round(1.0 / (self.policy.config.fps * robot.control_dt)))
        start = world.base_pose()
        d0 = world.geodesic_distance(start[:2], goal_xy)
        steps = self._turn_in_place(robot, turn)
        travelled, done = 0.0, False
        while steps < self.step_budget and not done:
            obs = robot.observe()
            action, done, _ = nav.step(obs.rgb, obs.odometry)
            for _ in range(0 if done else repeats):
                before = world.base_pose()[:2]
                robot.send(action)
                travelled += float(np.linalg.norm(world.base_pose()[:2] - before))
                steps += 1
        robot.send(Action())
        xy = world.base_pose()[:2]
        near = math.dist(tuple(xy), tuple(goal_xy)) <= 1.0
        in_room = (
            subtask.target in {r.name for r in world.layout.rooms} and world.room_at(xy) == subtask.target
        )
        success = done and (near or in_room)
        reason = "" if success else "timeout"
        spl = float(success) * d0 / max(d0, travelled, 1e-9)
        metrics = {"success": float(success), "spl": spl, "path_length": travelled, "geodesic_d0": d0}
        return SkillResult(subtask, success, reason, steps=steps, metrics=metrics)

    def _turn_in_place(self, robot: Any, angle: float) -> int:
        """Turn by ``angle`` (rad, either way, past π too) on odometry; stop early where the base
        no longer turns, and let ViNT's bump reflex take over. Returns the steps used."""
        from robostack.policies.vint.evaluate import MAX_W

        heading = float(robot.observe().odometry[2])
        for step in range(self.step_budget):
            if abs(angle) < 0.03:
                return step
            robot.send(Action(0.0, float(np.clip(angle / robot.control_dt, -MAX_W, MAX_W))))
            now = float(robot.observe().odometry[2])
            turned, heading = wrap_angle(now - heading), now
            if abs(turned) < 1e-4:
                return step + 1
            angle -= turned
        return self.step_budget


def initial_turn(poses: list[tuple[float, ...]]) -> tuple[int, float]:
    """Where a mapping run is about to leave its start (the base within `AT_START` of it until
    then), and how far it has turned by then (rad, summed frame by frame: a base wedged one way
    turns the long way round). A planner-driven run often begins by turning in place toward its
    path, which ViNT, trained on forward driving, does not reproduce from images: it turned the
    wrong way and never found the route (apartment 23's second try)."""
    start = np.asarray(poses[0][:2])
    away = (i for i, p in enumerate(poses) if np.linalg.norm(np.asarray(p[:2]) - start) > AT_START)
    first = next(away, len(poses)) - 1  # the start itself is never away, so first >= 0
    turn = sum(
        (wrap_angle(b[2] - a[2]) for a, b in zip(poses[:first], poses[1 : first + 1], strict=True)), 0.0
    )
    return first, turn
