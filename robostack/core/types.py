"""The vocabulary every part of the stack shares (DESIGN.md §1 and §3).

Messages that cross a boundary (parser → pipeline → skill → robot → report) are these typed
objects, never loose dicts. The JSON forms of `Plan`, `SkillResult` and `EpisodeResult` are
contracts: tests, launch scripts and evaluation read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from robostack.core.errors import ContractError

NAV_ACTIONS: tuple[str, ...] = (
    "go_to",
    "go_past",
    "go_into",
    "go_through",
    "exit",
    "turn_left",
    "turn_right",
    "stop",
)
"""A²Nav's navigation actions, exactly."""

SKILLS: tuple[str, ...] = ("navigate", "pick", "place", "route_cable", "drive", "plan")
LEVELS: tuple[str, ...] = ("L0", "L1", "L2")
"""Abstraction levels (Arumugam et al.): L0 primitive moves, L1 intermediate, L2 whole goals."""

Level = Literal["L0", "L1", "L2"]
FloatArray = NDArray[np.float32]


@dataclass(frozen=True)
class Subtask:
    """One step of a plan, e.g. ``navigate(go_into, kitchen)`` or ``place(red mug -> sink)``."""

    skill: str
    action: str
    target: str = ""
    receptacle: str = ""

    def __post_init__(self) -> None:
        if self.skill not in SKILLS:
            raise ContractError(f"unknown skill {self.skill!r}; expected one of {', '.join(SKILLS)}")
        if self.skill == "navigate" and self.action not in NAV_ACTIONS:
            raise ContractError(
                f"unknown navigation action {self.action!r}; expected one of {', '.join(NAV_ACTIONS)}"
            )
        if self.target != self.target.strip().lower():
            raise ContractError(f"targets are lower-case noun phrases, got {self.target!r}")

    def to_json(self) -> dict[str, str]:
        out = {"skill": self.skill, "action": self.action, "target": self.target}
        if self.receptacle:
            out["receptacle"] = self.receptacle
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Subtask:
        return cls(
            skill=str(data["skill"]),
            action=str(data["action"]),
            target=str(data.get("target", "")),
            receptacle=str(data.get("receptacle", "")),
        )

    def __str__(self) -> str:
        if self.skill == "place":
            return f"place({self.target} -> {self.receptacle})"
        if self.skill == "navigate":
            return f"navigate({self.action}, {self.target})" if self.target else f"navigate({self.action})"
        return f"{self.skill}({self.target})"


@dataclass(frozen=True)
class Plan:
    """An instruction decomposed into ordered subtasks, with the level it was given at."""

    instruction: str
    level: Level
    subtasks: tuple[Subtask, ...]

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ContractError(f"unknown level {self.level!r}; expected one of {', '.join(LEVELS)}")

    def to_json(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction,
            "level": self.level,
            "subtasks": [s.to_json() for s in self.subtasks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(
            instruction=str(data["instruction"]),
            level=data["level"],
            subtasks=tuple(Subtask.from_json(s) for s in data["subtasks"]),
        )


@dataclass
class Observation:
    """What a robot senses at one control step. Images are HxWxC, depth in metres (HxWx1)."""

    rgb: NDArray[np.uint8]
    depth: FloatArray
    odometry: FloatArray
    """Base pose and velocity in the odometry frame: ``[x, y, yaw, v, omega]``."""
    joint_positions: FloatArray
    """Arm joints (7) then the two gripper fingers, radians / metres."""
    wrist_rgb: NDArray[np.uint8] | None = None
    time: float = 0.0
    """Seconds since the episode began (sim time, or the robot's clock)."""
    extras: dict[str, NDArray[Any]] = field(default_factory=dict)
    """Further named signals a robot provides (e.g. tracked pedestrians), as its observation_spec lists."""

    def validate(self) -> None:
        """Raise `ContractError` on non-finite readings: a NaN must never reach a policy."""
        for name in ("depth", "odometry", "joint_positions"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ContractError(f"observation field {name!r} holds NaN or infinite values")
        for name, value in self.extras.items():
            if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
                raise ContractError(f"observation extra {name!r} holds NaN or infinite values")


@dataclass(frozen=True)
class Action:
    """A command for a mobile manipulator. ``None`` leaves that part as it is."""

    base_linear: float = 0.0
    """Forward velocity, m/s."""
    base_angular: float = 0.0
    """Yaw rate, rad/s (positive = counter-clockwise, turning left)."""
    arm_joints: tuple[float, ...] | None = None
    """Target positions for the 7 arm joints, radians."""
    gripper: float | None = None
    """0 = open, 1 = closed."""

    def is_finite(self) -> bool:
        values = [self.base_linear, self.base_angular, *(self.arm_joints or ()), self.gripper or 0.0]
        return bool(np.all(np.isfinite(values)))


FailureReason = Literal[
    "",
    "timeout",
    "collision",
    "not_found",
    "unreachable",
    "grasp_failed",
    "place_failed",
    "not_holding",
    "emergency_stop",
    "unsupported",
    "skipped",
]


@dataclass
class SkillResult:
    """How one subtask went. ``reason`` is empty on success."""

    subtask: Subtask
    success: bool
    reason: FailureReason = ""
    steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "subtask": self.subtask.to_json(),
            "success": bool(self.success),
            "reason": self.reason,
            "steps": int(self.steps),
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "detail": self.detail,
        }


@dataclass
class EpisodeResult:
    """One full episode: the plan, how each subtask went, and the episode's metrics."""

    instruction: str
    plan: Plan
    subtasks: list[SkillResult]
    metrics: dict[str, float]
    seed: int
    world: str
    versions: dict[str, str] = field(default_factory=dict)
    trajectory: list[tuple[float, float]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return bool(self.subtasks) and all(r.success for r in self.subtasks)

    def to_json(self) -> dict[str, Any]:
        return {
            "instruction": self.instruction,
            "world": self.world,
            "seed": self.seed,
            "success": self.success,
            "plan": self.plan.to_json(),
            "subtasks": [r.to_json() for r in self.subtasks],
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "trajectory": [list(p) for p in self.trajectory],
            "versions": self.versions,
        }


def as_plain(obj: Any) -> Any:
    """Dataclass → JSON-ready value (numpy scalars and arrays become Python numbers and lists)."""
    if hasattr(obj, "to_json"):
        return obj.to_json()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [as_plain(v) for v in obj]
    if hasattr(obj, "__dataclass_fields__"):
        return as_plain(asdict(obj))
    return obj
