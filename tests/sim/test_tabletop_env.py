"""robostack/Tabletop-v0: gymnasium checker, determinism, the point cloud's frame, the object split and the
evaluation's breakdown by clutter."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from robostack.sim.tabletop.world import TabletopConfig

SMALL = TabletopConfig(num_points=1024, image_size=96, max_cameras=1, max_objects=2, settle_steps=120)


def test_check_env_passes() -> None:
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    import robostack.sim  # noqa: F401  (registers the id)
    from robostack.sim.tabletop.env import TabletopEnv

    assert gymnasium.spec("robostack/Tabletop-v0").entry_point == "robostack.sim.tabletop.env:TabletopEnv"
    env = TabletopEnv(SMALL)
    check_env(env, skip_render_check=True)
    env.close()


def test_same_seed_same_scene_and_cloud() -> None:
    from robostack.sim.tabletop.world import TabletopWorld

    world = TabletopWorld(SMALL)
    clouds = []
    for seed in (7, 7, 8):
        scene = world.build(seed, "train")
        obs = world.observe()
        poses = np.stack([world.object_pose(o.body) for o in scene.objects])
        clouds.append((scene.names, poses, obs.points, obs.rgb, obs.segment))
    world.close()
    (na, pa, xa, ca, sa), (nb, pb, xb, cb, sb), (nc, pc, xc, _, _) = clouds
    assert na == nb
    for u, v in ((pa, pb), (xa, xb), (ca, cb), (sa, sb)):
        np.testing.assert_array_equal(u, v)
    assert (na, pa.shape) != (nc, pc.shape) or not np.array_equal(pa, pc)
    assert not np.array_equal(xa, xc)


def test_cloud_is_in_the_world_frame_with_the_table_at_zero() -> None:
    from robostack.sim.tabletop.world import TabletopWorld

    world = TabletopWorld(TabletopConfig(num_points=2048, image_size=128, min_cameras=2, max_cameras=2))
    scene = world.build(3, "train")
    obs = world.observe()
    assert obs.points.shape == (2048, 3) and obs.points.dtype == np.float32
    assert obs.rgb.min() >= 0 and obs.rgb.max() <= 1
    table = obs.points[(obs.segment == -1) & (obs.points[:, 2] < 0.02)]
    assert len(table) > 200
    assert abs(float(np.median(table[:, 2]))) < 0.004  # the table top is z = 0
    # each object's points lie around its simulated position (world frame, not camera frame)
    for k, obj in enumerate(scene.objects):
        pts = obs.points[obs.segment == k]
        if len(pts) > 5:
            centre = world.object_pose(obj.body)[:3, 3]
            assert np.linalg.norm(np.median(pts, 0)[:2] - centre[:2]) < 0.06
    rec = obs.points[obs.segment == len(scene.names) - 1]
    assert len(rec) > 20 and np.linalg.norm(rec[:, :2].mean(0) - scene.receptacle.centre) < 0.06
    world.close()


def test_train_and_test_models_are_disjoint() -> None:
    from robostack.sim.tabletop.objects import split_names

    train, test = set(split_names("train")), set(split_names("test"))
    assert train.isdisjoint(test) and len(test) >= 100 and len(train) >= 500


@pytest.mark.slow
def test_heuristic_episode_through_the_env() -> None:
    from robostack.policies.baselines.grasp_heuristic import GraspHeuristic
    from robostack.sim.tabletop.env import TabletopEnv, action_from_pose

    env, policy = TabletopEnv(), GraspHeuristic()
    obs, _ = env.reset(seed=1001)
    pose, width, _ = policy.grasps(obs["points"], obs["rgb"], obs["segment"], obs["target"])[0]
    obs, reward, terminated, _, info = env.step(action_from_pose(pose, width))
    assert reward == 1.0 and not terminated and obs["phase"] == 1, info
    assert np.abs(obs["held_points"]).max() < 0.3  # the held object is near the hand
    env.close()


def test_unusable_models_are_never_drawn() -> None:
    from robostack.sim.tabletop.objects import UNUSABLE, draw_model, split_names

    rng = np.random.default_rng(0)
    names = [n for n in split_names("train") if n in UNUSABLE] + ["prim/cup"]
    assert names[0] in UNUSABLE  # the list under test does hold an unusable model
    assert {draw_model(names, rng) for _ in range(50)} == {"prim/cup"}


def test_parallel_pick_place_repeats_the_sequential_one() -> None:
    from functools import partial

    from robostack.core.errors import ConfigError
    from robostack.sim.tabletop.commands import load_pick_place_policy
    from robostack.sim.tabletop.evaluate import evaluate

    load = partial(load_pick_place_policy, "heuristic")

    def run(workers: int) -> tuple[list[tuple], dict[str, Any]]:
        result = evaluate(load(), episodes=3, seed=1000, config=SMALL, workers=workers, load=load)
        return [(o.seed, o.target, o.grasped, o.placed, o.reason) for o in result.outcomes], result.summary()

    ends, summary = run(1)
    failures = summary["failures"]
    ends_parallel, summary_parallel = run(2)
    assert (ends, failures) == (ends_parallel, summary_parallel["failures"])
    assert len(failures) == sum(reason != "success" for *_, reason in ends)  # a line per lost episode
    low, high = summary["pick_and_place_95ci"]
    assert 0.0 <= low <= summary["pick_and_place_success"] <= high <= 1.0 and high - low > 0.3  # 3 episodes
    with pytest.raises(ConfigError, match="loader"):
        evaluate(load(), episodes=2, seed=1000, config=SMALL, workers=2)


def test_results_are_broken_down_by_objects_on_the_table() -> None:
    from robostack.sim.tabletop.evaluate import EpisodeOutcome, PickPlaceResult

    def outcome(objects: int, grasped: bool, placed: bool) -> EpisodeOutcome:
        return EpisodeOutcome(0, "random/900", "tray", grasped, placed, "", 0.0, objects)

    episodes = [outcome(2, True, True), outcome(3, True, False), outcome(8, False, False)]
    result = PickPlaceResult(3, 2 / 3, 0.5, 1 / 3, episodes)
    assert result.summary()["by_objects_on_table"] == {
        "1-3": {"episodes": 2, "grasp_success": 1.0, "pick_and_place_success": 0.5},
        "7-10": {"episodes": 1, "grasp_success": 0.0, "pick_and_place_success": 0.0},
    }
