"""One registry for everything pluggable: worlds, skills, policies and parser backends.

Kinds: ``world``, ``skill``, ``policy``, ``parser``, and ``command`` (CLI commands; a name such
as ``eval/trajectory`` is the sub-command ``robostack eval trajectory``).

Register with a decorator::

    @register("skill", "navigate/classical")
    class ClassicalNavigate: ...

Built-in entries are declared below by module, so `get()` imports a heavy module (torch,
pybullet) only when that entry is first asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from robostack.core.errors import UnknownEntryError

KINDS = ("world", "skill", "policy", "parser", "command")

T = TypeVar("T")

_entries: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}

# name -> module that registers it on import
_builtin_modules: dict[str, dict[str, str]] = {
    "world": {
        "apartment": "robostack.sim.apartment.env",
        "crowd": "robostack.sim.crowd.env",
        "tabletop": "robostack.sim.tabletop.env",
        "driving": "robostack.sim.driving.env",
    },
    "skill": {
        "navigate/classical": "robostack.policies.baselines.navigate",
        "pick/classical": "robostack.policies.baselines.manipulate",
        "place/classical": "robostack.policies.baselines.manipulate",
        "navigate/learned": "robostack.policies.vint.skill",
        "navigate/social": "robostack.policies.singular_trajectory.skill",
        "pick/learned": "robostack.policies.m2t2.skill",
        "place/learned": "robostack.policies.m2t2.skill",
    },
    "policy": {
        "singular-trajectory": "robostack.policies.singular_trajectory.policy",
        "vint": "robostack.policies.vint.policy",
        "m2t2": "robostack.policies.m2t2.policy",
        "carl": "robostack.policies.carl.policy",
    },
    "parser": {"rules": "robostack.language.rules"},
    "command": {},
}


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise UnknownEntryError(f"unknown registry kind {kind!r}; expected one of {', '.join(KINDS)}")


def register(kind: str, name: str) -> Callable[[T], T]:
    """Decorator that files a class or factory under ``kind``/``name``."""
    _check_kind(kind)

    def decorate(obj: T) -> T:
        existing = _entries[kind].get(name)
        if existing is not None and existing is not obj:
            raise ValueError(f"{kind} {name!r} is registered twice")
        _entries[kind][name] = obj
        return obj

    return decorate


def declare(kind: str, name: str, module: str) -> None:
    """Declare a lazily imported entry (for plugins and later parts of the stack)."""
    _check_kind(kind)
    _builtin_modules[kind][name] = module


def get(kind: str, name: str) -> Any:
    """Look an entry up, importing its module on first use."""
    _check_kind(kind)
    if name not in _entries[kind] and name in _builtin_modules[kind]:
        importlib.import_module(_builtin_modules[kind][name])
    try:
        return _entries[kind][name]
    except KeyError:
        choices = ", ".join(names(kind)) or "none"
        raise UnknownEntryError(f"unknown {kind} {name!r}; available: {choices}") from None


def names(kind: str) -> list[str]:
    """Every name known for ``kind``, registered or declared."""
    _check_kind(kind)
    return sorted(set(_entries[kind]) | set(_builtin_modules[kind]))
