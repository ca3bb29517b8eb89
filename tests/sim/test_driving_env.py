"""The SUMO driving world: spaces, check_env, determinism per seed, the seed convention, info keys."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest

from robostack.core.errors import ConfigError
from robostack.sim.driving.config import EVAL_SEED_START, DrivingConfig
from robostack.sim.driving.env import VALUE_MEASUREMENTS, DrivingEnv, episode_network_seed
from robostack.sim.driving.raster import CHANNELS

SMALL = DrivingConfig(network="grid", num_networks=2, traffic_density=0.02, route_length=(150.0, 300.0))


@pytest.fixture(scope="module")
def env() -> DrivingEnv:
    env = DrivingEnv(SMALL)
    yield env
    env.close()


def _rollout(
    env: DrivingEnv, seed: int, steps: int, render: bool = False
) -> tuple[list[np.ndarray], list[float], dict]:
    obs, info = env.reset(seed=seed)
    frames, rewards = [obs["bev"].copy()], []
    rng = np.random.default_rng(123)
    for _ in range(steps):
        action = np.array([rng.uniform(0.0, 1.0), rng.uniform(-0.1, 0.1)], np.float32)
        obs, reward, terminated, truncated, info = env.step(action)
        if render:
            assert env.render().shape == (256, 512, 3)
        frames.append(obs["bev"].copy())
        rewards.append(reward)
        if terminated or truncated:
            break
    return frames, rewards, info


def test_spaces_follow_the_contract(env: DrivingEnv) -> None:
    bev = env.observation_space["bev"]
    assert bev.shape == (len(CHANNELS), 96, 96) and bev.dtype == np.uint8
    assert env.observation_space["measurements"].dtype == np.float32
    assert env.action_space.shape == (2,)
    obs, info = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    assert obs["bev"][CHANNELS.index("road")].any(), "the ego starts on a road"
    assert obs["bev"][CHANNELS.index("route")].any()
    assert info["route_completion"] == 0.0 and info["distance_m"] == 0.0


def test_check_env(env: DrivingEnv) -> None:
    from gymnasium.utils.env_checker import check_env

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity.*")
        check_env(env, skip_render_check=True)


def test_same_seed_same_episode(env: DrivingEnv) -> None:
    a_frames, a_rewards, a_info = _rollout(env, 5, 80)
    _rollout(env, 6, 10)  # something else in between
    b_frames, b_rewards, b_info = _rollout(env, 5, 80)
    assert len(a_frames) == len(b_frames)
    assert all(np.array_equal(x, y) for x, y in zip(a_frames, b_frames, strict=True))
    assert a_rewards == b_rewards
    assert a_info["route_completion"] == b_info["route_completion"]
    c_frames, _, _ = _rollout(env, 7, 5)
    assert not np.array_equal(a_frames[0], c_frames[0]), "another seed gives another episode"


def test_driving_forward_makes_progress_and_ends_with_a_reason(env: DrivingEnv) -> None:
    env.reset(seed=1)
    info: dict = {}
    total = 0.0
    for _ in range(400):
        _, reward, terminated, truncated, info = env.step(np.array([0.5, 0.0], np.float32))
        total += reward
        if terminated or truncated:
            break
    assert info["distance_m"] > 10.0
    assert 0.0 < info["route_completion"] <= 1.0
    assert terminated or truncated
    assert set(info["infractions"]) == {"collision", "red_light", "offroad", "off_route", "blocked"}
    assert info["termination_reason"] in {
        "collision",
        "red_light",
        "offroad",
        "off_route",
        "blocked",
        "completed",
    }


def test_standing_still_gets_blocked() -> None:
    env = DrivingEnv(SMALL.model_copy(update={"blocked_seconds": 2.0, "traffic_density": 0.0}))
    obs, _ = env.reset(seed=2)
    first = dict(zip(VALUE_MEASUREMENTS, obs["value_measurements"], strict=True))
    info: dict = {}
    for _ in range(100):
        obs, reward, terminated, _, info = env.step(np.array([-1.0, 0.0], np.float32))
        assert reward == 0.0
        if terminated:
            break
    route_km = env.route.length / 1000.0 if env.route else 0.0
    env.close()
    assert info["termination_reason"] == "blocked"
    assert info["infractions"]["blocked"] == 1
    # what the critic reads: the clock ran, the blocked timer ran out, the route is all still ahead
    last = dict(zip(VALUE_MEASUREMENTS, obs["value_measurements"], strict=True))
    assert first["time_left"] == 1.0 and first["time_till_blocked"] == 1.0
    assert last["time_left"] < 1.0 and last["time_till_blocked"] == 0.0
    assert first["route_left_km"] == pytest.approx(route_km) == last["route_left_km"]


def test_steering_hard_leaves_the_road() -> None:
    env = DrivingEnv(SMALL.model_copy(update={"traffic_density": 0.0}))
    env.reset(seed=4)
    info: dict = {}
    for i in range(300):
        steer = 1.0 if 20 <= i < 30 else 0.0  # a quarter turn, then straight on across the kerb
        _, _, terminated, _, info = env.step(np.array([1.0, steer], np.float32))
        if terminated:
            break
    env.close()
    assert info["termination_reason"] in {"offroad", "off_route"}


def test_gymnasium_make_and_bad_input() -> None:
    import robostack.sim  # noqa: F401  (registers the ids)

    env = gymnasium.make("robostack/Driving-v0", config=SMALL)
    obs, _ = env.reset(seed=0)
    with pytest.raises(ValueError, match="NaN"):
        env.step(np.array([np.nan, 0.0], np.float32))
    env.close()
    with pytest.raises(ConfigError, match="net.xml"):
        DrivingEnv(DrivingConfig(network="nowhere.net.xml")).reset(seed=0)
    with pytest.raises(ConfigError):
        DrivingEnv(DrivingConfig(network="highway")).reset(seed=0)


def test_train_and_eval_seeds_use_disjoint_networks() -> None:
    train = {episode_network_seed(s, 16) for s in range(0, 5000)}
    evaluation = {episode_network_seed(s, 16) for s in range(EVAL_SEED_START, EVAL_SEED_START + 5000)}
    assert len(train) == 16 and len(evaluation) == 16
    assert not train & evaluation


@pytest.mark.parametrize("kind", ["spider", "rand"])
def test_every_generated_network_kind_drives(kind: str) -> None:
    env = DrivingEnv(SMALL.model_copy(update={"network": kind}))
    obs, _ = env.reset(seed=0)
    for _ in range(5):
        obs, *_ = env.step(np.array([0.5, 0.0], np.float32))
    assert obs["bev"][CHANNELS.index("road")].any()
    env.close()


def test_a_user_network_file() -> None:
    from robostack.sim.driving.network import generate_network

    path = generate_network("grid", 77, lanes=1)
    env = DrivingEnv(SMALL.model_copy(update={"network": str(path)}))
    for seed in (0, 1, EVAL_SEED_START):
        env.reset(seed=seed)
        assert env.road_map.path == path, "a user network is used for every seed"
        assert all(len(env.road_map.edge_lanes[e]) == 1 for e in env.route.edges)
    env.close()


def test_render_does_not_change_the_episode() -> None:
    plain = DrivingEnv(SMALL)
    a, _, _ = _rollout(plain, 9, 12)
    plain.close()
    rendered = DrivingEnv(SMALL, render_mode="rgb_array")
    rendered.reset(seed=9)
    frame = rendered.render()
    assert frame is not None and frame.shape == (256, 512, 3) and frame.dtype == np.uint8
    b, _, _ = _rollout(rendered, 9, 12, render=True)
    rendered.close()
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_unseeded_resets_continue_in_the_same_split() -> None:
    def chain(first: int) -> list[int]:
        env = DrivingEnv(SMALL.model_copy(update={"traffic_density": 0.0}))
        env.reset(seed=first)
        seeds = [first]
        for _ in range(4):
            env.reset()
            seeds.append(env.episode_seed)
        env.close()
        return seeds

    train = chain(11)
    assert train == chain(11), "reproducible from the first seed"
    assert len(set(train)) == 5 and all(s < EVAL_SEED_START for s in train)
    assert all(s >= EVAL_SEED_START for s in chain(EVAL_SEED_START + 11))


def test_sumo_traffic_queues_behind_a_stopped_ego() -> None:
    """The ego is pushed into SUMO each step, so SUMO's cars brake for it instead of driving through."""
    import math

    config = SMALL.model_copy(
        update={"traffic_density": 0.05, "max_vehicles": 1000, "blocked_seconds": 1000.0}
    )
    env = DrivingEnv(config)
    env.reset(seed=0)
    queued = False
    info: dict = {}
    for _ in range(300):
        _, _, terminated, _, info = env.step(np.array([-1.0, 0.0], np.float32))
        assert not terminated, info.get("termination_reason")
        centres, _, speeds = env._vehicles
        if len(centres):
            d = centres - env.ego.position
            c, s = math.cos(env.ego.yaw), math.sin(env.ego.yaw)
            behind = -(d[:, 0] * c + d[:, 1] * s)
            lateral = -d[:, 0] * s + d[:, 1] * c
            queued |= bool(np.any((behind > 4) & (behind < 12) & (np.abs(lateral) < 1.0) & (speeds < 0.3)))
    env.close()
    assert queued, "a car stopped right behind the ego"


@pytest.mark.parametrize(
    ("offset", "heading", "kind"),
    [
        ((4.5, 0.3), 0.1, "front"),
        ((-4.6, -0.5), -0.2, "rear"),
        ((3.6, -3.2), 1.7, "side"),
        ((1.0, 2.0), 0.0, "side"),
    ],
)
def test_collision_kind_by_where_the_other_car_is(
    offset: tuple[float, float], heading: float, kind: str
) -> None:
    """The other car's centre in the ego frame (forward, left) and its heading relative to the ego."""
    import math

    from robostack.sim.driving.dynamics import EgoState

    env = DrivingEnv(SMALL)  # no simulation is started: the classification reads the ego and the cars
    yaw = 0.7
    env.ego = EgoState(x=10.0, y=-3.0, yaw=yaw)
    forward, left = offset
    centre = np.array(
        [
            10.0 + forward * math.cos(yaw) - left * math.sin(yaw),
            -3.0 + forward * math.sin(yaw) + left * math.cos(yaw),
        ]
    )
    env._vehicles = (centre[None], np.array([yaw + heading]), np.array([5.0]))
    assert env._kind_of_collision(0) == kind
