"""A trained grounder: text in, (level, task) out; saved as ``config.yaml`` + ``model.safetensors``.

Everything the model needs to read a command (vocabulary, label list, hashing size) is saved with
it, so ``from_pretrained`` alone reproduces the predictions bit for bit (DESIGN.md §3: no pickle).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import yaml
from torch import nn

from robostack.core.errors import RobostackError
from robostack.language.cleanup.features import Vocab, hashed_ngrams, words
from robostack.language.cleanup.models import LEVELS, ModelConfig, build_model

MAX_LEN = 64
"""Words the encoder reads; longer commands (a few L1 ones) are cut (their n-grams still count)."""


class Encoded(NamedTuple):
    """One command as the models read it."""

    ids: list[int]
    """word ids, at most `MAX_LEN`"""
    ngrams: list[int]
    """hashed n-gram ids (empty without buckets)"""
    text: str
    """the raw text, for models with their own tokenizer"""


def encode_texts(texts: Sequence[str], vocab: Vocab, buckets: int) -> list[Encoded]:
    return [
        Encoded(vocab.encode(words(t), MAX_LEN), hashed_ngrams(t, buckets) if buckets else [], t)
        for t in texts
    ]


def collate(encoded: Sequence[Encoded]) -> dict[str, Any]:
    """Pad token ids, flatten n-grams into EmbeddingBag's ``input``/``offsets`` form, keep the texts."""
    width = max(len(e.ids) for e in encoded)
    ids = torch.zeros(len(encoded), width, dtype=torch.long)
    for i, e in enumerate(encoded):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
    batch: dict[str, Any] = {
        "ids": ids,
        "lengths": torch.tensor([len(e.ids) for e in encoded]),
        "texts": [e.text for e in encoded],
    }
    if encoded[0].ngrams:
        offsets = np.cumsum([0] + [len(e.ngrams) for e in encoded[:-1]])
        batch["ngrams"] = torch.tensor([i for e in encoded for i in e.ngrams], dtype=torch.long)
        batch["offsets"] = torch.tensor(offsets, dtype=torch.long)
    return batch


def encode_batch(texts: Sequence[str], vocab: Vocab, buckets: int) -> dict[str, Any]:
    return collate(encode_texts(texts, vocab, buckets))


