"""End-to-end episodes in the apartment with the classical skills."""

import json

import imageio.v2 as imageio
import pytest

from robostack.cli import main
from robostack.runtime.episode import EpisodeConfig, run_episode


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("episode")
    code = main(
        [
            "run",
            "go to the kitchen and pick up the red mug",
            "--world",
            "apartment",
            "--seed",
            "7",
            "--out",
            str(out),
        ]
    )
    return code, out


def test_demo_episode_succeeds_and_writes_outputs(demo_run):
    code, out = demo_run
    assert code == 0
    episode = json.loads((out / "episode.json").read_text())
    for key in ("plan", "subtasks", "metrics", "seed", "instruction", "versions"):
        assert key in episode
    assert episode["seed"] == 7 and episode["success"] is True
    assert episode["metrics"]["pick_success"] == 1.0 and episode["metrics"]["nav_success"] == 1.0
    reader = imageio.get_reader(out / "video.mp4")
    assert reader.get_meta_data()["codec"] == "h264"
    assert reader.count_frames() > 50


def test_same_seed_same_episode():
    config = EpisodeConfig(instruction="put the red mug on the kitchen table", seed=7, video=False)
    a, b = run_episode(config, show_progress=False), run_episode(config, show_progress=False)
    assert a.success
    assert a.trajectory == b.trajectory
    strip = lambda m: {k: v for k, v in m.items() if k != "wall_time_s"}  # noqa: E731
    assert strip(a.metrics) == strip(b.metrics)


def test_unknown_object_fails_with_not_found():
    config = EpisodeConfig(instruction="pick up the purple elephant", seed=7, video=False)
    result = run_episode(config, show_progress=False)
    assert not result.success
    failed = next(r for r in result.subtasks if not r.success)
    assert failed.reason == "not_found"


def test_rerun_recording_is_written(tmp_path):
    config = EpisodeConfig(instruction="turn left", seed=7, out=tmp_path, rerun=True)
    result = run_episode(config, show_progress=False)
    assert result.success
    recording = tmp_path / "episode.rrd"
    assert recording.stat().st_size > 1000
    assert recording.read_bytes()[:4] == b"RRF2"  # rerun's file magic


def test_world_without_privileged_map_is_recorded_from_odometry():
    """The crowd world has no apartment map: the episode runs and its path comes from odometry."""
    config = EpisodeConfig(instruction="go to the goal", world="crowd", seed=0, skills="navigate=social")
    result = run_episode(config, show_progress=False)
    assert result.subtasks[0].success
    start, end = result.trajectory[0], result.trajectory[-1]
    assert (end[0] - start[0]) ** 2 + (end[1] - start[1]) ** 2 > 1.0


def test_apartment_suite_in_workers_repeats_the_sequential_one():
    from robostack.runtime.evaluation import evaluate_apartment

    def figures(workers):
        summary = evaluate_apartment(2, 0, "classical", show_progress=False, workers=workers)
        summary.pop("wall_time_per_episode_s")
        return summary

    assert figures(1) == figures(2)
