"""ALFRED goal sentences with gold high-level plans (Shridhar et al., CVPR 2020).

From ``zebehn/revisiting_alfred`` (``refined_valid_seen_commands.json``): each task has its gold
PDDL-style plan (``"1. GotoLocation(countertop), 2. PickupObject(ladle), ..., 7. Done."``) and the
goal said five ways: ``refined``, three ``original`` crowd sentences, two paraphrases and a
``contextual`` variant. We evaluate every phrasing against the same gold plan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from robostack.core.errors import RobostackError

PHRASINGS: tuple[str, ...] = ("refined", "original", "paraphrase1", "paraphrase2", "contextual")
_FIELDS = {
    "refined": "refined",
    "original": "original",
    "paraphrase1": "paraphras1_command",
    "paraphrase2": "paraphras2_command",
    "contextual": "contextual_command",
}
_STEP = re.compile(r"\d+\.\s*([A-Za-z]+)\(([^)]*)\)")


def default_data_dir() -> Path:
    """``../shared/data/alfred`` beside the project root."""
    project_root = Path(__file__).resolve().parents[2]
    return (project_root.parent / "shared" / "data" / "alfred").resolve()


@dataclass(frozen=True)
class AlfredTask:
    """One task: its type, gold plan steps (``"PickupObject(ladle)"``, no ``Done``) and phrasings."""

    task_id: str
    task_type: str
    plan: tuple[str, ...]
    goals: dict[str, tuple[str, ...]]


def parse_plan(action_sequence: str) -> tuple[str, ...]:
    """``"1. GotoLocation(countertop), 2. PutObject(ladle, countertop), 3. Done."`` → steps, no Done."""
    steps = []
    for verb, args in _STEP.findall(action_sequence):
        arguments = ",".join(a.strip().lower() for a in args.split(",") if a.strip())
        steps.append(f"{verb}({arguments})")
    return tuple(steps)


def load_tasks(
    root: str | Path | None = None, file: str = "refined_valid_seen_commands.json"
) -> list[AlfredTask]:
    path = (Path(root) if root is not None else default_data_dir()) / file
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RobostackError(f"ALFRED file missing: {path} (pass --data DIR)") from None
    except json.JSONDecodeError as err:
        raise RobostackError(f"{path} is not valid JSON: {err.msg} at line {err.lineno}") from None
    tasks = []
    for item in items:
        goals: dict[str, tuple[str, ...]] = {}
        for phrasing, field in _FIELDS.items():
            value = item.get(field, [])
            goals[phrasing] = tuple(value) if isinstance(value, list) else (str(value),)
        tasks.append(
            AlfredTask(item["task_id"], item["task_type"], parse_plan(item["action_sequence"]), goals)
        )
    return tasks
