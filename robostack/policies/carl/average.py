"""Weight averaging of a PPO run's snapshots: one policy folder from the mean of their weights.

Not in CaRL. Averaging the weights along one training trajectory (Polyak averaging; SWA, Izmailov
et al., UAI 2018; for deep RL, Nikishin et al., 2018) smooths out the update-to-update swings of
PPO's last iterate, which here move the driving score on 50 routes by over 10 points from one
snapshot to the next. The snapshots are the ones ``--snapshot-every N`` writes under
``RUN/snapshots/<samples>/``; every tensor is averaged uniformly, the measurements' running
normaliser included.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

from robostack.core.errors import RobostackError
from robostack.policies.carl.policy import CarlPolicy
from robostack.policies.carl.train import SNAPSHOT_DIR, TRAIN_LOG

AVERAGE_FILE = "averaged.json"


def snapshots_of(runs: list[Path], since: int = 0) -> list[Path]:
    """The snapshot folders of ``runs`` taken at ``since`` samples or later, in sample order."""
    found = [p for run in runs for p in (run / SNAPSHOT_DIR).glob("*") if p.name.isdigit()]
    chosen = sorted((p for p in found if int(p.name) >= since), key=lambda p: int(p.name))
    if not chosen:
        raise RobostackError(
            f"no snapshots at ≥ {since:,} samples under {', '.join(str(r / SNAPSHOT_DIR) for r in runs)}"
            " (train with --snapshot-every N)"
        )
    return chosen


def average_state(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of state dicts of one network (summed in float64)."""
    first = states[0]
    return {k: (sum(s[k].double() for s in states) / len(states)).to(first[k].dtype) for k in first}


def average_policies(folders: list[Path]) -> CarlPolicy:
    """One policy whose weights are the mean of the policies saved in ``folders``."""
    policies = [CarlPolicy.from_pretrained(f) for f in folders]
    if any(p.config != policies[0].config for p in policies[1:]):
        raise RobostackError("snapshots to average must share one config.yaml")
    averaged = policies[0]
    averaged.load_state_dict(average_state([p.state_dict() for p in policies]))
    return averaged


def write_average(runs: list[Path], out: Path, command: str, since: int = 0) -> Path:
    """Average the snapshots of ``runs`` into the policy folder ``out``.

    The training log of the last run goes beside the weights, so its model card names the runs that
    made them; ``averaged.json`` lists the snapshots.
    """
    folders = snapshots_of(runs, since)
    average_policies(folders).save_pretrained(out)
    log = runs[-1] / TRAIN_LOG
    if log.exists() and log.resolve() != (out / TRAIN_LOG).resolve():
        shutil.copy(log, out / TRAIN_LOG)
    record = {
        "command": command,
        "snapshots": [str(f) for f in folders],
        "samples": [int(f.name) for f in folders],
    }
    (out / AVERAGE_FILE).write_text(json.dumps(record, indent=2) + "\n")
    return out
