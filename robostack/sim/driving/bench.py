"""Speed of the driving world, with highway-env's ``highway-fast-v0`` measured in the same run.

- one process: the lane-following baseline drives (so episodes look like driving, not instant
  crashes); only ``env.step`` / ``env.reset`` are timed, so the controller's cost is left out;
  ``steps_per_s`` counts resets in, ``step_only_steps_per_s`` does not;
- vector env: `make_vector_env` with N processes, a constant gentle throttle, auto-reset on;
  steps/s summed over the envs (wall clock of the whole batch step);
- highway-fast-v0: random actions, resets included, observations on (its default kinematics).

Wall-clock figures depend on what else runs on the machine: the load average and this process's CPU
time are reported beside them.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

BENCH_SEEDS = tuple(range(100, 108))
"""Training-split episodes the single-process run cycles through (4 networks, warmed up first)."""


def _single_process(steps: int) -> dict[str, float]:
    from robostack.policies.baselines.driving import LaneFollowingPolicy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.env import DrivingEnv

    env = DrivingEnv(DrivingConfig())
    policy = LaneFollowingPolicy()
    policy.attach(env)
    for seed in BENCH_SEEDS:  # warm-up: networks generated and cached, static layers drawn
        env.reset(seed=seed)
    step_s = reset_s = 0.0
    cpu = time.process_time()
    done, episodes, k = 0, 0, 0
    t = time.perf_counter()
    obs, _ = env.reset(seed=BENCH_SEEDS[0])
    reset_s += time.perf_counter() - t
    while done < steps:
        action = policy.act(obs)
        t = time.perf_counter()
        obs, _, terminated, truncated, _ = env.step(action)
        step_s += time.perf_counter() - t
        done += 1
        if terminated or truncated:
            episodes += 1
            k += 1
            t = time.perf_counter()
            obs, _ = env.reset(seed=BENCH_SEEDS[k % len(BENCH_SEEDS)])
            reset_s += time.perf_counter() - t
    cpu = time.process_time() - cpu
    env.close()
    return {
        "steps_per_s": round(steps / (step_s + reset_s), 1),
        "step_only_steps_per_s": round(steps / step_s, 1),
        "step_ms": round(1000 * step_s / steps, 3),
        "reset_ms": round(1000 * reset_s / (episodes + 1), 2),
        "episodes": episodes + 1,
        "cpu_s": round(cpu, 2),
    }


def _vector(num_envs: int, steps: int) -> dict[str, float]:
    from robostack.sim.driving import make_vector_env

    envs = make_vector_env(num_envs, seed=200)
    try:
        envs.reset(seed=200)
        action = np.tile(np.array([0.3, 0.0], np.float32), (num_envs, 1))
        for _ in range(20):  # warm-up
            envs.step(action)
        rounds = max(steps // num_envs, 10)
        t = time.perf_counter()
        for _ in range(rounds):
            envs.step(action)
        wall = time.perf_counter() - t
    finally:
        envs.close()
    return {"steps_per_s": round(rounds * num_envs / wall, 1), "num_envs": num_envs}


def _highway(steps: int) -> dict[str, Any]:
    import gymnasium
    import highway_env

    env = gymnasium.make("highway-fast-v0")
    env.reset(seed=0)
    env.action_space.seed(0)
    t = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    wall = time.perf_counter() - t
    env.close()
    return {"steps_per_s": round(steps / wall, 1), "version": highway_env.__version__}


def benchmark(steps: int = 3000, vector_envs: int = 2, highway_steps: int = 200) -> dict[str, Any]:
    """Every figure of ``robostack bench driving``."""
    from importlib.metadata import version

    single = _single_process(steps)
    vector = _vector(vector_envs, steps)
    highway = _highway(highway_steps)
    return {
        "driving_steps_per_s": single["steps_per_s"],
        "driving_vector_steps_per_s": vector["steps_per_s"],
        "highway_fast_steps_per_s": highway["steps_per_s"],
        "speedup_vs_highway": round(single["steps_per_s"] / highway["steps_per_s"], 1),
        "driving_step_only_steps_per_s": single["step_only_steps_per_s"],
        "driving_step_ms": single["step_ms"],
        "driving_reset_ms": single["reset_ms"],
        "driving_episodes": single["episodes"],
        "vector_envs": vector["num_envs"],
        "steps": steps,
        "highway_steps": highway_steps,
        "sumo_version": version("eclipse-sumo"),
        "highway_env_version": highway["version"],
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpu_count": os.cpu_count(),
        "note": "with observations (96x96x6 BEV + measurements); targets: >= 1000 steps/s per process, "
        ">= 20x highway-fast-v0",
    }
