"""``eval nav-imagegoal``: reach a goal image in apartments never seen in training.

Each episode (one apartment seed): a start pose (the layout's) and a goal 3–10 m away by geodesic
distance. A *prior traversal* of the route (the classical planner, driven cleanly at 4 Hz in a twin of the
apartment) gives the images for the topological graph and the goal image (its last frame). The robot then
starts from the same place with its heading perturbed by up to ±0.4 rad and is driven through the HAL
(`SimRobot`, one control step = one 4 Hz frame) for at most 2 × (traversal frames) + 20 steps.
Success: the method stops within 1.0 m of the goal (habitat: STOP required). SPL = S·d₀/max(d₀, p).

Methods, all on the same episodes:
  vint          ViNT on the topological graph (the deployed system)
  vint-nograph  ViNT with the goal image only
  classical     A* on the privileged map + pure pursuit (upper bound)
  bearing       no learning: drive toward the goal's known bearing by odometry, turn away after bumps

Diagnostics (privileged; they check the controller and env path, not a learned model):
  oracle-waypoints               ground-truth waypoints (the traversal's next 5 poses after the nearest
                                 traversal frame, in the robot frame) through ViNT's PD controller
  oracle-waypoints-original-pd   the same through the original deployment rules, unchanged
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from robostack.core.config import load_config
from robostack.core.errors import RobostackError
from robostack.core.geometry import wrap_angle
from robostack.core.parallel import run_episodes
from robostack.core.types import Action, Observation
from robostack.data.nav_dataset import CARROT, drive, plan, pursue, sample_goal

if TYPE_CHECKING:
    from robostack.policies.vint.navigator import NavigatorConfig

VINT_METHODS = ("vint", "vint-nograph")
METHODS = (*VINT_METHODS, "classical", "bearing", "oracle-waypoints", "oracle-waypoints-original-pd")
SUCCESS_RADIUS = 1.0
FPS = 4.0
MAX_V, MAX_W = 0.5, 1.0
IMAGE_SIZE = 64


@dataclass
class Episode:
    seed: int
    start: NDArray[np.float64]
    goal: NDArray[np.float64]
    geodesic: float
    images: list[NDArray[np.uint8]]
    poses: list[tuple[float, float, float]]


def world_config() -> Any:
    from robostack.sim.apartment.config import ApartmentConfig

    return ApartmentConfig(image_size=IMAGE_SIZE, render_wrist=False, control_dt=1.0 / FPS)


def traverse(
    world: Any,
    start: NDArray[np.float64],
    goal: NDArray[np.float64],
    max_frames: int = 240,
    unstick: bool = False,
) -> tuple:
    """A clean planner-guided drive from ``start`` to ``goal``, recorded at 4 Hz: (images, poses).

    With ``unstick`` a blocked step is answered by `Unjammer`, for a drive that must start wherever a
    robot stands (a household mapping run). Without it a drive can jam for good, and the benchmark
    drops such an episode (about 7% of seeds), which keeps its episodes as they were first drawn."""
    path = plan(world, start[:2], goal)
    if path is None:
        return [], []
    world.set_base_pose(*start)
    images, poses = [], []
    unjammer = Unjammer() if unstick else None
    for frame in range(max_frames):
        pose = world.base_pose()
        images.append(world.render_head()[0])
        poses.append(tuple(float(v) for v in pose))
        if np.linalg.norm(pose[:2] - goal) < 0.2:
            break
        command = unjammer.command(pose, path) if unjammer is not None else None
        v, w = command or pursue(pose, path, MAX_V, MAX_W, 1.0 / FPS)
        if drive(world, v, w, 1.0 / FPS):
            if unjammer is not None:
                unjammer.blocked(world, v, w, frame)
            path = plan(world, world.base_pose()[:2], goal) or path
    return images, poses


class Unjammer:
    """A mapping run's way out of a jam. A box-shaped base beside furniture may be unable to turn one
    way, and pursuit skips waypoints nearer than its carrot, so after a block the replanned path's
    first bend can be cut into the same corner again and again. A block is first answered by
    `free_step` alone. A second within `patience` frames is a jam: after a blocked turn in place the
    base turns the other way round, after a blocked drive it backs off, and then it follows the
    replanned path waypoint by waypoint, facing each before driving to it, until pursuit's carrot is
    the waypoint it would head for anyway."""

    aligned = 0.1
    """rad: a waypoint counts as ahead within this bearing."""
    reached = 0.05
    """m: a waypoint this near is passed."""
    patience = 4
    """Frames: a block this soon after the last one is a jam."""

    def __init__(self) -> None:
        self.turn = 0.0
        self.careful = False
        self.last_block = -math.inf

    def command(
        self, pose: NDArray[np.float64], path: list[NDArray[np.float64]]
    ) -> tuple[float, float] | None:
        """(v, w) while recovering from a jam; None when pursuit may drive."""
        if not self.careful:
            return None
        while len(path) > 1 and np.linalg.norm(path[0] - pose[:2]) < self.reached:
            path.pop(0)
        dx, dy = path[0] - pose[:2]
        bearing = wrap_angle(math.atan2(dy, dx) - float(pose[2]))
        if abs(bearing) > self.aligned:
            return 0.0, self.turn or float(np.clip(bearing * FPS, -MAX_W, MAX_W))
        self.turn = 0.0
        distance = math.hypot(dx, dy)
        if distance >= CARROT:  # pursuit heads for this waypoint itself
            self.careful = False
            return None
        return min(MAX_V, distance * FPS), 0.0

    def blocked(self, world: Any, v: float, w: float, frame: int) -> None:
        """Answer the command (v, w) that was blocked at ``frame``."""
        jammed, self.last_block = frame - self.last_block <= self.patience, frame
        if jammed and v == 0.0 and not self.turn:
            self.turn = -math.copysign(MAX_W, w)
        else:  # a blocked drive, or the other way round is blocked too
            self.turn = 0.0
            free_step(world, w)
        self.careful = self.careful or jammed


def free_step(world: Any, w: float) -> None:
    """One frame of the first unblocked of: backing off, creeping forward, turning the other way. A
    box-shaped base beside furniture may be unable to turn one way, and the planner turns it that way
    again and again."""
    for v_escape, w_escape in ((-0.15, 0.0), (0.15, 0.0), (0.0, -w)):
        if not drive(world, v_escape, w_escape, 1.0 / FPS):
            return


def make_episode(seed: int) -> Episode | None:
    from robostack.sim.apartment.layout import generate_layout
    from robostack.sim.apartment.world import ApartmentWorld

    layout = generate_layout(seed)
    rng = np.random.default_rng(seed)
    with ApartmentWorld(layout, world_config()) as world:
        start = np.array(layout.robot_start, dtype=float)
        world.reset_episode(layout.robot_start)
        goal = sample_goal(world, start[:2], rng, 3.0, 10.0)
        if goal is None:
            return None
        images, poses = traverse(world, start, goal)
        if not images or np.linalg.norm(np.array(poses[-1][:2]) - goal) > 0.3:
            return None
        d0 = world.geodesic_distance(start[:2], goal)
    return Episode(seed, start, goal, d0, images, poses)


class Method(Protocol):
    def reset(self, episode: Episode, robot: Any) -> None: ...
    def step(self, obs: Observation) -> tuple[Action, bool]: ...


class ViNTMethod:
    def __init__(
        self,
        policy: Any,
        use_graph: bool,
        navigator: NavigatorConfig | None = None,
        node_every: int | None = None,
    ) -> None:
        from robostack.planning.topological import NODE_EVERY

        self.policy, self.use_graph, self.navigator = policy, use_graph, navigator
        self.node_every = node_every or NODE_EVERY

    def reset(self, episode: Episode, robot: Any) -> None:
        from robostack.planning.topological import TopologicalGraph
        from robostack.policies.vint.navigator import TopoNavigator

        graph = TopologicalGraph.from_traversal(episode.images, episode.poses, every=self.node_every)
        self.nav = TopoNavigator(self.policy, graph, use_graph=self.use_graph, config=self.navigator)

    def step(self, obs: Observation) -> tuple[Action, bool]:
        action, done, _ = self.nav.step(obs.rgb, obs.odometry)
        return action, done


class ClassicalMethod:
    """The upper bound: privileged map, A* path, pure pursuit."""

    def reset(self, episode: Episode, robot: Any) -> None:
        self.goal = episode.goal
        self.path = plan(robot.world, robot.world.base_pose()[:2], episode.goal) or [episode.goal]

    def step(self, obs: Observation) -> tuple[Action, bool]:
        pose = obs.odometry[:3].astype(float)
        if np.linalg.norm(pose[:2] - self.goal) < 0.25:
            return Action(), True
        return Action(*pursue(pose, self.path, MAX_V, MAX_W, 1.0 / FPS)), False


class BearingMethod:
    """No learning: head for the goal's bearing (known from the traversal's odometry); after a bump,
    turn a random quarter-turn and drive on for a second before heading for the goal again."""

    def reset(self, episode: Episode, robot: Any) -> None:
        self.goal = episode.goal
        self.rng = np.random.default_rng(episode.seed)
        self.escape: list[Action] = []
        self.last: NDArray[np.float64] | None = None

    def step(self, obs: Observation) -> tuple[Action, bool]:
        pose = obs.odometry[:3].astype(float)
        if np.linalg.norm(pose[:2] - self.goal) < 0.3:
            return Action(), True
        if self.last is not None and np.linalg.norm(pose[:2] - self.last[:2]) < 1e-4 and not self.escape:
            turn = float(self.rng.choice([-1.0, 1.0])) * MAX_W
            self.escape = [Action(0.0, turn)] * 6 + [Action(MAX_V, 0.0)] * 4
        self.last = pose
        if self.escape:
            return self.escape.pop(0), False
        dx, dy = self.goal - pose[:2]
        alpha = wrap_angle(math.atan2(dy, dx) - pose[2])
        if abs(alpha) > 0.3:
            return Action(0.0, float(np.clip(alpha * FPS, -MAX_W, MAX_W))), False
        return Action(MAX_V, float(np.clip(alpha * FPS, -MAX_W, MAX_W))), False


class OracleWaypointsMethod:
    """What ViNT would do if its waypoint head were perfect: localise on the traversal by true pose (the
    nearest frame near the last one, heading counted at 0.3 m/rad so turns in place separate), take the
    next 5 traversal poses in the robot frame, and drive them through the PD controller. Stops within
    0.5 m of the traversal's end."""

    def __init__(self, original_rules: bool = False) -> None:
        from robostack.policies.vint.controller import PDController

        self.controller = PDController(max_v=MAX_V, max_w=MAX_W, original=original_rules)

    def reset(self, episode: Episode, robot: Any) -> None:
        self.poses = np.array(episode.poses, dtype=float)
        self.k = 0

    def step(self, obs: Observation) -> tuple[Action, bool]:
        pose = obs.odometry[:3].astype(float)
        lo, hi = max(self.k - 8, 0), min(self.k + 9, len(self.poses))
        turn = np.abs(wrap_angle(self.poses[lo:hi, 2] - pose[2]))
        self.k = lo + int(np.argmin(np.linalg.norm(self.poses[lo:hi, :2] - pose[:2], axis=1) + 0.3 * turn))
        if self.k >= len(self.poses) - 3 and np.linalg.norm(self.poses[-1, :2] - pose[:2]) < 0.5:
            return Action(), True
        idx = np.minimum(np.arange(self.k + 1, self.k + 6), len(self.poses) - 1)
        rel = self.poses[idx, :2] - pose[:2]
        c, s = math.cos(pose[2]), math.sin(pose[2])
        local = np.stack([c * rel[:, 0] + s * rel[:, 1], -s * rel[:, 0] + c * rel[:, 1]], axis=1)
        dyaw = self.poses[idx, 2] - pose[2]
        waypoints = np.concatenate([local, np.cos(dyaw)[:, None], np.sin(dyaw)[:, None]], axis=1)
        return self.controller.command(waypoints.astype(np.float32)), False


