"""A robot crosses a replayed ETH-UCY crowd with the ``navigate/social`` skill on a HAL robot.

python launch/social_navigation.py        # writes runs/social_navigation/video.mp4

The skill runs exactly as it would on hardware: it reads odometry and tracked people from
`SimRobot("crowd")`, predicts their futures with SingularTrajectory and sends (speed, yaw rate)
commands through the safety layer. Orange fans: the 20 predicted 4.8 s futures of each person in
view; blue discs: people; black disc: the robot; green star: its goal.
"""

from pathlib import Path

import torch

from robostack.core.types import Subtask
from robostack.hal import SimRobot
from robostack.policies.singular_trajectory.skill import SocialNavigate, default_checkpoint
from robostack.sim.crowd.env import CrowdConfig
from robostack.viz.video import write_video

SCENE = "zara1"  # replayed test scene; the predictor used is the one trained with it held out
SEED = 0
OUT = Path("runs/social_navigation")

torch.set_num_threads(1)
skill = SocialNavigate("social", checkpoint=default_checkpoint(SCENE))
frames: list = []

with SimRobot("crowd", seed=SEED, world_config=CrowdConfig(scene=SCENE)) as robot:
    world = robot.env.unwrapped
    world.render_mode = "rgb_array"  # the robot never sees these frames; they are for the video

    def draw(obs, planner) -> None:
        world.overlay = [path for fan in planner.last_futures for path in fan]
        frames.append(world.render())

    skill.on_step = draw
    result = skill.run(Subtask("navigate", "go_to", "goal"), robot)
    world.overlay = []
    frames.append(world.render())

write_video(frames, OUT / "video.mp4", fps=5)
print(f"{result.to_json()}\nvideo: {OUT / 'video.mp4'}")
