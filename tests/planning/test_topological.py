"""Topological graph: build from a traversal, search, labels, save/load, and the localisation rule."""

from __future__ import annotations

import numpy as np

from robostack.planning.topological import Localiser, TopologicalGraph


def traversal(n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    images = np.stack([np.full((8, 8, 3), i * 10, dtype=np.uint8) for i in range(n)])
    poses = np.stack([np.array([0.1 * i, 0.0, 0.0]) for i in range(n)])
    return images, poses


def test_build_keeps_every_third_and_the_last_frame() -> None:
    images, poses = traversal(20)
    labels = [("hallway",)] * 19 + [("hallway", "red mug")]
    graph = TopologicalGraph.from_traversal(images, poses, every=3, labels=labels)
    assert len(graph) == 8  # frames 0, 3, ..., 18, then 19
    assert graph.nodes[-1].pose[0] == poses[19, 0]
    np.testing.assert_array_equal(graph.nodes[2].image, images[6])
    assert graph.shortest_path(0, 7) == list(range(8))
    assert graph.find("red mug") == 7 and graph.find("kitchen") is None


def test_save_load_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    images, poses = traversal(10)
    graph = TopologicalGraph.from_traversal(images, poses, every=2, labels=[("office",)] * 10)
    graph.save(tmp_path)
    back = TopologicalGraph.load(tmp_path)
    assert len(back) == len(graph) and back.edges == graph.edges
    np.testing.assert_array_equal(back.images, graph.images)
    assert back.nodes[3].labels == ("office",) and back.nodes[3].pose == graph.nodes[3].pose


def test_localiser_follows_the_original_rule() -> None:
    loc = Localiser(goal=10, radius=2, close_threshold=3.0)
    assert list(loc.window()) == [0, 1, 2]
    # nearest node far away: head for it
    assert loc.update(np.array([9.0, 5.0, 7.0])) == 1 and loc.closest == 1
    assert list(loc.window()) == [0, 1, 2, 3]
    # nearest node close: head for the one after it
    assert loc.update(np.array([8.0, 6.0, 2.0, 4.0])) == 3
    # synthetic distances from true positions: the robot at node k sees |i - k| * 4 frames
    for k in range(3, 11):
        window = loc.window()
        loc.update(np.abs(np.array(list(window)) - k) * 4.0)
    assert loc.at_goal_node and list(loc.window())[-1] == 10


def test_a_skipped_node_is_never_localised_again() -> None:
    loc = Localiser(goal=10, radius=2, close_threshold=3.0, closest=4)
    loc.skip()
    assert loc.closest == 5 and list(loc.window()) == [5, 6, 7]
    # node 5 still looks nearest but just too far to count as reached: stay on it, never go back
    assert loc.update(np.array([3.2, 6.0, 9.0])) == 5
    assert list(loc.window())[0] == 5
    loc.closest = 10
    loc.skip()
    assert loc.closest == 10 and loc.at_goal_node  # the goal is never skipped past