def run_method(method: Method, episode: Episode) -> dict[str, float]:
    """One episode through the HAL; returns success, spl, collisions, final distance."""
    from robostack.hal.sim_robot import SimRobot

    rng = np.random.default_rng(episode.seed + 1)
    budget = max(60, 2 * len(episode.images) + 20)
    with SimRobot("apartment", seed=episode.seed, world_config=world_config()) as robot:
        world = robot.world
        x, y, yaw = episode.start
        world.set_base_pose(x, y, yaw + rng.uniform(-0.4, 0.4))
        robot.send(Action())  # a fresh frame from the perturbed pose
        method.reset(episode, robot)
        travelled, done = 0.0, False
        for _ in range(budget):
            obs = robot.observe()
            action, done = method.step(obs)
            if done:
                break
            before = world.base_pose()[:2]
            robot.send(action)
            travelled += float(np.linalg.norm(world.base_pose()[:2] - before))
        robot.stop()
        final = float(np.linalg.norm(world.base_pose()[:2] - episode.goal))
        collisions = robot.collisions
    success = done and final <= SUCCESS_RADIUS
    spl = float(success) * episode.geodesic / max(episode.geodesic, travelled, 1e-9)
    return {"success": float(success), "spl": spl, "collisions": float(collisions), "final_distance": final}


