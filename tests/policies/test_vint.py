"""ViNT: tiny model forward/backward, save -> load at zero tolerance, a few training steps, controller."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from robostack.core.errors import RobostackError
from robostack.core.geometry import wrap_angle
from robostack.core.types import Action
from robostack.data.nav_dataset import NavEpisode
from robostack.planning.topological import TopologicalGraph
from robostack.policies.vint.controller import PDController
from robostack.policies.vint.data import NavSamples, SampleConfig, mirror
from robostack.policies.vint.model import ViNTConfig
from robostack.policies.vint.navigator import TopoNavigator
from robostack.policies.vint.policy import ViNTPolicy

torch.set_num_threads(1)

TINY = ViNTConfig(
    image_size=32,
    width_coefficient=0.1,
    depth_coefficient=0.1,
    encoding_size=16,
    mha_num_layers=1,
    mha_num_heads=2,
    mha_ff_dim=32,
    mlp_sizes=(32, 16),
)


def episodes(n: int = 3, length: int = 24) -> list[NavEpisode]:
    """Synthetic runs: a bright bar that sweeps across the image as the robot drives forward."""
    out = []
    for e in range(n):
        images = np.zeros((length, 32, 32, 3), dtype=np.uint8)
        for t in range(length):
            images[t, :, t % 32] = 255
            images[t, e * 8 : e * 8 + 4] = 120
        poses = np.stack([[0.125 * t, 0.0, 0.0] for t in range(length)])
        out.append(NavEpisode(e, e, "train", images, poses))
    return out


def batch(seed: int = 0) -> dict[str, torch.Tensor]:
    samples = NavSamples(episodes(), SampleConfig(group=3))
    return samples.batch(4, np.random.default_rng(seed))


def test_forward_backward() -> None:
    torch.manual_seed(0)
    policy = ViNTPolicy(TINY)
    b = batch()
    assert b["frames"].shape == (4, 8, 3, 32, 32) and b["goal"].shape == (4, 3, 3, 32, 32)
    loss, info = policy(b)
    loss.backward()
    assert math.isfinite(info["loss"]) and set(info) >= {"dist_loss", "action_loss"}
    assert policy.net.goal_encoder._conv_stem.weight.grad is not None
    assert policy.net.obs_encoder._conv_stem.weight.grad is not None
    # the ungrouped form gives the same loss for the same samples
    policy.eval()
    n = TINY.context_size + 1
    windows = b["frames"].unfold(1, n, 1).permute(0, 1, 5, 2, 3, 4).flatten(0, 1)
    flat = dict(b, context=windows, goal=b["goal"].flatten(0, 1))
    del flat["frames"]
    torch.testing.assert_close(policy(flat)[0], policy(b)[0])


def test_waypoint_labels_are_normalised_robot_frame() -> None:
    samples = NavSamples(episodes(1), SampleConfig())
    wp = samples.waypoints(0, 3)
    np.testing.assert_allclose(wp[:, 0], [1, 2, 3, 4, 5])  # 0.125 m per frame, straight ahead
    np.testing.assert_allclose(wp[:, 1:], [[0, 1, 0]] * 5, atol=1e-12)
    np.testing.assert_allclose(samples.waypoints(0, 22)[:, 0], [1, 1, 1, 1, 1])  # end of run: repeat


def test_frames_off_the_planner_get_no_waypoint_loss() -> None:
    ep = episodes(1, 40)[0]
    ep.expert = np.ones(40, dtype=bool)
    ep.expert[20] = False  # a swerve: its motion is not the planner's
    samples = NavSamples([ep], SampleConfig())
    assert [samples.clean(0, t) for t in (15, 16, 20, 21)] == [True, False, False, True]
    rng = np.random.default_rng(0)
    masks = {t: {samples._goal(0, t, rng)[2] for _ in range(200)} for t in (10, 18)}
    assert masks[10] == {0.0, 1.0} and masks[18] == {0.0}


def test_expert_flags_are_recorded_and_the_fallback_rule_finds_most_of_them() -> None:
    from robostack.data.nav_dataset import NavCollectConfig, collect, infer_expert

    cfg = NavCollectConfig(episodes=4, seed=500, runs_per_apartment=2, image_size=16, max_frames=60)
    runs = list(collect(cfg))
    truth = np.concatenate([r.expert for r in runs])
    guess = np.concatenate(
        [infer_expert(np.array(r.actions), np.array(r.states), cfg.model_dump()) for r in runs]
    )
    assert len(truth) == sum(len(r.images) for r in runs) and 0 < (~truth).sum() < len(truth)
    assert (~guess & ~truth).sum() >= 0.8 * (~truth).sum()  # most swerve/bump frames found
    assert (~guess & truth).sum() <= 0.02 * truth.sum()  # few planner frames lost


def test_mirror_flips_images_and_lateral_labels() -> None:
    b = batch()
    flip = torch.tensor([True, False, False, True])
    m = mirror(b, flip)
    torch.testing.assert_close(m["frames"][0], b["frames"][0].flip(-1))
    torch.testing.assert_close(m["frames"][1], b["frames"][1])
    torch.testing.assert_close(m["goal"][3], b["goal"][3].flip(-1))
    k = b["goal"].shape[1]
    torch.testing.assert_close(m["actions"][:k, :, [1, 3]], -b["actions"][:k, :, [1, 3]])
    torch.testing.assert_close(m["actions"][:k, :, [0, 2]], b["actions"][:k, :, [0, 2]])
    torch.testing.assert_close(m["actions"][k : 2 * k], b["actions"][k : 2 * k])


def test_save_load_round_trip_zero_tolerance(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(1)
    policy = ViNTPolicy(TINY).eval()
    policy.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "model.safetensors"]
    loaded = ViNTPolicy.from_pretrained(tmp_path)
    for key, value in policy.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value, rtol=0, atol=0)
    ep = episodes(1)[0]
    graph = TopologicalGraph.from_traversal(ep.images, ep.poses)
    runs = []
    for p in (policy, loaded):
        nav = TopoNavigator(p, graph)
        runs.append([nav.step(image)[0] for image in ep.images[:3]])
    assert runs[0] == runs[1]


def test_a_fine_tune_starts_from_its_checkpoint_in_training_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(2)
    ViNTPolicy(TINY).save_pretrained(tmp_path)
    fresh, tuned = ViNTPolicy.for_training(TINY), ViNTPolicy.for_training(TINY, tmp_path)
    assert fresh.training and tuned.training
    saved = ViNTPolicy.from_pretrained(tmp_path).state_dict()
    assert all(torch.equal(tuned.state_dict()[k], v) for k, v in saved.items())
    assert not all(torch.equal(fresh.state_dict()[k], v) for k, v in saved.items())


def test_a_stalled_base_passes_its_subgoal() -> None:
    """Eight frames without motion (odometry unchanged) count the subgoal as passed; a moving base,
    or `stall_frames` 0, keeps the original rule."""
    from robostack.policies.vint.navigator import NavigatorConfig

    torch.manual_seed(0)
    policy = ViNTPolicy(TINY).eval()
    ep = episodes(1)[0]
    graph = TopologicalGraph.from_traversal(ep.images, ep.poses)

    def floor_after(odometry: list[np.ndarray], stall_frames: int = 8) -> int:
        nav = TopoNavigator(policy, graph, config=NavigatorConfig(stall_frames=stall_frames))
        for image, odo in zip(ep.images, odometry, strict=False):
            nav.step(image, odo)
        return nav.localiser.floor

    still = [np.array([1.0, 2.0, 0.5, 0.0, 0.0], np.float32)] * 8
    moving = [np.array([1.0 + 0.1 * t, 2.0, 0.5, 0.0, 0.0], np.float32) for t in range(8)]
    assert floor_after(still) >= 1
    assert floor_after(still[:7]) == 0
    assert floor_after(moving) == 0
    assert floor_after(still, stall_frames=0) == 0


def test_a_base_stalled_at_the_goal_node_ends_the_run() -> None:
    """At the goal node there is no node left to pass: a stall stops the robot and reports arrival,
    while a moving base goes on."""
    from robostack.policies.vint.navigator import NavigatorConfig

    torch.manual_seed(0)
    policy = ViNTPolicy(TINY).eval()
    ep = episodes(1)[0]
    graph = TopologicalGraph.from_traversal(ep.images, ep.poses)
    never_by_distance = NavigatorConfig(goal_threshold=-math.inf)

    def frame_done(odometry: list[np.ndarray]) -> int | None:
        nav = TopoNavigator(policy, graph, goal=0, config=never_by_distance)
        for t, (image, odo) in enumerate(zip(ep.images, odometry, strict=False)):
            action, done, _ = nav.step(image, odo)
            if done:
                assert action == Action()
                return t
        return None

    still = [np.array([1.0, 2.0, 0.5, 0.0, 0.0], np.float32)] * 12
    moving = [np.array([1.0 + 0.1 * t, 2.0, 0.5, 0.0, 0.0], np.float32) for t in range(12)]
    assert frame_done(still) == 7
    assert frame_done(moving) is None


def test_the_household_run_ends_once_the_goal_node_is_the_closest() -> None:
    """The household skill's stop is the original deployment's: no distance to the goal image is
    asked for once the goal node is the closest, while a goal beyond the window is not."""
    from robostack.policies.vint.navigator import NavigatorConfig
    from robostack.policies.vint.skill import GOAL_THRESHOLD

    torch.manual_seed(0)
    policy = ViNTPolicy(TINY).eval()
    ep = episodes(1)[0]
    graph = TopologicalGraph.from_traversal(ep.images, ep.poses, every=1)
    config = NavigatorConfig(goal_threshold=GOAL_THRESHOLD)
    for goal, stops in ((0, True), (len(graph) - 1, False)):
        action, done, _ = TopoNavigator(policy, graph, goal=goal, config=config).step(ep.images[0])
        assert done == stops and (action == Action()) == stops


class _Base:
    """A kinematic base in an empty world but for ``collides(x, y, yaw)``, with a blank camera."""

    def __init__(self, collides: Callable[[float, float, float], bool]) -> None:
        self.pose = np.zeros(3)
        self.pose_collides = collides

    def base_pose(self) -> np.ndarray:
        return self.pose.copy()

    def set_base_pose(self, x: float, y: float, yaw: float) -> None:
        self.pose = np.array([x, y, yaw])

    def render_head(self) -> tuple[np.ndarray]:
        return (np.zeros((8, 8, 3), np.uint8),)


def _nook(x: float, y: float, yaw: float) -> bool:
    """At its start the base can neither turn left nor back off until it has crept forward 3 cm: a
    box-shaped base with a corner against furniture."""
    return x < -1e-3 or (x < 0.03 and yaw > 0.05)


def _wedged(x: float, y: float, yaw: float) -> bool:
    """At its start the base cannot turn right past -0.3 rad, and can leave only facing backward."""
    moved = math.hypot(x, y)
    return (moved <= 1e-3 and yaw < -0.3) or (1e-3 < moved < 0.05 and abs(wrap_angle(yaw)) < 2.0)


def _corner(x: float, y: float, yaw: float) -> bool:
    """A wall corner that the straight line from the start to the goal (1, 1) cuts."""
    return x < 0.3 and y > 0.1


@pytest.mark.parametrize(
    ("collides", "bend", "goal"),
    [(_nook, None, (0.0, 1.0)), (_wedged, None, (-1.0, -0.2)), (_corner, (0.35, 0.0), (1.0, 1.0))],
    ids=["creep-forward", "turn-the-other-way", "follow-the-bend"],
)
def test_a_mapping_run_frees_a_jammed_base(
    monkeypatch: pytest.MonkeyPatch,
    collides: Callable[[float, float, float], bool],
    bend: tuple[float, float] | None,
    goal: tuple[float, float],
) -> None:
    """The planner turns or drives the base into furniture again and again; the household mapping
    run gets out and arrives, the benchmark's drive stays jammed. With a ``bend`` the planned path
    turns there, nearer than pursuit's carrot, so pursuit cuts the corner."""
    from robostack.policies.vint import evaluate as ev

    waypoints = [np.asarray(p, float) for p in (bend, goal) if p is not None]
    monkeypatch.setattr(ev, "plan", lambda world, start, goal: list(waypoints))
    for unstick, arrives in ((True, True), (False, False)):
        _, poses = ev.traverse(_Base(collides), np.zeros(3), np.asarray(goal), max_frames=80, unstick=unstick)
        assert (np.linalg.norm(np.array(poses[-1][:2]) - goal) < 0.2) == arrives


