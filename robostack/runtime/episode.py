"""Run one episode: instruction → plan → skills on a robot → EpisodeResult (+ json, video, rrd)."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from pydantic import field_validator

from robostack import __version__
from robostack.core.config import StrictModel
from robostack.core.errors import RobostackError
from robostack.core.logging import console, progress
from robostack.core.types import EpisodeResult, Plan
from robostack.hal.sim_robot import SimRobot
from robostack.runtime.metrics import episode_metrics
from robostack.runtime.pipeline import Pipeline, select_skills
from robostack.runtime.recorder import RecordingRobot
from robostack.viz.rerun_log import RerunRecording


class EpisodeConfig(StrictModel):
    """Everything one episode needs; launch files and ``robostack run`` fill it in."""

    instruction: str
    world: str = "apartment"
    seed: int = 0
    skills: str = "classical"
    parser: str = "rules"
    out: Path | None = None
    video: bool = True
    rerun: bool = False

    @field_validator("instruction")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the instruction is empty")
        return value.strip()


def parse_instruction(text: str, backend: str) -> Plan:
    from robostack.language import parse

    return parse(text, backend=backend)


def versions() -> dict[str, str]:
    import numpy
    import pybullet

    return {
        "robostack": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pybullet": str(pybullet.getAPIVersion()),
    }


def run_episode(config: EpisodeConfig, show_progress: bool = True) -> EpisodeResult:
    """Parse, run every subtask closed-loop, measure, and write the outputs when ``config.out``."""
    plan = parse_instruction(config.instruction, config.parser)
    skills = select_skills(config.skills)
    started = time.perf_counter()
    rerun = _open_rerun(config)
    with SimRobot(config.world, seed=config.seed) as robot, progress(disable=not show_progress) as bar:
        if show_progress:
            steps = "  →  ".join(str(s) for s in plan.subtasks)
            console.print(f"[bold]plan[/] ({plan.level}): {steps}")
        task = bar.add_task("episode", total=len(plan.subtasks), status="")
        recorder = RecordingRobot(robot, video=config.out is not None and config.video, rerun=rerun)

        def on_subtask(index: int, subtask: object) -> None:
            recorder.label = f"{index + 1}/{len(plan.subtasks)} {subtask}"
            bar.update(task, completed=index, status=str(subtask))

        results = Pipeline(skills, on_subtask=on_subtask).run(plan, recorder)
        bar.update(task, completed=len(plan.subtasks), status="done")
        metrics = episode_metrics(results, time.perf_counter() - started, robot.collisions)
    result = EpisodeResult(
        instruction=config.instruction,
        plan=plan,
        subtasks=results,
        metrics=metrics,
        seed=config.seed,
        world=config.world,
        versions=versions(),
        trajectory=recorder.trajectory,
    )
    if config.out is not None:
        write_outputs(result, recorder.frames, config.out)
    if rerun is not None:
        rerun.close()
    return result


def _open_rerun(config: EpisodeConfig) -> RerunRecording | None:
    if not config.rerun:
        return None
    if config.out is None:
        raise RobostackError("--rerun needs --out DIR to write episode.rrd into")
    config.out.mkdir(parents=True, exist_ok=True)
    return RerunRecording(config.out / "episode.rrd")


def write_outputs(result: EpisodeResult, frames: list, out: Path) -> None:
    """``episode.json`` and ``video.mp4``, each written whole or not at all."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "episode.json.partial"
    tmp.write_text(json.dumps(result.to_json(), indent=2))
    tmp.replace(out / "episode.json")
    if frames:
        from robostack.viz.video import write_video

        write_video(frames, out / "video.mp4", fps=20)
