"""The grounding models: the paper's four (IBM2, Multi-NN, Multi-RNN, Single-RNN) and ours.

All neural models return log-probabilities over the *joint* classes (level, task), so one
decoder and one evaluation serve them all. The paper's sizes are the defaults of
``h2r/GLAMDP`` ``code/single_rnn.py``: embedding 30, GRU 50, hidden 60/50, dropout 0.5.

Ours (``HybridGrounder``) adds what the paper's GRU lacks: a bidirectional encoder, the
trajectory tokens of `features` and a fastText-style bag of hashed word/char n-grams, and is
used as an ensemble. `minilm` holds a grounder on the pretrained MiniLM encoder (measured, not in
the committed ensemble).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

LEVELS = ("L0", "L1", "L2")


@dataclass(frozen=True)
class ModelSizes:
    """Layer sizes of one neural model, as its training recipe sets them."""

    embed: int = 30
    hidden: int = 50
    h1: int = 60
    h2: int = 50
    dropout: float = 0.5
    buckets: int = 0
    lora_rank: int = 0
    """For the MiniLM grounder: the rank of its adapters."""


@dataclass(frozen=True, kw_only=True)
class ModelConfig(ModelSizes):
    """One neural model: its sizes and what it reads and predicts (saved in ``config.yaml``)."""

    kind: str
    vocab_size: int
    n_labels: int
    level_of_label: tuple[int, ...] = field(default_factory=tuple)
    """For the multi-head models: the level index of each joint label."""


class GRUEncoder(nn.Module):
    """Embedding → dropout → GRU; returns the state after the last real token."""

    def __init__(self, vocab: int, embed: int, hidden: int, dropout: float, bidirectional: bool = False):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.dropout = nn.Dropout(dropout)
        self.gru = nn.GRU(embed, hidden, batch_first=True, bidirectional=bidirectional)
        self.bidirectional = bidirectional
        self.out_dim = hidden * (4 if bidirectional else 1)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.embedding(ids))
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        outputs, state = self.gru(packed)
        if not self.bidirectional:
            return state[-1]
        padded, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=ids.size(1))
        mask = (ids != 0).unsqueeze(-1).float()
        mean = (padded * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return torch.cat([state[-2], state[-1], mean], dim=-1)


class SingleRNN(nn.Module):
    """Paper's best: GRU → ReLU 60 → ReLU 50 → dropout → one softmax over all (level, task) pairs."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.encoder = GRUEncoder(cfg.vocab_size, cfg.embed, cfg.hidden, cfg.dropout)
        self.head = nn.Sequential(
            nn.Linear(cfg.hidden, cfg.h1),
            nn.ReLU(),
            nn.Linear(cfg.h1, cfg.h2),
            nn.ReLU(),
            nn.Dropout(cfg.dropout),
            nn.Linear(cfg.h2, cfg.n_labels),
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.log_softmax(self.head(self.encoder(batch["ids"], batch["lengths"])), dim=-1)


class MultiHead(nn.Module):
    """Shared hidden layer → Pr(level) and one Pr(task | level) head per level, as joint log-probs."""

    level_of_label: torch.Tensor

    def __init__(self, in_dim: int, cfg: ModelConfig):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(in_dim, cfg.h1), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.level = nn.Linear(cfg.h1, len(LEVELS))
        self.register_buffer("level_of_label", torch.tensor(cfg.level_of_label, dtype=torch.long))
        self.task_heads = nn.ModuleList(nn.Linear(cfg.h1, cfg.n_labels) for _ in LEVELS)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        h = self.shared(features)
        level_lp = torch.log_softmax(self.level(h), dim=-1)
        out = torch.full((h.size(0), self.level_of_label.numel()), -1e9, device=h.device)
        for lvl, head in enumerate(self.task_heads):
            mask = self.level_of_label == lvl
            if not bool(mask.any()):
                continue
            logits = head(h)[:, mask]
            out[:, mask] = level_lp[:, lvl : lvl + 1] + torch.log_softmax(logits, dim=-1)
        return out


class MultiNN(nn.Module):
    """Paper's Multi-NN: bag of words → shared hidden → level head and per-level task heads."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.vocab_size = cfg.vocab_size
        self.heads = MultiHead(cfg.vocab_size, cfg)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        ids = batch["ids"]
        bow = torch.zeros(ids.size(0), self.vocab_size, device=ids.device)
        bow.scatter_(1, ids, 1.0)
        bow[:, 0] = 0.0
        return self.heads(bow)


class MultiRNN(nn.Module):
    """Paper's Multi-RNN: the GRU encoder with Multi-NN's level and per-level task heads."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.encoder = GRUEncoder(cfg.vocab_size, cfg.embed, cfg.hidden, cfg.dropout)
        self.heads = MultiHead(cfg.hidden, cfg)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.heads(self.encoder(batch["ids"], batch["lengths"]))


class HybridGrounder(nn.Module):
    """Ours: BiGRU over words + trajectory tokens, plus a bag of hashed n-grams, one joint softmax."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.encoder = GRUEncoder(cfg.vocab_size, cfg.embed, cfg.hidden, cfg.dropout, bidirectional=True)
        self.ngrams = nn.EmbeddingBag(cfg.buckets, cfg.h2, mode="mean")
        self.head = nn.Sequential(
            nn.Dropout(cfg.dropout),
            nn.Linear(self.encoder.out_dim + cfg.h2, cfg.h1),
            nn.ReLU(),
            nn.Dropout(cfg.dropout),
            nn.Linear(cfg.h1, cfg.n_labels),
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        text = self.encoder(batch["ids"], batch["lengths"])
        bag = self.ngrams(batch["ngrams"], batch["offsets"])
        return torch.log_softmax(self.head(torch.cat([text, bag], dim=-1)), dim=-1)


NEURAL_MODELS: dict[str, type[nn.Module]] = {
    "multi_nn": MultiNN,
    "multi_rnn": MultiRNN,
    "single_rnn": SingleRNN,
    "hybrid": HybridGrounder,
}


def build_model(cfg: ModelConfig) -> nn.Module:
    if cfg.kind == "minilm":  # imported here: it loads transformers and the MiniLM wheel
        from robostack.language.cleanup.minilm import MiniLMGrounder

        return MiniLMGrounder(cfg)
    return NEURAL_MODELS[cfg.kind](cfg)


class IBM2:
    """IBM Model 2 (English → level token + task tokens), trained with EM, used as a reranker.

    As in the paper, every candidate (level, task) is scored by Pr(task tokens | command) under
    the translation model with a uniform prior, and the best one wins: no decoding search.
    """

    def __init__(self, iterations: int = 10):
        self.iterations = iterations
        self.t: dict[str, dict[str, float]] = {}
        self.a: dict[tuple[int, int, int, int], float] = {}

    @staticmethod
    def target(label: str) -> list[str]:
        level, task = label.split("|", 1)
        return [f"<{level}>", *task.split()]

    def fit(self, sources: Sequence[Sequence[str]], labels: Sequence[str]) -> IBM2:
        pairs = [(["<null>", *src], self.target(lab)) for src, lab in zip(sources, labels, strict=True)]
        tgt_vocab = {w for _, tgt in pairs for w in tgt}
        uniform = 1.0 / max(len(tgt_vocab), 1)
        t: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(lambda: uniform))
        a: dict[tuple[int, int, int, int], float] = {}
        for _ in range(self.iterations):
            count_t: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
            total_t: dict[str, float] = defaultdict(float)
            count_a: dict[tuple[int, int, int, int], float] = defaultdict(float)
            total_a: dict[tuple[int, int, int], float] = defaultdict(float)
            for src, tgt in pairs:
                ls, lt = len(src), len(tgt)
                for j, f in enumerate(tgt):
                    probs = [t[e][f] * a.get((i, j, ls, lt), 1.0 / ls) for i, e in enumerate(src)]
                    z = sum(probs) or 1e-12
                    for i, e in enumerate(src):
                        c = probs[i] / z
                        count_t[e][f] += c
                        total_t[e] += c
                        count_a[(i, j, ls, lt)] += c
                        total_a[(j, ls, lt)] += c
            t = defaultdict(lambda: defaultdict(lambda: 1e-6))
            for e, fs in count_t.items():
                for f, c in fs.items():
                    t[e][f] = c / total_t[e]
            a = {k: c / total_a[(k[1], k[2], k[3])] for k, c in count_a.items()}
        self.t = {e: dict(fs) for e, fs in t.items()}
        self.a = a
        return self

    def log_prob(self, source: Sequence[str], label: str) -> float:
        src, tgt = ["<null>", *source], self.target(label)
        ls, lt = len(src), len(tgt)
        total = 0.0
        for j, f in enumerate(tgt):
            p = sum(
                self.t.get(e, {}).get(f, 1e-6) * self.a.get((i, j, ls, lt), 1.0 / ls)
                for i, e in enumerate(src)
            )
            total += math.log(max(p, 1e-30))
        return total

    def scores(self, sources: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
        """(N, n_labels) log-scores, the same shape the neural models give."""
        return np.array([[self.log_prob(src, lab) for lab in labels] for src in sources], dtype=np.float64)
