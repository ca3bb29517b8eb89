"""Reward ablation (CaRL's central finding): simple vs summed reward at two mini-batch sizes.

    python -m robostack.policies.carl.ablation --samples 12000

Four PPO settings share the rollout and sample budget; only the reward (``simple``: CaRL's
route-completion gain × soft penalties; ``summed``: shaped additive terms) and the mini-batch size
change, with CaRL's fixed epochs per update, so the larger mini-batch takes fewer gradient steps
(``--equal-steps`` gives it proportionally more epochs instead). Each setting runs once per seed
(``--seeds N``: seeds ``seed … seed + N − 1``, the same for every setting). Each run lands in
``OUT/<reward>_mb<size>_ep<epochs>_seed<seed>/`` (a finished run is reused),
and the route completion of training episodes against samples is plotted to
``docs/carl_reward_ablation.png`` (the mean over seeds, with their range shaded);
``OUT/ablation.json`` holds the final figures.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from robostack.core.logging import console

History = list[dict[str, float]]


def setting_name(reward: str, minibatch: int, epochs: int) -> str:
    return f"{reward}_mb{minibatch}_ep{epochs}"


def update_epochs(args: argparse.Namespace, minibatch: int) -> int:
    """``--update-epochs``, times the mini-batch's multiple of the smaller one with ``--equal-steps``."""
    return args.update_epochs * (minibatch // min(args.minibatches) if args.equal_steps else 1)


def run_all(args: argparse.Namespace) -> dict[str, list[History]]:
    """Every setting's training histories, one per seed."""
    from robostack.policies.carl.config import TrainConfig
    from robostack.policies.carl.train import TRAIN_LOG, train

    histories: dict[str, list[History]] = {}
    for seed in range(args.seed, args.seed + args.seeds):
        for reward in ("simple", "summed"):
            for mb in args.minibatches:
                name = setting_name(reward, mb, update_epochs(args, mb))
                out = Path(args.out) / f"{name}_seed{seed}"
                log = out / TRAIN_LOG
                if not log.exists():
                    console.print(f"[bold]ablation[/bold] {out.name}: {args.samples} samples")
                    cfg = TrainConfig(
                        seed=seed,
                        reward=reward,  # type: ignore[arg-type]
                        num_envs=args.num_envs,
                        rollout_steps=args.rollout_steps,
                        minibatch_size=mb,
                        update_epochs=update_epochs(args, mb),
                        total_samples=args.samples,
                        out=str(out),
                        checkpoint_every=1000,
                        progress=False,
                        accel_prior=args.accel_prior,
                    )
                    train(cfg)
                histories.setdefault(name, []).append(json.loads(log.read_text())["history"])
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


def seed_curves(runs: list[History], window: int) -> tuple[np.ndarray, np.ndarray]:
    """(samples, seeds × updates smoothed route completion in %) over the updates all runs reached."""
    length = min(len(rows) for rows in runs)
    x = np.array([r["samples"] for r in runs[0][:length]], dtype=float)
    rc = [100 * smoothed([r["route_completion"] for r in rows[:length]], window) for rows in runs]
    return x, np.stack(rc)


def plot(histories: dict[str, list[History]], path: Path, window: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for name, runs in histories.items():
        style = "-" if name.startswith("simple") else "--"
        x, rc = seed_curves(runs, window)
        with warnings.catch_warnings():  # updates before any seed finished an episode are NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, low, high = np.nanmean(rc, 0), np.nanmin(rc, 0), np.nanmax(rc, 0)
        (line,) = ax.plot(x, mean, style, label=f"{name} ({len(runs)} seeds)")
        if len(runs) > 1:
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.12)
    ax.set_xlabel("environment samples")
    ax.set_ylabel(f"route completion, % (training episodes, last {window} updates)")
    ax.set_title("CaRL reward ablation: simple vs summed, two mini-batch sizes")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def final_figures(histories: dict[str, list[History]], window: int) -> dict[str, dict[str, Any]]:
    """Per setting: the smoothed route completion (%) at each seed's last update, their mean and std."""
    out: dict[str, dict[str, Any]] = {}
    for name, runs in histories.items():
        finals = [100 * float(smoothed([r["route_completion"] for r in rows], window)[-1]) for rows in runs]
        known = [v for v in finals if not math.isnan(v)]
        out[name] = {
            "per_seed": finals,
            "mean": float(np.mean(known)) if known else float("nan"),
            "std": float(np.std(known)) if known else float("nan"),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m robostack.policies.carl.ablation", description=__doc__)
    parser.add_argument("--samples", type=int, default=12_000, help="sample budget of every run")
    parser.add_argument("--minibatches", type=int, nargs=2, default=[64, 256], help="two mini-batch sizes")
    parser.add_argument("--update-epochs", type=int, default=3, help="PPO epochs per update (CaRL: 3)")
    parser.add_argument(
        "--equal-steps",
        action="store_true",
        help="give the larger mini-batch proportionally more epochs: the same gradient steps per update",
    )
    parser.add_argument("--num-envs", type=int, default=2)
    parser.add_argument("--rollout-steps", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--seeds", type=int, default=1, help="seeds per setting")
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
