"""One episode in the apartment world, composed from the stack's parts. Copy it and change it.

python launch/apartment_episode.py
"""

from pathlib import Path

from robostack.hal import SimRobot
from robostack.language import parse
from robostack.runtime.pipeline import Pipeline, select_skills
from robostack.runtime.recorder import RecordingRobot
from robostack.viz.video import write_video

INSTRUCTION = "go to the kitchen and pick up the red mug"
OUT = Path("runs/apartment_episode")

plan = parse(INSTRUCTION)  # the rule-based parser; parse(text, backend=...) picks another
skills = select_skills("classical")  # or "navigate=classical,pick=classical,place=classical"

with SimRobot("apartment", seed=7) as robot:
    recorder = RecordingRobot(robot)  # records frames and the path; skills cannot tell it is there
    for result in Pipeline(skills).run(plan, recorder):
        print(f"{result.subtask!s:40} {'ok' if result.success else result.reason}")
    write_video(recorder.frames, OUT / "video.mp4", fps=20)
print(f"video: {OUT / 'video.mp4'}")
