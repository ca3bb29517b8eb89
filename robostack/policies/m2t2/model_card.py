"""Write ``MODEL_CARD.md`` from what training and the measuring commands saved beside the weights:
``config.yaml``, ``train_summary.json``, ``train_log.json`` and, when present, ``bench.json``
(``robostack bench m2t2 --save``), ``eval_offline.json`` (``robostack eval m2t2-offline --save``)
and ``eval_pick_place_<policy>_<seed>.json`` (``robostack eval pick-place --policy P --json > …``) in
the folder itself (the reported episodes), ``validation/`` and ``large_sample/``."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from robostack.core.lineage import read_lineage
from robostack.core.stats import wilson_interval
from robostack.policies.m2t2.config import M2T2Config

SCALE_DOWNS: list[tuple[str, str, str]] = [
    ("scene points", "16384", "num_points"),
    ("held-object points", "1024", "num_object_points"),
    ("SA first-MLP widths", "32, 64, 128, 256", "sa_widths"),
    ("FP widths res0..res3", "128, 256, 512, 512", "fp_dims"),
    ("object encoder points", "256, 64, 16", "object_points"),
    ("object feature", "512", "object_dim"),
    ("embed dim", "256", "embed_dim"),
    ("feed-forward dim", "512", "feedforward_dim"),
    ("attention heads", "8", "num_heads"),
    ("decoder layers", "9", "num_layers"),
    ("grasp queries", "100", "num_grasp_queries"),
    ("action-head hidden", "256", "action_hidden"),
    ("grasp-mask top-k BCE", "512", "grasp_topk"),
    ("place-mask top-k BCE", "1024", "place_topk"),
    ("pose-loss contacts per scene", "all (README: 512)", "max_contacts_per_scene"),
]


def _read(path: Path) -> Any:
    """A saved JSON figure file; None when absent or unfinished (an evaluation still running)."""
    try:
        return json.loads(path.read_text()) if path.is_file() else None
    except json.JSONDecodeError:
        return None


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list | tuple):
        return ", ".join(_fmt(x) for x in v)
    return str(v)


def _support_note(radius: float) -> list[str]:
    """The card's line on `place_support_radius` (none when it is off, as in the original)."""
    if radius <= 0:
        return []
    return [
        f"Placements are ranked by the mean place probability within {radius * 100:g} cm in xy",
        "(`place_support_radius`; the original ranks each point by its own), so the first one tried",
        "lies inside a placeable region rather than on its rim.",
    ]


def _adds_note(on_confident: bool) -> list[str]:
    """The card's words on the ADD-S loss (`adds_on_confident`)."""
    if on_confident:
        return [
            "the ADD-S loss at predicted and labelled contacts, weighted by their mask confidence as in the",
            "original (`adds_on_confident`);",
        ]
    return [
        "the ADD-S loss weights every labelled contact equally and uses the labelled contacts only",
        "(`adds_on_confident: false`; the original weights predicted and labelled contacts by confidence);",
    ]


def _table(rows: dict[str, Any]) -> list[str]:
    lines = ["| figure | value |", "|---|---|"]
    return lines + [f"| {k} | {_fmt(v)} |" for k, v in rows.items() if not isinstance(v, dict)]


