"""The language suites behind ``robostack eval``: R2R decomposition, ALFRED plans, latency, bad input.

Every function returns a plain dict of figures, so commands print them as JSON and the README
table is filled from what the code printed.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from robostack.core.errors import RobostackError
from robostack.data.alfred import PHRASINGS, AlfredTask
from robostack.data.r2r import Instruction
from robostack.language.metrics import PRF, exact_prf, step_prf

DEV_SET = Path(__file__).resolve().parents[2] / "tests" / "language" / "data" / "r2r_dev.jsonl"
"""The hand-labelled R2R development set (60 val_seen instructions, labelled by hand)."""


def load_dev_set(path: Path = DEV_SET) -> list[dict[str, Any]]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except FileNotFoundError:
        raise RobostackError(f"R2R development set missing: {path}") from None


def r2r_validity(parse: Callable[[str], Any], instructions: Sequence[Instruction]) -> dict[str, Any]:
    """Does every instruction parse into a valid plan (A²Nav actions only, ending with stop)?"""
    from robostack.core.types import NAV_ACTIONS

    failures: list[dict[str, str]] = []
    lengths = []
    for ins in instructions:
        try:
            plan = parse(ins.text)
            ok = plan.subtasks[-1].action == "stop" and all(
                s.skill == "navigate" and s.action in NAV_ACTIONS for s in plan.subtasks
            )
            if not ok:
                failures.append({"key": ins.key, "error": "plan uses a non-navigation step or lacks stop"})
            lengths.append(len(plan.subtasks))
        except RobostackError as err:
            failures.append({"key": ins.key, "error": str(err)})
    return {
        "instructions": len(instructions),
        "valid": len(instructions) - len(failures),
        "failures": failures[:10],
        "mean_subtasks": round(statistics.fmean(lengths), 2) if lengths else 0.0,
    }


def r2r_dev_scores(parse: Callable[[str], Any], dev: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """(action, landmark) micro P/R/F1 on the hand-labelled set, plus action-only F1."""
    full, actions_only = PRF(0, 0, 0), PRF(0, 0, 0)
    for item in dev:
        plan = parse(item["instruction"])
        pred = [(s.action, s.target) for s in plan.subtasks]
        gold = [(a, lm) for a, lm in item["subtasks"]]
        full = full + step_prf(pred, gold)
        actions_only = actions_only + step_prf([(a, "") for a, _ in pred], [(a, "") for a, _ in gold])
    return {"instructions": len(dev), **full.as_dict(), "action_f1": round(actions_only.f1, 4)}


def alfred_scores(plan_fn: Callable[[str], list[str]], tasks: Sequence[AlfredTask]) -> dict[str, Any]:
    """Plan exact match and step F1 (multiset of exact step strings) for every phrasing."""
    out: dict[str, Any] = {}
    for phrasing in PHRASINGS:
        total, exact, prf, errors = 0, 0, PRF(0, 0, 0), 0
        for task in tasks:
            for goal in task.goals.get(phrasing, ()):
                total += 1
                try:
                    plan = plan_fn(goal)
                except RobostackError:
                    plan, errors = [], errors + 1
                exact += int(tuple(plan) == task.plan)
                prf = prf + exact_prf(plan, task.plan)
        out[phrasing] = {
            "sentences": total,
            "exact_match": round(100.0 * exact / max(total, 1), 2),
            "step_f1": round(100.0 * prf.f1, 2),
            "errors": errors,
        }
    return out


def latency(parse: Callable[[str], Any], texts: Sequence[str], repeat: int = 1) -> dict[str, float]:
    """Per-instruction wall time in ms (p50/p90/p99/max), model loading excluded by the caller."""
    times = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            with contextlib.suppress(RobostackError):
                parse(text)
            times.append((time.perf_counter() - start) * 1000.0)
    times.sort()

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, int(q * len(times)))], 3)

    return {
        "n": len(times),
        "p50_ms": pct(0.5),
        "p90_ms": pct(0.9),
        "p99_ms": pct(0.99),
        "max_ms": round(times[-1], 3),
    }


BAD_INPUTS: dict[str, str] = {
    "empty": "",
    "whitespace": "   \t\n ",
    "noise_10k": "".join(chr(33 + (i * 7919) % 90) for i in range(10_000)),
    "non_english": "깨끗하게 씻은 국자를 조리대에 놓으세요.",
    "control_chars": "\x00\x01\x02\x1b[31m\x7f",
    "mixed_control": "go to the\x00 kitchen\x07",
}


def bad_input_report(parse: Callable[[str], Any]) -> dict[str, Any]:
    """Each bad input must give a clear error or a plan, never a crash, in under a second."""
    report = {}
    for name, text in BAD_INPUTS.items():
        start = time.perf_counter()
        try:
            plan = parse(text)
            outcome = f"plan with {len(plan.subtasks)} subtasks"
        except RobostackError as err:
            outcome = f"error: {err}"
        except Exception as err:  # noqa: BLE001 - the point of this check is to catch crashes
            outcome = f"CRASH {type(err).__name__}: {err}"
        report[name] = {"outcome": outcome[:120], "ms": round((time.perf_counter() - start) * 1000.0, 2)}
    return report
