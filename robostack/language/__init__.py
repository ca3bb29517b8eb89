"""The instruction parser: text → `Plan` (DESIGN.md §3), behind the registry's ``parser`` kind.

``import robostack.language`` stays light (no torch): backends import their models on first use.
"""

from __future__ import annotations

from robostack.core import registry
from robostack.core.types import Plan

DEFAULT_BACKEND = "rules"

registry.declare("parser", "openai", "robostack.language.openai_backend")


def get_parser(backend: str = DEFAULT_BACKEND) -> object:
    """An instance of the registered parser backend ``backend`` (one clear error if unknown)."""
    return registry.get("parser", backend)()


def parse(text: str, backend: str = DEFAULT_BACKEND) -> Plan:
    """Parse one instruction into a `Plan` with the named backend."""
    parser = get_parser(backend)
    plan: Plan = parser.parse(text)  # type: ignore[attr-defined]
    return plan


__all__ = ["DEFAULT_BACKEND", "Plan", "get_parser", "parse"]
