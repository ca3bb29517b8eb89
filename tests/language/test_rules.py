"""The rule parser: the demo instructions, implicit steps, levels and bad input."""

from __future__ import annotations

import json

import pytest

from robostack.cli import main
from robostack.core.errors import RobostackError
from robostack.core.types import NAV_ACTIONS, Plan
from robostack.language import parse


def steps(plan: Plan) -> list[str]:
    return [str(s) for s in plan.subtasks]


def test_go_and_pick() -> None:
    plan = parse("go to the kitchen and pick up the red mug")
    assert steps(plan) == [
        "navigate(go_into, kitchen)",
        "navigate(go_to, red mug)",
        "pick(red mug)",
        "navigate(stop)",
    ]
    assert plan.level == "L1"


def test_put_adds_implicit_steps() -> None:
    plan = parse("put the red mug in the sink")
    assert steps(plan) == [
        "navigate(go_to, red mug)",
        "pick(red mug)",
        "navigate(go_to, sink)",
        "place(red mug -> sink)",
        "navigate(stop)",
    ]
    assert plan.level == "L2"


def test_pronoun_refers_to_held_object() -> None:
    plan = parse("Go to the kitchen, pick up the red mug and put it in the sink.")
    assert steps(plan)[-2:] == ["place(red mug -> sink)", "navigate(stop)"]
    assert "navigate(go_to, sink)" in steps(plan)


def test_carry_through_room_then_place() -> None:
    plan = parse("take the green block to the office and place it on the shelf")
    assert steps(plan) == [
        "navigate(go_to, green block)",
        "pick(green block)",
        "navigate(go_into, office)",
        "navigate(go_to, shelf)",
        "place(green block -> shelf)",
        "navigate(stop)",
    ]


def test_a2nav_paper_example() -> None:
    plan = parse(
        "Exit the bedroom and turn left. Walk straight passing the gray couch and stop near the rug."
    )
    assert steps(plan) == [
        "navigate(exit, bedroom)",
        "navigate(turn_left)",
        "navigate(go_past, gray couch)",
        "navigate(go_to, rug)",
        "navigate(stop)",
    ]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("turn left", "L0"),
        ("move forward two steps", "L0"),
        ("go to the kitchen", "L1"),
        ("walk past the table into the bedroom", "L1"),
        ("bring the blue bowl to the living room", "L2"),
        ("pick up the yellow can", "L2"),
    ],
)
def test_levels(text: str, level: str) -> None:
    assert parse(text).level == level


def test_turn_at_landmark_happens_after_reaching_it() -> None:
    assert steps(parse("turn left at the door and go up the stairs")) == [
        "navigate(go_to, door)",
        "navigate(turn_left)",
        "navigate(go_through, stairs)",
        "navigate(stop)",
    ]


def test_plans_end_with_stop_and_use_a2nav_actions() -> None:
    plan = parse("walk down the hallway, turn right into the office and stop by the desk")
    assert plan.subtasks[-1].action == "stop"
    assert all(s.action in NAV_ACTIONS for s in plan.subtasks if s.skill == "navigate")
    assert all(s.target == s.target.strip().lower() for s in plan.subtasks)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01\x02"])
def test_empty_instruction_is_a_clear_error(text: str) -> None:
    with pytest.raises(RobostackError, match="empty instruction"):
        parse(text)


def test_json_round_trip() -> None:
    plan = parse("put the red mug in the sink")
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_cli_json_and_jsonl(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["parse", "go to the kitchen", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["subtasks"][0] == {"skill": "navigate", "action": "go_into", "target": "kitchen"}
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("turn left\nput the mug in the sink\n"))
    assert main(["parse", "--jsonl"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["level"] for line in lines] == ["L0", "L2"]


def test_cli_empty_instruction_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", " "]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "empty instruction" in err
