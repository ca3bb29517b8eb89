"""The classical skills over a SimRobot: every A²Nav action, and pick → place."""

import pytest

from robostack.core.types import Subtask
from robostack.hal import SimRobot
from robostack.policies.baselines.manipulate import ClassicalPick, ClassicalPlace
from robostack.policies.baselines.navigate import ClassicalNavigate


@pytest.fixture
def robot():
    with SimRobot("apartment", seed=7) as r:
        yield r


def test_every_navigation_action(robot):
    nav = ClassicalNavigate()
    world = robot.world
    steps = [
        ("go_into", "kitchen", "kitchen"),
        ("exit", "", None),
        ("go_into", "bedroom", "bedroom"),
        ("exit", "bedroom", None),
        ("go_through", "doorway", None),
        ("go_to", "sink", "kitchen"),
        ("turn_left", "", None),
        ("turn_right", "", None),
        ("go_past", "kitchen table", None),
        ("stop", "", None),
    ]
    for action, target, room in steps:
        before = world.room_at(world.base_pose()[:2])
        result = nav.run(Subtask("navigate", action, target), robot)
        assert result.success, (action, target, result.reason)
        if room is not None:
            assert world.room_at(world.base_pose()[:2]) == room
        if action == "exit":
            assert world.room_at(world.base_pose()[:2]) != before


def test_unknown_target_is_not_found(robot):
    result = ClassicalNavigate().run(Subtask("navigate", "go_to", "grand piano"), robot)
    assert (result.success, result.reason) == (False, "not_found")


def test_pick_then_place(robot):
    nav, pick, place = ClassicalNavigate(), ClassicalPick(), ClassicalPlace()
    assert nav.run(Subtask("navigate", "go_to", "red mug"), robot).success
    assert place.run(Subtask("place", "place", "red mug", "sink"), robot).reason == "not_holding"
    assert pick.run(Subtask("pick", "pick", "red mug"), robot).success
    assert robot.world.holding == "red mug"
    assert nav.run(Subtask("navigate", "go_to", "kitchen table"), robot).success
    assert place.run(Subtask("place", "place", "red mug", "kitchen table"), robot).success
    assert robot.world.holding is None
