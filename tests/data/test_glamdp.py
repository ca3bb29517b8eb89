"""GLAMDP loader and the grouped folds used for honest k-fold figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from robostack.core.errors import RobostackError
from robostack.data.glamdp import Command, default_data_dir, grouped_folds, label_agreement, load_glamdp

needs_data = pytest.mark.skipif(not default_data_dir().is_dir(), reason="../shared/data/glamdp not present")


def write_level(root: Path, level: str, pairs: list[tuple[str, str]]) -> None:
    (root / f"{level}.en").write_text("\n".join(e for e, _ in pairs) + "\n")
    (root / f"{level}.ml").write_text("\n".join(m for _, m in pairs))  # no trailing newline, like L2.ml


def test_reads_aligned_files(tmp_path: Path) -> None:
    write_level(tmp_path, "L0", [("go north", "goNorth"), ("go  down", "goSouth")])
    write_level(tmp_path, "L1", [("go to the door", "agentInRegion agent0 roomIsRed")])
    write_level(tmp_path, "L2", [("go to the red room", "agentInRegion agent0 roomIsRed")])
    commands = load_glamdp(tmp_path)
    assert [c.level for c in commands] == ["L0", "L0", "L1", "L2"]
    assert commands[1] == Command("go down", "L0", "goSouth")
    assert commands[3].label == "L2|agentInRegion agent0 roomIsRed"


def test_misaligned_files_are_an_error(tmp_path: Path) -> None:
    write_level(tmp_path, "L0", [("a", "goNorth")])
    (tmp_path / "L0.ml").write_text("goNorth\ngoSouth\n")
    with pytest.raises(RobostackError, match="lines"):
        load_glamdp(tmp_path)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RobostackError, match="not found"):
        load_glamdp(tmp_path / "nope")


def test_grouped_folds_keep_identical_commands_together() -> None:
    commands = [Command(t, "L0", "goNorth") for t in ["a", "b", "a", "c", "d", "a", "e", "b"]]
    folds = grouped_folds(commands, 3, seed=1)
    assert sorted(i for f in folds for i in f.tolist()) == list(range(len(commands)))
    for fold in folds:
        inside = {commands[i].text for i in fold}
        outside = {c.text for j, c in enumerate(commands) if j not in set(fold.tolist())}
        assert not inside & outside


@needs_data
def test_public_split_sizes() -> None:
    commands = load_glamdp()
    counts = {lvl: sum(c.level == lvl for c in commands) for lvl in ("L0", "L1", "L2")}
    assert counts == {"L0": 1048, "L1": 698, "L2": 693}


def test_label_agreement_by_hand() -> None:
    # "go down" three times (two say A, one B), "go up" twice (A, B), "stay" once (not repeated).
    commands = [
        Command("go down", "L0", "A"),
        Command("go down", "L0", "A"),
        Command("go down", "L0", "B"),
        Command("go up", "L0", "A"),
        Command("go up", "L0", "B"),
        Command("stay", "L0", "C"),
    ]
    out = label_agreement(commands)
    assert out["repeated_commands"] == 5 and out["repeated_strings"] == 2
    assert out["majority_task_share"] == 60.0  # 2 of "go down" + 1 of "go up", of 5
    # Each copy predicted from the others: "go down" A (others A, B: a tie) 0.5, A 0.5,
    # B (others A, A) 0; "go up" A (other B) 0, B (other A) 0. So 1 of 5.
    assert out["leave_one_out_majority_task_acc"] == 20.0
