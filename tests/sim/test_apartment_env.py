"""robostack/Apartment-v0: gymnasium contract, determinism and collision handling."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import robostack.sim  # noqa: F401  (registers the gymnasium ids)
from robostack.core import registry
from robostack.sim.apartment.env import ApartmentConfig, ApartmentEnv

SMALL = ApartmentConfig(image_size=64, wrist_image_size=32)


def test_check_env_passes():
    env = ApartmentEnv(render_mode="rgb_array")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # advice about unnormalised boxes, not failures
        check_env(env)
    env.close()


def test_registered_in_gymnasium_and_registry():
    env = gym.make("robostack/Apartment-v0", config=SMALL)
    obs, info = env.reset(seed=3)
    assert obs["rgb"].shape == (64, 64, 3) and obs["depth"].shape == (64, 64, 1)
    assert obs["wrist_rgb"].shape == (32, 32, 3)
    assert env.observation_space.contains(obs)
    assert info["collision"] is False and info["holding"] is None and info["sim_time"] == 0.0
    assert info["layout_seed"] == 3 and info["room"] in {r.name for r in env.unwrapped.world.layout.rooms}
    assert env.spec is not None and env.spec.max_episode_steps == 2000
    env.close()
    assert registry.get("world", "apartment") is ApartmentEnv


def _rollout(seed: int, steps: int) -> list[dict[str, np.ndarray]]:
    env = ApartmentEnv(SMALL)
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = [obs]
    for _ in range(steps):
        action = env.action_space.sample()  # includes gripper toggles (close/open, settling physics)
        obs, reward, terminated, truncated, info = env.step(action)
        assert reward == 0.0 and not terminated and not truncated
        out.append(obs)
    env.close()
    return out


def test_same_seed_same_observations_bit_for_bit():
    a, b = _rollout(11, 20), _rollout(11, 20)
    for oa, ob in zip(a, b, strict=True):
        for key in oa:
            assert np.array_equal(oa[key], ob[key]), key
    assert not np.array_equal(a[0]["rgb"], a[-1]["rgb"])  # the robot did move


def test_layout_seed_option_pins_the_apartment():
    env = ApartmentEnv(SMALL)
    env.reset(seed=1, options={"layout_seed": 7})
    layout_a, start_a = env.world.layout, env.world.base_pose()
    env.reset(seed=2, options={"layout_seed": 7})
    assert env.world.layout == layout_a
    assert not np.allclose(env.world.base_pose(), start_a)
    env.reset(seed=7)
    assert np.allclose(env.world.base_pose(), env.world.layout.robot_start)
    env.close()


def _facing_west_wall(env: ApartmentEnv, yaw: float) -> tuple[float, float]:
    """Put the base 0.6 m from the kitchen's west wall (clear of furniture if possible); return x0, y."""
    world = env.world
    x0, y0, x1, y1 = world.layout.room("kitchen").interior()
    for y in np.linspace(y0 + 0.5, y1 - 0.5, 15):
        if not world.pose_collides(x0 + 0.6, y, yaw):
            break
    world.set_base_pose(x0 + 0.6, y, yaw)
    return x0, y


def _drive_action(env: ApartmentEnv, v: float) -> np.ndarray:
    action = np.zeros(10, dtype=np.float32)
    action[2:9] = env.world.ARM_HOME
    action[0] = v
    return action


def test_driving_into_a_wall_stops_at_it():
    env = ApartmentEnv(SMALL)
    env.reset(seed=7)
    world = env.world
    x0, _ = _facing_west_wall(env, np.pi)
    action = _drive_action(env, env.config.max_linear)
    collided = None
    for i in range(20):
        obs, _, _, _, info = env.step(action)
        if info["collision"]:
            collided = i
            break
    assert collided is not None and collided >= 1
    assert world.base_pose()[0] - x0 >= 0.2 - 1e-6  # the base's half width never enters the wall
    # head-on, there is nothing to slide along: pushing again leaves the base where it is
    before = world.base_pose()
    obs, _, _, _, info = env.step(action)
    assert info["collision"] and np.array_equal(world.base_pose(), before)
    assert obs["odometry"][3] == 0.0
    env.close()


def test_a_glancing_blow_slides_along_the_wall():
    env = ApartmentEnv(SMALL)
    env.reset(seed=7)
    world = env.world
    x0, y_start = _facing_west_wall(env, np.pi - 0.5)  # heading west-north-west
    action = _drive_action(env, env.config.max_linear)
    hits = 0
    for _ in range(12):
        obs, _, _, _, info = env.step(action)
        hits += int(info["collision"])
        assert not world.pose_collides(*world.base_pose())  # never into the wall
    assert hits >= 2
    assert world.base_pose()[0] - x0 < 0.45  # it reached the wall ...
    assert world.base_pose()[1] > y_start + 0.25  # ... and kept going north along it
    assert 0.0 < obs["odometry"][3] < env.config.max_linear  # slower than commanded
    env.close()


def test_arm_moves_at_the_joint_speed_limit():
    env = ApartmentEnv(SMALL)
    env.reset(seed=7)
    action = np.zeros(10, dtype=np.float32)
    action[2:9] = env.world.ARM_READY
    before = env.world.arm_joint_positions()
    obs, *_ = env.step(action)
    step = np.abs(obs["joints"][:7] - before)
    assert step.max() == pytest.approx(env.config.arm_joint_speed * env.config.control_dt, rel=1e-5)
    env.close()


def test_no_render_config_skips_cameras():
    env = ApartmentEnv(ApartmentConfig(image_size=32, wrist_image_size=16, render_cameras=False))
    obs, _ = env.reset(seed=0)
    assert not obs["rgb"].any()
    env.close()


_DIGEST = """
import hashlib, sys
import numpy as np
from robostack.sim.apartment.env import ApartmentConfig, ApartmentEnv
env = ApartmentEnv(ApartmentConfig(image_size=48, wrist_image_size=24))
obs, _ = env.reset(seed=5)
env.action_space.seed(5)
h = hashlib.sha256()
for _ in range(12):
    obs, *_ = env.step(env.action_space.sample())
    for key in sorted(obs):
        h.update(np.ascontiguousarray(obs[key]).tobytes())
print(h.hexdigest())
"""


def test_episodes_repeat_across_processes():
    """Bit-for-bit across interpreter runs too (different hash seeds, fresh pybullet)."""
    import os
    import subprocess
    import sys

    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip().splitlines()[-1])
    assert len(digests) == 1
