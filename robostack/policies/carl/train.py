"""DD-PPO training loop for CaRL: one process, or one process per rank under ``torchrun``.

    torchrun --nproc_per_node 2 -m robostack.policies.carl.train --total-samples 200000
    robostack train carl --total-samples 200000            # the same code with world size 1

Each rank runs its own vector env (one SUMO process per env), computes GAE on its own rollout and
optimises on its share of every mini-batch; gradients are averaged over ranks before each step
(gloo on a CPU, nccl on GPUs), so parameters stay identical everywhere. Rank 0 logs and saves.
Checkpoints (``OUT/checkpoint/``) are safetensors: model, Adam moments and a JSON of the counters.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from robostack.core.errors import ConfigError, RobostackError
from robostack.core.lineage import CURRENT_LOG, read_lineage
from robostack.core.logging import console, progress
from robostack.core.schedule import set_lr
from robostack.core.seeding import seed_everything
from robostack.policies.carl.config import TrainConfig, add_train_arguments, config_from_args
from robostack.policies.carl.model import to_action
from robostack.policies.carl.policy import CarlPolicy
from robostack.policies.carl.ppo import PPOCoefs, compute_gae, ppo_update

EnvFactory = Callable[[TrainConfig, int], Any]
"""(config, rank) → a gymnasium VectorEnv with the driving spaces."""

CHECKPOINT_DIR = "checkpoint"
SNAPSHOT_DIR = "snapshots"
TRAIN_LOG = CURRENT_LOG  # the run's log, the newest phase of its lineage
SEED_STRIDE = 10_000  # rank r's env seeds start at seed + r·stride (all < 1,000,000: training range)


# -- distributed set-up -------------------------------------------------------------------------
@dataclass
class World:
    rank: int = 0
    size: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    def allreduce(self, values: list[float]) -> list[float]:
        """Sum floats over ranks (for logging and the shared normaliser)."""
        if self.size == 1:
            return values
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()


def init_world() -> World:
    """torchrun sets RANK/WORLD_SIZE; without them this is a single process (no process group)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    import torch.distributed as dist

    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
        dist.init_process_group("nccl")
        return World(rank, size, torch.device("cuda", local))
    dist.init_process_group("gloo")
    return World(rank, size, torch.device("cpu"))


def close_world(world: World) -> None:
    if world.size > 1:
        import torch.distributed as dist

        dist.destroy_process_group()


def broadcast_parameters(policy: CarlPolicy, world: World) -> None:
    """Start every rank from rank 0's weights and normaliser."""
    if world.size == 1:
        return
    import torch.distributed as dist

    for tensor in policy.state_dict().values():
        dist.broadcast(tensor, src=0)


# -- environments -------------------------------------------------------------------------------
def driving_envs(cfg: TrainConfig, rank: int) -> Any:
    """The SUMO driving world, ``num_envs`` processes for this rank."""
    try:
        import robostack.sim  # noqa: F401  (registers the gymnasium ids)
        from robostack.sim.driving import make_vector_env
        from robostack.sim.driving.config import DrivingConfig
    except ImportError as err:
        raise RobostackError(f"the driving world is not available ({err})") from None
    env_cfg = DrivingConfig(**{**cfg.env, "reward": cfg.reward})
    return make_vector_env(cfg.num_envs, cfg.seed + rank * SEED_STRIDE, env_cfg)


def next_step_autoreset(envs: Any) -> bool:
    """True when the vector env resets a finished env on the *following* step (gymnasium's default)."""
    mode = envs.metadata.get("autoreset_mode")
    return mode is None or getattr(mode, "value", str(mode)) in ("NextStep", "next_step")


# -- rollout ------------------------------------------------------------------------------------
@dataclass
class EpisodeStats:
    """Finished episodes of one update on this rank."""

    returns: list[float] = field(default_factory=list)
    route_completion: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)


def _info_value(infos: dict[str, Any], key: str, i: int) -> float | None:
    if key in infos and infos.get(f"_{key}", np.ones(i + 1, bool))[i]:
        return float(np.asarray(infos[key])[i])
    return None


