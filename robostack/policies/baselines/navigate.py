"""Classical navigation: A* on the privileged occupancy grid, followed by pure pursuit.

This is the yardstick every learned navigation policy must beat. It reads the world's map
(privileged), so it runs on `SimRobot` only; it supports all eight A²Nav actions against named
rooms, furniture, objects and doorways.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from robostack.core.geometry import wrap_angle
from robostack.core.registry import register
from robostack.core.types import Action, SkillResult, Subtask
from robostack.planning.grid_search import astar, nearest_free, shorten
from robostack.policies.baselines.targets import Target, is_door_phrase, resolve_target


@dataclass(frozen=True)
class NavigateConfig:
    max_linear: float = 0.6
    max_angular: float = 1.5
    lookahead: float = 0.3
    """Pure-pursuit carrot distance, m."""
    goal_tolerance: float = 0.12
    max_standoff: float = 2.0
    """Farthest a go_to may stop from an object or furniture centre when nothing nearer is free, m."""
    close_in_distance: float = 0.45
    """How near the base centre may creep to an object or furniture centre after a go_to, m."""
    success_radius: float = 1.0
    """Navigation success: stopping within this distance of an object or furniture target."""
    step_budget: int = 900
    max_recoveries: int = 8
    """Back-off-and-replan attempts after bumping into something before giving up."""
    safety_margin: float = 0.05
    """Extra clearance beyond the nav map's inflation that planned paths keep where they can, m."""
    wall_margin: float = 0.25
    """Paths pay a cost within this distance of obstacles, so they keep off the walls."""


@dataclass(frozen=True)
class Goal:
    """Where to drive, how to face at the end, and the test that says the action is done."""

    xy: np.ndarray
    yaw: float | None
    target: Target | None
    room_inside: str | None = None
    room_outside: str | None = None


