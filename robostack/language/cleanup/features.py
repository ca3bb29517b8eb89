"""Text → model inputs for Cleanup World commands.

Why trajectory tokens: a third of the commands are L0 move lists ("down five left five up two").
Which room they end in is a matter of counting, which a small GRU learns poorly from 1,000
examples. We expand the moves into the grid cells they visit (``p-1_-5``) and the end cell, and
the hybrid model's n-gram bag reads *where the robot goes* as words, so the task becomes
recognisable. (Its GRU reads the words alone: fed the trajectory tokens too, the hybrid scored 82.12
task accuracy on the grouped 5-fold split against 83.03.)
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from robostack.language.text import NUMBER_WORDS, wordset

PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z]+|\d+")
_NUMBERS = {
    **{word: n for word, n in NUMBER_WORDS.items() if word not in ("a", "an")},
    "eleven": 11,
    "twelve": 12,
    "once": 1,
    "twice": 2,
}
_DIRECTIONS = {
    "down": (0, -1),
    "south": (0, -1),
    "up": (0, 1),
    "north": (0, 1),
    "left": (-1, 0),
    "west": (-1, 0),
    "eft": (-1, 0),
    "right": (1, 0),
    "east": (1, 0),
}
_UNIT_WORDS = wordset(
    "step steps space spaces spot spots square squares more times tile tiles unit units block blocks "
    "move moves to the"
)
MAX_MOVES = 60


def words(text: str) -> list[str]:
    """Lower-case word and number tokens."""
    return _WORD.findall(text.lower())


def _number(token: str) -> int | None:
    if token.isdigit():
        return min(int(token), 20)
    return _NUMBERS.get(token)


def _count_before(toks: Sequence[str], i: int) -> int | None:
    j = i - 1
    while j >= 0 and toks[j] in _UNIT_WORDS:
        j -= 1
    return j if j >= 0 and _number(toks[j]) is not None else None


def _counts_come_first(toks: Sequence[str]) -> bool:
    """Does this writer put counts before directions ("three down") or after ("down three")?"""
    first = sum(1 for i, t in enumerate(toks) if t in _DIRECTIONS and _count_before(toks, i) is not None)
    after = sum(1 for i, t in enumerate(toks[:-1]) if t in _DIRECTIONS and _number(toks[i + 1]) is not None)
    return first > after


def moves(text: str) -> list[tuple[int, int]]:
    """The unit moves a command spells out: "down five , left 2" → 5× (0,-1), 2× (-1,0).

    A count may come before its direction ("three steps down") or after it ("down five");
    a count that one direction used is never reused by the next.
    """
    toks = words(text)
    count_first = _counts_come_first(toks)
    out: list[tuple[int, int]] = []
    used: set[int] = set()
    for i, tok in enumerate(toks):
        if tok not in _DIRECTIONS:
            continue
        before = _count_before(toks, i)
        after = i + 1 if i + 1 < len(toks) and _number(toks[i + 1]) is not None else None
        if before is not None and before in used:
            before = None
        if after is not None and after in used:
            after = None
        pick = (
            (before if before is not None else after)
            if count_first
            else (after if after is not None else before)
        )
        count = 1
        if pick is not None:
            count = _number(toks[pick]) or 1
            used.add(pick)
        out.extend([_DIRECTIONS[tok]] * count)
    return out[:MAX_MOVES]


def trajectory_tokens(text: str) -> list[str]:
    """Grid cells visited by the spelled-out moves, then the end cell (empty when no moves)."""
    x = y = 0
    cells: list[str] = []
    for dx, dy in moves(text):
        x, y = x + dx, y + dy
        cells.append(f"p{x}_{y}")
    if not cells:
        return []
    return [*cells, f"end{x}_{y}", f"endx{x}", f"endy{y}"]


def hashed_ngrams(text: str, buckets: int) -> list[int]:
    """fastText-style features: word 1-2 grams, char 3-5 grams inside words, trajectory tokens."""
    toks = words(text)
    feats = list(toks) + [f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]
    for tok in toks:
        padded = f"<{tok}>"
        for n in (3, 4, 5):
            feats += [padded[i : i + n] for i in range(max(len(padded) - n + 1, 0))]
    feats += trajectory_tokens(text)
    feats.append(f"len{min(len(toks) // 4, 12)}")
    return [zlib.crc32(f.encode()) % buckets for f in feats] or [0]


@dataclass(frozen=True)
class Vocab:
    """Word ↔ id. Id 0 pads, id 1 is any word not seen in training."""

    itos: tuple[str, ...]

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], min_count: int = 1) -> Vocab:
        counts = Counter(tok for toks in texts for tok in toks)
        kept = sorted(tok for tok, n in counts.items() if n >= min_count)
        return cls((PAD, UNK, *kept))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, toks: Sequence[str], max_len: int) -> list[int]:
        index = self._index()
        return [index.get(t, 1) for t in toks[:max_len]] or [1]

    def _index(self) -> dict[str, int]:
        cached: dict[str, int] | None = getattr(self, "_cache", None)
        if cached is None:
            cached = {t: i for i, t in enumerate(self.itos)}
            object.__setattr__(self, "_cache", cached)
        return cached
