import json

import pytest

from robostack.core import registry
from robostack.core.config import StrictModel, validate_config
from robostack.core.errors import ConfigError, ContractError, UnknownEntryError
from robostack.core.types import Action, Plan, Subtask

PLAN_JSON = {
    "instruction": "go to the kitchen, pick up the red mug and put it in the sink",
    "level": "L2",
    "subtasks": [
        {"skill": "navigate", "action": "go_into", "target": "kitchen"},
        {"skill": "pick", "action": "pick", "target": "red mug"},
        {"skill": "place", "action": "place", "target": "red mug", "receptacle": "sink"},
        {"skill": "navigate", "action": "stop", "target": ""},
    ],
}


def test_plan_json_round_trip_matches_the_contract():
    plan = Plan.from_json(json.loads(json.dumps(PLAN_JSON)))
    assert plan.to_json() == PLAN_JSON
    assert str(plan.subtasks[2]) == "place(red mug -> sink)"


@pytest.mark.parametrize(
    "fields",
    [
        {"skill": "fly", "action": "go_to", "target": "x"},
        {"skill": "navigate", "action": "jump", "target": "x"},
        {"skill": "navigate", "action": "go_to", "target": "Kitchen"},
    ],
)
def test_subtask_rejects_broken_contract(fields):
    with pytest.raises(ContractError):
        Subtask.from_json(fields)


def test_plan_rejects_unknown_level():
    with pytest.raises(ContractError):
        Plan("x", "L9", ())  # type: ignore[arg-type]


def test_action_finiteness():
    assert Action(0.1, 0.2, (0.0,) * 7, 1.0).is_finite()
    assert not Action(float("nan"), 0.0).is_finite()


def test_registry_registers_and_names_choices_on_unknown():
    @registry.register("policy", "test-dummy")
    class Dummy:
        pass

    assert registry.get("policy", "test-dummy") is Dummy
    with pytest.raises(UnknownEntryError, match="test-dummy"):
        registry.get("policy", "nope")
    with pytest.raises(UnknownEntryError):
        registry.register("gadget", "x")


class _Inner(StrictModel):
    seed: int


class _Outer(StrictModel):
    world: _Inner
    name: str = "x"


def test_config_errors_name_the_bad_field():
    with pytest.raises(ConfigError, match=r"launch.yaml: field 'world.seed'"):
        validate_config(_Outer, {"world": {"seed": "seven"}}, "launch.yaml")
    with pytest.raises(ConfigError, match=r"field 'colour'"):
        validate_config(_Outer, {"world": {"seed": 1}, "colour": "red"}, "launch.yaml")
    assert validate_config(_Outer, {"world": {"seed": 1}}).world.seed == 1
