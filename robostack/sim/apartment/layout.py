"""Procedural apartments: rooms, doorways, furniture and graspable objects from one integer seed.

The floor plan is a binary space partition of a rectangle into 3-6 rooms; every split line gets exactly
one ~1 m doorway between two rooms that touch it, so the doorways form a spanning tree and every room
is reachable. Furniture goes against walls (or free-standing for tables), away from doorways, and is
kept only if the robot can still reach every room and get within arm's reach of it. Objects sit on
furniture tops near an edge the robot can drive up to.

Guarantees (tested over many seeds): a kitchen with a ``sink`` and a ``red mug``; unique object names
("<colour> <category>") and furniture names; objects at most 0.06 m wide across one horizontal axis, so
a Panda gripper can take them top-down.

Pure Python + numpy (+ the occupancy module): no pybullet, so planners and tests can use layouts alone.
All walls are axis-aligned; coordinates are metres, the apartment spans ``[0, width] x [0, depth]``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from robostack.sim.apartment.occupancy import OccupancyMap, Rect, rasterize

WALL_THICKNESS = 0.1
WALL_HEIGHT = 2.5
DOOR_WIDTH = 1.0
MIN_ROOM_SIDE = 2.6
RESOLUTION = 0.05
ROBOT_RADIUS = 0.33
"""Circumscribed radius of the robot base (0.50 x 0.40 m); the layout keeps rooms reachable for it."""
ARM_REACH = 0.68
"""How far from the base centre an object may be and still count as reachable when laying out."""

OTHER_ROOMS = ("living room", "bedroom", "bathroom", "hallway", "office")


@dataclass(frozen=True)
class Room:
    """An axis-aligned room; bounds are wall centrelines."""

    name: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def interior(self) -> Rect:
        """The floor inside the walls."""
        h = WALL_THICKNESS / 2
        return (self.x0 + h, self.y0 + h, self.x1 - h, self.y1 - h)


@dataclass(frozen=True)
class Doorway:
    """An opening in a wall between two rooms. ``wall_axis`` is the axis the wall runs along ("x" means
    a wall of constant y, crossed by driving along y)."""

    room_a: str
    room_b: str
    center: tuple[float, float]
    width: float
    wall_axis: str


@dataclass(frozen=True)
class Wall:
    """A wall segment along its centreline (axis-aligned), ``WALL_THICKNESS`` thick."""

    x0: float
    y0: float
    x1: float
    y1: float

    def rect(self) -> Rect:
        h = WALL_THICKNESS / 2
        return (
            min(self.x0, self.x1) - h,
            min(self.y0, self.y1) - h,
            max(self.x0, self.x1) + h,
            max(self.y0, self.y1) + h,
        )


@dataclass(frozen=True)
class Furniture:
    """A piece of furniture: a box footprint ``size = (sx, sy, height)`` in world axes around ``center``.

    ``top_z`` is the height of the surface objects rest on (for the sink, its rim; the basin is lower).
    ``facing`` is the yaw of the side the robot should approach from (away from the wall)."""

    name: str
    kind: str
    room: str
    center: tuple[float, float]
    size: tuple[float, float, float]
    top_z: float
    receptacle: bool = True
    facing: float = 0.0

    def footprint(self) -> Rect:
        cx, cy = self.center
        return (cx - self.size[0] / 2, cy - self.size[1] / 2, cx + self.size[0] / 2, cy + self.size[1] / 2)


@dataclass(frozen=True)
class ObjectSpec:
    """A graspable object resting on a furniture top. ``position`` is its centre (world, metres);
    ``size`` its full extents ``(sx, sy, sz)`` in its own frame, which is rotated by ``yaw``."""

    name: str
    category: str
    color: str
    rgba: tuple[float, float, float, float]
    room: str
    furniture: str
    position: tuple[float, float, float]
    size: tuple[float, float, float]
    shape: str = "box"
    """``box``, ``cylinder`` or ``sphere``."""
    yaw: float = 0.0


@dataclass(frozen=True)
class ApartmentLayout:
    """Everything static about one apartment, plus where the robot starts: ``(x, y, yaw)``."""

    seed: int
    rooms: tuple[Room, ...]
    doorways: tuple[Doorway, ...]
    furniture: tuple[Furniture, ...]
    objects: tuple[ObjectSpec, ...]
    robot_start: tuple[float, float, float]
    walls: tuple[Wall, ...] = ()
    size: tuple[float, float] = (0.0, 0.0)
    """Apartment extent ``(width, depth)``, metres."""

    def room(self, name: str) -> Room:
        for room in self.rooms:
            if room.name == name:
                return room
        raise KeyError(f"no room named {name!r}; rooms: {', '.join(r.name for r in self.rooms)}")

    def room_at(self, x: float, y: float) -> str | None:
        for room in self.rooms:
            if room.contains(x, y):
                return room.name
        return None

    def furniture_named(self, name: str) -> Furniture:
        for piece in self.furniture:
            if piece.name == name:
                return piece
        raise KeyError(f"no furniture named {name!r}")

    def object_named(self, name: str) -> ObjectSpec:
        for obj in self.objects:
            if obj.name == name:
                return obj
        raise KeyError(f"no object named {name!r}")

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (for episode records and other tools); `from_json` reads it back."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApartmentLayout:
        def tup(v: Any) -> Any:
            return tuple(tup(x) for x in v) if isinstance(v, list) else v

        def build(kind: type, items: list[dict[str, Any]]) -> tuple[Any, ...]:
            return tuple(kind(**{k: tup(v) for k, v in item.items()}) for item in items)

        return cls(
            seed=int(data["seed"]),
            rooms=build(Room, data["rooms"]),
            doorways=build(Doorway, data["doorways"]),
            furniture=build(Furniture, data["furniture"]),
            objects=build(ObjectSpec, data["objects"]),
            robot_start=tup(data["robot_start"]),
            walls=build(Wall, data.get("walls", [])),
            size=tup(data.get("size", (0.0, 0.0))),
        )

    def obstacle_rects(self) -> list[Rect]:
        """Walls and furniture footprints: what blocks the base."""
        return [w.rect() for w in self.walls] + [f.footprint() for f in self.furniture]

    def occupancy(self, resolution: float = RESOLUTION) -> OccupancyMap:
        """Raw occupancy: walls, furniture footprints and everything outside the outer walls."""
        return occupancy_from_rects(self.obstacle_rects(), self.size, resolution)


def occupancy_from_rects(rects: list[Rect], size: tuple[float, float], resolution: float) -> OccupancyMap:
    margin = 0.5
    origin = (-margin, -margin)
    shape = (
        int(math.ceil((size[1] + 2 * margin) / resolution)),
        int(math.ceil((size[0] + 2 * margin) / resolution)),
    )
    w, d = size
    outside = [
        (-10.0, -10.0, 0.0, d + 10.0),
        (w, -10.0, w + 10.0, d + 10.0),
        (-10.0, -10.0, w + 10.0, 0.0),
        (-10.0, d, w + 10.0, d + 10.0),
    ]
    return OccupancyMap(rasterize(rects + outside, origin, shape, resolution), resolution, origin)


# --- catalogues -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FurnitureTemplate:
    name: str
    kind: str
    length: tuple[float, float]
    depth: tuple[float, float]
    height: float
    against_wall: bool = True
    receptacle: bool = True
    probability: float = 1.0


FURNITURE_CATALOGUE: dict[str, tuple[_FurnitureTemplate, ...]] = {
    "kitchen": (
        _FurnitureTemplate("kitchen counter", "counter", (1.2, 1.8), (0.55, 0.6), 0.8),
        _FurnitureTemplate("sink", "sink", (0.8, 0.8), (0.55, 0.55), 0.8),
        _FurnitureTemplate(
            "kitchen table", "table", (0.9, 1.2), (0.7, 0.8), 0.75, against_wall=False, probability=0.7
        ),
    ),
    "living room": (
        _FurnitureTemplate("sofa", "sofa", (1.6, 2.0), (0.8, 0.9), 0.45, receptacle=False),
        _FurnitureTemplate("living room table", "table", (0.9, 1.1), (0.5, 0.6), 0.45, against_wall=False),
        _FurnitureTemplate("living room shelf", "shelf", (0.8, 1.2), (0.35, 0.4), 0.8),
    ),
    "bedroom": (
        _FurnitureTemplate("bed", "bed", (1.9, 2.0), (1.2, 1.4), 0.5, receptacle=False),
        _FurnitureTemplate("nightstand", "table", (0.45, 0.5), (0.4, 0.45), 0.55),
        _FurnitureTemplate("bedroom shelf", "shelf", (0.8, 1.0), (0.35, 0.4), 0.75, probability=0.7),
    ),
    "bathroom": (
        _FurnitureTemplate("bathroom counter", "counter", (0.8, 1.0), (0.45, 0.5), 0.8),
        _FurnitureTemplate("bathroom shelf", "shelf", (0.5, 0.7), (0.3, 0.35), 0.7, probability=0.6),
    ),
    "hallway": (_FurnitureTemplate("hallway shelf", "shelf", (0.7, 1.0), (0.3, 0.35), 0.8),),
    "office": (
        _FurnitureTemplate("desk", "table", (1.1, 1.4), (0.6, 0.7), 0.75),
        _FurnitureTemplate("office shelf", "shelf", (0.8, 1.0), (0.35, 0.4), 0.8),
    ),
}

OBJECT_CATALOGUE: dict[str, tuple[str, tuple[float, float, float]]] = {
    "mug": ("cylinder", (0.06, 0.06, 0.10)),
    "can": ("cylinder", (0.06, 0.06, 0.12)),
    "bottle": ("cylinder", (0.05, 0.05, 0.20)),
    "cup": ("cylinder", (0.055, 0.055, 0.09)),
    "block": ("box", (0.05, 0.05, 0.05)),
    "box": ("box", (0.05, 0.12, 0.16)),
    "sponge": ("box", (0.05, 0.09, 0.03)),
    "ball": ("sphere", (0.06, 0.06, 0.06)),
}
"""category -> (shape, full extents). Every one is at most 0.06 m across one horizontal axis."""

COLORS: dict[str, tuple[float, float, float, float]] = {
    "red": (0.85, 0.12, 0.12, 1.0),
    "green": (0.15, 0.65, 0.2, 1.0),
    "blue": (0.15, 0.3, 0.85, 1.0),
    "yellow": (0.95, 0.85, 0.15, 1.0),
    "orange": (0.95, 0.5, 0.1, 1.0),
    "purple": (0.55, 0.2, 0.7, 1.0),
    "white": (0.95, 0.95, 0.95, 1.0),
    "black": (0.08, 0.08, 0.08, 1.0),
    "pink": (0.95, 0.5, 0.7, 1.0),
}


# --- floor plan -----------------------------------------------------------------------------------


@dataclass
class _Node:
    rect: Rect
    axis: str = ""
    """"x" = cut at constant x (a wall running along y); "y" = cut at constant y."""
    cut: float = 0.0
    children: tuple[_Node, _Node] | None = None

    def leaves(self) -> list[_Node]:
        if self.children is None:
            return [self]
        return self.children[0].leaves() + self.children[1].leaves()


class LayoutError(RuntimeError):
    """A random draw that does not give a valid apartment; the generator retries."""


def _split(rect: Rect, k: int, rng: np.random.Generator) -> _Node:
    node = _Node(rect)
    if k == 1:
        return node
    x0, y0, x1, y1 = rect
    w, h = x1 - x0, y1 - y0
    for _ in range(30):
        if abs(w - h) < 1.0:
            axis = "x" if rng.random() < 0.5 else "y"
        else:
            axis = "x" if w > h else "y"
        k1 = int(rng.integers(1, k))
        frac = k1 / k + rng.uniform(-0.08, 0.08)
        lo, hi = (x0, x1) if axis == "x" else (y0, y1)
        cut = round((lo + frac * (hi - lo)) * 20) / 20
        a = (x0, y0, cut, y1) if axis == "x" else (x0, y0, x1, cut)
        b = (cut, y0, x1, y1) if axis == "x" else (x0, cut, x1, y1)
        if _feasible(a, k1) and _feasible(b, k - k1):
            node.axis, node.cut = axis, cut
            node.children = (_split(a, k1, rng), _split(b, k - k1, rng))
            return node
    raise LayoutError("cannot split")


def _feasible(rect: Rect, k: int) -> bool:
    w, h = rect[2] - rect[0], rect[3] - rect[1]
    if min(w, h) < MIN_ROOM_SIDE:
        return False
    return k == 1 or (max(w, h) >= 2 * MIN_ROOM_SIDE and w * h >= k * 7.0)


def _interval(rect: Rect, axis: str) -> tuple[float, float]:
    """The extent of ``rect`` along a cut line of the given axis."""
    return (rect[1], rect[3]) if axis == "x" else (rect[0], rect[2])


def _doorways(node: _Node, names: dict[int, str], rng: np.random.Generator) -> list[Doorway]:
    if node.children is None:
        return []
    left, right = node.children
    side_a = [n for n in left.leaves() if math.isclose(n.rect[2 if node.axis == "x" else 3], node.cut)]
    side_b = [n for n in right.leaves() if math.isclose(n.rect[0 if node.axis == "x" else 1], node.cut)]
    margin = 0.3
    pairs = []
    for a in side_a:
        for b in side_b:
            lo = (
                max(_interval(a.rect, node.axis)[0], _interval(b.rect, node.axis)[0])
                + margin
                + DOOR_WIDTH / 2
            )
            hi = (
                min(_interval(a.rect, node.axis)[1], _interval(b.rect, node.axis)[1])
                - margin
                - DOOR_WIDTH / 2
            )
            if hi > lo:
                pairs.append((a, b, lo, hi))
    if not pairs:
        raise LayoutError("no room for a doorway")
    a, b, lo, hi = pairs[int(rng.integers(len(pairs)))]
    along = round(rng.uniform(lo, hi) * 20) / 20
    center = (node.cut, along) if node.axis == "x" else (along, node.cut)
    door = Doorway(
        room_a=names[id(a)],
        room_b=names[id(b)],
        center=center,
        width=DOOR_WIDTH,
        wall_axis="y" if node.axis == "x" else "x",
    )
    return [door, *_doorways(left, names, rng), *_doorways(right, names, rng)]


def _walls(root: _Node, size: tuple[float, float], doors: list[Doorway]) -> list[Wall]:
    w, d = size
    walls = [Wall(0, 0, w, 0), Wall(0, d, w, d), Wall(0, 0, 0, d), Wall(w, 0, w, d)]
    stack = [root]
    while stack:
        node = stack.pop()
        if node.children is None:
            continue
        stack.extend(node.children)
        x0, y0, x1, y1 = node.rect
        lo, hi = (y0, y1) if node.axis == "x" else (x0, x1)
        gaps = sorted(
            door.center[1 if node.axis == "x" else 0]
            for door in doors
            if math.isclose(door.center[0 if node.axis == "x" else 1], node.cut)
            and lo < door.center[1 if node.axis == "x" else 0] < hi
        )
        start = lo
        for g in [*gaps, None]:
            end = hi if g is None else g - DOOR_WIDTH / 2
            if end - start > 1e-6:
                walls.append(
                    Wall(node.cut, start, node.cut, end)
                    if node.axis == "x"
                    else Wall(start, node.cut, end, node.cut)
                )
            if g is not None:
                start = g + DOOR_WIDTH / 2
    return walls


# --- furniture and objects ------------------------------------------------------------------------


def _door_keepouts(doors: list[Doorway]) -> list[Rect]:
    """Space in front of each doorway (both sides) that furniture must leave clear."""
    out = []
    for door in doors:
        cx, cy = door.center
        half_along, depth = door.width / 2 + 0.25, 1.0
        if door.wall_axis == "x":
            out.append((cx - half_along, cy - depth, cx + half_along, cy + depth))
        else:
            out.append((cx - depth, cy - half_along, cx + depth, cy + half_along))
    return out


def _overlaps(a: Rect, b: Rect, gap: float = 0.0) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _rect_distance(points: NDArray[np.float64], rect: Rect) -> NDArray[np.float64]:
    dx = np.maximum(np.maximum(rect[0] - points[:, 0], 0.0), points[:, 0] - rect[2])
    dy = np.maximum(np.maximum(rect[1] - points[:, 1], 0.0), points[:, 1] - rect[3])
    return np.hypot(dx, dy)


class _Reachability:
    """Where the robot's centre can go: the free component of the inflated map that holds the doorways."""

    def __init__(self, rects: list[Rect], size: tuple[float, float], doors: list[Doorway], rooms: list[Room]):
        self.nav = occupancy_from_rects(rects, size, RESOLUTION).inflated(ROBOT_RADIUS)
        labels, _ = self.nav.components()
        door_labels = {int(labels[self.nav.world_to_cell(d.center)]) for d in doors}
        self.ok = 0 not in door_labels and len(door_labels) == 1
        rows, cols = (
            np.nonzero(labels == next(iter(door_labels))) if self.ok else (np.array([]), np.array([]))
        )
        self.cells = np.stack([rows, cols], axis=1)
        self.points = np.stack(
            [self.nav.origin[0] + (cols + 0.5) * RESOLUTION, self.nav.origin[1] + (rows + 0.5) * RESOLUTION],
            axis=1,
        )
        if self.ok:
            for room in rooms:
                x0, y0, x1, y1 = room.interior()
                inside = (self.points[:, 0] > x0) & (self.points[:, 0] < x1)
                inside &= (self.points[:, 1] > y0) & (self.points[:, 1] < y1)
                self.ok &= bool(inside.any())

    def near(self, rect: Rect, within: float) -> bool:
        return bool(self.ok and (_rect_distance(self.points, rect) <= within).any())


