import pytest

from robostack.core.errors import ContractError
from robostack.core.types import Action
from robostack.hal.safety import SafetyLayer, SafetyLimits, Watchdog


def test_filter_clips_velocities_and_joints():
    layer = SafetyLayer(SafetyLimits(max_linear=0.5, max_angular=1.0))
    sent = layer.filter(Action(2.0, -3.0, (10.0, 0, 0, 0, 0, 0, 0), 1.5))
    assert sent.base_linear == 0.5
    assert sent.base_angular == -1.0
    assert sent.arm_joints is not None and sent.arm_joints[0] == pytest.approx(2.8973)
    assert sent.arm_joints[3] == pytest.approx(-0.0698)  # joint 4 cannot reach 0
    assert sent.gripper == 1.0


def test_emergency_stop_latches_until_released():
    layer = SafetyLayer()
    layer.emergency_stop()
    assert layer.filter(Action(0.5, 0.5, gripper=1.0)) == Action()
    layer.release()
    assert layer.filter(Action(0.5, 0.0)).base_linear == 0.5


def test_non_finite_commands_are_refused():
    with pytest.raises(ContractError, match="non-finite"):
        SafetyLayer().filter(Action(float("nan"), 0.0))
    with pytest.raises(ContractError, match="7"):
        SafetyLayer().filter(Action(arm_joints=(0.0, 0.0)))


def test_watchdog_trips_after_timeout_and_hold_stops_the_base():
    dog = Watchdog(0.5)
    assert not dog.expired(10.0)  # never fed: nothing to hold
    dog.feed(1.0)
    assert not dog.expired(1.4)
    assert dog.expired(1.5)
    layer = SafetyLayer()
    layer.watchdog.feed(0.0)
    last = Action(0.4, 0.2, gripper=1.0)
    assert layer.hold(last, 0.2) == last
    held = layer.hold(last, 0.6)
    assert (held.base_linear, held.base_angular, held.gripper) == (0.0, 0.0, 1.0)
