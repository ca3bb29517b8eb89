"""Vector env (one process per env) and the bench's pieces, on tiny runs."""

from __future__ import annotations

import numpy as np

from robostack.sim.driving import make_vector_env
from robostack.sim.driving.config import DrivingConfig


def test_vector_env_steps_and_autoresets() -> None:
    config = DrivingConfig(num_networks=1, route_length=(100.0, 200.0), max_steps=15)
    envs = make_vector_env(2, seed=10, config=config)
    try:
        obs, infos = envs.reset(seed=10)
        assert obs["bev"].shape == (2, *envs.single_observation_space["bev"].shape)
        assert obs["measurements"].dtype == np.float32
        ends = 0
        for _ in range(20):
            obs, reward, terminated, truncated, infos = envs.step(
                np.tile([0.5, 0.0], (2, 1)).astype(np.float32)
            )
            assert reward.shape == (2,)
            ends += int(np.sum(terminated | truncated))
        assert ends >= 2, "each env ends an episode within max_steps and resets itself"
        assert "route_completion" in infos
    finally:
        envs.close()


def test_bench_pieces_report_rates() -> None:
    from robostack.sim.driving.bench import _highway, _single_process

    single = _single_process(60, seeds=(100,))
    assert single["steps_per_s"] > 0 and single["step_only_steps_per_s"] >= single["steps_per_s"]
    highway = _highway(10)
    assert highway["steps_per_s"] > 0