def _place_furniture(
    template: _FurnitureTemplate,
    room: Room,
    placed: list[Furniture],
    keepouts: list[Rect],
    rng: np.random.Generator,
) -> Furniture | None:
    ix0, iy0, ix1, iy1 = room.interior()
    length = round(rng.uniform(*template.length), 2)
    depth = round(rng.uniform(*template.depth), 2)
    for _ in range(25):
        if template.against_wall:
            side = int(rng.integers(4))  # 0: south wall, 1: north, 2: west, 3: east
            along_x = side < 2
            sx, sy = (length, depth) if along_x else (depth, length)
            if along_x:
                cx = rng.uniform(ix0 + sx / 2 + 0.02, max(ix1 - sx / 2 - 0.02, ix0 + sx / 2 + 0.03))
                cy = iy0 + sy / 2 + 0.02 if side == 0 else iy1 - sy / 2 - 0.02
                facing = math.pi / 2 if side == 0 else -math.pi / 2
            else:
                cy = rng.uniform(iy0 + sy / 2 + 0.02, max(iy1 - sy / 2 - 0.02, iy0 + sy / 2 + 0.03))
                cx = ix0 + sx / 2 + 0.02 if side == 2 else ix1 - sx / 2 - 0.02
                facing = 0.0 if side == 2 else math.pi
        else:
            turned = rng.random() < 0.5
            sx, sy = (depth, length) if turned else (length, depth)
            margin = 0.85
            if ix1 - ix0 < sx + 2 * margin + 1e-9 or iy1 - iy0 < sy + 2 * margin + 1e-9:  # rounding-safe
                return None
            cx = rng.uniform(ix0 + margin + sx / 2, ix1 - margin - sx / 2)
            cy = rng.uniform(iy0 + margin + sy / 2, iy1 - margin - sy / 2)
            facing = float(rng.choice([0.0, math.pi / 2, math.pi, -math.pi / 2]))
        cx, cy = round(float(cx), 3), round(float(cy), 3)
        rect = (cx - sx / 2, cy - sy / 2, cx + sx / 2, cy + sy / 2)
        if rect[0] < ix0 - 1e-6 or rect[2] > ix1 + 1e-6 or rect[1] < iy0 - 1e-6 or rect[3] > iy1 + 1e-6:
            continue
        if any(_overlaps(rect, k) for k in keepouts) or any(
            _overlaps(rect, f.footprint(), 0.1) for f in placed
        ):
            continue
        return Furniture(
            name=template.name,
            kind=template.kind,
            room=room.name,
            center=(cx, cy),
            size=(round(sx, 3), round(sy, 3), template.height),
            top_z=template.height,
            receptacle=template.receptacle,
            facing=facing,
        )
    return None