class Rollout:
    """T×N buffers of one update; observations kept as uint8 to stay small."""

    def __init__(self, steps: int, n: int, obs_space: Any) -> None:
        c, h, w = obs_space["bev"].shape
        (m,) = obs_space["measurements"].shape
        value_space = obs_space.spaces.get("value_measurements")
        self.bev = torch.zeros((steps, n, c, h, w), dtype=torch.uint8)
        self.meas = torch.zeros((steps, n, m))
        self.value_meas = None if value_space is None else torch.zeros((steps, n, *value_space.shape))
        self.actions = torch.zeros((steps, n, 2))
        self.logprobs = torch.zeros((steps, n))
        self.values = torch.zeros((steps, n))
        self.rewards = torch.zeros((steps, n))
        self.dones = torch.zeros((steps, n))
        self.valid = torch.ones((steps, n))

    def flat(self, advantages: torch.Tensor, returns: torch.Tensor) -> dict[str, torch.Tensor]:
        data = {
            "bev": self.bev,
            "measurements": self.meas,
            "actions": self.actions,
            "logprobs": self.logprobs,
            "values": self.values,
            "advantages": advantages,
            "returns": returns,
            "valid": self.valid,
        }
        if self.value_meas is not None:
            data["value_measurements"] = self.value_meas
        return {k: v.reshape(-1, *v.shape[2:]) for k, v in data.items()}

    def store_observation(self, t: int, obs: dict[str, torch.Tensor]) -> None:
        self.bev[t], self.meas[t] = obs["bev"], obs["measurements"]
        if self.value_meas is not None:
            self.value_meas[t] = obs["value_measurements"]


