"""Resolve a plan's target phrase to something the world contains (privileged lookup).

Exact names first ("red mug"), then a phrase whose words name one thing ("mug", "the sink",
"counter"), nearest first when several match; then, when the language layer is installed, its
sentence-embedding snap ("crimson cup" → "red mug"). Nothing close enough → None (`not_found`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

TargetKind = Literal["object", "furniture", "room", "doorway"]
_FILLER = {"the", "a", "an", "of", "to", "that", "this", "some"}
_DOOR_WORDS = {"door", "doorway", "entrance", "opening"}


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    name: str
    xy: tuple[float, float]
    room: str | None


def _words(text: str) -> list[str]:
    return [w for w in text.lower().replace("-", " ").split() if w not in _FILLER]


def world_targets(world: Any) -> list[Target]:
    """Everything a plan may name in an apartment: objects, furniture, rooms."""
    layout = world.layout
    out = [
        Target("object", o.name, (float(o.position[0]), float(o.position[1])), o.room) for o in layout.objects
    ]
    out += [
        Target("furniture", f.name, (float(f.center[0]), float(f.center[1])), f.room)
        for f in layout.furniture
    ]
    out += [Target("room", r.name, r.center, r.name) for r in layout.rooms]
    return out


def _aliases(target: Target, world: Any) -> set[str]:
    """Single words that may name the target on their own: its category or furniture kind."""
    if target.kind == "object":
        return {world.object_spec(target.name).category}
    if target.kind == "furniture":
        return {world.furniture(target.name).kind}
    return set()


def resolve_target(text: str, world: Any, robot_xy: np.ndarray | None = None) -> Target | None:
    """The world entity that ``text`` names, or None."""
    phrase = " ".join(_words(text))
    if not phrase:
        return None
    targets = world_targets(world)
    exact = [t for t in targets if t.name == phrase]
    if exact:
        return exact[0]
    words = set(phrase.split())
    matches = [t for t in targets if words <= set(t.name.split()) | _aliases(t, world)]
    if matches:
        return _nearest(matches, robot_xy)
    snapped = _embedding_snap(phrase, [t.name for t in targets])
    return next((t for t in targets if t.name == snapped), None)


def _nearest(matches: list[Target], robot_xy: np.ndarray | None) -> Target:
    if robot_xy is None:
        return matches[0]
    return min(matches, key=lambda t: math.dist(t.xy, (float(robot_xy[0]), float(robot_xy[1]))))


def _embedding_snap(phrase: str, names: list[str]) -> str | None:
    try:
        from robostack.language.grounding import snap
    except ImportError:
        return None
    return snap(phrase, names)


def is_door_phrase(text: str) -> bool:
    return bool(set(_words(text)) & _DOOR_WORDS)
