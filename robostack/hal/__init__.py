"""The hardware abstraction layer: the Robot protocol, SimRobot, and the safety layer."""

from robostack.hal.robot import Robot
from robostack.hal.safety import SafetyLayer, SafetyLimits, Watchdog
from robostack.hal.sim_robot import SimRobot

__all__ = ["Robot", "SafetyLayer", "SafetyLimits", "SimRobot", "Watchdog"]
