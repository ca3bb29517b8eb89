"""robostack/Crowd-v0: gymnasium checker, determinism, and the social planner's basic behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from robostack.data.eth_ucy import default_data_dir

pytestmark = pytest.mark.skipif(
    not (default_data_dir() / "zara1" / "test").is_dir(), reason="shared ETH-UCY data not present"
)


def test_check_env_passes() -> None:
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    import robostack.sim.crowd  # noqa: F401  (registers the id)

    env = gymnasium.make("robostack/Crowd-v0")
    check_env(env.unwrapped, skip_render_check=True)


def _rollout(seed: int) -> list[np.ndarray]:
    from robostack.sim.crowd.env import CrowdEnv

    env = CrowdEnv()
    obs, _ = env.reset(seed=seed)
    out = [obs["pedestrians"].copy(), obs["robot"].copy()]
    for _ in range(10):
        obs, reward, terminated, truncated, _ = env.step(np.array([0.5, 0.2], dtype=np.float32))
        out += [obs["pedestrians"].copy(), obs["robot"].copy(), np.array([reward])]
        if terminated or truncated:
            break
    return out


def test_same_seed_same_episode() -> None:
    a, b = _rollout(3), _rollout(3)
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(_rollout(4)[1], a[1])


def test_static_planner_reaches_goal_in_empty_scene() -> None:
    from robostack.policies.singular_trajectory.social import SocialPlanner

    planner = SocialPlanner("static")
    obs = {
        "robot": np.array([0, 0, 0, 0, 3, 4], dtype=np.float32),
        "pedestrians": np.zeros((4, 8, 2), dtype=np.float32),
        "mask": np.zeros(4, dtype=np.int8),
    }
    v = planner.act(obs)
    np.testing.assert_allclose(v / np.linalg.norm(v), [0.6, 0.8], atol=1e-5)
    # a person standing right ahead makes it swerve
    obs["pedestrians"][0] = np.array([0.6, 0.8]) * 0.6
    obs["mask"][0] = 1
    v2 = planner.act(obs)
    assert float(np.dot(v2 / max(np.linalg.norm(v2), 1e-9), [0.6, 0.8])) < 0.99
