import numpy as np
import pytest

from robostack.core.errors import ContractError
from robostack.core.types import Action
from robostack.hal import Robot, SimRobot
from robostack.hal.sim_robot import NotConnectedError


@pytest.fixture(scope="module")
def robot():
    with SimRobot("apartment", seed=3) as r:
        yield r


def test_specs_are_readable_without_a_connection():
    r = SimRobot("apartment", seed=0)
    assert isinstance(r, Robot)
    assert r.observation_spec["rgb"].shape == (128, 128, 3)
    assert r.action_spec["base_linear"].high == pytest.approx(0.8)
    with pytest.raises(NotConnectedError):
        r.observe()


def test_send_returns_the_clipped_command(robot):
    sent = robot.send(Action(5.0, 0.0))
    assert sent.base_linear == pytest.approx(robot.safety.limits.max_linear)
    obs = robot.observe()
    assert obs.rgb.shape == (128, 128, 3) and obs.depth.shape == (128, 128, 1)
    assert np.all(np.isfinite(obs.odometry))


def test_watchdog_stops_a_silent_controller(robot):
    robot.send(Action(0.0, 0.0))
    start = robot.world.base_pose().copy()
    robot.send(Action(0.0, 1.0))  # turn in place: never blocked by walls
    robot.advance(2.0)  # no command for 2 s of sim time
    turned = abs(np.angle(np.exp(1j * (robot.world.base_pose()[2] - start[2]))))
    # one commanded step (0.1 s) plus at most 0.5 s of holding it: about 0.6 rad, not 2.1
    assert 0.5 <= turned <= 0.65


def test_emergency_stop_latches(robot):
    robot.emergency_stop()
    before = robot.world.base_pose().copy()
    assert robot.send(Action(0.5, 1.0)) == Action()
    assert np.array_equal(robot.world.base_pose(), before)
    robot.safety.release()


def test_nan_command_stops_and_raises(robot):
    with pytest.raises(ContractError):
        robot.send(Action(float("nan"), 0.0))