def observation_tensors(obs: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The vector env's observation as tensors (uint8 raster, float32 measurements)."""
    return {k: torch.as_tensor(v, dtype=None if k == "bev" else torch.float32) for k, v in obs.items()}


class Collector:
    """Steps this rank's vector env with the current policy and fills a `Rollout`."""

    def __init__(self, envs: Any, seed: int) -> None:
        self.envs = envs
        self.n = envs.num_envs
        self.next_step = next_step_autoreset(envs)
        self.obs, _ = envs.reset(seed=seed)
        self.prev_done = np.zeros(self.n, dtype=bool)
        self.ep_return = np.zeros(self.n)
        self.ep_len = np.zeros(self.n, dtype=int)

    @torch.no_grad()
    def collect(self, policy: CarlPolicy, steps: int, gen: torch.Generator) -> tuple[Rollout, EpisodeStats]:
        buf = Rollout(steps, self.n, self.envs.single_observation_space)
        stats = EpisodeStats()
        device = policy.meas_mean.device
        for t in range(steps):
            obs = observation_tensors(self.obs)
            dist, value = policy.distribution({k: v.to(device) for k, v in obs.items()})
            unit = torch.distributions.Beta(dist.concentration1.cpu(), dist.concentration0.cpu())
            sample = unit.sample()
            sample = sample.clamp(1e-6, 1 - 1e-6)
            buf.store_observation(t, obs)
            buf.logprobs[t] = unit.log_prob(sample).sum(-1)
            buf.values[t] = value.cpu()
            action = to_action(sample)
            buf.actions[t] = action
            buf.valid[t] = torch.as_tensor(~self.prev_done if self.next_step else np.ones(self.n, bool))
            self.obs, reward, term, trunc, infos = self.envs.step(action.numpy().astype(np.float32))
            done = np.logical_or(term, trunc)
            buf.rewards[t] = torch.as_tensor(reward, dtype=torch.float32)
            # a reset step ends nothing, but must not pass a value across the reset either
            buf.dones[t] = torch.as_tensor(done | (self.prev_done & self.next_step), dtype=torch.float32)
            self._track(reward, done, infos, buf.valid[t].numpy() > 0, stats)
            self.prev_done = done
        return buf, stats

    def _track(
        self,
        reward: np.ndarray,
        done: np.ndarray,
        infos: dict[str, Any],
        valid: np.ndarray,
        stats: EpisodeStats,
    ) -> None:
        self.ep_return += np.where(valid, reward, 0.0)
        self.ep_len += valid.astype(int)
        for i in np.flatnonzero(done):
            stats.returns.append(float(self.ep_return[i]))
            stats.lengths.append(int(self.ep_len[i]))
            rc = _info_value(infos, "route_completion", i)
            if rc is not None:
                stats.route_completion.append(rc)
            self.ep_return[i], self.ep_len[i] = 0.0, 0

    @torch.no_grad()
    def bootstrap_value(self, policy: CarlPolicy) -> torch.Tensor:
        device = policy.meas_mean.device
        obs = {k: v.to(device) for k, v in observation_tensors(self.obs).items()}
        return policy.distribution(obs)[1].cpu()


# -- checkpoints --------------------------------------------------------------------------------
def save_checkpoint(
    directory: Path, policy: CarlPolicy, optimiser: torch.optim.Optimizer, state: dict
) -> None:
    """Model + Adam moments as safetensors, counters as JSON; each written beside, then moved in."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v.detach().cpu().contiguous().clone() for k, v in policy.state_dict().items()}
    for i, p in enumerate(policy.parameters()):
        for key, value in optimiser.state.get(p, {}).items():
            tensors[f"optim.{i}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous().clone()
    tmp = directory / "train_state.safetensors.partial"
    save_file(tensors, str(tmp))
    tmp.replace(directory / "train_state.safetensors")
    tmp_json = directory / "train_state.json.partial"
    tmp_json.write_text(json.dumps(state, indent=1))
    tmp_json.replace(directory / "train_state.json")


def load_saved_policy(out: Path, policy: CarlPolicy) -> dict:
    """Weights and counters of a finished run's folder (``model.safetensors`` and ``train_log.json``,
    as committed), for ``--resume`` where no checkpoint was kept. Adam's moments start afresh. A DAgger
    warm start (``imitation_log.json``, no PPO log) gives the weights and its DAgger commands; PPO's
    counters start at 0. A policy saved before the env had value measurements gets zero weights for
    them (`load_widening_value_input`)."""
    from safetensors.torch import load_file

    try:
        policy.load_widening_value_input(load_file(str(out / "model.safetensors")))
        if (out / TRAIN_LOG).exists():
            log = json.loads((out / TRAIN_LOG).read_text())
        else:
            log = {"updates": 0, "samples": 0, "wall_s": 0.0, "history": []}
            log["commands"] = imitation_commands(out)
    except FileNotFoundError:
        raise RobostackError(f"--resume: no checkpoint and no saved policy in {out}") from None
    except Exception as err:
        raise RobostackError(f"{out}: unreadable saved policy ({err})") from None
    console.print(f"resuming from the saved policy in {out} (no checkpoint there: Adam's moments restart)")
    keep = ("samples", "wall_s", "history", "commands")
    return {"update": log["updates"]} | {k: log[k] for k in keep}


def imitation_commands(out: Path) -> list[str]:
    """Every DAgger command that made a warm start, oldest first: its earlier phases (``lineage.json``)
    and its own run (``imitation_log.json``)."""
    from robostack.policies.carl.imitation import IMITATION_FILE

    earlier = [phase.command for phase in read_lineage(out, IMITATION_FILE)[:-1]]
    return [*earlier, json.loads((out / IMITATION_FILE).read_text())["command"]]


def load_checkpoint(directory: Path, policy: CarlPolicy, optimiser: torch.optim.Optimizer) -> dict:
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(directory / "train_state.safetensors"))
        state = json.loads((directory / "train_state.json").read_text())
    except FileNotFoundError:
        raise RobostackError(f"no checkpoint in {directory} to resume or export") from None
    except Exception as err:
        raise RobostackError(f"{directory}: unreadable checkpoint ({err})") from None
    device = policy.meas_mean.device
    policy.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    for i, p in enumerate(policy.parameters()):
        moments = {
            k.split(".", 2)[2]: v.to(device) for k, v in tensors.items() if k.startswith(f"optim.{i}.")
        }
        if moments:
            moments["step"] = moments["step"].cpu()  # Adam keeps its step counter on the CPU
            optimiser.state[p] = moments
    return state


# -- the loop -----------------------------------------------------------------------------------
def check_batches(cfg: TrainConfig, world: World) -> int:
    """Local mini-batch size; the totals must split evenly over ranks."""
    local_batch = cfg.num_envs * cfg.rollout_steps
    if cfg.minibatch_size % world.size:
        raise ConfigError(f"minibatch_size {cfg.minibatch_size} does not split over {world.size} ranks")
    local_mb = cfg.minibatch_size // world.size
    if local_mb > local_batch:
        raise ConfigError(
            f"minibatch_size {cfg.minibatch_size} exceeds the batch ({local_batch * world.size} samples)"
        )
    return local_mb


def normaliser_update(policy: CarlPolicy, buf: Rollout, world: World) -> None:
    mask = buf.valid.reshape(-1, 1)
    meas = buf.meas.reshape(-1, buf.meas.shape[-1]).double()
    sums = world.allreduce(
        [*(meas * mask).sum(0).tolist(), *((meas**2) * mask).sum(0).tolist(), float(mask.sum())]
    )
    m = meas.shape[-1]
    device = policy.meas_mean.device
    s = torch.tensor(sums[:m], dtype=torch.float64, device=device)
    sq = torch.tensor(sums[m : 2 * m], dtype=torch.float64, device=device)
    policy.update_normaliser(s, sq, sums[-1])


def train(
    cfg: TrainConfig,
    env_factory: EnvFactory | None = None,
    resume: bool = False,
    world: World | None = None,
    export: bool = False,
) -> dict[str, Any]:
    """Run PPO; returns the summary that rank 0 also writes to ``OUT/train_log.json``. With
    ``export``, no training: the policy folder is written from ``OUT/checkpoint`` as it stands (a
    run stopped before it finished)."""
    world = world or World()
    torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)  # identical initial weights on every rank (broadcast makes it certain)
    local_mb = check_batches(cfg, world)
    out = Path(cfg.out)
    envs = (env_factory or driving_envs)(cfg, world.rank)
    try:
        env_fields = {**cfg.env, "reward": cfg.reward}
        policy = CarlPolicy.for_spaces(
            envs.single_observation_space, bev_pool=cfg.bev_pool, accel_prior=cfg.accel_prior, env=env_fields
        )
        policy = policy.to(world.device)
        optimiser = torch.optim.Adam(policy.parameters(), lr=cfg.learning_rate, eps=cfg.adam_eps)
        state: dict[str, Any] = {"update": 0, "samples": 0, "wall_s": 0.0, "history": []}
        if export or (resume and (out / CHECKPOINT_DIR).is_dir()):
            state = load_checkpoint(out / CHECKPOINT_DIR, policy, optimiser)
        elif resume:
            state = load_saved_policy(out, policy)
        # a resumed run may use another batch shape: its place in the schedule is the samples done
        state["update"] = state["samples"] // samples_per_update(cfg, world)
        if export:
            return _finish(cfg, world, policy, state, planned_updates(cfg, world), out)
        anchor = load_anchor(cfg, world)
        state.setdefault("commands", []).append(command_line(world))  # every run that made these weights
        broadcast_parameters(policy, world)
        return _loop(cfg, world, envs, policy, optimiser, state, local_mb, out, anchor)
    finally:
        envs.close()


def command_line(world: World) -> str:
    """The command as typed: run as a module (``-m``, with or without torchrun), argv names this file."""
    if not sys.argv[0].endswith("train.py"):
        return " ".join(sys.argv)
    return " ".join([launcher(world), "-m robostack.policies.carl.train", *sys.argv[1:]])


def launcher(world: World) -> str:
    """``python``, or the torchrun options that start this world: one machine, or several (this
    command on each, ``--node_rank`` counting them)."""
    if "RANK" not in os.environ:
        return "python"
    per_node = int(os.environ.get("LOCAL_WORLD_SIZE", world.size))
    if per_node == world.size:
        return f"torchrun --standalone --nproc_per_node {world.size}"
    master = f"--master_addr {os.environ.get('MASTER_ADDR')} --master_port {os.environ.get('MASTER_PORT')}"
    return f"torchrun --nnodes {world.size // per_node} --node_rank 0 --nproc_per_node {per_node} {master}"


# -- fine-tuning a warm start -------------------------------------------------------------------
def load_anchor(cfg: TrainConfig, world: World) -> CarlPolicy | None:
    """The frozen policy the KL term holds on to; None when the term is off."""
    if cfg.anchor_coef == 0:
        return None
    if not cfg.anchor_policy:
        raise ConfigError("anchor_coef > 0 needs anchor_policy (a CaRL policy folder)")
    anchor = CarlPolicy.from_pretrained(cfg.anchor_policy)
    return anchor.to(world.device).eval().requires_grad_(False)


@torch.no_grad()
def anchor_targets(
    anchor: CarlPolicy, data: dict[str, torch.Tensor], chunk: int = 1024
) -> dict[str, torch.Tensor]:
    """The anchor's Beta on every rollout state (it keeps its own measurement normaliser)."""
    dists = [
        anchor.distribution({"bev": bev, "measurements": meas})[0]
        for bev, meas in zip(data["bev"].split(chunk), data["measurements"].split(chunk), strict=True)
    ]
    return {
        "anchor_alpha": torch.cat([d.concentration1 for d in dists]),
        "anchor_beta": torch.cat([d.concentration0 for d in dists]),
    }


