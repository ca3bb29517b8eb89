"""MODEL_CARD.md for a trained CaRL policy, written from the files beside it (never by hand).

Reads ``train_log.json`` (written by training) and, when present, ``eval.json`` (the output of
``robostack eval driving --policy carl ... --json``), ``eval_baselines.json`` (the same command
for the baselines, on the same episodes) and ``eval_validation.json`` (on validation seeds, by which
a new run's weights are kept or not: {name: figures}). Run again after an evaluation:
``python -m robostack.policies.carl.card policies/carl_finetuned``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.lineage import read_lineage
from robostack.policies.carl.average import AVERAGE_FILE
from robostack.policies.carl.config import CARL_DIR
from robostack.policies.carl.imitation import ACTION_MARGIN, IMITATION_FILE
from robostack.policies.carl.train import TRAIN_LOG

EVAL_FILE = "eval.json"
VALIDATION_FILE = "eval_validation.json"
BASELINES_FILE = "eval_baselines.json"
ABLATION_FILE = "ablation.json"
CURVE_FILE = "training_curve.png"
CURVE_WINDOW = 50_000  # samples each point of the curve averages over
LEADING = ("route_completion", "driving_score", "collisions_per_km", "red_lights_per_km", "offroad_per_km")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _eval_table(results: dict[str, dict[str, Any]]) -> str:
    numeric = {k for r in results.values() for k, v in r.items() if isinstance(v, int | float)} - {"seed"}
    keys = [k for k in LEADING if k in numeric] + sorted(numeric - set(LEADING))
    head = "| policy | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys) + "\n"
    rows = "".join(
        f"| {name} | " + " | ".join(_fmt(r.get(k, float("nan"))) for k in keys) + " |\n"
        for name, r in results.items()
    )
    return head + rows


def _load(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def _as_table(data: Any, default_name: str) -> dict[str, dict[str, Any]]:
    """Eval JSON is one figures dict, or {policy: figures} when several were run."""
    if isinstance(data, dict) and data and all(isinstance(v, dict) for v in data.values()):
        return data
    return {default_name: data}


def commands_of(log: dict[str, Any]) -> list[str]:
    """The training commands, first to last (logs before resumable runs kept one ``command``)."""
    return list(log.get("commands") or [log["command"]])


def model_card(directory: Path) -> str:
    """The card of a PPO run (``train_log.json``) or of a DAgger warm start (``imitation_log.json``)."""
    if (directory / IMITATION_FILE).exists() and not (directory / TRAIN_LOG).exists():
        lines = _imitation_lines(json.loads((directory / IMITATION_FILE).read_text()))
        for phase in read_lineage(directory, IMITATION_FILE)[:-1]:
            earlier = json.loads((directory / phase.log).read_text())
            lines += ["", "## The DAgger run it started from", f"- Command: `{earlier['command']}`", ""]
            lines += _iteration_table(earlier)
    else:
        lines = _ppo_lines(json.loads((directory / TRAIN_LOG).read_text()))
        lines += _average_lines(_load(directory / AVERAGE_FILE))
    lines += _evaluation_lines(directory)
    ablation = _load(directory / ABLATION_FILE)
    if ablation is not None:
        lines += [
            "",
            "## Reward ablation",
            f"`{ablation['command']}`; see `docs/carl_reward_ablation.png`. Route completion (%) of training",
            "episodes at the end of each run (the mean of its last 5 updates), mean ± std over seeds:",
            "",
        ]
        lines += [
            f"- {name}: {_fmt(v['mean'])} ± {_fmt(v['std'])} (seeds: {', '.join(map(_fmt, v['per_seed']))})"
            for name, v in ablation["final_route_completion_pct"].items()
        ]
    return "\n".join(lines) + "\n"


def _ppo_lines(log: dict[str, Any]) -> list[str]:
    cfg = log["train_config"]
    env = json.dumps(cfg["env"]) if cfg["env"] else "defaults"
    per_update = cfg["num_envs"] * cfg["rollout_steps"] * log["world_size"]
    lines = [
        "# CaRL (PPO, simple reward) on robostack/Driving-v0",
        "",
        "Roach-style CNN with LayerNorm over the BEV raster + measurement MLP, Beta policy (softplus + 1),",
        "value head; PPO with GAE as in CaRL's DD-PPO. Written by `robostack/policies/carl/card.py` from",
        "`train_log.json` and the evaluation files beside it.",
        "",
        "## Training",
        f"- Data: on-policy rollouts in the SUMO driving world, reward `{cfg['reward']}`, env config {env},",
        f"  training seeds from {cfg['seed']} (all < 1,000,000; evaluation uses seeds ≥ 1,000,000).",
        *[f"- Command{' (resumed)' if i else ''}: `{c}`" for i, c in enumerate(commands_of(log))],
        f"- Ranks: {log['world_size']} (backend {log['backend']}), {cfg['num_envs']} envs per rank, "
        f"{cfg['rollout_steps']} steps per rollout → {per_update} samples per update; mini-batch "
        f"{cfg['minibatch_size']}, {cfg['update_epochs']} epochs, lr {cfg['learning_rate']} (linear decay), "
        f"clip {cfg['clip_coef']}, γ {cfg['gamma']}, λ {cfg['gae_lambda']}, entropy {cfg['ent_coef']}.",
        f"- Trained: {log['updates']} of {log['planned_updates']} updates, {log['samples']:,} samples, "
        f"{log['wall_s'] / 60:.1f} min wall on a shared 2-core CPU → {log['samples_per_s']:.1f} samples/s.",
        f"- Last 5 updates: mean episode return {_fmt(log['last_episode_return'])}, "
        f"route completion of finished training episodes {_fmt(100 * log['last_route_completion'])} %.",
        f"- Learning curve over every run that made these weights: `{CURVE_FILE}`.",
    ]
    if cfg.get("anchor_coef"):
        lines.append(
            f"- Fine-tuned from a warm start (not in CaRL): the first {cfg['critic_warmup_updates']} updates "
            f"train the value head alone, and KL(anchor ‖ policy) × {cfg['anchor_coef']} holds the policy "
            f"near `{cfg['anchor_policy']}`; value clipping {'on' if cfg['clip_value'] else 'off'}."
        )
    if log["updates"] < log["planned_updates"]:
        lines.append(
            "- Stopped before its planned updates (by `--max-minutes`, or exported from a checkpoint of a"
            " run still going), not by convergence."
        )
    return lines


def _average_lines(record: dict[str, Any] | None) -> list[str]:
    if record is None:
        return []
    samples = ", ".join(f"{n:,}" for n in record["samples"])
    return [
        f"- Weights: the uniform mean of {len(record['samples'])} snapshots of the runs above, at {samples}"
        f" samples (weight averaging, not in CaRL), written by `{record['command']}`.",
    ]


def _iteration_table(log: dict[str, Any]) -> list[str]:
    rows = [
        f"| {r['iteration']} | {r['beta']:g} | {r['seeds'][0]}–{r['seeds'][1]} | "
        f"{_fmt(r['rollout_route_completion'])} | {r['new_states']:,} | {r['states']:,} | "
        f"{_fmt(r['loss'][-1])} | {r['wall_s'] / 60:.1f} |"
        for r in log["iterations"]
    ]
    return [
        "| iteration | β (expert share) | seeds | route completion of its rollouts % | new states "
        "| all states | last epoch loss | minutes |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def _imitation_lines(log: dict[str, Any]) -> list[str]:
    cfg = log["config"]
    return [
        "# CaRL network, DAgger warm start from the lane-following baseline",
        "",
        "The CaRL network (roach_ln2 CNN, Beta head) trained by imitation, not by PPO: DAgger (Ross et al.,",
        "2011) with `LaneFollowingPolicy` as the expert (`robostack/policies/carl/imitation.py`). The",
        "learner sees the BEV raster and measurements only; the expert reads the env's privileged state.",
        "A start for PPO (`robostack train carl --resume`), not a CaRL result. Written by",
        "`robostack/policies/carl/card.py` from `imitation_log.json` and the evaluation files beside it.",
        "",
        "## Training",
        f"- Command: `{log['command']}`",
        f"- Initial weights: `{cfg['init_from']}`; {cfg['episodes']} training episodes per iteration",
        f"  (seeds < 1,000,000); {cfg['epochs']} epochs of Adam per fit over every label so far, lr",
        f"  {cfg['learning_rate']} with cosine decay, batch {cfg['batch_size']}; loss: negative",
        "  log-likelihood of the expert's action under the Beta",
        f"  (targets kept {ACTION_MARGIN} inside [0, 1]).",
        "",
        *_iteration_table(log),
    ]


def _checkpoint_flag(directory: Path) -> str:
    """``--checkpoint DIR`` unless ``directory`` is the default policy folder."""
    return "" if directory == Path(CARL_DIR) else f" --checkpoint {directory}"


def _evaluation_lines(directory: Path) -> list[str]:
    lines = ["", "## Evaluation (held-out seeds ≥ 1,000,000)"]
    evaluation = _load(directory / EVAL_FILE)
    baselines = _load(directory / BASELINES_FILE)
    if evaluation is None:
        lines.append(
            f"Not evaluated yet: run `robostack eval driving --policy carl --checkpoint {directory} "
            f"--json > {directory}/eval.json`."
        )
    else:
        results = _as_table(evaluation, "carl")
        if baselines is not None:
            results.update(_as_table(baselines, "baseline"))
        lines += [
            f"Measured by `robostack eval driving --policy carl{_checkpoint_flag(directory)} --episodes 50 "
            "--seed 1000000 --json`",
            "(baselines: the same command with `--policy sumo` / `--policy lane-following`).",
            "",
            _eval_table(results),
            "Targets (issue 7): route completion ≥ 85 %, driving score ≥ 70.",
        ]
    validation = _load(directory / VALIDATION_FILE)
    if validation is not None:
        lines += [
            "",
            "## Validation (seeds ≥ 2,000,000, apart from training and the evaluation above)",
            "A training run replaces the committed weights only when its route completion and its driving",
            "score here are both higher (since 2026-12-06 over all 150 routes, weighted by route count).",
            "Measured by `robostack eval driving --policy carl --checkpoint DIR --episodes 50`",
            '`--seed 2000000 --workers 2 --json`, and rows named "100 further routes" by `--episodes 100',
            "--seed 2000050` (evaluations run the CNN on one torch thread, in every process: more threads",
            "sum it in another order and can end a route differently).",
            "",
            _eval_table(_as_table(validation, "carl")),
        ]
    return lines


def training_curve(
    history: list[dict[str, Any]], window: int = CURVE_WINDOW
) -> tuple[np.ndarray, np.ndarray]:
    """(samples, route completion in %): at each update, the mean of the route completion that the
    updates of the last ``window`` samples report (those that finished an episode). A window in
    samples, not updates, since the runs of one lineage may differ in samples per update."""
    samples = np.array([r["samples"] for r in history], dtype=float)
    rc = np.array([r["route_completion"] for r in history], dtype=float)
    done = ~np.isnan(rc)
    at, total = samples[done], np.concatenate([[0.0], np.cumsum(100 * rc[done])])
    hi = np.searchsorted(at, samples, side="right")
    lo = np.searchsorted(at, samples - window, side="right")
    keep = hi > lo
    return samples[keep], (total[hi] - total[lo])[keep] / (hi - lo)[keep]


def plot_training_curve(log: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = training_curve(log["history"])
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    ax.plot(x, y)
    ax.set_xlabel("environment samples")
    ax.set_ylabel(f"route completion, %\n(training episodes, last {CURVE_WINDOW // 1000}k samples)")
    ax.set_title("CaRL PPO on robostack/Driving-v0: training route completion")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_model_card(directory: str | Path) -> Path:
    directory = Path(directory)
    if (directory / TRAIN_LOG).exists():
        plot_training_curve(json.loads((directory / TRAIN_LOG).read_text()), directory / CURVE_FILE)
    path = directory / "MODEL_CARD.md"
    path.write_text(model_card(directory))
    return path


if __name__ == "__main__":
    print(write_model_card(sys.argv[1] if len(sys.argv) > 1 else CARL_DIR))  # noqa: T201