def make_method(
    name: str, checkpoint: str, navigator: NavigatorConfig | None = None, node_every: int | None = None
) -> Method:
    """A method by name; ``navigator`` (a `NavigatorConfig`) and ``node_every`` set ViNT's deployment."""
    if name in VINT_METHODS:
        from robostack.policies.vint.policy import ViNTPolicy

        policy = ViNTPolicy.from_pretrained(checkpoint)
        return ViNTMethod(policy, name == "vint", navigator, node_every)
    if name == "classical":
        return ClassicalMethod()
    if name == "bearing":
        return BearingMethod()
    if name.startswith("oracle-waypoints"):
        return OracleWaypointsMethod(original_rules=name.endswith("original-pd"))
    raise RobostackError(f"unknown method {name!r}; expected one of {', '.join(METHODS)}")


def training_apartments(names: list[str], checkpoint: str) -> set[int]:
    """The apartment seeds the checkpoint trained on, where a named method uses it (read from its
    config alone, so the main process of a parallel evaluation never loads the network)."""
    if not set(names) & set(VINT_METHODS):
        return set()
    from robostack.policies.vint.model import ViNTConfig

    return set(load_config(ViNTConfig, Path(checkpoint) / "config.yaml").train_apartment_seeds)


def open_methods(
    names: list[str], checkpoint: str, navigator: NavigatorConfig | None, node_every: int | None
) -> dict[str, Method]:
    """Every named method: the state `core.parallel.run_episodes` hands `episode_in_every_method`."""
    return {name: make_method(name, checkpoint, navigator, node_every) for name in names}


