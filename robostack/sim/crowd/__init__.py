"""The crowd world (`env`, gymnasium id ``robostack/Crowd-v0``): replayed ETH-UCY pedestrians.

Importing this package registers the id; the entry point is a string, resolved on `gymnasium.make`.
"""

from __future__ import annotations

import gymnasium

if "robostack/Crowd-v0" not in gymnasium.registry:
    gymnasium.register(id="robostack/Crowd-v0", entry_point="robostack.sim.crowd.env:CrowdEnv")
