"""The driving world (gymnasium id ``robostack/Driving-v0``): CaRL's task on Eclipse SUMO.

`DrivingEnv` (in `env`) is one ego car among SUMO traffic on a generated or user road network;
`make_vector_env` runs several, one process each (libsumo holds one simulation per process).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gymnasium.vector import AsyncVectorEnv

    from robostack.sim.driving.config import DrivingConfig


def _make(config: DrivingConfig):  # type: ignore[no-untyped-def]
    def build():  # type: ignore[no-untyped-def]
        from robostack.sim.driving.env import DrivingEnv

        return DrivingEnv(config)

    return build


def make_vector_env(num_envs: int, seed: int, config: DrivingConfig | None = None) -> AsyncVectorEnv:
    """``num_envs`` driving envs, one process each; env ``i`` starts from episode seed ``seed + i``
    (pass ``seed`` to ``reset`` as well to pin the first episodes: gymnasium seeds env ``i`` with
    ``seed + i``). Later episodes draw their seeds from each env's generator, within the split
    (training / evaluation) of its first seed."""
    from gymnasium.vector import AsyncVectorEnv

    from robostack.core.errors import ConfigError
    from robostack.sim.driving.config import DrivingConfig

    if num_envs < 1:
        raise ConfigError(f"num_envs must be at least 1, got {num_envs}")
    base = config or DrivingConfig()
    fns = [_make(base.model_copy(update={"seed": seed + i})) for i in range(num_envs)]
    return AsyncVectorEnv(fns, context="spawn")