@register("skill", "navigate/classical")
class ClassicalNavigate:
    def __init__(self, config: NavigateConfig | None = None) -> None:
        self.config = config or NavigateConfig()

    # -- entry point ------------------------------------------------------------------------------
    def run(self, subtask: Subtask, robot: Any) -> SkillResult:
        world = getattr(robot, "world", None)
        if world is None:
            return SkillResult(subtask, False, "unsupported", detail="needs a simulated robot's map")
        if subtask.action == "stop":
            robot.stop()
            return SkillResult(subtask, True, steps=1)
        if subtask.action in ("turn_left", "turn_right"):
            return self._turn(subtask, robot, world)
        goal = self.goal_for(subtask, world)
        if goal is None:
            return SkillResult(subtask, False, "not_found", detail=f"no {subtask.target!r} in this world")
        return self._drive(subtask, robot, world, goal)

    # -- goals per A²Nav action -------------------------------------------------------------------
    def goal_for(self, subtask: Subtask, world: Any) -> Goal | None:
        """Where a navigation subtask should end, and the test that says it is done (None: not found)."""
        pose = world.base_pose()
        action, phrase = subtask.action, subtask.target
        if action in ("go_through", "exit") and (not phrase or is_door_phrase(phrase)):
            return self._through_door(world, pose, exit_room=action == "exit" and not phrase)
        target = resolve_target(phrase, world, pose[:2])
        if target is None:
            return None
        if action == "exit":
            return self._exit_room(world, target.name if target.kind == "room" else target.room, target)
        if action == "go_past":
            return self._past(world, pose, target)
        if target.kind == "room":
            return Goal(self._room_interior(world, target.name), None, target, room_inside=target.name)
        return self._standoff(world, pose, target)

    def _standoff(self, world: Any, pose: np.ndarray, target: Target) -> Goal | None:
        """The reachable free base position nearest the target (so the arm can reach it), facing it;
        among equally near ones, the one closest by path."""
        nav = world.nav_map
        centre = np.array(target.xy)
        field = nav.distance_field(tuple(pose[:2]))
        rows, cols = np.nonzero(np.isfinite(field) & ~nav.grid)
        if rows.size == 0:
            return None
        xy = np.stack([nav.cell_to_world(r, c) for r, c in zip(rows, cols, strict=True)])
        near = np.linalg.norm(xy - centre, axis=1)
        best = int(np.argmin(near + 0.02 * field[rows, cols]))
        if near[best] > self.config.max_standoff:
            return None
        spot = xy[best]
        return Goal(spot, math.atan2(centre[1] - spot[1], centre[0] - spot[0]), target)

    def _room_interior(self, world: Any, room_name: str) -> np.ndarray:
        """The free point of a room farthest from obstacles, ties broken towards its centre."""
        nav = world.nav_map
        room = world.layout.room(room_name)
        clearance = self._clearance(world)
        (r0, c0), (r1, c1) = nav.world_to_cell((room.x0, room.y0)), nav.world_to_cell((room.x1, room.y1))
        r0, r1 = sorted((r0, r1))
        c0, c1 = sorted((c0, c1))
        window = clearance[r0 : r1 + 1, c0 : c1 + 1]
        rows, cols = np.indices(window.shape)
        centre_pull = np.hypot(rows - window.shape[0] / 2, cols - window.shape[1] / 2) * nav.resolution
        score = np.minimum(window, 0.6) - 0.05 * centre_pull
        r, c = np.unravel_index(int(np.argmax(score)), window.shape)
        return nav.cell_to_world(r0 + r, c0 + c)

    def _doorways_of(self, world: Any, room: str | None) -> list[Any]:
        return [d for d in world.layout.doorways if room is None or room in (d.room_a, d.room_b)]

    def _beyond_door(self, world: Any, door: Any, away_from: np.ndarray) -> np.ndarray:
        """A free point 0.8 m past the doorway, on the side away from ``away_from``."""
        centre = np.array(door.center, dtype=float)
        # a wall along x is crossed by driving along y
        normal = np.array([0.0, 1.0]) if door.wall_axis == "x" else np.array([1.0, 0.0])
        if np.dot(centre - away_from, normal) < 0:
            normal = -normal
        xy = centre + 0.8 * normal
        cell = world.nav_map.nearest_free_cell(xy)
        return world.nav_map.cell_to_world(*cell) if cell is not None else xy

    def _nearest_door(self, world: Any, doors: list[Any], pose: np.ndarray) -> Any:
        field = world.nav_map.distance_field(tuple(pose[:2]))
        return min(doors, key=lambda d: float(field[world.nav_map.world_to_cell(d.center)]))

    def _through_door(self, world: Any, pose: np.ndarray, exit_room: bool) -> Goal | None:
        room = world.room_at(pose[:2]) if exit_room else None
        doors = self._doorways_of(world, room)
        if not doors:
            return None
        goal = self._beyond_door(world, self._nearest_door(world, doors, pose), pose[:2])
        outside = world.room_at(goal)
        return Goal(goal, None, None, room_outside=room if exit_room else None, room_inside=outside)

    def _exit_room(self, world: Any, room: str | None, target: Target) -> Goal | None:
        doors = self._doorways_of(world, room)
        if not doors or room is None:
            return None
        centre = np.array(world.layout.room(room).center)
        door = self._nearest_door(world, doors, world.base_pose())
        return Goal(self._beyond_door(world, door, centre), None, target, room_outside=room)

    def _past(self, world: Any, pose: np.ndarray, target: Target) -> Goal | None:
        heading = np.array(target.xy) - pose[:2]
        dist = float(np.linalg.norm(heading))
        beyond = np.array(target.xy) + (heading / max(dist, 1e-6)) * 1.0
        cell = world.nav_map.nearest_free_cell(beyond)
        if cell is None:
            return None
        return Goal(world.nav_map.cell_to_world(*cell), None, target)

    # -- motion -----------------------------------------------------------------------------------
    def _turn(self, subtask: Subtask, robot: Any, world: Any) -> SkillResult:
        sign = 1.0 if subtask.action == "turn_left" else -1.0
        goal_yaw = wrap_angle(float(world.base_pose()[2]) + sign * math.pi / 2)
        steps = self.face(robot, world, goal_yaw, self.config.step_budget)
        done = abs(wrap_angle(goal_yaw - float(world.base_pose()[2]))) < 0.05
        return SkillResult(subtask, done, "" if done else "timeout", steps=steps)

    def face(self, robot: Any, world: Any, yaw: float, budget: int) -> int:
        """Rotate in place to ``yaw``; return the steps used."""
        dt = robot.control_dt
        for step in range(budget):
            err = wrap_angle(yaw - float(world.base_pose()[2]))
            if abs(err) < 0.03:
                return step
            omega = float(np.clip(err / dt, -self.config.max_angular, self.config.max_angular))
            robot.send(Action(0.0, omega))
        return budget

    def _back_off(self, robot: Any, steps: int = 3) -> int:
        """Reverse a few centimetres after bumping into something, so a replanned path can start."""
        for _ in range(steps):
            robot.send(Action(-0.15, 0.0))
        return steps

    def close_in(self, robot: Any, world: Any, target_xy: np.ndarray) -> int:
        """Creep straight at the target while the base's true footprint stays clear: the nav map
        keeps a circle's clearance, but a box facing the furniture can stand nearer (arm reach)."""
        speed, dt = 0.2, robot.control_dt
        for step in range(40):
            x, y, yaw = world.base_pose()
            if math.dist((x, y), tuple(target_xy)) <= self.config.close_in_distance:
                return step
            ahead = speed * dt + 0.02  # keep a 2 cm gap
            if world.pose_collides(x + ahead * math.cos(yaw), y + ahead * math.sin(yaw), yaw):
                return step
            robot.send(Action(speed, 0.0))
        return 40

    def plan_path(self, world: Any, start_xy: np.ndarray, goal_xy: np.ndarray) -> list[np.ndarray] | None:
        """A* waypoints (world frame) from start to goal, kept off the walls, then shortened."""
        nav = world.nav_map
        clearance = self._clearance(world)
        margin = self.config.wall_margin
        cost = np.clip((margin - clearance) / margin, 0.0, 1.0) * 4.0
        cells = None
        # plan with a safety margin first (grid rounding), and without it only where that fails
        for free in (clearance >= self.config.safety_margin, ~nav.grid):
            start = nearest_free(free, nav.world_to_cell(start_xy))
            goal = nearest_free(free, nav.world_to_cell(goal_xy))
            if start is not None and goal is not None:
                cells = astar(free, start, goal, cost=cost)
            if cells is not None:
                break
        if cells is None:
            return None
        roomy = clearance >= 0.5 * margin  # shortcuts only where they keep off the walls
        return [nav.cell_to_world(*c) for c in shorten(roomy, cells)]

    def _clearance(self, world: Any) -> np.ndarray:
        """Metres from each cell of the nav map to its nearest blocked cell (cached per map)."""
        nav = world.nav_map
        if getattr(self, "_clearance_of", None) is not nav:
            free = (~nav.grid).astype(np.uint8)
            self._clearance_map = cv2.distanceTransform(free, cv2.DIST_L2, 5) * nav.resolution
            self._clearance_of = nav
        return self._clearance_map

    def _drive(self, subtask: Subtask, robot: Any, world: Any, goal: Goal) -> SkillResult:
        cfg = self.config
        start = world.base_pose()
        d0 = world.geodesic_distance(start[:2], goal.xy)
        path = self.plan_path(world, start[:2], goal.xy)
        if path is None or not math.isfinite(d0):
            return SkillResult(subtask, False, "unreachable", detail="no collision-free path")
        travelled, steps, recoveries = 0.0, 0, 0
        reason = "timeout"
        while steps < cfg.step_budget:
            pose = world.base_pose()
            if np.linalg.norm(pose[:2] - path[-1]) < cfg.goal_tolerance:
                reason = ""
                break
            command = self._pursue(pose, path, robot.control_dt)
            robot.send(command)
            steps += 1
            now = world.base_pose()
            moved = float(np.linalg.norm(now[:2] - pose[:2]))
            travelled += moved
            if command != Action() and moved < 1e-4 and abs(wrap_angle(now[2] - pose[2])) < 1e-4:  # blocked
                recoveries += 1
                if recoveries > cfg.max_recoveries:
                    reason = "collision"
                    break
                steps += self._back_off(robot)
                path = self.plan_path(world, world.base_pose()[:2], goal.xy) or path
        if reason == "" and goal.yaw is not None:
            steps += self.face(robot, world, goal.yaw, cfg.step_budget - steps)
            if goal.target is not None:
                steps += self.close_in(robot, world, np.array(goal.target.xy))
        robot.stop()
        success = reason == "" and self._reached(world, goal)
        if reason == "" and not success:
            reason = "timeout"
        spl = float(success) * d0 / max(d0, travelled, 1e-9)
        metrics = {"success": float(success), "spl": spl, "path_length": travelled, "geodesic_d0": d0}
        return SkillResult(subtask, success, reason, steps=steps, metrics=metrics)

    def _pursue(self, pose: np.ndarray, path: list[np.ndarray], dt: float) -> Action:
        """Pure pursuit towards a carrot ``lookahead`` metres along the path."""
        cfg = self.config
        carrot = self._carrot(pose[:2], path)
        dx, dy = carrot - pose[:2]
        alpha = wrap_angle(math.atan2(dy, dx) - float(pose[2]))
        remaining = float(np.linalg.norm(path[-1] - pose[:2]))
        if abs(alpha) > 0.5:  # rotate in place before driving off
            return Action(0.0, float(np.clip(alpha / dt, -cfg.max_angular, cfg.max_angular)))
        v = min(cfg.max_linear, 1.5 * remaining + 0.05) * math.cos(alpha)
        distance = max(float(np.hypot(dx, dy)), 1e-6)
        omega = 2.0 * v * math.sin(alpha) / distance
        return Action(float(v), float(np.clip(omega, -cfg.max_angular, cfg.max_angular)))

    def _carrot(self, xy: np.ndarray, path: list[np.ndarray]) -> np.ndarray:
        # progress: drop waypoints we have already passed
        while len(path) > 1 and np.linalg.norm(path[0] - xy) < self.config.lookahead:
            path.pop(0)
        return path[0]

    def _reached(self, world: Any, goal: Goal) -> bool:
        xy = world.base_pose()[:2]
        if goal.room_outside is not None and world.room_at(xy) == goal.room_outside:
            return False
        if goal.room_inside is not None:
            return world.room_at(xy) == goal.room_inside
        if goal.target is not None and goal.target.kind in ("object", "furniture"):
            return math.dist(tuple(xy), goal.target.xy) <= self.config.success_radius + 0.5 * self._extent(
                world, goal.target
            )
        return bool(np.linalg.norm(xy - goal.xy) < 0.5)

    def _extent(self, world: Any, target: Target) -> float:
        if target.kind != "furniture":
            return 0.0
        size = world.furniture(target.name).size
        return float(min(size[0], size[1]))