def episode_in_every_method(methods: dict[str, Method], seed: int) -> dict[str, dict[str, float]] | None:
    """Apartment ``seed``'s episode once per method (every method meets the same episode), or None
    where no goal fits."""
    episode = make_episode(seed)
    if episode is None:
        return None
    return {name: run_method(method, episode) for name, method in methods.items()}


def evaluate_methods(
    count: int,
    seed: int,
    exclude: set[int],
    make_methods: Callable[[], dict[str, Method]],
    workers: int = 1,
    on_episode: Callable[[dict[str, dict[str, float]]], None] | None = None,
) -> list[dict[str, dict[str, float]]]:
    """Per-method figures of the first ``count`` seeds from ``seed`` where a goal fits, in seed order.
    Each round asks for as many seeds as are still missing, so ``workers`` processes run no more
    episodes than one process would."""
    if exclude & set(range(seed, seed + 4 * count)):
        raise RobostackError(f"--seed {seed}: these apartments overlap the policy's training apartments")

    def tick(row: dict[str, dict[str, float]] | None) -> None:
        if row is not None and on_episode is not None:
            on_episode(row)

    rows: list[dict[str, dict[str, float]]] = []
    start = seed
    while len(rows) < count:
        seeds = range(start, start + count - len(rows))
        found = run_episodes(make_methods, episode_in_every_method, seeds, workers, tick)
        rows += [row for row in found if row is not None]
        start = seeds.stop
    return rows


def summarise(rows: list[dict[str, float]]) -> dict[str, float | int]:
    return {
        "episodes": len(rows),
        "success_rate": float(np.mean([r["success"] for r in rows])),
        "spl": float(np.mean([r["spl"] for r in rows])),
        "collisions_per_episode": float(np.mean([r["collisions"] for r in rows])),
        "mean_final_distance_m": float(np.mean([r["final_distance"] for r in rows])),
    }
