"""ALFRED goal sentences → high-level plans in ALFRED's vocabulary."""

from __future__ import annotations

import io
import json

import pytest

from robostack.cli import main
from robostack.data.alfred import default_data_dir, load_tasks, parse_plan
from robostack.language.alfred import keyword_plan, plan_for, task_type
from robostack.language.evaluate import alfred_scores


def test_clean_and_place() -> None:
    assert plan_for("Put the cleaned ladle on the countertop.") == [
        "GotoLocation(countertop)",
        "PickupObject(ladle)",
        "GotoLocation(sinkbasin)",
        "CleanObject(ladle)",
        "GotoLocation(countertop)",
        "PutObject(ladle,countertop)",
    ]


def test_container_then_receptacle() -> None:
    plan = plan_for("Put a butter knife in the cup and then place the cup in the sink.")
    assert plan[-3:] == ["PickupObject(cup)", "GotoLocation(sinkbasin)", "PutObject(cup,sinkbasin)"]
    assert "PutObject(butterknife,cup)" in plan


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Examine the vase in the light of the desk lamp.", "look_at_obj_in_light"),
        ("Put a chilled apple in the garbage can.", "pick_cool_then_place_in_recep"),
        ("Place a microwaved potato on the table.", "pick_heat_then_place_in_recep"),
        ("Put two spray bottles in the toilet.", "pick_two_obj_and_place"),
        ("Put the book on the desk.", "pick_and_place_simple"),
    ],
)
def test_task_types(text: str, kind: str) -> None:
    assert task_type(text.lower()) == kind


def test_gold_plan_reader() -> None:
    steps = parse_plan("1. GotoLocation(countertop), 2. PutObject(ladle, countertop), 3. Done.")
    assert steps == ("GotoLocation(countertop)", "PutObject(ladle,countertop)")


@pytest.mark.skipif(not default_data_dir().is_dir(), reason="../shared/data/alfred not present")
def test_beats_keyword_baseline_on_every_phrasing() -> None:
    tasks = load_tasks()
    ours, base = alfred_scores(plan_for, tasks), alfred_scores(keyword_plan, tasks)
    for phrasing in ours:
        assert ours[phrasing]["step_f1"] > base[phrasing]["step_f1"] + 10
        assert ours[phrasing]["exact_match"] > base[phrasing]["exact_match"]


def test_cli_alfred_jsonl(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Put the cleaned ladle on the countertop.\n\n"))
    assert main(["parse", "--domain", "alfred", "--jsonl"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["plan"][1] == "PickupObject(ladle)"
    assert second["plan"] == [] and "empty" in second["error"]
