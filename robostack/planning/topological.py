"""Topological maps for image-goal navigation (ViNT's ``topomap``): nodes are images at poses.

A graph is built from one prior traversal: a node every few frames, plus the last frame, linked in the
order they were driven. Nodes may carry labels (the room they lie in, objects seen nearby), so a named
goal maps to a node. `Localiser` is the original deployment rule: score a window of nodes around the
last closest one with ViNT's temporal-distance head and pick the next sub-goal.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

NODE_EVERY = 4
"""Frames between graph nodes: one a second at the 4 Hz camera rate, the original ``create_topomap.py``
default (``--dt 1``)."""


@dataclass
class TopoNode:
    image: NDArray[np.uint8]
    pose: tuple[float, float, float]
    """Where the image was taken, ``(x, y, yaw)``; for drawing and evaluation only, never for control."""
    labels: tuple[str, ...] = ()


@dataclass
class TopologicalGraph:
    nodes: list[TopoNode] = field(default_factory=list)
    edges: dict[int, set[int]] = field(default_factory=dict)

    @classmethod
    def from_traversal(
        cls,
        images: NDArray[np.uint8] | list[NDArray[np.uint8]],
        poses: NDArray[np.float64] | list[tuple[float, float, float]],
        every: int = NODE_EVERY,
        labels: list[tuple[str, ...]] | None = None,
    ) -> TopologicalGraph:
        """A chain of nodes, one every ``every`` frames of the traversal and always its last frame."""
        n = len(images)
        if n == 0:
            raise ValueError("a topological graph needs at least one frame")
        keep = list(range(0, n, every))
        if keep[-1] != n - 1:
            keep.append(n - 1)
        graph = cls()
        for i in keep:
            pose = tuple(float(v) for v in poses[i][:3])
            graph.add_node(TopoNode(np.asarray(images[i]), pose, labels[i] if labels else ()))  # type: ignore[arg-type]
        return graph

    def add_node(self, node: TopoNode, link_previous: bool = True) -> int:
        index = len(self.nodes)
        self.nodes.append(node)
        self.edges[index] = set()
        if link_previous and index > 0:
            self.link(index - 1, index)
        return index

    def link(self, a: int, b: int) -> None:
        self.edges[a].add(b)
        self.edges[b].add(a)

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def images(self) -> NDArray[np.uint8]:
        return np.stack([n.image for n in self.nodes])

    def shortest_path(self, start: int, goal: int) -> list[int] | None:
        """Fewest-hops node sequence (breadth-first; edges are unweighted)."""
        previous: dict[int, int] = {start: start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                path = [goal]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return path[::-1]
            for nxt in sorted(self.edges[node]):
                if nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
        return None

    def find(self, label: str) -> int | None:
        """The last node carrying ``label`` (a traversal that ends at a place reaches it last)."""
        hits = [i for i, n in enumerate(self.nodes) if label in n.labels]
        return hits[-1] if hits else None

    # -- persistence (PNG per node + graph.json, like create_topomap.py's folder of images) ------
    def save(self, directory: str | Path) -> None:
        import cv2

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for i, node in enumerate(self.nodes):
            cv2.imwrite(str(directory / f"{i}.png"), np.ascontiguousarray(node.image[:, :, ::-1]))
        meta = {
            "nodes": [{"pose": list(n.pose), "labels": list(n.labels)} for n in self.nodes],
            "edges": sorted([a, b] for a, nbrs in self.edges.items() for b in nbrs if a < b),
        }
        (directory / "graph.json").write_text(json.dumps(meta, indent=1) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> TopologicalGraph:
        import cv2

        directory = Path(directory)
        meta = json.loads((directory / "graph.json").read_text())
        graph = cls()
        for i, node in enumerate(meta["nodes"]):
            image = cv2.imread(str(directory / f"{i}.png"), cv2.IMREAD_COLOR)[:, :, ::-1]
            graph.add_node(
                TopoNode(np.ascontiguousarray(image), tuple(node["pose"]), tuple(node["labels"])), False
            )
        for a, b in meta["edges"]:
            graph.link(a, b)
        return graph


@dataclass
class Localiser:
    """ViNT's ``navigate.py`` rule over a chain from node 0 to ``goal``.

    Score nodes ``[closest − radius, closest + radius]`` (clipped to ``[0, goal]``). If the nearest is
    farther than ``close_threshold`` frames, head for it; otherwise head for the node after it.
    """

    goal: int
    radius: int = 4
    close_threshold: float = 3.0
    closest: int = 0
    floor: int = 0
    """Nodes below this are never scored again (see `skip`)."""

    def window(self) -> range:
        start = max(self.closest - self.radius, self.floor)
        return range(start, min(self.closest + self.radius, self.goal) + 1)

    def skip(self) -> None:
        """Count the current node as passed for good: head for the next one and never localise
        behind it again (for a robot that cannot make the current node's distance fall)."""
        self.floor = self.closest = min(self.closest + 1, self.goal)

    def update(self, distances: NDArray[np.float32]) -> int:
        """Distances (frames) for each node of `window()`; returns the sub-goal node to follow."""
        start = self.window().start
        best = int(np.argmin(distances))
        if distances[best] > self.close_threshold:
            self.closest = start + best
            return self.closest
        self.closest = min(start + best + 1, self.goal)
        return self.closest

    @property
    def at_goal_node(self) -> bool:
        return self.closest == self.goal
