"""Reward ablation (CaRL's central finding): simple vs summed reward at two mini-batch sizes.

    python -m robostack.policies.carl.ablation --samples 12000

Four PPO runs with the same seed, rollout and sample budget; only the reward (``simple``:
CaRL's route-completion gain × soft penalties; ``summed``: shaped additive terms) and the
mini-batch size change. Each run lands in ``OUT/<reward>_mb<size>/`` (a finished run is reused),
and the route completion of training episodes against samples is plotted to
``docs/carl_reward_ablation.png``; ``OUT/ablation.json`` holds the final figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.logging import console


def run_name(reward: str, minibatch: int) -> str:
    return f"{reward}_mb{minibatch}"


def run_all(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    from robostack.policies.carl.config import TrainConfig
    from robostack.policies.carl.train import TRAIN_LOG, train

    histories: dict[str, list[dict[str, float]]] = {}
    for reward in ("simple", "summed"):
        for mb in args.minibatches:
            name = run_name(reward, mb)
            out = Path(args.out) / name
            log = out / TRAIN_LOG
            if not log.exists():
                console.print(f"[bold]ablation[/bold] {name}: {args.samples} samples")
                cfg = TrainConfig(
                    seed=args.seed,
                    reward=reward,  # type: ignore[arg-type]
                    num_envs=args.num_envs,
                    rollout_steps=args.rollout_steps,
                    minibatch_size=mb,
                    total_samples=args.samples,
                    out=str(out),
                    checkpoint_every=1000,
                    progress=False,
                    accel_prior=args.accel_prior,
                )
                train(cfg)
            histories[name] = json.loads(log.read_text())["history"]
    return histories


def smoothed(values: list[float], window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` updates that finished an episode (NaNs skipped)."""
    arr = np.asarray(values, dtype=float)
    out = np.full_like(arr, np.nan)
    for i in range(len(arr)):
        chunk = arr[max(0, i - window + 1) : i + 1]
        chunk = chunk[~np.isnan(chunk)]
        if chunk.size:
            out[i] = chunk.mean()
    return out


def plot(histories: dict[str, list[dict[str, float]]], path: Path, window: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, rows in histories.items():
        style = "-" if name.startswith("simple") else "--"
        x = [r["samples"] for r in rows]
        rc = 100 * smoothed([r["route_completion"] for r in rows], window)
        ax.plot(x, rc, style, label=name)
    ax.set_xlabel("environment samples")
    ax.set_ylabel(f"route completion, % (training episodes, last {window} updates)")
    ax.set_title("CaRL reward ablation: simple vs summed, two mini-batch sizes")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def final_figures(histories: dict[str, list[dict[str, float]]], window: int) -> dict[str, float]:
    out = {}
    for name, rows in histories.items():
        vals = smoothed([r["route_completion"] for r in rows], window)
        out[name] = 100 * float(vals[-1]) if vals.size and not math.isnan(vals[-1]) else float("nan")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m robostack.policies.carl.ablation", description=__doc__)
    parser.add_argument("--samples", type=int, default=12_000, help="sample budget of every run")
    parser.add_argument("--minibatches", type=int, nargs=2, default=[64, 256], help="two mini-batch sizes")
    parser.add_argument("--num-envs", type=int, default=2)
    parser.add_argument("--rollout-steps", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--accel-prior", type=float, default=0.0, help="initial mean of action[0]")
    parser.add_argument("--window", type=int, default=5, help="updates in the plotted trailing mean")
    parser.add_argument("--out", default="runs/carl_ablation")
    parser.add_argument("--plot", default="docs/carl_reward_ablation.png")
    args = parser.parse_args(argv)
    histories = run_all(args)
    plot(histories, Path(args.plot), args.window)
    summary: dict[str, Any] = {
        "samples_per_run": args.samples,
        "batch_per_update": args.num_envs * args.rollout_steps,
        "minibatches": args.minibatches,
        "final_route_completion_pct": final_figures(histories, args.window),
        "command": "python -m robostack.policies.carl.ablation "
        + " ".join(sys.argv[1:] if argv is None else argv),
    }
    (Path(args.out) / "ablation.json").write_text(json.dumps(summary, indent=1))
    console.print_json(data=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
