"""The pick-and-place benchmark (``robostack eval pick-place``) on scenes of unseen object models.

Episode ``i`` builds test-split scene ``seed + i`` (1-10 objects, one receptacle) and picks a target
object with a seeded generator. The policy ranks grasps for the target from the fused cloud; the
harness executes the best one that has a collision-free IK approach, as given or with the fingers
swapped (`PandaArm.plan_grasp`; at most `MAX_PLANS` tried), then
asks for placements of the held object (its observed points, moved with the object into the
end-effector frame) on the receptacle and executes the best feasible one. A placement whose pose
would put the hand into the receptacle's walls is tried again released 3 or 6 cm higher
(`RELEASE_RISES`), for every policy alike: at M2T2's 2 cm release height the hand of a short
object would sit below the box's 7.5 cm walls.

- ``grasp_success``: the target is lifted 15 cm, survives a wrist shake and is still held by both
  fingers, over all episodes;
- ``place_success``: the object rests on the receptacle (touching it, not the table, inside its
  walls, released, still), over the episodes whose grasp succeeded;
- ``pick_and_place_success``: both, over all episodes;
- ``by_objects_on_table``: grasp and pick-and-place success over the episodes with 1-3, 4-6 and
  7-10 objects on the table (how each policy copes with clutter).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import numpy as np
import pybullet as p
from numpy.typing import NDArray

from robostack.core.errors import ConfigError
from robostack.core.parallel import run_episodes
from robostack.core.stats import wilson_interval
from robostack.sim.tabletop.arm import PREGRASP, PandaArm
from robostack.sim.tabletop.gripper import MAX_WIDTH, grasp_pose
from robostack.sim.tabletop.world import TabletopConfig, TabletopWorld, rot_z

MAX_PLANS = 20
RELEASE_RISES = (0.0, 0.03, 0.06)  # metres a placement may be raised to clear the receptacle's walls
HELD_POINTS = 1024


class PickPlacePolicy(Protocol):
    def reset(self) -> None: ...

    def grasps(
        self, points: NDArray[Any], rgb: NDArray[Any], segment: NDArray[Any], target_index: int
    ) -> list[tuple[NDArray[Any], float, float]]: ...

    def placements(
        self,
        points: NDArray[Any],
        rgb: NDArray[Any],
        segment: NDArray[Any],
        held_points: NDArray[Any],
        ee_pose: NDArray[Any],
        receptacle_index: int,
    ) -> list[tuple[NDArray[Any], float]]: ...


@dataclass
class EpisodeOutcome:
    seed: int
    target: str
    receptacle: str
    grasped: bool
    placed: bool
    reason: str
    seconds: float
    objects: int  # on the table, the receptacle not counted


CLUTTER_BINS = ((1, 3), (4, 6), (7, 10))  # objects on the table


@dataclass
class PickPlaceResult:
    episodes: int
    grasp_success: float
    place_success: float
    pick_and_place_success: float
    outcomes: list[EpisodeOutcome] = field(default_factory=list)

    def by_receptacle(self) -> dict[str, str]:
        """``kind: placed/episodes`` per receptacle kind."""
        out: dict[str, list[int]] = {}
        for o in self.outcomes:
            n = out.setdefault(o.receptacle, [0, 0])
            n[0] += o.placed
            n[1] += 1
        return {k: f"{a}/{b}" for k, (a, b) in sorted(out.items())}

    def by_clutter(self) -> dict[str, dict[str, float]]:
        """Grasp and pick-and-place success by how many objects were on the table."""
        out: dict[str, dict[str, float]] = {}
        for lo, hi in CLUTTER_BINS:
            these = [o for o in self.outcomes if lo <= o.objects <= hi]
            if these:
                out[f"{lo}-{hi}"] = {
                    "episodes": len(these),
                    "grasp_success": round(sum(o.grasped for o in these) / len(these), 4),
                    "pick_and_place_success": round(sum(o.placed for o in these) / len(these), 4),
                }
        return out

    def summary(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        placed = sum(o.placed for o in self.outcomes)
        for o in self.outcomes:
            reasons[o.reason] = reasons.get(o.reason, 0) + 1
        return {
            "episodes": self.episodes,
            "grasp_success": round(self.grasp_success, 4),
            "place_success": round(self.place_success, 4),
            "pick_and_place_success": round(self.pick_and_place_success, 4),
            "pick_and_place_95ci": [round(b, 4) for b in wilson_interval(placed, self.episodes)],
            "place_success_over_all_episodes": round(placed / max(self.episodes, 1), 4),
            "outcomes": dict(sorted(reasons.items())),
            "pick_and_place_by_receptacle": self.by_receptacle(),
            "by_objects_on_table": self.by_clutter(),
            "object_split": "test (unseen models)",
            "failures": [
                f"seed {o.seed}: {o.target} -> {o.receptacle} {o.reason}"
                for o in self.outcomes
                if o.reason != "success"
            ],
        }


def held_points_in_ee(
    points: NDArray[np.float32],
    segment: NDArray[np.int32],
    index: int,
    before: NDArray[np.float64],
    after: NDArray[np.float64],
    ee: NDArray[np.float64],
    rng: np.random.Generator,
) -> NDArray[np.float32]:
    """The target's observed points, carried by its motion (object pose ``before`` -> ``after``)
    into the end-effector frame, resampled to `HELD_POINTS`."""
    pts = np.asarray(points[segment == index], np.float64)
    if len(pts) == 0:
        return np.zeros((0, 3), np.float32)
    moved = after @ np.linalg.inv(before)
    world = pts @ moved[:3, :3].T + moved[:3, 3]
    local = (world - ee[:3, 3]) @ ee[:3, :3]
    idx = rng.choice(len(local), HELD_POINTS, replace=len(local) < HELD_POINTS)
    return local[idx].astype(np.float32)


def rests_in_receptacle(world: TabletopWorld, arm: PandaArm, body: int) -> bool:
    scene = world.scene
    assert scene is not None and scene.receptacle is not None
    rec = scene.receptacle
    touching = {cp[2] for cp in p.getContactPoints(body, physicsClientId=world.client)}
    pos, _ = p.getBasePositionAndOrientation(body, physicsClientId=world.client)
    local = rot_z(rec.yaw).T @ np.array([pos[0] - rec.centre[0], pos[1] - rec.centre[1], 0.0])
    if rec.kind == "bowl":
        inside = float(np.hypot(local[0], local[1])) < rec.inner[0]
    else:
        inside = abs(local[0]) < rec.inner[0] and abs(local[1]) < rec.inner[1]
    lin, _ = p.getBaseVelocity(body, physicsClientId=world.client)
    return bool(
        rec.body in touching
        and world.table not in touching
        and world.robot not in touching
        and inside
        and float(np.linalg.norm(lin)) < 0.05
    )


def run_episode(world: TabletopWorld, policy: PickPlacePolicy, seed: int) -> EpisodeOutcome:
    start = time.perf_counter()
    rng = np.random.default_rng([int(seed), 4242])
    scene = world.build(seed, "test")
    obs = world.observe(np.random.default_rng([int(seed), 31]))
    arm = PandaArm(world)
    arm.go_home()
    policy.reset()
    kind = scene.receptacle.kind if scene.receptacle else ""

    def outcome(target_name: str, grasped: bool, placed: bool, reason: str) -> EpisodeOutcome:
        seconds = time.perf_counter() - start
        return EpisodeOutcome(seed, target_name, kind, grasped, placed, reason, seconds, len(scene.objects))

    present = [k for k in range(len(scene.objects)) if np.any(obs.segment == k)]
    if not present:
        return outcome("", False, False, "no_object_visible")
    k = int(present[int(rng.integers(len(present)))])
    target = scene.objects[k]
    rec_index = len(scene.names) - 1
    done = partial(outcome, target.name)

    grasps = policy.grasps(obs.points, obs.rgb, obs.segment, k)
    plan = None
    for pose, _width, _score in grasps[:MAX_PLANS]:
        if not np.all(np.isfinite(pose)):
            continue
        candidate = arm.plan_grasp(np.asarray(pose, np.float64))
        if candidate.path:
            plan = candidate
            break
    if plan is None:
        return done(False, False, "no_grasp" if not grasps else "no_feasible_grasp")
    before = world.object_pose(target.body)
    if not arm.execute_grasp(plan, target.body):
        return done(False, False, "grasp_failed")
    ee = arm.ee_pose()
    held = held_points_in_ee(obs.points, obs.segment, k, before, world.object_pose(target.body), ee, rng)
    places = policy.placements(obs.points, obs.rgb, obs.segment, held, ee, rec_index)
    place_plan = None
    for pose, _score in places[:MAX_PLANS]:
        if not np.all(np.isfinite(pose)):
            continue
        for rise in RELEASE_RISES:  # the same placement released higher if the hand would hit a wall
            raised = np.asarray(pose, np.float64).copy()
            raised[2, 3] += rise
            candidate = arm.plan_approach(
                raised, None, 0.10, ignore=(target.body,), along=np.array([0.0, 0.0, -1.0])
            )
            if candidate.path:
                place_plan = candidate
                break
        if place_plan is not None:
            break
    if place_plan is None:
        return done(True, False, "no_feasible_place")
    arm.execute_place(place_plan, target.body)
    placed = rests_in_receptacle(world, arm, target.body)
    return done(True, placed, "success" if placed else "place_failed")


def open_worker(
    load: Callable[[], PickPlacePolicy], config: TabletopConfig | None
) -> tuple[TabletopWorld, PickPlacePolicy]:
    """A worker process's world and policy."""
    return TabletopWorld(config), load()


