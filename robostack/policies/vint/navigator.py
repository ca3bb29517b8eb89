"""Image-goal navigation with ViNT: on a topological graph (the deployed system) or toward the goal image
alone. One `step` per camera frame at ViNT's rate returns the base command and whether to stop."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import torch
from numpy.typing import NDArray

from robostack.core.geometry import wrap_angle
from robostack.core.types import Action
from robostack.planning.topological import Localiser, TopologicalGraph
from robostack.policies.vint.controller import PDController
from robostack.policies.vint.policy import ViNTPolicy


@dataclass(frozen=True)
class NavigatorConfig:
    radius: int = 4
    """Localisation window, nodes each side (original ``--radius 4``)."""
    close_threshold: float = 3.0
    """Frames; a node this near counts as reached (original ``--close-threshold 3``)."""
    goal_threshold: float = 3.0
    """Stop once the goal node is the closest one and predicted at most this many frames away: the
    same closeness that counts any other node as reached (2.0 stopped short of 3 more validation goals)."""
    controller: PDController = field(default_factory=PDController)
    backoff_speed: float = 0.2
    """m/s in reverse for one step after a bump."""
    stall_frames: int = 8
    """With odometry: a base that has neither moved `stall_move` nor turned `stall_turn` over this
    many frames (2 s) is stalled, e.g. turning left and right in place about a subgoal whose
    predicted distance stays just above ``close_threshold``; the subgoal is then counted as passed
    (`Localiser.skip`); at the goal node, with no node left to pass, the run ends there, as the
    original ends a run once the goal is the closest node. 0 turns this off (the original has no such
    rule)."""
    stall_move: float = 0.05
    """m; see `stall_frames`."""
    stall_turn: float = 0.3
    """rad; see `stall_frames` (a turn in place at full rate covers 2 rad in 2 s)."""


@dataclass
class StepInfo:
    subgoal: int
    distance: float
    waypoints: NDArray[np.float32]


class TopoNavigator:
    """Follows a chain graph to its ``goal`` node; with ``use_graph=False`` it sees only the goal image."""

    def __init__(
        self,
        policy: ViNTPolicy,
        graph: TopologicalGraph,
        goal: int | None = None,
        use_graph: bool = True,
        config: NavigatorConfig | None = None,
    ) -> None:
        self.policy = policy
        self.graph = graph
        self.goal = len(graph) - 1 if goal is None else goal
        self.use_graph = use_graph
        self.config = config or NavigatorConfig()
        with torch.no_grad():
            self._nodes = policy.preprocess(graph.images)
        self.reset()

    def reset(self) -> None:
        self.policy.reset()
        cfg = self.config
        self.localiser = Localiser(self.goal, cfg.radius, cfg.close_threshold)
        self._last_odometry: NDArray[np.float64] | None = None
        self._recent: deque[NDArray[np.float64]] = deque(maxlen=max(cfg.stall_frames, 1))  # odometry
        self._last_action = Action()
        self._last_info = StepInfo(0, float("nan"), np.zeros((1, 4), dtype=np.float32))

    def step(
        self, image: NDArray[np.uint8], odometry: NDArray[np.float32] | None = None
    ) -> tuple[Action, bool, StepInfo]:
        """One frame in, one command out. With ``odometry`` a bumper reflex runs first (as the Kobuki
        safety controller under the original deployment does): a forward or turning command that left
        the base where it was is answered by one step in reverse."""
        bumped = self._bumped(odometry)
        self.policy.observe(image)
        if self._stalled(odometry):
            if self.localiser.at_goal_node:
                return self._remember(odometry, Action(), True, self._last_info)
            self.localiser.skip()
        if bumped:
            return self._remember(odometry, Action(-self.config.backoff_speed, 0.0), False, self._last_info)
        action, done, info = self._decide()
        self._last_info = info
        return self._remember(odometry, action, done, info)

    def _bumped(self, odometry: NDArray[np.float32] | None) -> bool:
        """A forward or turning command that left the base exactly where it was (a turn in place can
        wedge too: the box-shaped base cannot rotate with a corner against a wall)."""
        last = self._last_action
        if odometry is None or self._last_odometry is None:
            return False
        if last.base_linear <= 0 and last.base_angular == 0:
            return False
        moved = np.abs(np.asarray(odometry[:3], dtype=np.float64) - self._last_odometry[:3])
        return bool(moved.max() < 1e-4)

    def _stalled(self, odometry: NDArray[np.float32] | None) -> bool:
        """Records this frame's odometry; whether the base has stayed put (position and heading) over
        the last `stall_frames` (then the record starts afresh)."""
        cfg = self.config
        if odometry is None or cfg.stall_frames <= 0 or not self.use_graph:
            return False
        self._recent.append(np.asarray(odometry[:3], dtype=np.float64))
        if len(self._recent) < cfg.stall_frames:
            return False
        first, last = self._recent[0], self._recent[-1]
        moved = float(np.linalg.norm(last[:2] - first[:2]))
        if moved >= cfg.stall_move or abs(wrap_angle(float(last[2] - first[2]))) >= cfg.stall_turn:
            return False
        self._recent.clear()
        return True

    def _remember(
        self, odometry: NDArray[np.float32] | None, action: Action, done: bool, info: StepInfo
    ) -> tuple[Action, bool, StepInfo]:
        self._last_odometry = None if odometry is None else np.asarray(odometry, dtype=np.float64)
        self._last_action = action
        return action, done, info

    def _decide(self) -> tuple[Action, bool, StepInfo]:
        if not self.use_graph:
            dist, wps = self.policy.predict(self._nodes[self.goal : self.goal + 1])
            info = StepInfo(self.goal, float(dist[0]), wps[0])
            return self._command(info, float(dist[0]) <= self.config.goal_threshold)
        window = self.localiser.window()
        dists, wps = self.policy.predict(self._nodes[window.start : window.stop])
        sub = self.localiser.update(dists)
        if sub < window.stop:
            dist, wp = float(dists[sub - window.start]), wps[sub - window.start]
        else:  # the node after the window's last one
            d, w = self.policy.predict(self._nodes[sub : sub + 1])
            dist, wp = float(d[0]), w[0]
        done = self.localiser.at_goal_node and dist <= self.config.goal_threshold
        return self._command(StepInfo(sub, dist, wp), done)

    def _command(self, info: StepInfo, done: bool) -> tuple[Action, bool, StepInfo]:
        action = Action() if done else self.config.controller.command(info.waypoints)
        return action, done, info