def combine_pick_place(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool `robostack eval pick-place --json` outputs over disjoint seed ranges: grasp and
    pick-and-place success over all episodes, place success over the grasped ones."""
    episodes = sum(r["episodes"] for r in runs)
    grasped = sum(round(r["grasp_success"] * r["episodes"]) for r in runs)
    placed = sum(round(r["pick_and_place_success"] * r["episodes"]) for r in runs)
    seeds = sorted((r["seed"], r["seed"] + r["episodes"] - 1) for r in runs)
    outcomes: Counter[str] = Counter()
    for r in runs:
        outcomes.update(r.get("outcomes", {}))
    return {
        "episodes": episodes,
        "seeds": ", ".join(f"{a}-{b}" for a, b in seeds),
        "grasp_success": round(grasped / max(episodes, 1), 4),
        "place_success": round(placed / max(grasped, 1), 4),
        "pick_and_place_success": round(placed / max(episodes, 1), 4),
        "outcomes": dict(sorted(outcomes.items())),
        "failures": [line for r in sorted(runs, key=lambda r: r["seed"]) for line in r.get("failures", [])],
    }


def pick_place_section(
    runs: list[dict[str, Any]], title: str, folder: str, list_failures: bool = True
) -> list[str]:
    """One row per policy, pooled over its runs (files ``<folder>/eval_pick_place_<policy>_<seed>.json``)."""
    lines = [
        f"{title} (`robostack eval pick-place --policy P --episodes E --seed S --json > "
        f"{folder}/eval_pick_place_P_S.json`, pooled by `model_card.combine_pick_place`):",
        "",
        "| policy | episodes | seeds | grasp success | place success | pick-and-place success | "
        "pick-and-place 95% interval |",
        "|---|---|---|---|---|---|---|",
    ]
    pooled = {
        p: combine_pick_place([r for r in runs if r["policy"] == p])
        for p in sorted({r["policy"] for r in runs})
    }
    for policy, c in pooled.items():
        low, high = wilson_interval(round(c["pick_and_place_success"] * c["episodes"]), c["episodes"])
        lines.append(
            f"| {policy} | {c['episodes']} | {c['seeds']} | {c['grasp_success']:.1%} | "
            f"{c['place_success']:.1%} | {c['pick_and_place_success']:.1%} | {low:.1%}–{high:.1%} |"
        )
    reasons = sorted({k for c in pooled.values() for k in c["outcomes"]})
    if not reasons:  # runs saved before evaluations recorded their outcomes
        return lines
    lines += [
        "",
        "How the episodes ended (counts; `no_feasible_*`: no candidate had a collision-free approach):",
        "",
        "| policy | " + " | ".join(reasons) + " |",
        "|---|" + "---|" * len(reasons),
    ]
    for policy, c in pooled.items():
        lines.append(f"| {policy} | " + " | ".join(str(c["outcomes"].get(k, 0)) for k in reasons) + " |")
    for policy, c in pooled.items():
        if c["failures"] and list_failures:
            lines += ["", f"Episodes {policy} lost:", "", *(f"- {line}" for line in c["failures"])]
    return lines


def summary_from_log(log: list[dict[str, Any]], command: str, data: str) -> dict[str, Any]:
    """A training summary for a run stopped before its budget ran out (no ``train_summary.json``):
    the saved checkpoint is the one of the last logged validation."""
    last = log[-1]
    return {
        "command": command,
        "data": {
            "source": data,
            "note": "stopped by hand after the last logged validation; train split re-listed each epoch "
            "while it was still being collected",
        },
        "epochs": last["epoch"],
        "steps": last["step"],
        "wall_minutes": last["minutes"],
        "saved_epoch": last["epoch"],
        "saved_val_loss": last["val_loss"],
        "val_scenes": int(last.get("val_scenes", 0)),
        "val_figures_saved": {k[4:]: v for k, v in last.items() if k.startswith("val_")},
        "parameters": None,
        "train_config": _default_train_config(),
    }


def _default_train_config() -> dict[str, Any]:
    from robostack.policies.m2t2.train import TrainConfig

    return TrainConfig().model_dump(mode="json", include={"lr", "weight_decay", "grad_clip", "batch_size"})


def earlier_phases_section(directory: Path) -> list[str]:
    """The runs this checkpoint continued from, one line each (empty when trained in one go)."""
    lines = []
    for phase in read_lineage(directory)[:-1]:
        log = _read(directory / phase.log)
        if log:
            last, best = log[-1], min(log, key=lambda e: e["val_loss"])
            note = f" ({phase.note})" if phase.note else ""
            lines.append(
                f"- `{phase.command}`{note}: {last['epoch']} epochs, {last['step']} steps, "
                f"{last['minutes']} min, val loss {last['val_loss']:.4g} last, {best['val_loss']:.4g} best "
                f"(epoch {best['epoch']}) (`{phase.log}`)"
            )
    if not lines:
        return []
    return ["", "Earlier phases (the command above continued from the last of them):", "", *lines]


def write_model_card(directory: str | Path, stopped_command: str | None = None, data: str = "") -> Path:
    """``stopped_command``: the training command of a run stopped by hand (summary from the log)."""
    d = Path(directory)
    cfg = M2T2Config.model_validate(yaml.safe_load((d / "config.yaml").read_text()))
    summary, log = _read(d / "train_summary.json"), _read(d / "train_log.json") or []
    if summary is None and stopped_command and log:
        summary = summary_from_log(log, stopped_command, data)
        from robostack.policies.m2t2.policy import M2T2Policy

        summary["parameters"] = sum(p.numel() for p in M2T2Policy(cfg).parameters())
    lines = INTRO + ["## Data", ""]
    if summary:
        lines += _training_lines(summary, log) + earlier_phases_section(d)
    else:
        lines += ["- not trained yet (no `train_summary.json`)"]
    lines += ["", "## Evaluation", ""] + _evaluation_lines(d) + _scale_down_lines(cfg)
    path = d / "MODEL_CARD.md"
    path.write_text("\n".join(lines))
    return path


INTRO = [
    "# M2T2 (robostack CPU scale-down)",
    "",
    "Point-cloud pick-and-place transformer after Yuan et al., CoRL 2023 (NVlabs/M2T2), written from",
    "scratch in pure PyTorch for the CPU (`robostack/policies/m2t2`). Grasps use the Contact-GraspNet",
    "parameterisation for the Franka Panda: R = [b, a×b, a], t = c + (w/2)·b − 0.1034·a, 10 width bins.",
    "This file is written by `robostack/policies/m2t2/model_card.py`; every figure comes from a saved",
    "JSON file beside the weights, produced by the command named with it.",
    "",
]


def _training_lines(summary: dict[str, Any], log: list[dict[str, Any]]) -> list[str]:
    """The data line, the training command and figures, and the per-epoch table of the log."""
    data = summary["data"]
    lines = [
        f"- source: `{data.get('source')}`; "
        + ", ".join(f"{k}: {_fmt(v)}" for k, v in data.items() if k != "source")
    ]
    lines += ["", "## Training", "", f"- command: `{summary['command']}`"]
    lines += [
        f"- {summary['epochs']} epochs, {summary['steps']} steps, "
        f"wall time {summary['wall_minutes']} min "
        f"(1 torch thread, shared 2-core CPU); {summary['parameters']:,} parameters",
        f"- validation loss {summary['saved_val_loss']:.4g} at epoch {summary['saved_epoch']}, "
        f"the saved checkpoint, on {summary.get('val_scenes', '?')} test scenes",
        "- optimiser: "
        + ", ".join(
            f"{k} {_fmt(v)}"
            for k, v in summary["train_config"].items()
            if k in ("lr", "weight_decay", "grad_clip", "batch_size")
        ),
        "",
        "Validation figures of the saved checkpoint (test split: unseen object models when the data",
        "splits by object set):",
        "",
        *_table(summary["val_figures_saved"]),
    ]
    if log:
        lines += [
            "",
            "| epoch | minutes | train loss | val loss | grasp top-1 ≤2 cm | place top-1 in mask |",
            "|---|---|---|---|---|---|",
        ]
        for e in log:
            lines.append(
                f"| {e['epoch']} | {e['minutes']} | {e['train_loss']:.4g} | {e['val_loss']:.4g} | "
                f"{_fmt(e.get('val_grasp_top1_adds_2cm'))} | {_fmt(e.get('val_place_top1_in_mask'))} |"
            )
    return lines


def _evaluation_lines(d: Path) -> list[str]:
    """Offline figures, the simulated pick-and-place samples (test, validation, large) and the bench."""
    bench, offline = _read(d / "bench.json"), _read(d / "eval_offline.json")
    sim, validation, large = (
        [r for r in map(_read, sorted(f.glob("eval_pick_place*.json"))) if r]
        for f in (d, d / "validation", d / "large_sample")
    )
    lines: list[str] = []
    if offline:
        lines += [
            f"Offline, on labelled test scenes (`{offline.get('command', 'robostack eval m2t2-offline')}`):",
            "",
        ]
        lines += _table({k: v for k, v in offline.items() if k != "command"}) + [""]
    if sim:
        title = "Simulated pick-and-place on test scenes of unseen object models"
        lines += pick_place_section(sim, title, "policies/m2t2") + [""]
    else:
        lines += [
            "Simulated pick-and-place success: not measured yet (`robostack eval pick-place --policy m2t2`).",
            "",
        ]
    if validation:
        title = (
            "Validation episodes (also unseen object models), on which checkpoints and inference settings "
            "are chosen, so that the figures above stay untouched by those choices"
        )
        lines += pick_place_section(validation, title, "policies/m2t2/validation") + [""]
    if large:
        title = (
            "A larger held-out sample, seeds no checkpoint or setting was chosen on (unseen object models; "
            "lost episodes not listed)"
        )
        lines += pick_place_section(large, title, "policies/m2t2/large_sample", list_failures=False) + [""]
    if bench:
        lines += [f"Inference (`{bench.get('command', 'robostack bench m2t2 --json')}`):", ""]
        lines += _table({k: v for k, v in bench.items() if k != "command"}) + [""]
    return lines


def _scale_down_lines(cfg: M2T2Config) -> list[str]:
    """The table of scale-downs and the other differences from the original, and what is unchanged."""
    lines = ["## Scale-downs from the original", "", "| what | original | here |", "|---|---|---|"]
    for what, original, field in SCALE_DOWNS:
        lines.append(f"| {what} | {original} | {_fmt(getattr(cfg, field))} |")
    lines += [
        "",
        "Other differences: pure-torch FPS/ball query/three-NN (no CUDA ops); BatchNorm without SyncBN;",
        *_adds_note(cfg.adds_on_confident),
        "grad-norm clip relaxed (see the optimiser line);",
        f"`num_runs` {cfg.num_runs} (resamplings of the scene pooled per query; the original's default 1,",
        "its README demo 5). Added: training contact masks widened to `contact_radius`",
        "(the dataset's 5 mm masks hold a handful of points per object), scenes turned by random",
        "multiples of 45° about z (placement bins roll with them), and at inference grasps whose open",
        "gripper (three boxes) hits the observed cloud or the table are dropped and the rest spread",
        "`grasp_spacing` apart, so the planner gets distinct candidates.",
        *_support_note(cfg.place_support_radius),
        "Unchanged: MSG radii 0.05·2^l with 16/32 samples, 8 place",
        "queries with the projected object feature, task embedding, masked attention through the",
        "grouping indices in the order res3 → res2 → res1, post-LN, deep supervision on every stage,",
        "Hungarian cost 2·(−σ(obj)) + 5·BCE + 5·Dice, objectness BCE (pos_weight 10, ×0.1, weight 2),",
        "mask top-k BCE + Dice (5 + 5), ADD-S pred→GT (weight 100, finger-swap symmetric), width CE with",
        "the Contact-GraspNet bin weights, AdamW with weight decay 0.05.",
        "",
        "Licence note: the original code and weights are NVIDIA research-only; nothing of them is used here.",
        "",
    ]
    return lines
