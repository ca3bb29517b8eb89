"""The apartment world: procedural layouts (`layout`), the privileged map (`occupancy`), the pybullet
world (`world`) and the gymnasium environment (`env`, id ``robostack/Apartment-v0``).

Import the submodules you need; `layout` and `occupancy` never load pybullet.
"""