def _place_objects(
    furniture: list[Furniture], reach: _Reachability, rng: np.random.Generator
) -> list[ObjectSpec]:
    objects: list[ObjectSpec] = []
    used: set[str] = set()
    receptacles = [f for f in furniture if f.receptacle and f.kind != "sink"]
    kitchen_tops = [f for f in receptacles if f.room == "kitchen"]
    plan: list[tuple[Furniture, str, str]] = [
        (kitchen_tops[int(rng.integers(len(kitchen_tops)))], "red", "mug")
    ]
    for piece in receptacles:
        for _ in range(int(rng.integers(1, 4))):
            plan.append((piece, "", ""))
    categories = sorted(OBJECT_CATALOGUE)
    colors = sorted(COLORS)
    for piece, color, category in plan:
        for _ in range(20):
            c = color or str(rng.choice(colors))
            k = category or str(rng.choice(categories))
            if f"{c} {k}" not in used:
                break
        else:
            continue
        spec = _place_one(piece, c, k, objects, reach, rng)
        if spec is not None:
            objects.append(spec)
            used.add(spec.name)
    return objects


def _place_one(
    piece: Furniture,
    color: str,
    category: str,
    others: list[ObjectSpec],
    reach: _Reachability,
    rng: np.random.Generator,
) -> ObjectSpec | None:
    shape, size = OBJECT_CATALOGUE[category]
    x0, y0, x1, y1 = piece.footprint()
    margin = 0.09
    for _ in range(30):
        x = round(float(rng.uniform(x0 + margin, x1 - margin)), 3)
        y = round(float(rng.uniform(y0 + margin, y1 - margin)), 3)
        if any(
            o.furniture == piece.name and math.hypot(o.position[0] - x, o.position[1] - y) < 0.14
            for o in others
        ):
            continue
        if not (np.hypot(reach.points[:, 0] - x, reach.points[:, 1] - y) <= ARM_REACH).any():
            continue
        yaw = round(float(rng.uniform(-math.pi / 2, math.pi / 2)), 3) if shape == "box" else 0.0
        return ObjectSpec(
            name=f"{color} {category}",
            category=category,
            color=color,
            rgba=COLORS[color],
            room=piece.room,
            furniture=piece.name,
            position=(x, y, round(piece.top_z + size[2] / 2, 4)),
            size=size,
            shape=shape,
            yaw=yaw,
        )
    return None


