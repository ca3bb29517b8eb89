"""The tabletop world (`robostack/Tabletop-v0`): a fixed Panda, objects in clutter, a receptacle,
fused world-frame point clouds, grasp/place labelling and the pick-place evaluation."""
