"""Speed of the driving world, with highway-env's ``highway-fast-v0`` measured in the same run.

- one process: the lane-following baseline drives (so episodes look like driving, not instant
  crashes); its actions are recorded and replayed, so only ``env.step`` / ``env.reset`` are timed;
  ``steps_per_s`` counts resets in, ``step_only_steps_per_s`` does not, ``cpu_steps_per_s`` divides
  by this process's CPU time (resets in), which other processes competing for the cores do not
  inflate;
- vector env: `make_vector_env` with N processes, SUMO's driver steering each ego (so episodes run
  whole routes, as in the single-process run), observations rendered, auto-reset on; steps/s
  summed over the envs (wall clock of the whole batch step);
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


def _single_process(steps: int, seeds: tuple[int, ...] = BENCH_SEEDS) -> dict[str, float]:
    """Drive ``steps`` steps with the lane-following baseline, recording its actions, then replay
    them (same seeds, same episodes: the env is deterministic) with only the env in the timed loop."""
    from robostack.policies.baselines.driving import LaneFollowingPolicy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.env import DrivingEnv

    env = DrivingEnv(DrivingConfig())
    policy = LaneFollowingPolicy()
    policy.attach(env)
    episodes: list[tuple[int, list[np.ndarray]]] = []
    done = 0
    while done < steps:  # the recording pass also generates and caches the networks
        seed = seeds[len(episodes) % len(seeds)]
        obs, _ = env.reset(seed=seed)
        actions: list[np.ndarray] = []
        ended = False
        while not ended and done < steps:
            actions.append(policy.act(obs))
            obs, _, terminated, truncated, _ = env.step(actions[-1])
            ended = terminated or truncated
            done += 1
        episodes.append((seed, actions))
    step_s = reset_s = reset_cpu = 0.0
    parts = _time_parts()
    cpu = time.process_time()
    wall = time.perf_counter()
    try:
        for seed, actions in episodes:
            t, c = time.perf_counter(), time.process_time()
            env.reset(seed=seed)
            reset_s += time.perf_counter() - t
            reset_cpu += time.process_time() - c
            parts["sumo_step"][0] = parts["raster"][0] = 0.0  # count steps only
            t = time.perf_counter()
            for action in actions:
                env.step(action)
            step_s += time.perf_counter() - t
            parts["sumo_total"] += parts["sumo_step"][0]
            parts["raster_total"] += parts["raster"][0]
    finally:
        _untime_parts(parts)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    env.close()
    return {
        "steps_per_s": round(steps / wall, 1),
        "step_only_steps_per_s": round(steps / step_s, 1),
        "cpu_steps_per_s": round(steps / cpu, 1),
        "step_ms": round(1000 * step_s / steps, 3),
        "reset_ms": round(1000 * reset_s / len(episodes), 2),
        "episodes": len(episodes),
        "cpu_s": round(cpu, 2),
        "reset_cpu_ms": round(1000 * reset_cpu / len(episodes), 2),
        "sumo_share": round(parts["sumo_total"] / step_s, 3),
        "raster_share": round(parts["raster_total"] / step_s, 3),
    }


def _time_parts() -> dict[str, Any]:
    """Wrap SUMO's step and the raster renderer with wall-clock accumulators."""
    import libsumo

    from robostack.sim.driving.raster import BevRenderer

    parts: dict[str, Any] = {
        "sumo_step": [0.0, libsumo.simulationStep],
        "raster": [0.0, BevRenderer.render],
        "sumo_total": 0.0,
        "raster_total": 0.0,
    }

    def timed(key: str) -> Any:
        inner = parts[key][1]

        def call(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            out = inner(*args, **kwargs)
            parts[key][0] += time.perf_counter() - t
            return out

        return call

    libsumo.simulationStep = timed("sumo_step")
    BevRenderer.render = timed("raster")  # type: ignore[method-assign]
    return parts


def _untime_parts(parts: dict[str, Any]) -> None:
    import libsumo

    from robostack.sim.driving.raster import BevRenderer

    libsumo.simulationStep = parts["sumo_step"][1]
    BevRenderer.render = parts["raster"][1]  # type: ignore[method-assign]


def _vector(num_envs: int, steps: int) -> dict[str, float]:
    from robostack.sim.driving import make_vector_env
    from robostack.sim.driving.config import DrivingConfig

    # SUMO's driver steers each ego (the workers have no policy to run): whole routes, few resets
    envs = make_vector_env(num_envs, seed=200, config=DrivingConfig(ego_control="sumo"))
    try:
        envs.reset(seed=200)
        action = np.zeros((num_envs, 2), np.float32)
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
    cpu = time.process_time()
    t = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    wall = time.perf_counter() - t
    cpu = time.process_time() - cpu
    env.close()
    return {
        "steps_per_s": round(steps / wall, 1),
        "cpu_steps_per_s": round(steps / cpu, 1),
        "version": highway_env.__version__,
    }


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
        "driving_cpu_steps_per_s": single["cpu_steps_per_s"],
        "highway_fast_cpu_steps_per_s": highway["cpu_steps_per_s"],
        "speedup_vs_highway_cpu": round(single["cpu_steps_per_s"] / highway["cpu_steps_per_s"], 1),
        "driving_step_ms": single["step_ms"],
        "driving_reset_ms": single["reset_ms"],
        "driving_reset_cpu_ms": single["reset_cpu_ms"],
        "step_share_sumo": single["sumo_share"],
        "step_share_raster": single["raster_share"],
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
