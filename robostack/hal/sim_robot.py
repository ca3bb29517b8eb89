"""`SimRobot`: the Robot protocol over a simulated world (a gymnasium env from the registry).

Each ``send`` is one control period of the world. ``advance`` lets sim time pass with no new
command, the way a real controller keeps applying its last command: that is where the watchdog
stops the base.

Two kinds of world are supported, chosen by the world class's ``hal_profile``:

- ``mobile_manipulator`` (the default; the apartment): camera, odometry, a Panda arm;
- ``tracked_people`` (the crowd world): a camera-less differential-drive base among people whose
  tracks arrive in ``Observation.extras`` (``pedestrians``, ``pedestrian_mask``, ``goal``), as a
  real robot's people tracker would deliver them. The world moves a holonomic disc, so the
  base's unicycle motion is integrated here and handed to it as one velocity per period.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from robostack.core import registry
from robostack.core.errors import ContractError, RobostackError
from robostack.core.geometry import wrap_angle
from robostack.core.types import Action, Observation
from robostack.hal.safety import SafetyLayer, SafetyLimits
from robostack.hal.specs import (
    Feature,
    base_action_spec,
    mobile_manipulator_action_spec,
    mobile_manipulator_observation_spec,
    tracked_people_observation_spec,
)

TRACKED_PEOPLE = "tracked_people"


class NotConnectedError(RobostackError):
    """A command or reading on a robot that is not connected."""


class SimRobot:
    """A mobile manipulator in a simulated world, behind the safety layer."""

    def __init__(
        self,
        world: str = "apartment",
        seed: int = 0,
        world_config: Any = None,
        limits: SafetyLimits | None = None,
    ) -> None:
        self.world_name = world
        self.seed = seed
        self._world_cls = registry.get("world", world)  # fail fast on an unknown world
        self.profile: str = getattr(self._world_cls, "hal_profile", "mobile_manipulator")
        self._base = _DifferentialBase()
        self._world_config = world_config
        self.safety = SafetyLayer(limits or SafetyLimits())
        self.env: Any = None
        self._obs: dict[str, np.ndarray] | None = None
        self._info: dict[str, Any] = {}
        self._last_sent = Action()
        self._gripper_command = 0.0
        self.collisions = 0

    # -- specs: readable without a connection ------------------------------------------------
    @property
    def observation_spec(self) -> dict[str, Feature]:
        cfg = self._config()
        if self.profile == TRACKED_PEOPLE:
            return tracked_people_observation_spec(cfg.max_peds, cfg.obs_len)
        return mobile_manipulator_observation_spec(cfg.image_size, cfg.wrist_image_size)

    @property
    def action_spec(self) -> dict[str, Feature]:
        lim = self.safety.limits
        if self.profile == TRACKED_PEOPLE:
            return base_action_spec(lim.max_linear, lim.max_angular)
        return mobile_manipulator_action_spec(lim.max_linear, lim.max_angular)

    def _config(self) -> Any:
        if self._world_config is None:
            # a world builds nothing heavy before reset(), so its default config is cheap to read
            self._world_config = self.env.unwrapped.config if self.env else self._world_cls().config
        return self._world_config

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        return self.env is not None

    def connect(self) -> None:
        if self.env is None:
            self.env = self._world_cls(config=self._world_config)
            self._obs, self._info = self.env.reset(seed=self.seed)
            if self.profile == TRACKED_PEOPLE:
                self._base.start_facing(self._obs["robot"][:2], self._obs["robot"][4:6])

    def disconnect(self) -> None:
        if self.env is not None:
            self.stop()
            self.env.close()
            self.env = None

    def __enter__(self) -> SimRobot:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disconnect()

    # -- privileged access, for classical baselines and metrics only ---------------------------
    @property
    def world(self) -> Any:
        self._require_connection()
        return self.env.unwrapped.world

    @property
    def time(self) -> float:
        return float(self._info.get("sim_time", self._info.get("time", 0.0)))

    @property
    def control_dt(self) -> float:
        cfg = self._config()
        return float(cfg.dt if self.profile == TRACKED_PEOPLE else cfg.control_dt)

    @property
    def last_info(self) -> dict[str, Any]:
        return self._info

    # -- the protocol ---------------------------------------------------------------------------
    def observe(self) -> Observation:
        self._require_connection()
        assert self._obs is not None
        if self.profile == TRACKED_PEOPLE:
            obs = self._base.observation(self._obs, self.time)
            obs.validate()
            return obs
        obs = Observation(
            rgb=self._obs["rgb"],
            depth=self._obs["depth"],
            wrist_rgb=self._obs.get("wrist_rgb"),
            odometry=self._obs["odometry"],
            joint_positions=self._obs["joints"],
            time=self.time,
        )
        obs.validate()
        return obs

    def send(self, action: Action) -> Action:
        """Apply one command for one control period; return what was actually sent."""
        self._require_connection()
        try:
            sent = self.safety.filter(action)
        except ContractError:
            self.stop()
            raise
        self._step(sent)
        self.safety.watchdog.feed(self.time)
        return sent

    def advance(self, seconds: float) -> None:
        """Let time pass with no new command; the watchdog stops the base after its timeout."""
        self._require_connection()
        for _ in range(round(seconds / self.control_dt)):
            self._step(self.safety.hold(self._last_sent, self.time))

    def stop(self) -> None:
        """Stop the base and hold the arm where it is."""
        if self.env is None:
            return
        if self.profile == TRACKED_PEOPLE:
            # the world's command is one velocity per period: stopping is immediate, no period passes
            self._base.rates = (0.0, 0.0)
            self._last_sent = Action()
            return
        self._step(Action())

    def emergency_stop(self) -> None:
        self.safety.emergency_stop()
        self.stop()

    # -- internals --------------------------------------------------------------------------------
    def _require_connection(self) -> None:
        if self.env is None:
            raise NotConnectedError("robot is not connected: call connect() or use it as a context manager")

    def _step(self, sent: Action) -> None:
        assert self._obs is not None
        if self.profile == TRACKED_PEOPLE:
            velocity = self._base.move(sent.base_linear, sent.base_angular, self.control_dt)
            self._obs, _, _, _, self._info = self.env.step(velocity)
            self.collisions += int(bool(self._info.get("collision", False)))
            self._last_sent = sent
            return
        arm = self._obs["joints"][:7] if sent.arm_joints is None else np.asarray(sent.arm_joints)
        if sent.gripper is not None:
            self._gripper_command = sent.gripper
        command = np.concatenate(
            [[sent.base_linear, sent.base_angular], arm, [self._gripper_command]]
        ).astype(np.float32)
        self._obs, _, _, _, self._info = self.env.step(command)
        self.collisions += int(bool(self._info.get("collision", False)))
        self._last_sent = sent


class _DifferentialBase:
    """A unicycle base driving a world that moves a holonomic disc by one velocity per period.

    The world only knows the disc's position; heading and rates live here, like a real base's
    odometry. A command (v, omega) held for ``dt`` ends where the arc ends, so the world is handed
    the arc's chord as its velocity for the period.
    """

    def __init__(self) -> None:
        self.yaw = 0.0
        self.rates = (0.0, 0.0)

    def start_facing(self, position: np.ndarray, goal: np.ndarray) -> None:
        """Start facing the goal, the way an operator sets a robot down to cross."""
        delta = np.asarray(goal, dtype=float) - np.asarray(position, dtype=float)
        self.yaw = math.atan2(float(delta[1]), float(delta[0]))
        self.rates = (0.0, 0.0)

    def move(self, linear: float, angular: float, dt: float) -> np.ndarray:
        """The world's velocity (vx, vy) for one period of (linear, angular); updates the heading."""
        turn = angular * dt
        # chord length of the arc: 2 v/omega sin(omega dt/2) -> v dt as omega -> 0
        chord = linear * dt * (math.sin(turn / 2) / (turn / 2) if abs(turn) > 1e-9 else 1.0)
        heading = self.yaw + turn / 2
        self.yaw = wrap_angle(self.yaw + turn)
        self.rates = (linear, angular)
        return np.array([math.cos(heading), math.sin(heading)], dtype=np.float32) * np.float32(chord / dt)

    def observation(self, world_obs: dict[str, np.ndarray], time: float) -> Observation:
        robot = world_obs["robot"]
        odometry = np.array([robot[0], robot[1], self.yaw, *self.rates], dtype=np.float32)
        return Observation(
            rgb=np.zeros((0, 0, 3), dtype=np.uint8),
            depth=np.zeros((0, 0, 1), dtype=np.float32),
            odometry=odometry,
            joint_positions=np.zeros(0, dtype=np.float32),
            time=time,
            extras={
                "pedestrians": world_obs["pedestrians"].astype(np.float32),
                "pedestrian_mask": world_obs["mask"].astype(np.int8),
                "goal": robot[4:6].astype(np.float32),
            },
        )
