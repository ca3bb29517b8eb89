"""ViNT drives to an image goal in an apartment it never saw in training, over a topological graph.

python launch/vint_navigation.py        # writes runs/vint_navigation/video.mp4

The graph's nodes are the head-camera images of one prior traversal from start to goal. Each step
ViNT localises against a window of nodes with its temporal-distance head, predicts five waypoints
toward the next node, and the PD controller of the original deployment code follows them.
Left: the head camera. Right: the floor plan with the graph (blue, the current sub-goal orange),
the goal, the path so far and the predicted waypoints.
"""

from pathlib import Path

import torch

from robostack.policies.vint.skill import DEFAULT_CHECKPOINT
from robostack.policies.vint.video import record_imagegoal

SEED = 900000  # the first held-out apartment of `robostack eval nav-imagegoal --seed 900000`
OUT = Path("runs/vint_navigation/video.mp4")

torch.set_num_threads(1)
result = record_imagegoal(SEED, DEFAULT_CHECKPOINT, OUT)
print(f"{result}\nvideo: {OUT}")
