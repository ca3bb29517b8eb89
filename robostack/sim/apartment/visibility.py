"""Which rooms a camera can see: portal culling through doorways.

TinyRenderer pays for every triangle it rasterises, hidden or not. Walls are opaque and rooms connect
only through doorways, so a room is visible exactly when a line of sight passes through the chain of
doorways leading to it; the world parks the furniture of the other rooms out of view before rendering.
(Walls themselves are ray-cast, see `surfaces.py`, and hide whatever TinyRenderer draws behind them, so
culling changes only the cost of a frame, never its pixels.)

The test is conservative: a doorway within ``NEAR_DOOR`` of the camera opens its room (and everything
that room's doorways show within the field of view) unconditionally, since a camera standing in a
doorway sees both rooms at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from robostack.core.geometry import wrap_angle
from robostack.sim.apartment.layout import ApartmentLayout, Doorway

NEAR_DOOR = 1.0
"""Metres: a doorway this close to the camera shows the room behind it whatever the direction."""
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


Interval = tuple[float, float]
"""Bearings (radians, relative to a reference direction) ``lo <= hi``, within (-2pi, 2pi)."""


def _subtends(eye: tuple[float, float], portal: _Portal, ref: float) -> Interval:
    """The bearings under which the portal's opening is seen from ``eye``, relative to ``ref``.

    The eye is never on a portal's line when this is called (near doorways are handled separately),
    so the opening spans less than pi and the interval does not wrap."""
    ta = wrap_angle(math.atan2(portal.a[1] - eye[1], portal.a[0] - eye[0]) - ref)
    tb = wrap_angle(math.atan2(portal.b[1] - eye[1], portal.b[0] - eye[0]) - ref)
    lo, hi = min(ta, tb), max(ta, tb)
    if hi - lo > math.pi:  # the opening straddles the back direction: unwrap around it
        lo, hi = hi, lo + 2 * math.pi
    return lo, hi


def _intersect(a: Interval, b: Interval) -> Interval | None:
    """Intersection of two bearing intervals (trying b shifted by a full turn as well)."""
    for shift in (0.0, 2 * math.pi, -2 * math.pi):
        lo, hi = max(a[0], b[0] + shift), min(a[1], b[1] + shift)
        if lo < hi:
            return lo, hi
    return None


class RoomVisibility:
    """Answers `visible_rooms(eye_xy, heading, half_fov)` for one layout."""

    def __init__(self, layout: ApartmentLayout) -> None:
        self.layout = layout
        self.portals = [_portal(d) for d in layout.doorways]
        self.all_rooms = frozenset(r.name for r in layout.rooms)
        self._by_room: dict[str, list[_Portal]] = {r.name: [] for r in layout.rooms}
        for portal in self.portals:
            self._by_room[portal.door.room_a].append(portal)
            self._by_room[portal.door.room_b].append(portal)

    def visible_rooms(
        self, eye: tuple[float, float], heading: float | None = None, half_fov: float = math.radians(80)
    ) -> frozenset[str]:
        """Rooms that a camera at ``eye`` looking along ``heading`` (yaw, radians; None = all round)
        could see. ``half_fov`` is the widest horizontal half-angle of any pixel's ray.

        Rooms are convex (rectangles), so a sight line leaving through a chain of doorways exists exactly
        when the bearing intervals of those doorways (and of the field of view) overlap."""
        start = self.layout.room_at(eye[0], eye[1])
        if start is None:
            return self.all_rooms
        ref = heading if heading is not None else 0.0
        view: Interval = (-half_fov, half_fov) if heading is not None else (-4 * math.pi, 4 * math.pi)
        seen = {start}
        # Each frontier entry: (room, doorway it was entered by, bearings still open, depth).
        frontier: list[tuple[str, _Portal | None, Interval]] = [(start, None, view)]
        for _ in range(MAX_DEPTH):
            nxt: list[tuple[str, _Portal | None, Interval]] = []
            for room, came_by, window in frontier:
                for portal in self._by_room[room]:
                    if portal is came_by:
                        continue
                    door = portal.door
                    other = door.room_b if room == door.room_a else door.room_a
                    if came_by is None and math.dist(eye, door.center) <= NEAR_DOOR:
                        seen.add(other)
                        nxt.append((other, portal, view))
                        continue
                    through = _intersect(window, _subtends(eye, portal, ref))
                    if through is not None:
                        seen.add(other)
                        nxt.append((other, portal, through))
            frontier = nxt
            if not frontier:
                break
        return frozenset(seen)