def with_world(
    policy: PickPlacePolicy, config: TabletopConfig | None
) -> tuple[TabletopWorld, PickPlacePolicy]:
    """A world for ``policy``: the state `core.parallel.run_episodes` hands each episode."""
    return TabletopWorld(config), policy


def state_episode(state: tuple[TabletopWorld, PickPlacePolicy], seed: int) -> EpisodeOutcome:
    world, policy = state
    return run_episode(world, policy, seed)


def close_world(state: tuple[TabletopWorld, PickPlacePolicy]) -> None:
    state[0].close()


def evaluate(
    policy: PickPlacePolicy,
    episodes: int,
    seed: int,
    on_episode: Callable[[EpisodeOutcome], None] | None = None,
    config: TabletopConfig | None = None,
    workers: int = 1,
    load: Callable[[], PickPlacePolicy] | None = None,
) -> PickPlaceResult:
    """Episodes on test scenes ``seed, seed + 1, ...``. With ``workers`` > 1 they run in that many
    processes, each with its own world and a policy from the picklable ``load``; every episode
    rebuilds its scene from its seed, so the outcomes equal the sequential ones."""
    if workers > 1 and load is None:
        raise ConfigError("parallel evaluation needs a picklable loader of the policy (load=...)")
    parallel = min(workers, episodes) > 1
    make_state = partial(open_worker, load, config) if parallel else partial(with_world, policy, config)
    seeds = range(seed, seed + episodes)
    outcomes = run_episodes(make_state, state_episode, seeds, workers, on_episode, close=close_world)
    grasped = sum(o.grasped for o in outcomes)
    placed = sum(o.placed for o in outcomes)
    return PickPlaceResult(
        episodes=episodes,
        grasp_success=grasped / episodes,
        place_success=placed / grasped if grasped else 0.0,
        pick_and_place_success=placed / episodes,
        outcomes=outcomes,
    )


