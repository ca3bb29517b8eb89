"""The Robot protocol (DESIGN.md §3): one interface for simulated and real robots.

A policy sees only this, so it cannot tell `SimRobot` from `RemoteRobot`. ``send`` returns what
was actually sent after the safety layer, which sits below every policy.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from robostack.core.types import Action, Observation
from robostack.hal.specs import Feature


@runtime_checkable
class Robot(Protocol):
    @property
    def observation_spec(self) -> dict[str, Feature]: ...

    @property
    def action_spec(self) -> dict[str, Feature]: ...

    @property
    def is_connected(self) -> bool: ...

    def connect(self) -> None: ...

    def observe(self) -> Observation: ...

    def send(self, action: Action) -> Action: ...

    def stop(self) -> None: ...

    def emergency_stop(self) -> None: ...

    def disconnect(self) -> None: ...

    def __enter__(self) -> Robot: ...

    def __exit__(self, *exc: object) -> None: ...
