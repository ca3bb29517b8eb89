"""Types, registry, config loading, seeding and logging: the stack's shared kernel."""

from robostack.core.errors import ConfigError, ContractError, RobostackError, UnknownEntryError
from robostack.core.registry import get, names, register
from robostack.core.types import (
    LEVELS,
    NAV_ACTIONS,
    SKILLS,
    Action,
    EpisodeResult,
    Observation,
    Plan,
    SkillResult,
    Subtask,
)

__all__ = [
    "LEVELS",
    "NAV_ACTIONS",
    "SKILLS",
    "Action",
    "ConfigError",
    "ContractError",
    "EpisodeResult",
    "Observation",
    "Plan",
    "RobostackError",
    "SkillResult",
    "Subtask",
    "UnknownEntryError",
    "get",
    "names",
    "register",
]
