"""ETH-UCY evaluation: the trained models beside constant velocity, measured in one run.

Protocol (Social-GAN / SingularTrajectory): leave-one-out test scene, 8 observed and 12 predicted
frames, every window start (skip 1); minADE and minFDE per agent over the samples, each minimised
independently, averaged over agents; the AVG row is the mean of the five scenes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robostack.core.errors import RobostackError
from robostack.data.eth_ucy import TrajectorySet, default_data_dir, load_split
from robostack.policies.singular_trajectory.policy import SingularTrajectory
from robostack.policies.singular_trajectory.train import Metrics, constant_velocity, evaluate, split_anchors
from robostack.policies.singular_trajectory.walkable import WalkableMap, load_walkable_maps, maps_from_tracks

PAPER_STOCHASTIC: dict[str, tuple[float, float]] = {
    "eth": (0.35, 0.42),
    "hotel": (0.13, 0.19),
    "univ": (0.25, 0.44),
    "zara1": (0.19, 0.32),
    "zara2": (0.15, 0.25),
    "avg": (0.21, 0.32),
}
PAPER_DETERMINISTIC: dict[str, tuple[float, float]] = {
    "eth": (0.72, 1.23),
    "hotel": (0.27, 0.50),
    "univ": (0.57, 1.12),
    "zara1": (0.44, 0.93),
    "zara2": (0.35, 0.73),
    "avg": (0.47, 0.90),
}
MODEL_METHODS = ("singular_trajectory", "deterministic")
METHODS = (*MODEL_METHODS, "constant_velocity")
ORACLE_NOTE = (
    "ORACLE: adapted to maps drawn from the test tracks, futures included; "
    "a bound on what scene maps could give, not a result"
)


def _figures(m: Metrics) -> dict[str, float]:
    return {"ade": round(m.ade, 4), "fde": round(m.fde, 4)}


def _load(directory: Path) -> SingularTrajectory | None:
    return SingularTrajectory.from_pretrained(directory) if (directory / "config.yaml").exists() else None


def test_maps(test: TrajectorySet, data_dir: Path | None, oracle: bool) -> dict[str, WalkableMap]:
    """The walkable maps of the test recordings: the data directory's files, or with ``oracle``
    maps drawn from the test tracks themselves (they see the futures: an upper bound only)."""
    if oracle:
        return maps_from_tracks(test.obs, test.pred, test.agent_sources())
    return load_walkable_maps(data_dir or default_data_dir(), set(test.sources))


def evaluate_scene(
    scene: str, root: Path, data_dir: Path | None, oracle_maps: bool = False
) -> dict[str, Any]:
    """Every method on one held-out scene's test split."""
    test = load_split(scene, "test", data_dir)
    maps = test_maps(test, data_dir, oracle_maps)
    row: dict[str, Any] = {
        "agents": test.num_agents,
        "windows": test.num_windows,
        "walkable_maps": sorted(maps),
    }
    row["constant_velocity"] = _figures(constant_velocity(test))
    for method, folder in (
        ("singular_trajectory", root / scene),
        ("deterministic", root / scene / "deterministic"),
    ):
        model = _load(folder)
        if model is None:
            row[method] = None
            continue
        row[method] = {
            **_figures(evaluate(model, test, split_anchors(model, test, maps))),
            "samples": model.config.num_samples,
            "anchors": anchor_source(model, maps, oracle_maps),
        }
    return row


def anchor_source(model: SingularTrajectory, maps: dict[str, WalkableMap], oracle: bool) -> str:
    """Which walkable area the model's anchors were corrected on, as `ANCHOR_SOURCES` names it."""
    if model.config.walkable_maps in ("observed", "place"):
        return model.config.walkable_maps
    if maps:
        return "oracle" if oracle else "files"
    return "prototypes"


def evaluate_scenes(
    scenes: list[str], root: Path, data_dir: Path | None, oracle_maps: bool = False
) -> dict[str, Any]:
    """Per-scene rows, the average over scenes, and the paper's figures beside them."""
    if not any((root / s / "config.yaml").exists() for s in scenes):
        raise RobostackError(f"no SingularTrajectory checkpoints under {root}; train them first")
    rows = {scene: evaluate_scene(scene, root, data_dir, oracle_maps) for scene in scenes}
    report: dict[str, Any] = {
        "protocol": "ETH-UCY leave-one-out (Social-GAN splits), obs 8 / pred 12 frames at 2.5 Hz, skip 1; "
        "minADE/minFDE in metres (best-of-20 for singular_trajectory, 1 sample for deterministic)",
        "anchors": _anchor_note(rows),
        "scenes": rows,
    }
    if len(scenes) > 1:
        avg: dict[str, Any] = {}
        for method in METHODS:
            vals = [rows[s][method] for s in scenes]
            if all(v is not None for v in vals):
                avg[method] = {key: round(sum(v[key] for v in vals) / len(vals), 4) for key in ("ade", "fde")}
            else:
                avg[method] = None
        report["avg"] = avg
    report["paper"] = {
        "singular_trajectory": {
            s: dict(zip(("ade", "fde"), PAPER_STOCHASTIC[s], strict=True)) for s in [*scenes, "avg"]
        },
        "deterministic": {
            s: dict(zip(("ade", "fde"), PAPER_DETERMINISTIC[s], strict=True)) for s in [*scenes, "avg"]
        },
    }
    return report


ANCHOR_SOURCES = {
    "observed": "adapted to where people were seen to walk so far in the test recording (causal)",
    "place": "adapted to where people were seen to walk so far in the test recording (causal) and in "
    "the training recordings filmed at the same place",
    "files": "adapted to the walkable maps in the data directory",
    "oracle": ORACLE_NOTE,
    "prototypes": "prototypes (no walkable maps in the data directory)",
}


def _anchor_note(rows: dict[str, Any]) -> str:
    """One line per method: which walkable area its anchors used, and on which scenes."""
    parts = []
    for method in MODEL_METHODS:
        scenes_of: dict[str, list[str]] = {}
        for scene, row in rows.items():
            if row[method] is not None:
                scenes_of.setdefault(row[method]["anchors"], []).append(scene)
        for source, scenes in scenes_of.items():
            where = "" if len(scenes_of) == 1 else f" ({', '.join(scenes)})"
            parts.append(f"{method}{where}: {ANCHOR_SOURCES[source]}")
    return "; ".join(parts)


def render_table(report: dict[str, Any]) -> str:
    """A plain-text table: one line per scene, ADE/FDE per method, then the paper's figures."""

    def cell(v: dict[str, float] | None) -> str:
        return "—" if v is None else f"{v['ade']:.2f}/{v['fde']:.2f}"

    lines = [f"{'scene':8} {'ours (20)':>11} {'paper':>11} {'determ.':>11} {'paper':>11} {'const.vel.':>11}"]
    rows = dict(report["scenes"])
    if "avg" in report:
        rows["avg"] = report["avg"]
    for scene, row in rows.items():
        p_sto, p_det = report["paper"]["singular_trajectory"], report["paper"]["deterministic"]
        lines.append(
            f"{scene:8} {cell(row['singular_trajectory']):>11} {cell(p_sto.get(scene)):>11} "
            f"{cell(row['deterministic']):>11} {cell(p_det.get(scene)):>11} "
            f"{cell(row['constant_velocity']):>11}"
        )
    lines.append(f"anchors: {report['anchors']}")
    return "\n".join(lines)
