"""Simulated worlds (pybullet) as gymnasium environments.

Importing this package registers the gymnasium ids without importing pybullet: the entry points are
strings, resolved on `gymnasium.make`.
"""

from __future__ import annotations

import gymnasium

ENVIRONMENTS = {
    "robostack/Apartment-v0": ("robostack.sim.apartment.env:ApartmentEnv", 2000),
    "robostack/Crowd-v0": ("robostack.sim.crowd.env:CrowdEnv", None),
    "robostack/Tabletop-v0": ("robostack.sim.tabletop.env:TabletopEnv", None),
    "robostack/Driving-v0": ("robostack.sim.driving.env:DrivingEnv", None),
}

for env_id, (entry_point, max_steps) in ENVIRONMENTS.items():
    if env_id not in gymnasium.registry:
        gymnasium.register(id=env_id, entry_point=entry_point, max_episode_steps=max_steps)
