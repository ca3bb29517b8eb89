"""Room-to-Room (Anderson et al., CVPR 2018) navigation instructions, for parser development.

``R2R_{train,val_seen}.json`` (``../shared/data/r2r``): a list of paths, each with three
human-written ``instructions``. No parses come with them; `robostack.language` keeps a small
hand-labelled development set in its tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from robostack.core.errors import RobostackError

SPLITS: tuple[str, ...] = ("val_seen", "train")


def default_data_dir() -> Path:
    """``../shared/data/r2r`` beside the project root."""
    project_root = Path(__file__).resolve().parents[2]
    return (project_root.parent / "shared" / "data" / "r2r").resolve()


@dataclass(frozen=True)
class Instruction:
    """One human instruction; ``key`` is ``<split>/<path_id>/<k>``, stable across releases."""

    key: str
    text: str


def load_split(split: str, root: str | Path | None = None) -> list[Instruction]:
    """Every instruction of one split, in file order."""
    if split not in SPLITS:
        raise RobostackError(f"unknown R2R split {split!r}; expected one of {', '.join(SPLITS)}")
    path = (Path(root) if root is not None else default_data_dir()) / f"R2R_{split}.json"
    try:
        paths = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RobostackError(f"R2R file missing: {path} (pass --data DIR)") from None
    except json.JSONDecodeError as err:
        raise RobostackError(f"{path} is not valid JSON: {err.msg} at line {err.lineno}") from None
    return [
        Instruction(f"{split}/{item['path_id']}/{k}", str(text))
        for item in paths
        for k, text in enumerate(item.get("instructions", []))
    ]


def iter_all(root: str | Path | None = None) -> Iterator[Instruction]:
    """Instructions of every split in ``SPLITS``."""
    for split in SPLITS:
        yield from load_split(split, root)
