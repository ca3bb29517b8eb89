"""Simulated worlds (pybullet) as gymnasium environments.

Importing this package registers the gymnasium ids without importing pybullet: the entry points are
strings, resolved on `gymnasium.make`.
"""

from __future__ import annotations

import gymnasium

if "robostack/Apartment-v0" not in gymnasium.registry:
    gymnasium.register(
        id="robostack/Apartment-v0",
        entry_point="robostack.sim.apartment.env:ApartmentEnv",
        max_episode_steps=2000,
    )
