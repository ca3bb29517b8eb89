"""Scores for decompositions: (action, landmark) F1 for navigation, plan exact match and step F1.

Why multiset matching: a predicted step counts once against one gold step, so repeating a step
cannot inflate recall. Landmarks match when equal or when they share their head noun (the last
word: "glass doors" ~ "sliding glass doors"), since landmark phrasing is a matter of taste.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Step = tuple[str, str]


@dataclass(frozen=True)
class PRF:
    """Micro precision, recall and F1 over a corpus, with the counts behind them."""

    tp: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: PRF) -> PRF:
        return PRF(self.tp + other.tp, self.predicted + other.predicted, self.gold + other.gold)

    def as_dict(self) -> dict[str, float]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def head(landmark: str) -> str:
    """The head noun of a landmark phrase (its last word, plural 's' dropped)."""
    words = landmark.split()
    if not words:
        return ""
    last = words[-1]
    return last[:-1] if last.endswith("s") and len(last) > 3 else last


def landmark_match(a: str, b: str) -> bool:
    return a == b or (bool(a) and bool(b) and head(a) == head(b))


def match_count(predicted: Sequence[Step], gold: Sequence[Step], same: Callable[[Step, Step], bool]) -> int:
    """Greedy one-to-one matching: each gold step is used at most once."""
    used = [False] * len(gold)
    hits = 0
    for p in predicted:
        for j, g in enumerate(gold):
            if not used[j] and same(p, g):
                used[j] = True
                hits += 1
                break
    return hits


def step_prf(predicted: Sequence[Step], gold: Sequence[Step]) -> PRF:
    """(action, landmark) matching with lenient landmarks; ``stop`` is left out (every plan has it)."""
    pred = [s for s in predicted if s[0] != "stop"]
    ref = [s for s in gold if s[0] != "stop"]
    hits = match_count(pred, ref, lambda p, g: p[0] == g[0] and landmark_match(p[1], g[1]))
    return PRF(hits, len(pred), len(ref))


def exact_prf(predicted: Sequence[str], gold: Sequence[str]) -> PRF:
    """Multiset overlap of exact step strings (ALFRED's ``PickupObject(ladle)``)."""
    overlap = sum((Counter(predicted) & Counter(gold)).values())
    return PRF(overlap, len(predicted), len(gold))
