"""The jobs behind ``robostack train grounding``, ``eval grounding`` and ``ground``.

Training runs the grouped k-fold table (the paper's models and ours), fits ours on all public
commands, saves it to ``policies/grounding/`` and writes the model card from the figures it printed.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from robostack.data.glamdp import Command
from robostack.language.cleanup.predictor import GroundingPredictor
from robostack.language.cleanup.train import (
    MODEL_KINDS,
    PAPER,
    CVResult,
    Scores,
    cross_validate,
    train_ensemble,
)

MODEL_NAMES = {
    "ibm2": "IBM Model 2 (paper)",
    "multi_nn": "Multi-NN (paper)",
    "multi_rnn": "Multi-RNN (paper)",
    "single_rnn": "Single-RNN (paper's best)",
    "single_rnn_long": "Single-RNN trained 40 epochs, 2 seeds",
    "hybrid": "Hybrid BiGRU + n-grams + trajectory tokens, 3 seeds",
    "minilm": "MiniLM-L6 (frozen) + rank-8 adapters, 1 seed",
    "ours": "Ours: hybrid (3 seeds) ⊕ Single-RNN 40 epochs (2 seeds), averaged",
    "ours_minilm": "MiniLM adapters ½ ⊕ hybrid ¼ ⊕ Single-RNN 40 epochs ¼, averaged",
}


def default_weights_dir() -> Path:
    """Top-level ``policies/grounding`` of the project this package lives in."""
    return Path(__file__).resolve().parents[3] / "policies" / "grounding"


@lru_cache(maxsize=4)
def load_predictor(directory: str) -> GroundingPredictor:
    """Load (once per process) the committed grounder; cached so each command costs milliseconds."""
    import torch

    torch.set_num_threads(1)
    return GroundingPredictor.from_pretrained(directory)


def cv_row(result: CVResult) -> dict[str, Any]:
    row: dict[str, Any] = {
        "model": result.kind,
        "name": MODEL_NAMES[result.kind],
        "folds": result.folds,
        "runs": result.runs,
        "split": "grouped by command" if result.grouped else "random (paper)",
        "level_acc": round(result.scores.level, 2),
        "task_acc": round(result.scores.task, 2),
        "joint_acc": round(result.scores.joint, 2),
        "level_std": round(result.std.level, 2),
        "task_std": round(result.std.task, 2),
        "seconds": round(result.seconds, 1),
    }
    if result.kind in PAPER:
        row["paper_level_acc"], row["paper_task_acc"] = PAPER[result.kind]
    return row


def cv_table(
    kinds: Sequence[str],
    commands: Sequence[Command],
    folds: int,
    runs: int,
    seed: int,
    on_fold: Callable[[str], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    grouped: bool = True,
) -> list[dict[str, Any]]:
    """Grouped k-fold figures for each model kind, in the order given."""
    rows = []
    for kind in kinds:
        if kind not in MODEL_KINDS:
            from robostack.core.errors import RobostackError

            raise RobostackError(
                f"unknown grounding model {kind!r}; expected one of {', '.join(MODEL_KINDS)}"
            )
        results = cross_validate(
            kind,
            commands,
            k=folds,
            runs=runs,
            seed=seed,
            on_fold=partial(on_fold, kind) if on_fold else None,
            grouped=grouped,
        )
        for result in results:
            rows.append(cv_row(result))
            if on_row is not None:
                on_row(rows[-1])
    return rows


def fit_and_save(
    commands: Sequence[Command],
    out: Path,
    seed: int,
    on_epoch: Callable[[int, float], None] | None = None,
) -> tuple[GroundingPredictor, float]:
    """Train ours on every public command and save it; returns the predictor and wall seconds."""
    start = time.perf_counter()
    predictor = train_ensemble("ours", commands, seed, on_epoch=on_epoch)
    seconds = time.perf_counter() - start
    predictor.save_pretrained(out, extra={"ensemble": "ours", "seed": seed})
    return predictor, seconds


def evaluate_predictor(predictor: GroundingPredictor, commands: Sequence[Command]) -> Scores:
    """Accuracy of a trained grounder on a set of commands (e.g. the held-back 20%)."""
    return Scores.of(predictor.predict([c.text for c in commands]), commands)


NOTES_HEADER = "## Notes (kept when the card is rewritten)"
"""Everything from this heading on is hand-written (figures from other commands, what was tried);
`write_card` carries it over from the card it replaces."""


def kept_notes(card: Path) -> str:
    """The hand-written notes of an existing card, from `NOTES_HEADER` on ("" if none)."""
    text = card.read_text() if card.exists() else ""
    start = text.find(NOTES_HEADER)
    return text[start:] if start >= 0 else ""


def write_card(
    out: Path,
    *,
    command_line: str,
    n_commands: int,
    rows: Sequence[dict[str, Any]],
    train_seconds: float,
    total_seconds: float,
    params: int,
) -> None:
    """MODEL_CARD.md with the data, the command, wall time and the k-fold table printed by the run,
    followed by the previous card's hand-written notes."""
    size_mb = (out / "model.safetensors").stat().st_size / 1e6
    lines = [
        "# Hierarchical grounding for Cleanup World (robostack `policies/grounding`)",
        "",
        "Maps a command to the abstraction level it was given at (L0 primitive moves, L1 rooms and",
        "doors, L2 whole goals) and the lifted task (reward function) it grounds to, after",
        "Arumugam et al., *Accurately and Efficiently Interpreting Human-Robot Instructions of Varying",
        "Granularities*, RSS 2017. Used by `robostack ground --domain cleanup`.",
        "",
        "## Model",
        "",
        f"{MODEL_NAMES['ours']}: {params:,} parameters, `model.safetensors` {size_mb:.1f} MB.",
        "Hybrid member: word embedding 64 → BiGRU 96 (last states + mean pool) ⊕ mean of hashed word",
        "1-2-gram / char 3-5-gram / trajectory-cell embeddings (16,384 buckets × 64) → ReLU 128 →",
        "softmax over the 22 (level, task) pairs. Single-RNN member: the paper's network (embedding 30,",
        "GRU 50, ReLU 60/50), trained 40 epochs. The two halves' probabilities are averaged; the level is",
        "chosen by its marginal probability, the task by the mass of its string summed over levels",
        "(L1 and L2 share task strings).",
        'Trajectory tokens: L0 move lists ("down five left two") are expanded into the grid cells they',
        "visit and the end cell, so the model reads where the robot ends up.",
        "",
        "## Data",
        "",
        f"`../shared/data/glamdp/` (h2r/GLAMDP `data/`, the public 80%): {n_commands} commands,",
        "L0/L1/L2 `.en` with aligned `.ml`. No license file is published with the data.",
        "",
        "## Reproduce",
        "",
        "```",
        command_line,
        "```",
        "",
        f"Wall time: {total_seconds / 60:.1f} min in all, {train_seconds:.0f} s for the final fit,",
        f"on a shared 2-core CPU ({platform.machine()}, torch 1 thread).",
        "",
        "## Evaluation (printed by the command above)",
        "",
        "Grouped k-fold cross-validation: identical command strings never sit on both sides of a split",
        "(the paper's folds were not grouped, so its figures include repeated commands).",
        "Task accuracy = the predicted `.ml` string is right; joint = level and task both right.",
        "",
        "| model | folds | level acc % | task acc % | joint % | paper level / task % |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        paper = f"{row['paper_level_acc']} / {row['paper_task_acc']}" if "paper_level_acc" in row else "–"
        lines.append(
            f"| {row['name']} | {row['folds']}×{row['runs']} "
            f"| {row['level_acc']:.2f} ± {row['level_std']:.2f} "
            f"| {row['task_acc']:.2f} ± {row['task_std']:.2f} | {row['joint_acc']:.2f} | {paper} |"
        )
    lines += [
        "",
        "± is the standard deviation over folds. The paper's models are reimplemented in PyTorch",
        "(IBM2 in NumPy) with the sizes and schedule of `h2r/GLAMDP` `code/single_rnn.py`",
        "(embedding 30, GRU 50, hidden 60/50, dropout 0.5, Adam 1e-3, batches of 16 drawn at random,",
        "10 epochs).",
        "",
        "## Limits",
        "",
        "- Cleanup World only: 3 rooms, one block; tasks are lifted reward strings, not apartment plans.",
        "- L0 commands that describe a path without naming a room are the main source of task errors;",
        "  north/south perspective flips remain (as in the paper).",
        "",
    ]
    card = out / "MODEL_CARD.md"
    notes = kept_notes(card)
    card.write_text("\n".join(lines) + ("\n" + notes if notes else ""))
    (out / "cv.json").write_text(json.dumps({"command": command_line, "rows": list(rows)}, indent=1) + "\n")