@dataclass
class LabelAgreement:
    """Floating-gripper labels (the dataset's) against the same grasps executed by the arm."""

    grasps: int = 0
    reachable: int = 0  # collision-free IK approach found for the arm
    label_success: int = 0  # among reachable
    arm_success: int = 0  # among reachable
    both: int = 0
    agree: int = 0

    def summary(self) -> dict[str, Any]:
        r = max(self.reachable, 1)
        return {
            "grasps": self.grasps,
            "reachable_by_arm": self.reachable,
            "label_success_rate": round(self.label_success / r, 4),
            "arm_success_rate": round(self.arm_success / r, 4),
            "agreement": round(self.agree / r, 4),
            "arm_success_given_label_success": round(self.both / max(self.label_success, 1), 4),
            "arm_success_given_label_failure": round(
                (self.arm_success - self.both) / max(self.reachable - self.label_success, 1), 4
            ),
        }


def label_agreement(
    scenes: int, seed: int, per_object: int = 8, on_scene: Callable[[int], None] | None = None
) -> LabelAgreement:
    """Label test scenes ``seed..seed+scenes-1`` as the dataset does, then execute every labelled
    grasp with the Panda arm from the same starting state and compare the outcomes."""
    from robostack.sim.tabletop import labels

    world = TabletopWorld()
    out = LabelAgreement()
    try:
        for i in range(scenes):
            scene = world.build(seed + i, "test")
            rng = np.random.default_rng([seed + i, 90210])
            state = p.saveState(physicsClientId=world.client)
            sets = labels.label_grasps(world, per_object, rng)
            for obj, grasp_set in zip(scene.objects, sets, strict=False):
                for g in range(len(grasp_set)):
                    p.restoreState(stateId=state, physicsClientId=world.client)
                    arm = PandaArm(world)
                    arm.go_home()
                    pose = grasp_pose(
                        grasp_set.contacts[g],
                        grasp_set.approach[g],
                        grasp_set.baseline[g],
                        float(grasp_set.width[g]),
                    )
                    out.grasps += 1
                    plan = arm.plan_approach(pose, MAX_WIDTH, PREGRASP)
                    if not plan.path:
                        continue
                    held = arm.execute_grasp(plan, obj.body)
                    label = bool(grasp_set.success[g])
                    out.reachable += 1
                    out.label_success += label
                    out.arm_success += held
                    out.both += label and held
                    out.agree += label == held
            p.removeState(state, physicsClientId=world.client)
            if on_scene is not None:
                on_scene(i)
    finally:
        world.close()
    return out
