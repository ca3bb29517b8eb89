"""Text clean-up shared by every parser: checking input, tokens, clauses and noun phrases.

Kept free of heavy imports: the rule parser must answer in milliseconds, and the learned and
remote backends reuse the same input checks so that bad input fails the same way everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from robostack.language.errors import InstructionError


def wordset(text: str) -> frozenset[str]:
    """A word list written as one string (easier to read and extend than a list literal)."""
    return frozenset(text.split())


MAX_CHARS = 2000
"""Longest accepted instruction. R2R's longest is under 1,000 characters; longer text is noise."""

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[.,;:!?()]")
_SENTENCE_END = frozenset(".;:!?()")

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "an": 1,
}

DETERMINERS = wordset(
    "the a an this that these those your my its their our his her some any another each every "
    "one two three four five six seven eight nine ten"
)
"""Words dropped from the front of a noun phrase: they never name a landmark."""

SOFT_MODIFIERS = wordset(
    "next other nearest closest same far very first second third last final opposite "
    "immediate little only whole entire"
)
"""Modifiers that rank or point rather than describe ("the next door" is a door)."""

SPATIAL_HEADS = wordset(
    "left right end top bottom front back side middle center centre edge corner foot head rear "
    "entrance entry inside outside far other near base start"
)
"""Heads that locate another noun ("the end of the hallway" → the landmark is the hallway)."""

QUANTITY_HEADS = wordset(
    "side way part set pair flight series row rows couple bunch group sets pairs flights kind"
)
"""Heads that count or part another noun ("the set of doors" → doors)."""

DIRECTION_WORDS = wordset(
    "left right straight forward forwards ahead back backwards slightly slight sharp hard "
    "immediately directly north south east west up down around away there here again further "
    "farther onward onwards along"
)


def clean(text: object) -> str:
    """Validate an instruction and return it lower-cased with control characters removed.

    Raises `InstructionError` (one clear line) for non-strings, empty text, text over
    `MAX_CHARS`, and text with no Latin letters (the parsers read English only).
    """
    if not isinstance(text, str):
        raise InstructionError(f"instruction must be text, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InstructionError(f"instruction is {len(text)} characters long; the limit is {MAX_CHARS}")
    chars = [" " if unicodedata.category(c)[0] in "CZ" else c for c in text]
    cleaned = " ".join("".join(chars).split()).strip()
    if not cleaned:
        raise InstructionError("empty instruction: nothing to parse")
    ascii_text = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("`", "'")
    if not re.search(r"[A-Za-z]{2}", ascii_text):
        raise InstructionError(f"instruction has no English words: {cleaned[:60]!r}")
    return ascii_text.lower()


def tokens(text: str) -> list[str]:
    """Word, number and punctuation tokens of cleaned text (``clean`` first)."""
    return _TOKEN.findall(text.replace("’", "'"))


def sentences(toks: Sequence[str]) -> list[list[str]]:
    """Split tokens at sentence punctuation; commas stay in for the clause splitter."""
    out: list[list[str]] = [[]]
    for tok in toks:
        if tok in _SENTENCE_END:
            if out[-1]:
                out.append([])
        else:
            out[-1].append(tok)
    return [s for s in out if s]


def strip_determiners(words: Sequence[str]) -> list[str]:
    """Drop leading determiners and ranking modifiers ("the next white door" → "white door")."""
    i = 0
    while i < len(words) and (words[i] in DETERMINERS or words[i] in SOFT_MODIFIERS):
        i += 1
    return [w for w in words[i:] if w != ","]


def noun_phrase(words: Sequence[str], max_words: int = 3) -> str:
    """The landmark a phrase names: no determiners, the head after "the end of", at most 3 words."""
    words = [w for w in words if w != ","]
    # "the left side of the table" → "table"
    while "of" in words:
        k = words.index("of")
        head = strip_determiners(words[:k])
        if head and all(w in SPATIAL_HEADS or w in QUANTITY_HEADS for w in head):
            words = words[k + 1 :]
            continue
        words = words[:k] if head else words[k + 1 :]
        break
    words = strip_determiners(words)
    while words and words[-1] in DIRECTION_WORDS | {"there", "here", "you", "it"}:
        words = words[:-1]
    while words and words[0] in DIRECTION_WORDS:
        words = words[1:]
    words = strip_determiners(words)
    return " ".join(words[-max_words:])
