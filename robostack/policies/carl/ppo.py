"""PPO as in CaRL's DD-PPO (itself from CleanRL): GAE, clipped surrogate, clipped value loss.

``done = terminated or truncated``, as CaRL: a truncated episode is not bootstrapped.
Rollout tensors are T×N (time × env). ``valid`` masks the step a gymnasium vector env spends
resetting an env after its episode ended (``AutoresetMode.NEXT_STEP``): its action is ignored by
the env, so it must not enter the loss.

Fine-tuning a warm start (an imitation policy) adds one term CaRL does not have: KL(π_anchor ‖ π) on
the batch's states, which keeps the policy near the anchor's while the critic is still poor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch.distributions import Beta, kl_divergence

from robostack.policies.carl.model import to_unit

if TYPE_CHECKING:
    from robostack.policies.carl.policy import CarlPolicy


@dataclass(frozen=True)
class PPOCoefs:
    clip_coef: float = 0.1
    clip_value: bool = True
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    norm_adv: bool = True
    anchor_coef: float = 0.0  # weight of KL(anchor ‖ policy); the batch then holds anchor_alpha/_beta


def compute_gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    dones: torch.Tensor,
    last_value: torch.Tensor,
    gamma: float,
    lam: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages and returns, T×N. ``dones[t]`` = the episode ended at step t (no bootstrap)."""
    steps = rewards.shape[0]
    adv = torch.zeros_like(rewards)
    last = torch.zeros_like(last_value)
    for t in reversed(range(steps)):
        next_value = last_value if t == steps - 1 else values[t + 1]
        live = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_value * live - values[t]
        last = delta + gamma * lam * live * last
        adv[t] = last
    return adv, adv + values


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (x * mask).sum() / mask.sum().clamp(min=1.0)


def ppo_loss(
    policy: CarlPolicy, batch: dict[str, torch.Tensor], coefs: PPOCoefs
) -> tuple[torch.Tensor, dict[str, float]]:
    """CleanRL's loss on one mini-batch.

    ``batch``: ``bev``, ``measurements`` (and ``value_measurements`` where the network reads them) as
    `CarlPolicy.network_batch` gives them, ``actions`` (env units, [-1, 1]), ``logprobs``, ``values``,
    ``advantages``, ``returns`` and optionally ``valid`` (1 = a real decision), ``anchor_alpha`` and
    ``anchor_beta`` (the anchor policy's Beta on these states).
    """
    valid = batch.get("valid", torch.ones_like(batch["advantages"])).float()
    dist, value = policy.net(batch["bev"], batch["measurements"], batch.get("value_measurements"))
    logp = dist.log_prob(to_unit(batch["actions"])).sum(-1)
    entropy = dist.entropy().sum(-1)
    log_ratio = logp - batch["logprobs"]
    ratio = log_ratio.exp()
    adv = batch["advantages"]
    if coefs.norm_adv:
        mean = masked_mean(adv, valid)
        std = masked_mean((adv - mean).square(), valid).sqrt()
        adv = (adv - mean) / (std + 1e-8)
    pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - coefs.clip_coef, 1 + coefs.clip_coef))
    pg_loss = masked_mean(pg, valid)
    returns, old_v = batch["returns"], batch["values"]
    v_loss_raw = (value - returns).square()
    if coefs.clip_value:
        clipped = old_v + (value - old_v).clamp(-coefs.clip_coef, coefs.clip_coef)
        v_loss_raw = torch.max(v_loss_raw, (clipped - returns).square())
    v_loss = 0.5 * masked_mean(v_loss_raw, valid)
    ent = masked_mean(entropy, valid)
    loss = pg_loss - coefs.ent_coef * ent + coefs.vf_coef * v_loss
    anchor_kl = torch.zeros(())
    if coefs.anchor_coef > 0:
        anchor = Beta(batch["anchor_alpha"], batch["anchor_beta"])
        anchor_kl = masked_mean(kl_divergence(anchor, dist).sum(-1), valid)
        loss = loss + coefs.anchor_coef * anchor_kl
    with torch.no_grad():
        approx_kl = masked_mean((ratio - 1) - log_ratio, valid)
        clipfrac = masked_mean(((ratio - 1).abs() > coefs.clip_coef).float(), valid)
    info = {
        "loss": float(loss.detach()),
        "pg_loss": float(pg_loss.detach()),
        "v_loss": float(v_loss.detach()),
        "entropy": float(ent.detach()),
        "approx_kl": float(approx_kl),
        "clipfrac": float(clipfrac),
        "anchor_kl": float(anchor_kl.detach()),
    }
    return loss, info


def allreduce_gradients(params: list[torch.nn.Parameter], world_size: int) -> None:
    """Average gradients over ranks in one flat all-reduce (DD-PPO's synchronous update)."""
    if world_size <= 1:
        return
    import torch.distributed as dist

    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= world_size
    offset = 0
    for p in params:
        n = p.numel()
        p.grad = flat[offset : offset + n].view_as(p).clone()
        offset += n


def ppo_update(
    policy: CarlPolicy,
    optimiser: torch.optim.Optimizer,
    data: dict[str, torch.Tensor],
    coefs: PPOCoefs,
    epochs: int,
    local_minibatch: int,
    max_grad_norm: float,
    generator: torch.Generator,
    world_size: int = 1,
) -> dict[str, float]:
    """``epochs`` passes over this rank's flat rollout ``data`` in shuffled mini-batches.

    Every rank holds the same number of samples, so all ranks take the same number of steps and
    each step's gradients are averaged over ranks before clipping (CaRL's DDP all-reduce).
    """
    n = data["advantages"].shape[0]
    # Once per update, not per mini-batch: converting and pooling the raster costs about as much as
    # the network's forward and backward pass. The normaliser only moves after the update.
    data = policy.network_batch(data)
    params = [p for p in policy.parameters() if p.requires_grad]
    sums: dict[str, float] = {}
    count = 0
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n - local_minibatch + 1, local_minibatch):
            idx = order[start : start + local_minibatch]
            loss, info = ppo_loss(policy, {k: v[idx] for k, v in data.items()}, coefs)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            allreduce_gradients(params, world_size)
            torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            optimiser.step()
            for k, v in info.items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
    return {k: v / max(count, 1) for k, v in sums.items()}
