"""The crowd world (`env`, gymnasium id ``robostack/Crowd-v0``): replayed ETH-UCY pedestrians.

The id is registered by `robostack.sim`, with the other worlds.
"""
