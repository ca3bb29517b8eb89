"""A robot crosses a replayed ETH-UCY crowd, planning around SingularTrajectory's predicted futures.

python launch/social_navigation.py        # writes runs/social_navigation/video.mp4

Orange fans: the 20 predicted 4.8 s futures of each pedestrian in view; blue discs: people;
black disc: the robot; green star: its goal.
"""

from pathlib import Path

import torch

from robostack.policies.singular_trajectory.commands import default_checkpoint_root
from robostack.policies.singular_trajectory.policy import SingularTrajectory
from robostack.policies.singular_trajectory.social import SocialPlanner, run_episode
from robostack.sim.crowd.env import CrowdConfig, CrowdEnv
from robostack.viz.video import write_video

SCENE = "zara1"  # replayed test scene; the predictor used is the one trained with it held out
SEED = 0
OUT = Path("runs/social_navigation")

torch.set_num_threads(1)
predictor = SingularTrajectory.from_pretrained(default_checkpoint_root() / SCENE)
env = CrowdEnv(CrowdConfig(scene=SCENE), render_mode="rgb_array")
frames: list = []
outcome = run_episode(env, SocialPlanner("social", predictor), seed=SEED, frames=frames)
write_video(frames, OUT / "video.mp4", fps=5)
print(f"{outcome}\nvideo: {OUT / 'video.mp4'}")
