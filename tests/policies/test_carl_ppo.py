"""CaRL PPO: GAE, an update that raises advantaged actions' likelihood, training + resume, and a
2-process torchrun run whose ranks end with identical parameters.

The driving world is replaced by `FakeDriving`, a tiny env with the same spaces, so these tests do
not depend on SUMO. Run as a script (``torchrun ... test_carl_ppo.py OUT``) it trains on it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
import pytest
import torch
from gymnasium import spaces

from robostack.policies.carl.config import TrainConfig
from robostack.policies.carl.model import to_action, to_unit
from robostack.policies.carl.policy import CarlPolicy
from robostack.policies.carl.ppo import PPOCoefs, compute_gae, ppo_loss, ppo_update

torch.set_num_threads(1)
SIZE, CHANNELS, MEAS = 32, 3, 4
SMALL = {"bev_pool": 1, "convs": ((4, 5, 2), (8, 3, 2), (8, 3, 2)), "features_dim": 32, "hidden_dim": 32}


class FakeDriving(gymnasium.Env):
    """Steer towards the column lit in the raster; episodes end after 6–12 steps."""

    def __init__(self) -> None:
        self.observation_space = spaces.Dict(
            {
                "bev": spaces.Box(0, 255, (CHANNELS, SIZE, SIZE), np.uint8),
                "measurements": spaces.Box(-np.inf, np.inf, (MEAS,), np.float32),
                "value_measurements": spaces.Box(0.0, np.inf, (2,), np.float32),
            }
        )
        self.action_space = spaces.Box(-1.0, 1.0, (2,), np.float32)

    def _obs(self) -> dict[str, np.ndarray]:
        bev = np.zeros((CHANNELS, SIZE, SIZE), np.uint8)
        bev[0, :, int((self.target + 1) / 2 * (SIZE - 1))] = 255
        meas = np.array([self.t, 3.0 * self.target, 10.0, -2.0], np.float32)
        steps_left = np.array([1.0 - self.t / self.length, self.length / 12.0], np.float32)
        return {"bev": bev, "measurements": meas, "value_measurements": steps_left}

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        super().reset(seed=seed)
        self.target = float(self.np_random.uniform(-1, 1))
        self.length, self.t = int(self.np_random.integers(6, 13)), 0
        return self._obs(), {"route_completion": 0.0, "distance_m": 0.0}

    def step(self, action: np.ndarray) -> tuple[dict, float, bool, bool, dict]:
        self.t += 1
        reward = 1.0 - abs(float(action[1]) - self.target)
        done = self.t >= self.length
        info: dict[str, Any] = {"route_completion": 100.0 * self.t / self.length, "distance_m": float(self.t)}
        if done:
            info.update(infractions={}, termination_reason="route_completed")
        return self._obs(), reward, done, False, info


def fake_envs(cfg: TrainConfig, rank: int) -> gymnasium.vector.VectorEnv:
    return gymnasium.vector.SyncVectorEnv([FakeDriving for _ in range(cfg.num_envs)])


def small_policy() -> CarlPolicy:
    torch.manual_seed(0)
    return CarlPolicy.for_spaces(FakeDriving().observation_space, **SMALL)


def tiny_config(out: Path, **kw: Any) -> TrainConfig:
    fields: dict[str, Any] = {"out": str(out), "num_envs": 2, "rollout_steps": 16, "minibatch_size": 16}
    fields.update(total_samples=96, progress=False, bev_pool=1)
    return TrainConfig(**{**fields, **kw})


def test_gae_matches_hand_computation() -> None:
    rewards = torch.tensor([[1.0], [2.0], [3.0]])
    values = torch.tensor([[0.5], [1.0], [1.5]])
    dones = torch.tensor([[0.0], [1.0], [0.0]])
    adv, ret = compute_gae(rewards, values, dones, torch.tensor([2.0]), gamma=0.9, lam=0.8)
    d2 = 3.0 + 0.9 * 2.0 - 1.5  # bootstraps the last value
    d1 = 2.0 - 1.0  # episode ended: no bootstrap, no carry
    d0 = 1.0 + 0.9 * 1.0 - 0.5
    expected = torch.tensor([[d0 + 0.9 * 0.8 * d1], [d1], [d2]])
    assert torch.allclose(adv, expected) and torch.allclose(ret, adv + values)


def test_ppo_update_raises_likelihood_of_advantaged_actions() -> None:
    policy = small_policy()
    env = FakeDriving()
    obs = [env.reset(seed=i)[0] for i in range(32)]
    batch = {
        "bev": torch.as_tensor(np.stack([o["bev"] for o in obs])),
        "measurements": torch.as_tensor(np.stack([o["measurements"] for o in obs])),
    }
    rng = torch.Generator().manual_seed(1)
    actions = torch.rand(32, 2, generator=rng) * 1.6 - 0.8
    advantages = torch.where(torch.arange(32) % 2 == 0, 1.0, -1.0)
    with torch.no_grad():
        dist, values = policy.distribution(batch)
        logp = dist.log_prob(to_unit(actions)).sum(-1)
    data = {**batch, "actions": actions, "logprobs": logp, "values": values}
    data.update(advantages=advantages, returns=values + advantages)
    optimiser = torch.optim.Adam(policy.parameters(), lr=3e-3, eps=1e-5)
    ppo_update(policy, optimiser, data, PPOCoefs(ent_coef=0.0), 3, 16, 0.5, rng)
    with torch.no_grad():
        new_logp = policy.distribution(batch)[0].log_prob(to_unit(actions)).sum(-1)
    gain = new_logp - logp
    up, down = gain[advantages > 0].mean(), gain[advantages < 0].mean()
    assert up > 0.005 and down < -0.005 and up - down > 0.03


def test_a_rollout_preprocessed_once_gives_each_minibatch_its_own_loss() -> None:
    """`ppo_update` pools and normalises the whole rollout once, then slices mini-batches from it."""
    torch.manual_seed(0)
    policy = CarlPolicy.for_spaces(FakeDriving().observation_space, **{**SMALL, "bev_pool": 2})
    rng = torch.Generator().manual_seed(3)
    n = 12
    data = {
        "bev": torch.randint(0, 256, (n, CHANNELS, SIZE, SIZE), generator=rng, dtype=torch.uint8),
        "measurements": torch.randn(n, MEAS, generator=rng),
        "actions": torch.rand(n, 2, generator=rng) * 2 - 1,
        "logprobs": torch.randn(n, generator=rng),
        "values": torch.randn(n, generator=rng),
        "advantages": torch.randn(n, generator=rng),
        "returns": torch.randn(n, generator=rng),
    }
    whole = policy.network_batch(data)
    assert whole["bev"].shape == (n, CHANNELS, SIZE // 2, SIZE // 2)
    idx = torch.tensor([1, 4, 5, 9])
    once = ppo_loss(policy, {k: v[idx] for k, v in whole.items()}, PPOCoefs())[0]
    alone = ppo_loss(policy, policy.network_batch({k: v[idx] for k, v in data.items()}), PPOCoefs())[0]
    assert torch.equal(once, alone)


def test_the_value_head_reads_the_value_measurements() -> None:
    """Identical states that differ only in time left: the critic can fit their returns through the
    value measurements alone (the policy's inputs are the same for all of them)."""
    policy = small_policy()
    o = FakeDriving().reset(seed=0)[0]
    n = 32
    time_left = torch.rand(n, generator=torch.Generator().manual_seed(4))
    data = {
        "bev": torch.as_tensor(o["bev"][None]).repeat(n, 1, 1, 1),
        "measurements": torch.as_tensor(o["measurements"][None]).repeat(n, 1),
        "value_measurements": torch.stack([time_left, torch.ones(n)], dim=1),
        "actions": torch.zeros(n, 2),
        "logprobs": torch.zeros(n),
        "values": torch.zeros(n),
        "advantages": torch.zeros(n),
        "returns": 5.0 * time_left,
    }
    optimiser = torch.optim.Adam(policy.parameters(), lr=3e-3)
    coefs = PPOCoefs(clip_value=False, ent_coef=0.0)
    for _ in range(150):
        ppo_update(policy, optimiser, data, coefs, 1, n, 0.5, torch.Generator())
    with torch.no_grad():
        values = policy.distribution(data)[1]
    spread = float((data["returns"] - data["returns"].mean()).square().mean())
    assert float((values - data["returns"]).square().mean()) < 0.1 * spread


def test_weights_saved_without_value_measurements_load_with_the_same_outputs() -> None:
    space = FakeDriving().observation_space
    old_space = spaces.Dict({k: v for k, v in space.spaces.items() if k != "value_measurements"})
    torch.manual_seed(0)
    old = CarlPolicy.for_spaces(old_space, **SMALL)
    new = small_policy()
    assert (old.config.value_measurement_dim, new.config.value_measurement_dim) == (0, 2)
    new.load_widening_value_input(old.state_dict())
    batch = {**_fake_batch(8), "value_measurements": torch.rand(8, 2)}
    with torch.no_grad():
        (d_old, v_old), (d_new, v_new) = old.distribution(batch), new.distribution(batch)
    assert torch.equal(d_old.concentration1, d_new.concentration1) and torch.equal(v_old, v_new)


def test_masked_steps_do_not_move_the_policy() -> None:
    policy = small_policy()
    before = {k: v.clone() for k, v in policy.state_dict().items()}
    env = FakeDriving()
    o = env.reset(seed=0)[0]
    batch = {"bev": torch.as_tensor(o["bev"][None]).repeat(8, 1, 1, 1)}
    batch["measurements"] = torch.as_tensor(o["measurements"][None]).repeat(8, 1)
    data = {**batch, "actions": torch.zeros(8, 2), "logprobs": torch.zeros(8), "values": torch.zeros(8)}
    data.update(advantages=torch.ones(8), returns=torch.ones(8), valid=torch.zeros(8))
    optimiser = torch.optim.SGD(policy.parameters(), lr=0.1)
    ppo_update(policy, optimiser, data, PPOCoefs(ent_coef=0.0), 1, 8, 0.5, torch.Generator())
    assert all(torch.equal(before[k], v) for k, v in policy.state_dict().items())


def test_action_mapping_round_trip() -> None:
    a = torch.tensor([[-0.999, 0.0], [0.5, 0.999]])
    assert torch.allclose(to_action(to_unit(a)), a, atol=1e-5)


def test_train_writes_policy_card_and_resumes(tmp_path: Path) -> None:
    from robostack.policies.carl.train import train

    cfg = tiny_config(tmp_path, total_samples=64, checkpoint_every=1)
    summary = train(cfg, fake_envs)
    assert summary["updates"] == 2 and summary["samples"] == 64
    assert (tmp_path / "model.safetensors").exists() and (tmp_path / "MODEL_CARD.md").exists()
    assert "samples/s" in (tmp_path / "MODEL_CARD.md").read_text()
    assert (tmp_path / "training_curve.png").stat().st_size > 0
    assert all(np.isfinite(r["loss"]) for r in summary["history"])
    longer = cfg.model_copy(update={"total_samples": 128})
    resumed = train(longer, fake_envs, resume=True)
    assert resumed["updates"] == 4 and len(resumed["history"]) == 4
    assert len(resumed["commands"]) == 2  # the first run and the resume, both in the card
    assert "Command (resumed)" in (tmp_path / "MODEL_CARD.md").read_text()


def test_training_curve_averages_over_a_window_of_samples() -> None:
    from robostack.policies.carl.card import training_curve

    rows = [(100, 0.2), (200, float("nan")), (300, 0.6), (700, 0.1)]  # a run at 100, then one at 400
    x, y = training_curve([{"samples": s, "route_completion": rc} for s, rc in rows], window=250)
    assert x.tolist() == [100, 200, 300, 700]
    assert np.allclose(y, [20, 20, 40, 10])  # 300: (20 + 60) / 2; 700: only 700 within 250


def test_resume_from_a_saved_policy_without_checkpoint(tmp_path: Path) -> None:
    """A committed policy folder (weights + log, no checkpoint) continues its counters and history."""
    import shutil

    from robostack.policies.carl.train import CHECKPOINT_DIR, train

    cfg = tiny_config(tmp_path, total_samples=64)
    first = train(cfg, fake_envs)
    shutil.rmtree(tmp_path / CHECKPOINT_DIR)
    resumed = train(cfg.model_copy(update={"total_samples": 128}), fake_envs, resume=True)
    assert resumed["updates"] == 4 and resumed["samples"] == 128
    assert resumed["history"][:2] == first["history"] and len(resumed["commands"]) == 2


def test_command_line_names_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from robostack.policies.carl.train import World, command_line

    monkeypatch.setattr("sys.argv", ["/src/robostack/policies/carl/train.py", "--out", "d"])
    monkeypatch.delenv("RANK", raising=False)
    assert command_line(World()) == "python -m robostack.policies.carl.train --out d"
    monkeypatch.setenv("RANK", "0")
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    want = "torchrun --standalone --nproc_per_node 2 -m robostack.policies.carl.train --out d"
    assert command_line(World(0, 2, torch.device("cpu"))) == want
    for name, value in {"LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "10.0.0.5", "MASTER_PORT": "29500"}.items():
        monkeypatch.setenv(name, value)
    want = (
        "torchrun --nnodes 3 --node_rank 0 --nproc_per_node 2 --master_addr 10.0.0.5 --master_port 29500"
        " -m robostack.policies.carl.train --out d"
    )
    assert command_line(World(0, 6, torch.device("cpu"))) == want


def test_resume_with_a_larger_batch_continues_by_samples(tmp_path: Path) -> None:
    """64 samples at 32 per update, resumed at 64 per update: one update is left, not three."""
    from robostack.policies.carl.train import train

    cfg = tiny_config(tmp_path, total_samples=64)
    train(cfg, fake_envs)
    larger = cfg.model_copy(update={"total_samples": 128, "rollout_steps": 32})
    resumed = train(larger, fake_envs, resume=True)
    assert resumed["samples"] == 128 and len(resumed["history"]) == 3
    assert resumed["history"][-1]["samples"] == 128


def test_resume_from_a_dagger_warm_start(tmp_path: Path) -> None:
    """A folder with weights and ``imitation_log.json`` only: PPO starts from those weights at 0 samples."""
    import shutil

    from robostack.policies.carl.train import CHECKPOINT_DIR, train

    cfg = tiny_config(tmp_path, total_samples=64)
    train(cfg, fake_envs)
    shutil.rmtree(tmp_path / CHECKPOINT_DIR)
    (tmp_path / "train_log.json").unlink()
    (tmp_path / "imitation_log.json").write_text(json.dumps({"command": "robostack train carl-dagger"}))
    resumed = train(cfg, fake_envs, resume=True)
    assert resumed["updates"] == 2 and resumed["samples"] == 64
    assert resumed["commands"][0] == "robostack train carl-dagger" and len(resumed["commands"]) == 2


def test_snapshots_are_loadable_policies_named_by_samples(tmp_path: Path) -> None:
    from robostack.policies.carl.policy import CarlPolicy
    from robostack.policies.carl.train import SNAPSHOT_DIR, train

    train(tiny_config(tmp_path, total_samples=128, snapshot_every=2), fake_envs)
    snapshots = sorted(p.name for p in (tmp_path / SNAPSHOT_DIR).iterdir())
    assert snapshots == ["128", "64"]  # updates 2 and 4, 32 samples each
    last = CarlPolicy.from_pretrained(tmp_path / SNAPSHOT_DIR / "128").state_dict()
    final = CarlPolicy.from_pretrained(tmp_path).state_dict()
    assert last.keys() == final.keys() and all(torch.equal(v, final[k]) for k, v in last.items())


def test_average_is_the_mean_of_the_run_snapshots_and_named_on_the_card(tmp_path: Path) -> None:
    from robostack.policies.carl.average import write_average
    from robostack.policies.carl.card import write_model_card
    from robostack.policies.carl.train import SNAPSHOT_DIR, train

    run = tmp_path / "run"
    train(tiny_config(run, total_samples=128, snapshot_every=1), fake_envs)
    out = write_average([run], tmp_path / "avg", "robostack carl average run --since 64", since=64)
    kept = [CarlPolicy.from_pretrained(run / SNAPSHOT_DIR / n).state_dict() for n in ("64", "96", "128")]
    averaged = CarlPolicy.from_pretrained(out).state_dict()
    weight = "net.alpha_beta.weight"
    assert torch.allclose(averaged[weight], (kept[0][weight] + kept[1][weight] + kept[2][weight]) / 3)
    assert not torch.equal(averaged[weight], kept[2][weight])  # the updates moved the weights
    card = write_model_card(out).read_text()
    assert "uniform mean of 3 snapshots" in card and "64, 96, 128 samples" in card


def test_average_without_snapshots_is_one_line_error(tmp_path: Path) -> None:
    from robostack.core.errors import RobostackError
    from robostack.policies.carl.average import write_average

    with pytest.raises(RobostackError, match="--snapshot-every"):
        write_average([tmp_path], tmp_path / "avg", "robostack carl average")


def test_export_writes_the_checkpoint_as_it_stands(tmp_path: Path) -> None:
    """--export turns a stopped run's checkpoint into its policy folder without another update."""
    from safetensors.torch import load_file

    from robostack.policies.carl.train import CHECKPOINT_DIR, train

    cfg = tiny_config(tmp_path, total_samples=64, checkpoint_every=1)
    first = train(cfg, fake_envs)
    checkpoint = load_file(str(tmp_path / CHECKPOINT_DIR / "train_state.safetensors"))
    (tmp_path / "model.safetensors").unlink()
    exported = train(cfg.model_copy(update={"total_samples": 128}), fake_envs, export=True)
    assert exported["updates"] == 2 and exported["history"] == first["history"]
    assert exported["commands"] == first["commands"]  # exporting trains nothing, so it adds no command
    saved = load_file(str(tmp_path / "model.safetensors"))
    assert all(torch.equal(v, checkpoint[f"model.{k}"]) for k, v in saved.items())


def test_card_lists_validation_figures(tmp_path: Path) -> None:
    from robostack.policies.carl.card import VALIDATION_FILE, write_model_card
    from robostack.policies.carl.train import train

    train(tiny_config(tmp_path, total_samples=32), fake_envs)
    figures = {"route_completion": 48.64, "driving_score": 42.07, "episodes": 50}
    (tmp_path / VALIDATION_FILE).write_text(json.dumps({"committed": figures, "continued": figures}))
    card = write_model_card(tmp_path).read_text()
    assert "## Validation" in card and "| committed | 48.64 | 42.07 |" in card and "| continued |" in card


def test_resume_without_checkpoint_is_one_line_error(tmp_path: Path) -> None:
    from robostack.core.errors import RobostackError
    from robostack.policies.carl.train import train

    with pytest.raises(RobostackError, match="no checkpoint"):
        train(tiny_config(tmp_path), fake_envs, resume=True)


def _fake_batch(n: int) -> dict[str, torch.Tensor]:
    env = FakeDriving()
    obs = [env.reset(seed=i)[0] for i in range(n)]
    return {
        "bev": torch.as_tensor(np.stack([o["bev"] for o in obs])),
        "measurements": torch.as_tensor(np.stack([o["measurements"] for o in obs])),
    }


def test_anchor_kl_holds_the_policy_near_its_anchor() -> None:
    """The same advantaged update moves the policy less from its start with the KL term on."""
    batch = _fake_batch(32)
    actions = torch.rand(32, 2, generator=torch.Generator().manual_seed(1)) * 1.6 - 0.8
    advantages = torch.where(torch.arange(32) % 2 == 0, 1.0, -1.0)
    drift = {}
    for coef in (0.0, 5.0):
        policy = small_policy()
        with torch.no_grad():
            start, values = policy.distribution(batch)
        data = {**batch, "actions": actions, "values": values, "advantages": advantages}
        data.update(logprobs=start.log_prob(to_unit(actions)).sum(-1), returns=values + advantages)
        data.update(anchor_alpha=start.concentration1, anchor_beta=start.concentration0)
        optimiser = torch.optim.Adam(policy.parameters(), lr=3e-3, eps=1e-5)
        coefs = PPOCoefs(ent_coef=0.0, anchor_coef=coef)
        ppo_update(policy, optimiser, data, coefs, 3, 16, 0.5, torch.Generator().manual_seed(2))
        with torch.no_grad():
            moved = policy.distribution(batch)[0]
        drift[coef] = float(torch.distributions.kl_divergence(start, moved).sum(-1).mean())
    assert drift[5.0] < 0.5 * drift[0.0]


def test_anchor_needs_a_policy_folder(tmp_path: Path) -> None:
    from robostack.core.errors import ConfigError
    from robostack.policies.carl.train import train

    with pytest.raises(ConfigError, match="anchor_policy"):
        train(tiny_config(tmp_path, anchor_coef=1.0), fake_envs)


def test_critic_warmup_moves_only_the_value_head(tmp_path: Path) -> None:
    """Updates 2 and 3 of a resumed run are warm-up: the actor's weights stay as saved after update 1.
    The run also holds on to an anchor (the saved folder), which the card names."""
    import shutil

    from robostack.policies.carl.train import train

    cfg = tiny_config(tmp_path / "run", total_samples=32)
    train(cfg, fake_envs)
    shutil.copytree(tmp_path / "run", tmp_path / "anchor")
    before = _state(tmp_path / "run" / "model.safetensors")
    warm = {"total_samples": 96, "critic_warmup_updates": 3, "anchor_coef": 1.0}
    train(cfg.model_copy(update={**warm, "anchor_policy": str(tmp_path / "anchor")}), fake_envs, resume=True)
    after = _state(tmp_path / "run" / "model.safetensors")
    assert "Fine-tuned from a warm start" in (tmp_path / "run" / "MODEL_CARD.md").read_text()
    weights = [k for k in before if k.startswith("net.")]
    value = [k for k in weights if k.startswith(("net.value_trunk.", "net.value."))]
    assert value and all(torch.equal(before[k], after[k]) for k in weights if k not in value)
    assert any(not torch.equal(before[k], after[k]) for k in value)


def _state(path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(path))


@pytest.mark.slow
def test_torchrun_two_ranks_keep_identical_parameters(tmp_path: Path) -> None:
    done = _torchrun(tmp_path, ["--nproc_per_node", "2", "--standalone"])
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_ranks_trained_alike(tmp_path)


@pytest.mark.slow
def test_torchrun_across_two_machines_keeps_identical_parameters(tmp_path: Path) -> None:
    """Two one-process "machines" (both on loopback), joined as torchrun joins machines."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    nodes = [
        ["--nnodes", "2", "--node_rank", str(r), "--nproc_per_node", "1"]
        + ["--master_addr", "127.0.0.1", "--master_port", port]
        for r in (0, 1)
    ]
    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda options: _torchrun(tmp_path, options), nodes))
    assert all(done.returncode == 0 for done in runs), [done.stderr[-1000:] for done in runs]
    _assert_ranks_trained_alike(tmp_path)


def _torchrun(out: Path, options: list[str]) -> subprocess.CompletedProcess[str]:
    """This file under torchrun with ``options``: every rank trains `_torchrun_entry`'s tiny run."""
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [str(torchrun), *options, __file__, str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


def _assert_ranks_trained_alike(out: Path) -> None:
    ranks = [_state(out / f"rank{r}.safetensors") for r in range(2)]
    assert set(ranks[0]) == set(ranks[1])
    assert all(torch.equal(ranks[0][k], ranks[1][k]) for k in ranks[0])
    start = small_policy()  # training must have moved the weights
    moved = any(not torch.equal(v, ranks[0][k]) for k, v in start.state_dict().items() if k in ranks[0])
    assert moved
    summary = json.loads((out / "train_log.json").read_text())
    assert summary["world_size"] == 2 and summary["backend"] == "gloo" and summary["samples"] == 128


def _torchrun_entry(out: Path) -> None:
    """Each rank trains on the fake env and saves its own parameters for comparison."""
    from safetensors.torch import save_file

    from robostack.policies.carl import train as carl_train

    world = carl_train.init_world()
    try:
        cfg = tiny_config(out, total_samples=128, num_envs=2, minibatch_size=16)
        captured: dict[str, CarlPolicy] = {}
        original = carl_train._finish

        def keep(cfg: TrainConfig, world: Any, policy: CarlPolicy, *rest: Any) -> dict[str, Any]:
            captured["policy"] = policy
            return original(cfg, world, policy, *rest)

        carl_train._finish = keep  # type: ignore[assignment]
        carl_train.train(cfg, fake_envs, world=world)
        state = {k: v.detach().cpu().contiguous() for k, v in captured["policy"].state_dict().items()}
        save_file(state, str(out / f"rank{world.rank}.safetensors"))
    finally:
        carl_train.close_world(world)


if __name__ == "__main__":
    _torchrun_entry(Path(sys.argv[1]))


def test_ablation_figures_pool_the_seeds_of_each_setting() -> None:
    from robostack.policies.carl.ablation import final_figures, seed_curves

    def history(values: list[float]) -> list[dict[str, float]]:
        return [{"samples": 256.0 * (i + 1), "route_completion": v} for i, v in enumerate(values)]

    nan = float("nan")
    runs = [history([nan, 0.2, 0.4]), history([0.1, nan, 0.3, 0.9])]  # the second ran one update more
    x, rc = seed_curves(runs, window=2)
    assert x.tolist() == [256.0, 512.0, 768.0]
    np.testing.assert_allclose(rc[0], [nan, 20.0, 30.0])
    np.testing.assert_allclose(rc[1], [10.0, 10.0, 30.0])
    figures = final_figures({"simple_mb64": runs}, window=2)["simple_mb64"]
    np.testing.assert_allclose(figures["per_seed"], [30.0, 60.0])
    assert figures["mean"] == pytest.approx(45.0) and figures["std"] == pytest.approx(15.0)


def test_ablation_equal_steps_scales_the_larger_mini_batch_epochs() -> None:
    import argparse

    from robostack.policies.carl.ablation import update_epochs

    args = argparse.Namespace(update_epochs=3, minibatches=[64, 256], equal_steps=True)
    assert (update_epochs(args, 64), update_epochs(args, 256)) == (3, 12)
    args.equal_steps = False
    assert (update_epochs(args, 64), update_epochs(args, 256)) == (3, 3)