def test_a_mapping_runs_first_turn_in_place_is_split_off() -> None:
    """The frames before the base leaves its start make one turn, summed the long way round where
    the run went that way; the graph begins at the last of them."""
    from robostack.policies.vint.skill import initial_turn

    left_by_four = [(0.0, 0.0, wrap_angle(a)) for a in (0.0, 1.0, 2.0, 3.0, 4.0)] + [(0.3, 0.0, -2.28)]
    first, turn = initial_turn(left_by_four)
    assert first == 4 and turn == pytest.approx(4.0)
    assert initial_turn([(0.0, 0.0, 0.5), (0.2, 0.0, 0.5)]) == (0, 0.0)
    first, turn = initial_turn([(0.0, 0.0, 0.0), (0.0, 0.0, -1.0)])
    assert first == 1 and turn == pytest.approx(-1.0)


class _Turntable:
    """A base that turns in place on command, up to ``limit`` rad left of where it started."""

    control_dt = 0.05

    def __init__(self, limit: float) -> None:
        self.turned, self.limit = 0.0, limit

    def observe(self) -> SimpleNamespace:
        return SimpleNamespace(odometry=np.array([0.0, 0.0, wrap_angle(self.turned), 0.0, 0.0]))

    def send(self, action: Action) -> None:
        self.turned = min(self.turned + action.base_angular * self.control_dt, self.limit)


