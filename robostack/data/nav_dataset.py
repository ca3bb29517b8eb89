"""Navigation data for ViNT: planner-guided runs through generated apartments, with noise and recoveries.

Each run starts at a random free pose, plans a path to a random goal with the classical A* planner
(privileged map) and follows it with pure pursuit. Steering noise and short random swerves push the robot
off the path; it then replans from where it is, so the data holds off-path states and the way back.
Frames are recorded at ViNT's rate (4 Hz): the head-camera RGB, the pose ``[x, y, yaw]`` and the command.

On disk the layout follows LeRobot v3 where it can::

    meta/info.json                           codebase_version, fps, features, totals, splits
    meta/episodes/chunk-000/file-000.parquet one row per run: apartment seed, split, frame range
    data/chunk-000/file-000.parquet          one row per frame; images as PNG bytes

Train and test are split by apartment seed, never by frame: every ``test_every``-th apartment is test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from robostack.core.config import StrictModel
from robostack.core.errors import RobostackError
from robostack.core.geometry import wrap_angle
from robostack.core.logging import get_logger

CODEBASE_VERSION = "v3.0"
DATA_FILE = "data/chunk-000/file-000.parquet"
EPISODES_FILE = "meta/episodes/chunk-000/file-000.parquet"
IMAGE_KEY = "observation.images.head"
STATE_KEY = "observation.state"
EXPERT_KEY = "expert"


class NavCollectConfig(StrictModel):
    """How `robostack data collect nav` drives. Defaults are the recipe in ``datasets/nav.yaml``."""

    episodes: int = Field(500, ge=1, description="runs to record in total")
    seed: int = Field(10_000, ge=0, description="first apartment seed; apartments are seed, seed+1, ...")
    runs_per_apartment: int = Field(5, ge=1)
    test_every: int = Field(10, ge=2, description="every N-th apartment goes to the test split")
    image_size: int = Field(64, ge=16, le=256, description="head camera width = height, pixels")
    fps: float = Field(4.0, gt=0, description="frames per second (ViNT: 4 Hz)")
    max_linear: float = Field(0.5, gt=0, description="m/s")
    max_angular: float = Field(1.0, gt=0, description="rad/s")
    min_goal_m: float = Field(2.0, ge=0, description="shortest geodesic start-goal distance, m")
    max_goal_m: float = Field(12.0, gt=0)
    max_frames: int = Field(160, ge=8, description="frames per run at most")
    steer_noise: float = Field(0.25, ge=0, description="std of the yaw-rate noise, rad/s")
    swerve_prob: float = Field(0.06, ge=0, le=1, description="chance per frame to start a random swerve")


# -- driving (shared with the evaluation) ----------------------------------------------------------


def drive(world: Any, v: float, w: float, duration: float, substeps: int = 5) -> bool:
    """Move the kinematic base by the unicycle model for ``duration`` seconds; stop at the first
    sub-step that would collide. Returns True on a collision."""
    dt = duration / substeps
    for _ in range(substeps):
        x, y, yaw = world.base_pose()
        if abs(w) > 1e-9:
            nx = x + v / w * (math.sin(yaw + w * dt) - math.sin(yaw))
            ny = y - v / w * (math.cos(yaw + w * dt) - math.cos(yaw))
        else:
            nx, ny = x + v * dt * math.cos(yaw), y + v * dt * math.sin(yaw)
        if world.pose_collides(nx, ny, yaw + w * dt):
            return True
        world.set_base_pose(nx, ny, yaw + w * dt)
    return False


CARROT = 0.4
"""m: `pursue` heads for the first waypoint at least this far away."""


def pursue(
    pose: NDArray[np.float64], path: list[NDArray[np.float64]], max_v: float, max_w: float, dt: float
) -> tuple[float, float]:
    """Pure pursuit to a carrot `CARROT` m along ``path`` (passed waypoints are popped); rotate in
    place when the carrot is far off the heading."""
    while len(path) > 1 and np.linalg.norm(path[0] - pose[:2]) < CARROT:
        path.pop(0)
    dx, dy = path[0] - pose[:2]
    alpha = wrap_angle(math.atan2(dy, dx) - float(pose[2]))
    if abs(alpha) > 0.6:
        return 0.0, float(np.clip(alpha / dt, -max_w, max_w))
    dist = max(float(np.hypot(dx, dy)), 1e-6)
    v = min(max_v, 1.5 * float(np.linalg.norm(path[-1] - pose[:2])) + 0.05)
    return v, float(np.clip(2.0 * v * math.sin(alpha) / dist, -max_w, max_w))


def free_cells(world: Any, clearance: float = 0.1) -> NDArray[np.int64]:
    """(row, col) of nav-map cells with at least ``clearance`` metres to the nearest inflated obstacle."""
    return np.argwhere(world.nav_map.clearance() >= clearance)


def sample_pose(world: Any, rng: np.random.Generator) -> NDArray[np.float64]:
    cells = free_cells(world)
    r, c = cells[int(rng.integers(len(cells)))]
    xy = world.nav_map.cell_to_world(int(r), int(c))
    return np.array([xy[0], xy[1], rng.uniform(-math.pi, math.pi)])


def sample_goal(
    world: Any, start_xy: NDArray[np.float64], rng: np.random.Generator, lo: float, hi: float
) -> NDArray[np.float64] | None:
    """A free point whose geodesic distance from ``start_xy`` lies in [lo, hi]; None if there is none."""
    field = world.nav_map.distance_field(tuple(start_xy))
    cells = free_cells(world)
    d = field[cells[:, 0], cells[:, 1]]
    ok = cells[np.isfinite(d) & (d >= lo) & (d <= hi)]
    if len(ok) == 0:
        return None
    r, c = ok[int(rng.integers(len(ok)))]
    return world.nav_map.cell_to_world(int(r), int(c))


def plan(world: Any, start_xy: NDArray[np.float64], goal_xy: NDArray[np.float64]) -> list[Any] | None:
    """Collision-free waypoints from the classical planner (A* on the privileged map)."""
    from robostack.policies.baselines.navigate import ClassicalNavigate

    path = ClassicalNavigate().plan_path(world, start_xy, goal_xy)
    return [np.asarray(p, dtype=float) for p in path] if path else None


# -- recording -----------------------------------------------------------------------------------


@dataclass
class Run:
    """One recorded run: frames at ``fps``, with the apartment it happened in."""

    apartment_seed: int
    images: list[NDArray[np.uint8]]
    states: list[tuple[float, float, float]]
    actions: list[tuple[float, float]]
    goal: tuple[float, float]
    expert: list[bool] = field(default_factory=list)
    """Per frame: the command was the planner's (pursuit + mild steering noise). False during a random
    swerve and on a bump (the back-off moves the base between frames): training uses these frames as
    states and goals but never learns their future motion, which the images cannot predict."""


def record_run(world: Any, rng: np.random.Generator, cfg: NavCollectConfig, seed: int) -> Run | None:
    """Drive one noisy planner-guided run (see the module docstring); None when no goal fits."""
    start = sample_pose(world, rng)
    goal = sample_goal(world, start[:2], rng, cfg.min_goal_m, cfg.max_goal_m)
    path = None if goal is None else plan(world, start[:2], goal)
    if goal is None or path is None:
        return None
    world.set_base_pose(*start)
    dt = 1.0 / cfg.fps
    run = Run(seed, [], [], [], (float(goal[0]), float(goal[1])))
    swerve, swerve_cmd, bumps = 0, (0.0, 0.0), 0
    for _ in range(cfg.max_frames):
        pose = world.base_pose()
        if np.linalg.norm(pose[:2] - goal) < 0.25:
            break
        swerving = swerve > 0  # this frame's command is the swerve's, not the planner's
        if swerving:
            v, w = swerve_cmd
            swerve -= 1
            if swerve == 0:  # recover: replan from wherever the swerve left us
                path = plan(world, pose[:2], goal) or path
        else:
            v, w = pursue(pose, path, cfg.max_linear, cfg.max_angular, dt)
            w = float(np.clip(w + rng.normal(0.0, cfg.steer_noise), -cfg.max_angular, cfg.max_angular))
            if rng.random() < cfg.swerve_prob:
                swerve = int(rng.integers(2, 5))
                swerve_cmd = (rng.uniform(0.1, cfg.max_linear), rng.choice([-1, 1]) * cfg.max_angular)
        rgb, _ = world.render_head()
        run.images.append(rgb)
        run.states.append((float(pose[0]), float(pose[1]), float(pose[2])))
        run.actions.append((v, w))
        run.expert.append(not swerving)
        if drive(world, v, w, dt):
            run.expert[-1] = False
            bumps += 1
            swerve = 0
            drive(world, -0.15, 0.0, dt)  # back off, then replan
            path = plan(world, world.base_pose()[:2], goal) or path
            if bumps > 6:
                break
    return run if len(run.images) >= 8 else None


def collect(cfg: NavCollectConfig, on_run: Any = None) -> Iterator[Run]:
    """Yield ``cfg.episodes`` runs, ``runs_per_apartment`` in each generated apartment."""
    from robostack.sim.apartment.config import ApartmentConfig
    from robostack.sim.apartment.layout import generate_layout
    from robostack.sim.apartment.world import ApartmentWorld

    world_cfg = ApartmentConfig(image_size=cfg.image_size, render_wrist=False)
    made, apartment = 0, 0
    while made < cfg.episodes:
        seed = cfg.seed + apartment
        apartment += 1
        rng = np.random.default_rng(seed)
        try:
            layout = generate_layout(seed)
        except ValueError as err:  # a few seeds fail inside the layout generator: skip them, say so
            get_logger(__name__).warning(
                "apartment seed %d skipped: layout generation failed (%s)", seed, err
            )
            continue
        with ApartmentWorld(layout, world_cfg) as world:
            world.reset_episode(layout.robot_start)
            for _ in range(cfg.runs_per_apartment * 2):  # a few tries may find no goal
                run = record_run(world, rng, cfg, seed)
                if run is None:
                    continue
                made += 1
                if on_run is not None:
                    on_run(run)
                yield run
                if made >= cfg.episodes or made % cfg.runs_per_apartment == 0:
                    break


def split_of(seed: int, cfg: NavCollectConfig) -> str:
    return "test" if (seed - cfg.seed) % cfg.test_every == cfg.test_every - 1 else "train"


# -- the on-disk format ---------------------------------------------------------------------------


def _png(image: NDArray[np.uint8]) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image[:, :, ::-1]))
    if not ok:
        raise RobostackError("could not encode a PNG frame")
    return buf.tobytes()


def _unpng(data: bytes) -> NDArray[np.uint8]:
    import cv2

    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    return np.ascontiguousarray(image[:, :, ::-1])


def write_dataset(root: str | Path, runs: list[Run], cfg: NavCollectConfig) -> dict[str, Any]:
    """Write ``runs`` (train first, then test) in the LeRobot-v3-style layout; return info.json."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(root)
    ordered = sorted(runs, key=lambda r: split_of(r.apartment_seed, cfg) == "test")
    frames: dict[str, list[Any]] = {
        k: []
        for k in ("index", "episode_index", "frame_index", "timestamp", STATE_KEY, "action", EXPERT_KEY)
        + (IMAGE_KEY,)
    }
    episodes: dict[str, list[Any]] = {
        k: []
        for k in ("episode_index", "apartment_seed", "split", "length", "goal", "from_index", "to_index")
    }
    for ep, run in enumerate(ordered):
        start = len(frames["index"])
        expert = run.expert or [True] * len(run.images)
        rows = zip(run.images, run.states, run.actions, expert, strict=True)
        for t, (image, state, action, clean) in enumerate(rows):
            frames["index"].append(start + t)
            frames["episode_index"].append(ep)
            frames["frame_index"].append(t)
            frames["timestamp"].append(t / cfg.fps)
            frames[STATE_KEY].append([float(s) for s in state])
            frames["action"].append([float(a) for a in action])
            frames[EXPERT_KEY].append(bool(clean))
            frames[IMAGE_KEY].append(_png(image))
        episodes["episode_index"].append(ep)
        episodes["apartment_seed"].append(run.apartment_seed)
        episodes["split"].append(split_of(run.apartment_seed, cfg))
        episodes["length"].append(len(run.images))
        episodes["goal"].append(list(run.goal))
        episodes["from_index"].append(start)
        episodes["to_index"].append(len(frames["index"]))
    for rel, table in ((DATA_FILE, frames), (EPISODES_FILE, episodes)):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(table), root / rel)
    info = _info(ordered, episodes, cfg)
    (root / "meta" / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def _info(runs: list[Run], episodes: dict[str, list[Any]], cfg: NavCollectConfig) -> dict[str, Any]:
    n_train = sum(s == "train" for s in episodes["split"])
    states = np.array([s for r in runs for s in r.states])
    steps = [
        float(np.linalg.norm(np.diff(np.array(r.states)[:, :2], axis=0), axis=1).mean())
        for r in runs
        if len(r.states) > 1
    ]
    seeds = {
        split: sorted(
            {s for s, sp in zip(episodes["apartment_seed"], episodes["split"], strict=True) if sp == split}
        )
        for split in ("train", "test")
    }
    size = cfg.image_size
    return {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": "robostack_mobile_panda",
        "fps": cfg.fps,
        "total_episodes": len(runs),
        "total_frames": int(len(states)),
        "chunks_size": 1000,
        "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
        "video_path": None,
        "splits": {"train": f"0:{n_train}", "test": f"{n_train}:{len(runs)}"},
        "apartment_seeds": seeds,
        "metres_per_frame": float(np.mean(steps)) if steps else 0.0,
        "features": {
            IMAGE_KEY: {"dtype": "image", "shape": [size, size, 3], "names": ["height", "width", "channel"]},
            STATE_KEY: {"dtype": "float32", "shape": [3], "names": ["x", "y", "yaw"]},
            "action": {"dtype": "float32", "shape": [2], "names": ["linear", "angular"]},
            EXPERT_KEY: {"dtype": "bool", "shape": [1], "names": None},
            "timestamp": {"dtype": "float32", "shape": [1], "names": None},
            "frame_index": {"dtype": "int64", "shape": [1], "names": None},
            "episode_index": {"dtype": "int64", "shape": [1], "names": None},
            "index": {"dtype": "int64", "shape": [1], "names": None},
        },
        "recipe": cfg.model_dump(mode="json"),
    }


@dataclass
class NavEpisode:
    """One run read back: images ``T×H×W×3`` uint8, poses ``T×3`` (x, y, yaw)."""

    episode_index: int
    apartment_seed: int
    split: str
    images: NDArray[np.uint8]
    poses: NDArray[np.float64]
    expert: NDArray[np.bool_] | None = None
    """Per frame: driven by the planner (see `Run.expert`); None = all (datasets without the column)."""


def read_info(root: str | Path) -> dict[str, Any]:
    path = Path(root) / "meta" / "info.json"
    if not path.exists():
        raise RobostackError(
            f"{root}: not a nav dataset (no meta/info.json); run `robostack data collect nav`"
        )
    info: dict[str, Any] = json.loads(path.read_text())
    if info.get("codebase_version") != CODEBASE_VERSION:
        raise RobostackError(
            f"{root}: dataset format {info.get('codebase_version')!r}, this code reads {CODEBASE_VERSION!r}"
        )
    return info


def read_dataset(root: str | Path, split: str | None = None) -> list[NavEpisode]:
    """Every episode of ``split`` (or all), images decoded."""
    import pyarrow.parquet as pq

    root = Path(root)
    info = read_info(root)
    eps = pq.read_table(root / EPISODES_FILE).to_pydict()
    frames = pq.read_table(root / DATA_FILE).to_pydict()
    out = []
    for i, ep in enumerate(eps["episode_index"]):
        if split is not None and eps["split"][i] != split:
            continue
        lo, hi = eps["from_index"][i], eps["to_index"][i]
        images = np.stack([_unpng(b) for b in frames[IMAGE_KEY][lo:hi]])
        poses = np.array(frames[STATE_KEY][lo:hi], dtype=np.float64)
        if EXPERT_KEY in frames:
            expert = np.array(frames[EXPERT_KEY][lo:hi], dtype=bool)
        else:
            expert = infer_expert(np.array(frames["action"][lo:hi]), poses, info["recipe"])
        seed, part = int(eps["apartment_seed"][i]), str(eps["split"][i])
        out.append(NavEpisode(int(ep), seed, part, images, poses, expert))
    return out


def infer_expert(
    actions: NDArray[np.float64], poses: NDArray[np.float64], recipe: dict[str, Any]
) -> NDArray[np.bool_]:
    """`Run.expert` for a dataset written before that column existed, from what the frames show: a
    swerve is a full-rate turn at a random forward speed below the cap (pursuit drives at the cap, or
    turns in place); a bump backs the base off, so the next pose lies behind."""
    v, w = actions[:, 0], actions[:, 1]
    swerve = (np.abs(w) >= recipe["max_angular"] - 1e-9) & (v > 1e-9) & (v < recipe["max_linear"] - 1e-9)
    step = np.diff(poses[:, :2], axis=0)
    ahead = step[:, 0] * np.cos(poses[:-1, 2]) + step[:, 1] * np.sin(poses[:-1, 2])
    bump = np.append(ahead < -1e-6, False)
    return ~(swerve | bump)
