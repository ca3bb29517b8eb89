"""`SimRobot`: the Robot protocol over a simulated world (a gymnasium env from the registry).

Each ``send`` is one control period of the world. ``advance`` lets sim time pass with no new
command, the way a real controller keeps applying its last command: that is where the watchdog
stops the base.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from robostack.core import registry
from robostack.core.errors import ContractError, RobostackError
from robostack.core.types import Action, Observation
from robostack.hal.safety import SafetyLayer, SafetyLimits
from robostack.hal.specs import Feature, mobile_manipulator_action_spec, mobile_manipulator_observation_spec


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
        return mobile_manipulator_observation_spec(cfg.image_size, cfg.wrist_image_size)

    @property
    def action_spec(self) -> dict[str, Feature]:
        lim = self.safety.limits
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
        return float(self._info.get("sim_time", 0.0))

    @property
    def control_dt(self) -> float:
        return float(self._config().control_dt)

    @property
    def last_info(self) -> dict[str, Any]:
        return self._info

    # -- the protocol ---------------------------------------------------------------------------
    def observe(self) -> Observation:
        self._require_connection()
        assert self._obs is not None
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
        if self.env is not None:
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
        arm = self._obs["joints"][:7] if sent.arm_joints is None else np.asarray(sent.arm_joints)
        if sent.gripper is not None:
            self._gripper_command = sent.gripper
        command = np.concatenate(
            [[sent.base_linear, sent.base_angular], arm, [self._gripper_command]]
        ).astype(np.float32)
        self._obs, _, _, _, self._info = self.env.step(command)
        self.collisions += int(bool(self._info.get("collision", False)))
        self._last_sent = sent
