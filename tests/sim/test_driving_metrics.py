"""Leaderboard metrics, the evaluation harness and the eval CLI of the driving world."""

from __future__ import annotations

import pytest

from robostack.core.errors import ConfigError, RobostackError
from robostack.sim.driving.metrics import EpisodeResult, driving_score, summarise


def test_driving_score_multiplies_the_penalties() -> None:
    clean = EpisodeResult(route_completion=1.0, distance_m=500.0)
    crash = EpisodeResult(route_completion=0.5, distance_m=250.0, infractions={"collision": 1})
    both = EpisodeResult(route_completion=0.8, distance_m=250.0, infractions={"collision": 1, "red_light": 2})
    assert driving_score(clean) == 1.0
    assert driving_score(crash) == pytest.approx(0.5 * 0.6)
    assert driving_score(both) == pytest.approx(0.8 * 0.6 * 0.7 * 0.7)
    summary = summarise([clean, crash, both])
    assert summary["route_completion"] == pytest.approx(100 * (1.0 + 0.5 + 0.8) / 3, abs=0.01)
    assert summary["driving_score"] == pytest.approx(100 * (1.0 + 0.3 + 0.8 * 0.6 * 0.49) / 3, abs=0.01)
    assert summary["collisions_per_km"] == pytest.approx(2 / 1.0)  # 2 collisions over 1 km
    assert summary["red_lights_per_km"] == pytest.approx(2.0)
    assert summary["offroad_per_km"] == 0.0
    assert summary["stopped_at_red"] == 0.0, "two red lights run, none halted for"


def test_stopped_at_red_counts_halts_against_lights_run() -> None:
    halted = EpisodeResult(route_completion=1.0, distance_m=500.0, red_light_stops=3)
    ran = EpisodeResult(route_completion=0.4, distance_m=200.0, infractions={"red_light": 1})
    assert summarise([halted, ran])["stopped_at_red"] == pytest.approx(0.75)
    assert summarise([EpisodeResult(route_completion=1.0, distance_m=9.0)])["stopped_at_red"] is None


def test_summarise_reads_last_step_infos() -> None:
    info = {
        "route_completion": 0.25,
        "distance_m": 100.0,
        "infractions": {"offroad": 1},
        "termination_reason": "x",
    }
    summary = summarise([info])
    assert summary["route_completion"] == 25.0 and summary["driving_score"] == 25.0
    assert summary["offroad_per_km"] == pytest.approx(10.0)
    with pytest.raises(ValueError):
        summarise([])


def test_evaluate_sumo_driver_on_eval_seeds() -> None:
    from robostack.policies.baselines.driving import SumoDriverPolicy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.evaluate import evaluate

    small = DrivingConfig(num_networks=2, route_length=(100.0, 200.0), max_steps=400)
    summary = evaluate(SumoDriverPolicy(), episodes=4, seed=1_000_000, config=small)
    assert summary["episodes"] == 4
    assert summary["route_completion"] > 50.0, "SUMO's driver follows its route"
    assert summary["collisions_per_km"] == 0.0 and summary["red_lights_per_km"] == 0.0
    assert summary["stopped_at_red"] == 1.0, "it met a red light on these routes and waited"
    with pytest.raises(ConfigError, match="evaluation seeds"):
        evaluate(SumoDriverPolicy(), episodes=1, seed=3, config=small)


def test_parallel_evaluation_repeats_the_sequential_one() -> None:
    from functools import partial

    from robostack.sim.driving.commands import load_policy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.evaluate import evaluate

    small = DrivingConfig(num_networks=2, route_length=(100.0, 200.0), max_steps=200)
    load = partial(load_policy, "lane-following")
    one = evaluate(load(), episodes=3, seed=1_000_000, config=small)
    two = evaluate(load(), episodes=3, seed=1_000_000, config=small, workers=2, load=load)
    assert one == two
    with pytest.raises(ConfigError, match="loader"):
        evaluate(load(), episodes=2, seed=1_000_000, config=small, workers=2)


def test_unknown_or_missing_policy_is_one_clear_error() -> None:
    from robostack.sim.driving.commands import load_policy

    with pytest.raises(ConfigError):
        load_policy("autopilot")
    try:
        load_policy("carl")
    except RobostackError as err:
        assert "\n" not in str(err)
    with pytest.raises(RobostackError, match="no_such_folder"):
        load_policy("carl", "no_such_folder")


def test_record_episode_writes_a_video(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from robostack.policies.baselines.driving import LaneFollowingPolicy
    from robostack.sim.driving.config import DrivingConfig
    from robostack.sim.driving.video import record_episode

    config = DrivingConfig(num_networks=1, route_length=(100.0, 200.0), max_steps=12)
    out = record_episode(LaneFollowingPolicy(), seed=1_000_000, path=tmp_path / "drive.mp4", config=config)
    assert out["frames"] == 13 and out["termination_reason"] == "max_steps"
    assert (tmp_path / "drive.mp4").stat().st_size > 1000
