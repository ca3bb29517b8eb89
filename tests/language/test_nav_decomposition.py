"""A²Nav decomposition on real R2R instructions: validity of every plan, F1 on the hand-labelled set."""

from __future__ import annotations

import pytest

from robostack.core.types import NAV_ACTIONS
from robostack.data.r2r import default_data_dir, load_split
from robostack.language import parse
from robostack.language.evaluate import load_dev_set, r2r_dev_scores, r2r_validity
from robostack.language.metrics import PRF, step_prf

needs_r2r = pytest.mark.skipif(not default_data_dir().is_dir(), reason="../shared/data/r2r not present")


def test_dev_set_is_well_formed() -> None:
    dev = load_dev_set()
    assert len(dev) >= 50
    for item in dev:
        assert item["subtasks"][-1] == ["stop", ""]
        assert all(action in NAV_ACTIONS for action, _ in item["subtasks"])
        assert all(landmark == landmark.lower().strip() for _, landmark in item["subtasks"])


def test_dev_set_f1_at_least_0_8() -> None:
    scores = r2r_dev_scores(parse, load_dev_set())
    assert scores["f1"] >= 0.8, scores


@needs_r2r
def test_every_val_seen_instruction_gives_a_valid_plan() -> None:
    report = r2r_validity(parse, load_split("val_seen"))
    assert report["valid"] == report["instructions"], report["failures"]


@needs_r2r
def test_every_train_instruction_gives_a_valid_plan() -> None:
    report = r2r_validity(parse, load_split("train"))
    assert report["valid"] == report["instructions"], report["failures"]


def test_metric_counts_each_gold_step_once() -> None:
    gold = [("go_to", "door"), ("stop", "")]
    assert step_prf([("go_to", "door"), ("go_to", "white door")], gold) == PRF(1, 2, 1)
    assert step_prf([("go_into", "kitchen")], gold).f1 == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Walk past the altar on the right. Make a hard right at the column. Wait at the pulpit.",
         ["go_past altar", "go_to column", "turn_right", "go_to pulpit", "stop"]),
        ("With the counter on your left, walk to the stairs.", ["go_past counter", "go_to stairs", "stop"]),
        ("Turn around and go up the stairs.", ["turn_left", "turn_left", "go_through stairs", "stop"]),
        ("Put the fireplace on your right and walk forward.", ["stop"]),
    ],
)  # fmt: skip
def test_r2r_phrasings(text: str, expected: list[str]) -> None:
    assert [f"{s.action} {s.target}".strip() for s in parse(text).subtasks] == expected
