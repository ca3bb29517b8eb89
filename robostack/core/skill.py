"""The Skill contract (DESIGN.md §3): run one subtask closed-loop over a Robot."""

from __future__ import annotations

from typing import Protocol

from robostack.core.types import SkillResult, Subtask
from robostack.hal.robot import Robot


class Skill(Protocol):
    def run(self, subtask: Subtask, robot: Robot) -> SkillResult:
        """Carry ``subtask`` out within the skill's step budget; say why on failure."""
        ...
