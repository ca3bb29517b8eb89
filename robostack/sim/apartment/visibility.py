"""Which rooms a camera can see: portal culling through doorways.

TinyRenderer pays for every triangle it rasterises, hidden or not, so drawing the whole apartment
for every frame costs several times what the visible part costs (walls of far rooms overlap each other
many times in the image). Walls here are opaque and rooms connect only through doorways, so a room is
visible exactly when a line of sight passes through the chain of doorways leading to it. Rooms that
fail the test are moved out of view before rendering; the rendered image is unchanged.

The test is conservative: a doorway within ``NEAR_DOOR`` of the camera opens its room unconditionally,
and line of sight is sampled along each doorway's width, so rooms are never hidden wrongly in practice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from robostack.sim.apartment.layout import ApartmentLayout, Doorway

NEAR_DOOR = 1.0
"""Metres: a doorway this close to the camera shows the room behind it whatever the direction."""
SAMPLES = 9
"""Points sampled across a doorway's width for the line-of-sight test."""
MAX_DEPTH = 4
"""Doorways a line of sight may pass through."""


@dataclass(frozen=True)
class _Portal:
    door: Doorway
    a: tuple[float, float]
    b: tuple[float, float]


def _portal(door: Doorway) -> _Portal:
    cx, cy = door.center
    h = door.width / 2
    if door.wall_axis == "x":
        return _Portal(door, (cx - h, cy), (cx + h, cy))
    return _Portal(door, (cx, cy - h), (cx, cy + h))


def _cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p: tuple[float, float], q: tuple[float, float], portal: _Portal) -> bool:
    """Does the sight line p->q pass through the portal's opening?"""
    d1 = _cross(portal.a, portal.b, p)
    d2 = _cross(portal.a, portal.b, q)
    d3 = _cross(p, q, portal.a)
    d4 = _cross(p, q, portal.b)
    return (d1 * d2 <= 0) and (d3 * d4 <= 0)


def _in_view(
    eye: tuple[float, float], point: tuple[float, float], heading: float | None, half_fov: float
) -> bool:
    if heading is None:
        return True
    bearing = math.atan2(point[1] - eye[1], point[0] - eye[0]) - heading
    bearing = math.atan2(math.sin(bearing), math.cos(bearing))
    return abs(bearing) <= half_fov


class RoomVisibility:
    """Answers `visible_rooms(eye_xy, heading, half_fov)` for one layout."""

    def __init__(self, layout: ApartmentLayout) -> None:
        self.layout = layout
        self.portals = [_portal(d) for d in layout.doorways]
        self.all_rooms = frozenset(r.name for r in layout.rooms)

    def visible_rooms(
        self, eye: tuple[float, float], heading: float | None = None, half_fov: float = math.radians(80)
    ) -> frozenset[str]:
        """Rooms that a camera at ``eye`` looking along ``heading`` (yaw, radians; None = all round)
        could see. ``half_fov`` is the widest horizontal half-angle of any pixel's ray."""
        start = self.layout.room_at(eye[0], eye[1])
        if start is None:
            return self.all_rooms
        seen = {start}
        # Each frontier entry: (room, portals the sight line must pass through to get there).
        frontier: list[tuple[str, tuple[_Portal, ...]]] = [(start, ())]
        for _ in range(MAX_DEPTH):
            nxt: list[tuple[str, tuple[_Portal, ...]]] = []
            for room, chain in frontier:
                for portal in self.portals:
                    door = portal.door
                    if room not in (door.room_a, door.room_b) or any(portal is c for c in chain):
                        continue
                    other = door.room_b if room == door.room_a else door.room_a
                    near = math.dist(eye, door.center) <= NEAR_DOOR and not chain
                    if near:
                        seen.add(other)
                        nxt.append((other, ()))
                    elif self._sees_through(eye, heading, half_fov, chain, portal):
                        seen.add(other)
                        nxt.append((other, (*chain, portal)))
            frontier = nxt
            if not frontier:
                break
        return frozenset(seen)

    @staticmethod
    def _sees_through(
        eye: tuple[float, float],
        heading: float | None,
        half_fov: float,
        chain: tuple[_Portal, ...],
        portal: _Portal,
    ) -> bool:
        for i in range(SAMPLES):
            t = (i + 0.5) / SAMPLES
            q = (portal.a[0] + t * (portal.b[0] - portal.a[0]), portal.a[1] + t * (portal.b[1] - portal.a[1]))
            if not _in_view(eye, q, heading, half_fov):
                continue
            # Extend the sight line past the doorway so it also has to clear the earlier doorways.
            if all(_segments_cross(eye, q, c) for c in chain):
                return True
        return False