def freeze_actor(policy: CarlPolicy, frozen: bool) -> None:
    """During the critic's warm-up only the value trunk and head learn (the shared encoder stays)."""
    for name, param in policy.net.named_parameters():
        if not name.startswith(("value_trunk.", "value.")):
            param.requires_grad_(not frozen)


def samples_per_update(cfg: TrainConfig, world: World) -> int:
    return cfg.num_envs * cfg.rollout_steps * world.size


def planned_updates(cfg: TrainConfig, world: World) -> int:
    """Updates that ``total_samples`` asks for, over all ranks."""
    return max(1, cfg.total_samples // samples_per_update(cfg, world))


def _loop(
    cfg: TrainConfig,
    world: World,
    envs: Any,
    policy: CarlPolicy,
    optimiser: torch.optim.Optimizer,
    state: dict[str, Any],
    local_mb: int,
    out: Path,
    anchor: CarlPolicy | None = None,
) -> dict[str, Any]:
    per_update = samples_per_update(cfg, world)
    num_updates = planned_updates(cfg, world)
    coefs = PPOCoefs(cfg.clip_coef, cfg.clip_value, cfg.ent_coef, cfg.vf_coef, cfg.norm_adv, cfg.anchor_coef)
    collector = Collector(envs, cfg.seed + world.rank * SEED_STRIDE + state["update"])
    gen = torch.Generator().manual_seed(cfg.seed + world.rank + 7919 * state["update"])
    torch.manual_seed(cfg.seed * 1000 + world.rank + 7919 * state["update"])  # action sampling
    lead = world.rank == 0
    start = time.perf_counter() - state["wall_s"]
    with progress(disable=not (lead and cfg.progress)) as bar:
        task = bar.add_task("carl ppo", total=num_updates, completed=state["update"], status="")
        while state["update"] < num_updates:
            update = state["update"] + 1
            if cfg.anneal_lr:
                set_lr(optimiser, cfg.learning_rate * (1.0 - (update - 1) / num_updates))
            t0 = time.perf_counter()
            policy.eval()
            buf, stats = collector.collect(policy, cfg.rollout_steps, gen)
            last_value = collector.bootstrap_value(policy)
            adv, ret = compute_gae(buf.rewards, buf.values, buf.dones, last_value, cfg.gamma, cfg.gae_lambda)
            t1 = time.perf_counter()
            policy.train()
            freeze_actor(policy, update <= cfg.critic_warmup_updates)
            data = {k: v.to(world.device) for k, v in buf.flat(adv, ret).items()}
            if anchor is not None:
                data |= anchor_targets(anchor, data)
            losses = ppo_update(
                policy,
                optimiser,
                data,
                coefs,
                cfg.update_epochs,
                local_mb,
                cfg.max_grad_norm,
                gen,
                world.size,
            )
            normaliser_update(policy, buf, world)
            t2 = time.perf_counter()
            state["update"], state["samples"] = update, state["samples"] + per_update
            state["wall_s"] = time.perf_counter() - start
            row = _log_row(state, stats, losses, world, t1 - t0, t2 - t1, per_update)
            state["history"].append(row)
            stop = _should_stop(cfg, state, world)
            if lead:
                status = _status(row)
                bar.update(task, completed=update, status=status)
                if not cfg.progress:
                    console.print(f"update {update}/{num_updates}  samples {state['samples']}  {status}")
                if update % cfg.checkpoint_every == 0 or update == num_updates or stop:
                    save_checkpoint(out / CHECKPOINT_DIR, policy, optimiser, state)
                if cfg.snapshot_every and update % cfg.snapshot_every == 0:
                    policy.save_pretrained(out / SNAPSHOT_DIR / str(state["samples"]))
            if stop:
                break
    return _finish(cfg, world, policy, state, num_updates, out)


def _log_row(
    state: dict[str, Any],
    stats: EpisodeStats,
    losses: dict[str, float],
    world: World,
    rollout_s: float,
    update_s: float,
    per_update: int,
) -> dict[str, float]:
    """Figures of one update, summed over ranks (NaN where no episode finished)."""
    rc = stats.route_completion
    sums = world.allreduce([sum(stats.returns), len(stats.returns), sum(rc), len(rc), sum(stats.lengths)])
    episodes = sums[1]
    row = {
        "update": float(state["update"]),
        "samples": float(state["samples"]),
        "wall_s": state["wall_s"],
        "episodes": episodes,
        "episode_return": sums[0] / episodes if episodes else float("nan"),
        "episode_length": sums[4] / episodes if episodes else float("nan"),
        "route_completion": sums[2] / sums[3] if sums[3] else float("nan"),
        "sps": per_update / max(rollout_s + update_s, 1e-9),
        "rollout_s": rollout_s,
        "update_s": update_s,
    }
    row.update(losses)
    return row


def _status(row: dict[str, float]) -> str:
    return f"return {row['episode_return']:.2f}  RC {row['route_completion']:.3f}  {row['sps']:.0f} sps"


def _should_stop(cfg: TrainConfig, state: dict[str, Any], world: World) -> bool:
    """Rank 0's clock decides, so every rank leaves the loop after the same update."""
    over = cfg.max_minutes is not None and state["wall_s"] > 60 * cfg.max_minutes
    return world.allreduce([1.0 if over and world.rank == 0 else 0.0])[0] > 0


def _finish(
    cfg: TrainConfig, world: World, policy: CarlPolicy, state: dict[str, Any], num_updates: int, out: Path
) -> dict[str, Any]:
    history = state["history"]
    summary: dict[str, Any] = {
        "world_size": world.size,
        "backend": "nccl" if world.device.type == "cuda" else ("gloo" if world.size > 1 else "none"),
        "updates": state["update"],
        "planned_updates": num_updates,
        "samples": state["samples"],
        "wall_s": state["wall_s"],
        "samples_per_s": state["samples"] / max(state["wall_s"], 1e-9),
        "last_route_completion": _recent(history, "route_completion"),
        "last_episode_return": _recent(history, "episode_return"),
        "commands": state["commands"],
        "train_config": cfg.model_dump(mode="json"),
        "history": history,
    }
    if world.rank == 0:
        policy.eval().cpu()
        policy.save_pretrained(out)
        (out / TRAIN_LOG).write_text(json.dumps(summary, indent=1))
        from robostack.policies.carl.card import write_model_card

        write_model_card(out)
    return summary


def _recent(history: list[dict[str, float]], key: str, window: int = 5) -> float:
    """Mean over the last ``window`` updates that finished an episode (NaN if none did)."""
    vals = [r[key] for r in history[-window:] if r.get(key) == r.get(key)]
    return float(np.mean(vals)) if vals else float("nan")


def main(argv: list[str] | None = None, env_factory: EnvFactory | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m robostack.policies.carl.train", description=__doc__)
    add_train_arguments(parser)
    args = parser.parse_args(argv)
    world = init_world()
    try:
        cfg = config_from_args(args)
        summary = train(cfg, env_factory, resume=args.resume, world=world, export=args.export)
    except RobostackError as err:
        print(f"robostack: error: {err}", file=sys.stderr)  # noqa: T201
        return 2
    finally:
        close_world(world)
    if world.rank == 0:
        brief = {k: v for k, v in summary.items() if k not in ("history", "train_config")}
        print(json.dumps(brief, indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
