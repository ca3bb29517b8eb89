"""Training throughput: the same short PPO run under ``torchrun`` with 1 and 2 processes.

Each run trains ``updates`` PPO updates on the driving world into a scratch folder; samples/s is
the run's own figure (samples over all ranks / wall time of the training loop, environment
start-up excluded), read from the ``train_log.json`` rank 0 writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from robostack.core.errors import RobostackError


def torchrun_command(
    nproc: int, out: Path, samples: int, num_envs: int, steps: int, env: str | None
) -> list[str]:
    torchrun = Path(sys.executable).with_name("torchrun")
    cmd = [
        str(torchrun),
        "--standalone",
        "--nproc_per_node",
        str(nproc),
        "-m",
        "robostack.policies.carl.train",
    ]
    cmd += ["--out", str(out), "--total-samples", str(samples), "--num-envs", str(num_envs)]
    cmd += ["--rollout-steps", str(steps), "--minibatch-size", str(nproc * num_envs * steps // 4)]
    cmd += ["--no-progress", "--checkpoint-every", "1000"]
    return cmd + (["--env", env] if env else [])


def bench_training(
    nprocs: list[int], updates: int, num_envs: int, rollout_steps: int, env: str | None
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for nproc in nprocs:
        samples = updates * nproc * num_envs * rollout_steps
        with tempfile.TemporaryDirectory(prefix="carl_bench_") as tmp:
            cmd = torchrun_command(nproc, Path(tmp), samples, num_envs, rollout_steps, env)
            done = subprocess.run(
                cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"}
            )
            if done.returncode != 0:
                tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
                raise RobostackError(f"torchrun with {nproc} processes failed: {tail[0]}")
            log = json.loads((Path(tmp) / "train_log.json").read_text())
        results[f"torchrun_nproc_{nproc}"] = {
            "processes": nproc,
            "envs_per_process": num_envs,
            "samples": log["samples"],
            "wall_s": round(log["wall_s"], 2),
            "samples_per_s": round(log["samples_per_s"], 1),
            "backend": log["backend"],
        }
    return results
