"""Training lineage: the runs, oldest first, that made a checkpoint.

A checkpoint trained in phases (each run continues the last with ``--init-from``) keeps every
phase's command and log beside its weights, in ``lineage.json``, so a model card can list them
without anyone copying commands by hand. The newest phase's log is ``train_log.json`` (or the
trainer's own ``current_log``); each earlier one is kept as ``<its stem>_phase<N>.json``.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

LINEAGE_FILE = "lineage.json"
CURRENT_LOG = "train_log.json"
UNRECORDED = "(command not recorded)"


@dataclass(frozen=True)
class Phase:
    """One training run: how it was started, where its log is, and what was different about it."""

    command: str
    log: str
    note: str = ""


def command_line() -> str:
    """This process's command as a user would type it (``robostack train ...``)."""
    return " ".join(["robostack", *map(shlex.quote, sys.argv[1:])])


def read_lineage(directory: str | Path, current_log: str = CURRENT_LOG) -> list[Phase]:
    """The phases recorded in ``directory``, oldest first.

    A checkpoint trained before lineages were recorded counts as one phase of unknown command.
    """
    path = Path(directory) / LINEAGE_FILE
    if not path.is_file():
        return [Phase(UNRECORDED, current_log)] if (Path(directory) / current_log).is_file() else []
    return [Phase(**entry) for entry in json.loads(path.read_text())["phases"]]


def write_lineage(directory: str | Path, phases: list[Phase]) -> None:
    path = Path(directory) / LINEAGE_FILE
    path.write_text(json.dumps({"phases": [asdict(p) for p in phases]}, indent=1) + "\n")


def start_phase(
    out: str | Path,
    init_from: str | Path | None,
    command: str,
    note: str = "",
    current_log: str = CURRENT_LOG,
) -> None:
    """Record in ``out`` the phases of the checkpoint it continues from, then this run.

    The parent's ``current_log`` is copied to ``out`` as ``<its stem>_phase<N>.json`` (with its
    earlier logs), so ``out`` alone holds the whole history once this run is adopted.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    earlier = _inherit(Path(init_from), out, current_log) if init_from else []
    write_lineage(out, [*earlier, Phase(command, current_log, note)])


def _inherit(parent: Path, out: Path, current_log: str) -> list[Phase]:
    kept = []
    for n, phase in enumerate(read_lineage(parent, current_log), start=1):
        name = phase.log if phase.log != current_log else f"{Path(current_log).stem}_phase{n}.json"
        source, target = parent / phase.log, out / name
        if source.is_file() and source.resolve() != target.resolve():
            shutil.copyfile(source, target)
        kept.append(Phase(phase.command, name, phase.note))
    return kept