def decode(log_probs: np.ndarray, labels: Sequence[str], marginal: bool) -> list[tuple[str, str]]:
    """Joint scores → (level, task).

    ``marginal=False`` is the paper's argmax over (level, task) pairs. ``marginal=True`` (ours)
    picks the level by its marginal probability, then the task string with the most probability
    mass among that level's tasks, summed over levels: L1 and L2 share task strings, so evidence
    for either counts for the task.
    """
    pairs = [lab.split("|", 1) for lab in labels]
    if not marginal:
        best = log_probs.argmax(axis=1)
        return [(pairs[k][0], pairs[k][1]) for k in best]
    probs = np.exp(log_probs - log_probs.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    level_idx = np.array([LEVELS.index(p[0]) for p in pairs])
    tasks = sorted({p[1] for p in pairs})
    task_idx = np.array([tasks.index(p[1]) for p in pairs])
    allowed = np.zeros((len(LEVELS), len(tasks)), dtype=bool)
    allowed[level_idx, task_idx] = True
    out = []
    for row in probs:
        level_mass = np.bincount(level_idx, weights=row, minlength=len(LEVELS))
        lvl = int(level_mass.argmax())
        task_mass = np.bincount(task_idx, weights=row, minlength=len(tasks))
        task_mass[~allowed[lvl]] = -1.0
        out.append((LEVELS[lvl], tasks[int(task_mass.argmax())]))
    return out


@dataclass(frozen=True)
class Member:
    """One network of an ensemble: its sizes, its weight in the average, its module."""

    cfg: ModelConfig
    weight: float
    module: nn.Module


class GroundingPredictor:
    """A weighted ensemble of neural grounders sharing one vocabulary and one label set.

    Members may differ in architecture (ours mixes the hybrid model with long-trained Single-RNNs);
    their probabilities are averaged with the saved weights.
    """

    def __init__(self, vocab: Vocab, labels: Sequence[str], members: Sequence[Member], marginal: bool):
        self.vocab, self.labels = vocab, tuple(labels)
        self.members = list(members)
        self.marginal = marginal
        self.buckets = max(m.cfg.buckets for m in self.members)
        for m in self.members:
            m.module.eval()

    @property
    def modules(self) -> list[nn.Module]:
        return [m.module for m in self.members]

    @torch.no_grad()
    def log_probs(self, texts: Sequence[str]) -> np.ndarray:
        """Ensemble-averaged log-probabilities over the joint labels, (N, n_labels)."""
        batch = encode_batch(texts, self.vocab, self.buckets)
        total = sum(m.weight for m in self.members)
        probs = sum(m.module(batch).exp() * (m.weight / total) for m in self.members)
        assert isinstance(probs, torch.Tensor)
        return probs.clamp_min(1e-12).log().numpy().astype(np.float64)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, str]]:
        if not texts:
            return []
        return decode(self.log_probs(texts), self.labels, self.marginal)

    @classmethod
    def merge(cls, parts: Sequence[tuple[GroundingPredictor, float]], marginal: bool) -> GroundingPredictor:
        """One ensemble from several trained on the same data; each part's members share its weight."""
        first = parts[0][0]
        members = []
        for predictor, weight in parts:
            if predictor.labels != first.labels or predictor.vocab != first.vocab:
                raise ValueError("ensemble parts must share labels and vocabulary")
            share = weight / len(predictor.members)
            members += [Member(m.cfg, share, m.module) for m in predictor.members]
        return cls(first.vocab, first.labels, members, marginal)

    def save_pretrained(self, directory: str | Path, extra: dict[str, Any] | None = None) -> None:
        """Write ``config.yaml`` (sizes, vocabulary, labels) and ``model.safetensors`` (weights)."""
        from safetensors.torch import save_file

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config = {
            "marginal": self.marginal,
            "members": [
                {**asdict(m.cfg), "level_of_label": list(m.cfg.level_of_label), "weight": m.weight}
                for m in self.members
            ],
            "labels": list(self.labels),
            "vocab": list(self.vocab.itos),
            **(extra or {}),
        }
        tensors = {
            f"member{i}.{name}": t.detach().contiguous().clone()
            for i, m in enumerate(self.members)
            for name, t in m.module.state_dict().items()
        }
        tmp = directory / "model.safetensors.tmp"
        save_file(tensors, str(tmp))
        tmp.replace(directory / "model.safetensors")
        (directory / "model.safetensors").chmod(0o644)
        (directory / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False, width=200))

    @classmethod
    def from_pretrained(cls, directory: str | Path) -> GroundingPredictor:
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        directory = Path(directory)
        try:
            config = yaml.safe_load((directory / "config.yaml").read_text())
            tensors = load_file(str(directory / "model.safetensors"))
        except (OSError, yaml.YAMLError, SafetensorError) as err:
            raise RobostackError(f"cannot load grounding model from {directory}: {err}") from None
        if isinstance(config, dict) and isinstance(config.get("members"), int) and "model" in config:
            # first format: one architecture, ``members`` copies of it
            config["members"] = [dict(config["model"]) for _ in range(config["members"])]
            config.setdefault("marginal", config["model"].get("kind") == "hybrid")
        if not isinstance(config, dict) or not isinstance(config.get("members"), list):
            raise RobostackError(f"{directory}/config.yaml is not a grounding model config")
        members = []
        for i, entry in enumerate(config["members"]):
            entry = dict(entry)
            weight = float(entry.pop("weight", 1.0))
            entry["level_of_label"] = tuple(entry.get("level_of_label", ()))
            cfg = ModelConfig(**entry)
            model = build_model(cfg)
            prefix = f"member{i}."
            state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            try:
                model.load_state_dict(state)
            except RuntimeError as err:
                raise RobostackError(f"corrupt grounding checkpoint {directory}: {err}") from None
            members.append(Member(cfg, weight, model))
        return cls(
            Vocab(tuple(config["vocab"])), config["labels"], members, bool(config.get("marginal", True))
        )