def _robot_start(reach: _Reachability, rng: np.random.Generator) -> tuple[float, float, float]:
    # Stay clear of obstacles by a margin, so the first step in any direction is not a collision.
    clear = reach.nav.clearance()
    cells = reach.cells[clear[reach.cells[:, 0], reach.cells[:, 1]] >= 0.15]
    if len(cells) == 0:
        cells = reach.cells
    row, col = cells[int(rng.integers(len(cells)))]
    x, y = reach.nav.cell_to_world(int(row), int(col))
    return (round(float(x), 3), round(float(y), 3), round(float(rng.uniform(-math.pi, math.pi)), 3))


def sample_start(layout: ApartmentLayout, rng: np.random.Generator) -> tuple[float, float, float]:
    """A random reachable start pose in ``layout`` (used when an episode seed differs from the layout's)."""
    doors = list(layout.doorways)
    reach = _Reachability(layout.obstacle_rects(), layout.size, doors, list(layout.rooms))
    return _robot_start(reach, rng)


def _try_generate(seed: int, rng: np.random.Generator) -> ApartmentLayout:
    n_rooms = int(rng.integers(3, 7))
    area = n_rooms * rng.uniform(11.0, 15.0)
    aspect = rng.uniform(1.0, 1.5)
    width = round(math.sqrt(area * aspect) * 20) / 20
    depth = round(area / width * 20) / 20
    if rng.random() < 0.5:
        width, depth = depth, width
    size = (width, depth)
    root = _split((0.0, 0.0, width, depth), n_rooms, rng)
    leaves = root.leaves()
    others = list(rng.permutation(OTHER_ROOMS)[: n_rooms - 1])
    kitchen_at = int(rng.integers(n_rooms))
    labels = others[:kitchen_at] + ["kitchen"] + others[kitchen_at:]
    names = {id(leaf): str(label) for leaf, label in zip(leaves, labels, strict=True)}
    rooms = [Room(names[id(leaf)], *leaf.rect) for leaf in leaves]
    doors = _doorways(root, names, rng)
    walls = _walls(root, size, doors)
    keepouts = _door_keepouts(doors)
    wall_rects = [w.rect() for w in walls]

    placed: list[Furniture] = []
    for room in rooms:
        for template in FURNITURE_CATALOGUE[room.name]:
            if rng.random() > template.probability:
                continue
            piece = _place_furniture(template, room, placed, keepouts, rng)
            if piece is None:
                continue
            reach = _Reachability(wall_rects + [f.footprint() for f in [*placed, piece]], size, doors, rooms)
            if reach.ok and all(reach.near(f.footprint(), ROBOT_RADIUS + 0.15) for f in [*placed, piece]):
                placed.append(piece)
    names_placed = {f.name for f in placed}
    if not {"sink", "kitchen counter"} <= names_placed:
        raise LayoutError("kitchen without sink or counter")
    reach = _Reachability(wall_rects + [f.footprint() for f in placed], size, doors, rooms)
    objects = _place_objects(placed, reach, rng)
    if not any(o.name == "red mug" and o.room == "kitchen" for o in objects):
        raise LayoutError("no red mug in the kitchen")
    return ApartmentLayout(
        seed=seed,
        rooms=tuple(rooms),
        doorways=tuple(doors),
        furniture=tuple(placed),
        objects=tuple(objects),
        robot_start=_robot_start(reach, rng),
        walls=tuple(walls),
        size=size,
    )


def generate_layout(seed: int) -> ApartmentLayout:
    """The apartment for ``seed`` (deterministic: same seed, same apartment, on every machine)."""
    rng = np.random.default_rng(seed)
    for _ in range(200):
        try:
            return _try_generate(int(seed), rng)
        except LayoutError:
            continue
    raise LayoutError(f"could not generate an apartment for seed {seed}")  # pragma: no cover


__all__ = [
    "ApartmentLayout",
    "Doorway",
    "Furniture",
    "ObjectSpec",
    "Room",
    "Wall",
    "generate_layout",
    "sample_start",
]