def test_the_skill_turns_as_the_mapping_run_did_and_stops_where_the_base_is_blocked() -> None:
    from robostack.policies.vint.skill import ViNTNavigate

    skill = ViNTNavigate(step_budget=400)
    free, blocked = _Turntable(math.inf), _Turntable(1.0)
    assert skill._turn_in_place(free, 4.0) < 400
    assert free.turned == pytest.approx(4.0, abs=0.03)
    assert skill._turn_in_place(blocked, 4.0) < 400
    assert blocked.turned == pytest.approx(1.0)


def test_corrupt_checkpoint_is_one_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ViNTPolicy(TINY).save_pretrained(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(RobostackError, match="unreadable checkpoint"):
        ViNTPolicy.from_pretrained(tmp_path)


def test_a_few_training_steps_lower_the_loss() -> None:
    torch.manual_seed(0)
    policy = ViNTPolicy(TINY).train()
    opt = torch.optim.AdamW(policy.parameters(), lr=3e-3)
    fixed = NavSamples(episodes(), SampleConfig(group=2)).batch(2, np.random.default_rng(3))
    losses = []
    for _ in range(12):
        loss, info = policy(fixed)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(info["loss"])
    assert losses[-1] < 0.5 * losses[0]


def test_pd_controller_follows_the_original_rules() -> None:
    ctl = PDController(max_v=0.5, max_w=1.0)
    ahead = np.zeros((5, 4), dtype=np.float32)
    ahead[:, 0], ahead[:, 2] = 0.1, 1.0
    assert ctl.command(ahead) == Action(pytest.approx(0.4), 0.0)
    left = ahead.copy()
    left[2, 1] = 0.1
    assert ctl.command(left).base_angular == pytest.approx(1.0)  # atan(1)/0.25 clipped
    behind = ahead.copy()
    behind[2, 0] = -0.3
    assert ctl.command(behind).base_linear == 0.0  # never reverses
    spin = np.zeros((5, 4), dtype=np.float32)
    spin[2, 2:] = (0.0, -1.0)
    assert ctl.command(spin) == Action(0.0, -1.0)


def test_pd_controller_turns_in_place_for_near_waypoints_and_toward_ones_behind() -> None:
    ctl = PDController(max_v=0.5, max_w=1.0)
    near = np.zeros((5, 4), dtype=np.float32)
    near[:, :2] = (0.003, -0.002)  # a predicted turn in place is never exactly at the origin
    near[:, 2:] = (math.cos(0.2), math.sin(0.2))
    assert ctl.command(near) == Action(0.0, pytest.approx(0.8))  # toward the heading, not atan(dy/dx)
    behind_left = np.zeros((5, 4), dtype=np.float32)
    behind_left[2] = (-0.4, 0.1, 1.0, 0.0)
    assert ctl.command(behind_left) == Action(0.0, 1.0)  # the original's atan(dy/dx) turned right


def test_model_card_reports_what_the_files_hold(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from robostack.policies.vint.card import write_model_card

    ViNTPolicy(TINY).save_pretrained(tmp_path)
    log = [{"step": 100, "minutes": 2.0, "val_loss": 0.5, "val_dist_loss": 9.0}]
    log[0].update({"val_action_loss": 0.25, "val_waypoint_cos": 0.9})
    (tmp_path / "train_log.json").write_text(json.dumps(log))
    figures = {"success_rate": 0.62, "spl": 0.5, "collisions_per_episode": 1.0, "mean_final_distance_m": 0.9}
    (tmp_path / "eval_nav_imagegoal_vint.json").write_text(json.dumps({"vint": figures}))
    classical = dict(figures, success_rate=1.0)
    (tmp_path / "eval_nav_imagegoal_baselines.json").write_text(json.dumps({"classical": classical}))
    card = write_model_card(tmp_path).read_text()
    assert "reaches 62% of the goals: the ≥ 80 % target is missed by 18 points" in card
    assert card.index("| **ViNT + topological graph** (this checkpoint) | 0.62 |") < card.index(
        "| classical A* + pure pursuit, privileged map (upper bound) | 1.00 |"
    )
    assert "| 0.5000 (step 100) | 9.00 | 0.2500 | 0.900 |" in card
    assert "Not measured for this checkpoint yet" in card  # no bench.json


def test_model_card_pools_further_test_apartments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from robostack.policies.vint.card import write_model_card

    ViNTPolicy(TINY).save_pretrained(tmp_path)

    def figures(episodes: int, success: float) -> dict[str, float]:
        return {
            "episodes": episodes,
            "success_rate": success,
            "spl": success,
            "collisions_per_episode": 2.0,
            "mean_final_distance_m": 1.0,
        }

    (tmp_path / "eval_nav_imagegoal_vint.json").write_text(json.dumps({"vint": figures(50, 0.70)}))
    (tmp_path / "more_apartments").mkdir()
    more = {"vint": figures(100, 0.85)}
    (tmp_path / "more_apartments" / "eval_700000.json").write_text(json.dumps(more))
    card = write_model_card(tmp_path).read_text()
    # (50 x 0.70 + 100 x 0.85) / 150 = 0.80: the verdict is the pooled figure, not the first 50 alone
    assert "reaches 80% of the goals of 150 test apartments: the ≥ 80 % target is met" in card
    assert (
        "| **ViNT + topological graph** (this checkpoint) | 0.70 | 0.85 | **0.800** | 0.800 | 2.00 |" in card
    )
    assert "--seed 700000 --json \\\n    --save policies/vint/more_apartments/eval_700000.json" in card


def test_nav_episodes_in_workers_repeat_the_sequential_ones() -> None:
    from functools import partial

    from robostack.policies.vint import evaluate as ev

    make_methods = partial(ev.open_methods, ["classical"], "policies/vint", None, None)
    one = ev.evaluate_methods(2, 900_000, set(), make_methods)
    two = ev.evaluate_methods(2, 900_000, set(), make_methods, workers=2)
    assert one == two and len(one) == 2
    with pytest.raises(RobostackError, match="training apartments"):
        ev.evaluate_methods(2, 900_000, {900_003}, make_methods)
