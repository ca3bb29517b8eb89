"""Arumugam et al. (RSS 2017) Cleanup World commands: English → (abstraction level, lifted task).

Files (``h2r/GLAMDP`` ``data/``, 80% of each level in ``../shared/data/glamdp``): ``L{0,1,2}.en`` holds
one lower-cased command a line, aligned line by line with ``L{0,1,2}.ml``, the lifted reward
function (``agentInRoom agent0 roomIsRed``, ``goNorth``...). The level is known only from the file
a line comes from: L1 and L2 share their task strings.

Honest evaluation: the corpus repeats commands (2,066 distinct strings in 2,439 lines), so folds
are grouped by command string: the same words never sit on both sides of a split.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from robostack.core.errors import RobostackError

LEVEL_FILES: tuple[str, ...] = ("L0", "L1", "L2")


def default_data_dir() -> Path:
    """``../shared/data/glamdp`` beside the project root, found from this file's location."""
    project_root = Path(__file__).resolve().parents[2]
    return (project_root.parent / "shared" / "data" / "glamdp").resolve()


@dataclass(frozen=True)
class Command:
    """One AMT command with its gold level and lifted task (the ``.ml`` string)."""

    text: str
    level: str
    task: str

    @property
    def label(self) -> str:
        """The joint (level, task) class, e.g. ``L1|agentInRegion agent0 roomIsRed``."""
        return f"{self.level}|{self.task}"


def read_level(root: Path, level: str) -> list[Command]:
    """Read ``<level>.en`` and ``<level>.ml`` together; a length mismatch is a corrupt copy."""
    en_path, ml_path = root / f"{level}.en", root / f"{level}.ml"
    for path in (en_path, ml_path):
        if not path.is_file():
            raise RobostackError(f"GLAMDP file missing: {path} (pass --data DIR holding L0/L1/L2 .en/.ml)")
    english = en_path.read_text(encoding="utf-8").splitlines()
    tasks = ml_path.read_text(encoding="utf-8").splitlines()
    while english and not english[-1].strip():
        english.pop()
    while tasks and not tasks[-1].strip():
        tasks.pop()
    if len(english) != len(tasks):
        raise RobostackError(f"{en_path} has {len(english)} lines but {ml_path} has {len(tasks)}")
    return [
        Command(" ".join(e.split()), level, " ".join(m.split())) for e, m in zip(english, tasks, strict=True)
    ]


def load_glamdp(root: str | Path | None = None) -> list[Command]:
    """All commands of the three levels, in file order (L0, then L1, then L2)."""
    root = Path(root) if root is not None else default_data_dir()
    if not root.is_dir():
        raise RobostackError(f"GLAMDP data not found at {root} (pass --data DIR)")
    return [c for level in LEVEL_FILES for c in read_level(root, level)]


def grouped_folds(
    commands: Sequence[Command], k: int, seed: int = 0, grouped: bool = True
) -> list[np.ndarray]:
    """Assign each command to one of ``k`` folds, identical strings to the same fold.

    Returns a list of ``k`` index arrays (the validation indices of each fold). Groups are shuffled
    with ``seed`` and dealt greedily to the currently smallest fold, so folds differ by at most the
    size of the largest group. ``grouped=False`` is plain shuffled k-fold (the paper's protocol,
    where a repeated command can be in training and validation at once).
    """
    if k < 2:
        raise RobostackError(f"k-fold needs k >= 2, got {k}")
    groups: dict[str, list[int]] = {}
    for i, command in enumerate(commands):
        groups.setdefault(command.text if grouped else str(i), []).append(i)
    order = list(groups.values())
    rng = np.random.default_rng(seed)
    rng.shuffle(order)
    order.sort(key=len, reverse=True)  # big groups first, ties stay shuffled (stable sort)
    folds: list[list[int]] = [[] for _ in range(k)]
    for members in order:
        smallest = min(range(k), key=lambda f: len(folds[f]))
        folds[smallest].extend(members)
    return [np.array(sorted(f), dtype=np.int64) for f in folds]


def label_agreement(commands: Sequence[Command]) -> dict[str, float]:
    """How far the task labels of identical command strings agree: a ceiling on task accuracy.

    Over the commands whose exact string occurs more than once: the share carrying their string's
    most common task, and the accuracy of predicting each from its string's other copies by
    majority (ties split evenly). No model reading the words alone can tell such copies apart.
    """
    tasks: dict[str, list[str]] = {}
    for command in commands:
        tasks.setdefault(command.text, []).append(command.task)
    repeated = [labels for labels in tasks.values() if len(labels) > 1]
    n = sum(len(labels) for labels in repeated)
    majority = sum(Counter(labels).most_common(1)[0][1] for labels in repeated)
    held_out = 0.0
    for labels in repeated:
        counts = Counter(labels)
        for task in labels:
            counts[task] -= 1  # the others' votes
            top = max(counts.values())
            winners = [t for t, c in counts.items() if c == top]
            held_out += (task in winners) / len(winners)
            counts[task] += 1
    return {
        "repeated_commands": n,
        "repeated_strings": len(repeated),
        "majority_task_share": round(100 * majority / max(n, 1), 2),
        "leave_one_out_majority_task_acc": round(100 * held_out / max(n, 1), 2),
    }
