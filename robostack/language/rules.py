"""The rule-based instruction parser: clauses → verbs and prepositions → A²Nav subtasks.

Why rules: the embedded default must answer in milliseconds, offline, on any machine, and be
predictable for a demo. It reads one clause at a time ("exit the bedroom", "turn left at the
door", "put the red mug in the sink"), maps verbs and prepositions to A²Nav's actions
(`go_to, go_past, go_into, go_through, exit, turn_left, turn_right, stop`) and adds the implicit
steps a robot needs: navigate to an object before picking it, to a receptacle before placing.

Levels follow Arumugam et al.: L0 when only primitive moves are given ("turn left", "go two steps
forward"), L1 when the user spells out the navigation ("go to the kitchen and pick up the mug"),
L2 when only the goal is given ("put the red mug in the sink").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from robostack.core.registry import register
from robostack.core.types import Plan, Subtask
from robostack.language import lexicon as lx
from robostack.language.errors import InstructionError
from robostack.language.text import (
    DETERMINERS,
    DIRECTION_WORDS,
    NUMBER_WORDS,
    SOFT_MODIFIERS,
    SPATIAL_HEADS,
    clean,
    noun_phrase,
    sentences,
    tokens,
    wordset,
)

_PHRASES = (
    (("in", "front", "of"), "infront"),
    (("next", "to"), "nextto"),
    (("out", "of"), "outof"),
    (("up", "to"), "upto"),
    (("all", "the", "way"), ""),
    (("a", "little"), ""),
    (("a", "bit"), ""),
    (("go", "ahead", "and"), ""),
    (("pick", "up"), "pickup"),
    (("turn", "around"), "turnaround"),
    (("u", "turn"), "turnaround"),
    (("about", "face"), "turnaround"),
    (("about", "turn"), "turnaround"),
    (("start", "by"), ""),
    (("in", "between"), "between"),
)
"""Multi-word phrases joined (or dropped) before clause parsing."""

_EXTRA_PREPS = {"infront": "go_to", "nextto": "go_to", "outof": "exit", "upto": "go_to"}
_PLACE_PREPS = wordset("in into on onto inside at to under beside nextto near by infront over inside")
_STOP_LOCATION_PREPS = wordset(
    "to at near by beside nextto infront in on onto inside under before between behind facing"
)
_STATIC_PREPS = wordset(
    "on in near by nextto beside at behind under underneath facing infront with between opposite "
    "outside inside over alongside above below beneath"
)
"""Prepositions that locate rather than move: after a landmark they describe it."""
_TURN_BEFORE_PREPS = wordset("at by near after before when once upon infront nextto")


@dataclass(frozen=True)
class Step:
    """One parsed step, with the facts the level inference needs."""

    subtask: Subtask
    explicit: bool = True
    """Said by the user (False for implicit steps the parser adds)."""


@dataclass
class _State:
    """What the parser has read so far in one instruction."""

    steps: list[Step] = field(default_factory=list)
    holding: str = ""
    primitive_moves: int = 0
    manipulation: bool = False
    verbs: int = 0
    loose: bool = False
    """Clauses that started with a verb we know, even when they name no landmark ("go straight")."""

    def nav(self, action: str, target: str = "", explicit: bool = True) -> None:
        self.steps.append(Step(Subtask("navigate", action, target), explicit))

    def last_landmark(self) -> str:
        """What "it" refers to in navigation ("head towards the couch, go past it")."""
        for step in reversed(self.steps):
            if step.subtask.skill == "navigate" and step.subtask.target:
                return step.subtask.target
        return ""

    def last_object(self) -> str:
        for step in reversed(self.steps):
            if step.subtask.skill in ("pick", "place"):
                return step.subtask.target
        return ""


def join_phrases(words: Sequence[str]) -> list[str]:
    """Join fixed multi-word phrases ("in front of" → "infront") so one token holds one meaning."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, joined in _PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                if joined:
                    out.append(joined)
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


def lemma(word: str) -> str:
    """ "climbing" → "climb", "stopping" → "stop", "taking" → "take"; other words unchanged."""
    if not word.endswith("ing") or len(word) < 5 or lx.PREPOSITIONS.get(word) is not None:
        return word
    stem = word[:-3]
    for candidate in (stem, stem + "e", stem[:-1]):
        if candidate in lx.ALL_VERBS:
            return candidate
    return word


def is_region(target: str) -> bool:
    """Rooms and areas are entered (`go_into`), objects are approached (`go_to`)."""
    return bool(target) and target.split()[-1] in lx.REGION_HEADS


_INFINITIVE_VERBS = wordset("walk go head turn enter exit wait stop continue proceed pass cross climb")


def _is_verb_start(words: Sequence[str], i: int) -> bool:
    """Does a new clause start at ``words[i]``? Only after a connector, never after a determiner."""
    word = words[i]
    if word not in lx.ALL_VERBS and word not in ("pickup", "turnaround"):
        return False
    if i == 0:
        return True
    prev = words[i - 1]
    if prev == "to" and word in _INFINITIVE_VERBS:
        return True  # "take a left to walk past the tv", "go slightly right to wait at the stairs"
    if prev in DETERMINERS or prev in ("to", "the"):
        return False
    if prev in (",", "and", "then", "&", "before", "after", "once", "when", "please", "now"):
        return True
    return word in ("turn", "stop", "wait", "enter", "pickup", "turnaround", "walk", "go", "head")


def split_clauses(sentence: Sequence[str]) -> list[list[str]]:
    """Cut a sentence before every verb that starts a clause; drop connectors and fillers."""
    words = [lemma(w) for w in join_phrases(sentence)]
    clauses: list[list[str]] = [[]]
    for i, word in enumerate(words):
        if i > 0 and _is_verb_start(words, i) and clauses[-1]:
            clauses.append([])
        clauses[-1].append(word)
    out = []
    for clause in clauses:
        while clause and (clause[-1] in (",", "and", "then", "&")):
            clause = clause[:-1]
        if clause:
            out.append(clause)
    return out


def _strip_fillers(clause: Sequence[str]) -> list[str]:
    words = [w for w in clause if w != ","]
    i = 0
    while i < len(words) and words[i] in lx.CLAUSE_FILLERS and words[i] not in lx.ALL_VERBS:
        i += 1
    return words[i:]


def _prep_action(word: str) -> str | None:
    """The A²Nav action a preposition implies, '' for a preposition that names no step."""
    if word in _EXTRA_PREPS:
        return _EXTRA_PREPS[word]
    return lx.PREPOSITIONS.get(word)


_NOUN_VERBS = wordset("set exit stand rest step end park return run store drop place head pass hall")
"""Verbs that are also landmark nouns ("the exit sign", "a set of doors")."""


def _is_boundary(word: str, prev: str = "") -> bool:
    """Does ``word`` end the noun phrase that ``prev`` is the last word of?"""
    if word in lx.NP_BOUNDARIES:
        return True
    if prev in DETERMINERS or prev in SOFT_MODIFIERS:
        return False
    if word in lx.ALL_VERBS:
        return not (word in _NOUN_VERBS and (prev in DETERMINERS or prev in SOFT_MODIFIERS or prev == "of"))
    return len(word) > 5 and word.endswith("ing") and word not in lx.NOUN_ING


def _has_content(np_words: Sequence[str]) -> bool:
    """Has the phrase a noun yet? ("the three" has not; "the door" and "the left of" have)."""
    return np_words[-1] != "of" and any(w not in DETERMINERS and w not in SOFT_MODIFIERS for w in np_words)


def _segments(
    words: Sequence[str], first_action: str, landmark_before: bool = False, allow_static: bool = True
) -> list[tuple[str, str, list[str]]]:
    """Split a verb's complement into (action, preposition, noun-phrase words) segments.

    A static preposition ("on", "near", "with"...) right after a landmark describes that landmark
    ("the painting on the wall"), so its segment gets no action. ``landmark_before`` says the
    words follow a landmark already read; ``allow_static=False`` drops static segments entirely.
    """
    segs: list[tuple[str, str, list[str]]] = [(first_action, "", [])]
    closed = False
    for word in words:
        action = _prep_action(word)
        after_determiner = bool(segs[-1][2]) and segs[-1][2][-1] in DETERMINERS | SOFT_MODIFIERS
        if action is not None and after_determiner and not closed:
            action = None  # "the outside of the building", "the back of the room": a noun here
        if action is not None and not (word in ("down", "up", "over") and not segs[-1][2] and closed):
            if word == "of" and segs[-1][2]:
                segs[-1][2].append(word)
                continue
            if word in _STATIC_PREPS and (not allow_static or _describes(segs, landmark_before)):
                action = ""
            segs.append((action, word, []))
            closed = False
            continue
        if closed:
            continue
        np_words = segs[-1][2]
        if np_words and (
            _is_boundary(word, np_words[-1]) or (word in DETERMINERS and _has_content(np_words))
        ):
            closed = True
            continue
        if not segs[-1][2] and word in lx.SEGMENT_FILLERS and segs[-1][1] in ("until", "till", "til"):
            continue
        segs[-1][2].append(word)
    return segs


def _describes(segs: Sequence[tuple[str, str, list[str]]], landmark_before: bool) -> bool:
    """Would a static preposition here describe the landmark just read?"""
    last_action, last_prep, last_np = segs[-1]
    if len(segs) == 1 and not last_np:
        return landmark_before
    if last_action == "" and last_prep in _STATIC_PREPS:
        return True  # a chain of descriptions: "the desk near the door in the hall"
    return bool(last_np) and _has_content(last_np)


def _chain(
    state: _State,
    words: Sequence[str],
    first_action: str = "",
    landmark_before: bool = False,
    allow_static: bool = True,
) -> None:
    """Emit navigation steps for "past the table into the kitchen"-style chains."""
    for action, prep, np_words in _segments(words, first_action, landmark_before, allow_static):
        if not action:
            continue
        target = noun_phrase(np_words)
        if target in lx.PRONOUNS:
            target = state.last_landmark()
        if not target or all(w in SPATIAL_HEADS or w in lx.NON_LANDMARKS for w in target.split()):
            continue
        state.nav(_landmark_action(action, prep, target), target)


def _landmark_action(action: str, prep: str, target: str) -> str:
    """Regions reached by "to"/"in"/"until" are entered; objects are approached."""
    if action == "go_to" and is_region(target) and prep in ("", "to", "until", "till", "til", "upto", "in"):
        return "go_into"
    if action == "go_into" and not is_region(target) and prep == "in":
        return "go_to"
    if action == "exit" and not is_region(target) and prep in ("out", "outof"):
        return "go_through"
    return action


def _direction(words: Sequence[str]) -> tuple[str, int]:
    """The first left/right/around in a turn phrase and where it is (-1 if none)."""
    for i, word in enumerate(words[:6]):
        if word in ("left", "right"):
            return f"turn_{word}", i
        if word in lx.TURN_AROUND or word in ("turnaround", "180"):
            return "turn_around", i
        if _prep_action(word) not in (None, "") and word not in ("to", "around"):
            break
    return "", -1


_TURN_ADJECTIVES = wordset("slight sharp hard quick immediate first second third next u another soft")


def _turn_object(words: Sequence[str]) -> bool:
    """ "take a left", "make a sharp right", "take the second right": a turn, not a pick."""
    for word in words[:4]:
        if word in ("left", "right"):
            return True
        if word not in DETERMINERS and word not in (
            "slight",
            "sharp",
            "hard",
            "quick",
            "immediate",
            "first",
            "second",
            "third",
            "next",
            "u",
        ):
            return False
    return False


def _emit_turn(state: _State, turn: str) -> None:
    if turn == "turn_around":
        state.nav("turn_left")
        state.nav("turn_left")
    else:
        state.nav(turn)


def _parse_turn(state: _State, words: Sequence[str]) -> None:
    """ "turn left at the door into the kitchen" → go_to door, turn_left, go_into kitchen."""
    turn, k = _direction(words)
    rest = list(words[k + 1 :]) if k >= 0 else list(words)
    if not turn:
        _chain(state, rest)
        return
    before, after = _split_turn_location(rest)
    if before:
        _chain(state, before)
    _emit_turn(state, turn)
    _chain(state, after)


def _split_turn_location(words: Sequence[str]) -> tuple[list[str], list[str]]:
    """A turn's "at the door" happens before the turn; "into the kitchen" after it."""
    if words and words[0] in _TURN_BEFORE_PREPS:
        for j in range(1, len(words)):
            if _prep_action(words[j]) not in (None, "") and words[j] not in ("of",):
                return list(words[:j]), list(words[j:])
        return list(words), []
    return [], list(words)


def _primitive_move(words: Sequence[str]) -> bool:
    """ "forward two steps", "north", "3 meters" — moves with no landmark (level L0)."""
    has_amount = any(w.isdigit() or w in NUMBER_WORDS for w in words) and any(
        w.startswith(("step", "meter", "metre", "feet", "foot", "pace", "space", "spot", "square", "block"))
        for w in words
    )
    has_compass = any(
        w in ("north", "south", "east", "west", "forward", "forwards", "backward") for w in words
    )
    landmarks = any(_prep_action(w) not in (None, "") for w in words)
    return (has_amount or has_compass) and not landmarks


def _object_and_rest(words: Sequence[str], state: _State) -> tuple[str, list[str]]:
    """The object a manipulation verb acts on, and the words after it (from its first preposition)."""
    obj_words: list[str] = []
    for word in words:
        if word in _PLACE_PREPS or word in ("from", "off", "upto", "outof", "and") or word in lx.ALL_VERBS:
            break
        obj_words.append(word)
    k = len(obj_words)
    obj = noun_phrase([w for w in obj_words if w not in ("up", "me", "us", "down", "away")])
    if not obj or obj in lx.PRONOUNS:
        obj = state.holding or state.last_object()
    return obj, list(words[k:])


def _pick(state: _State, obj: str, explicit: bool = True) -> None:
    if not obj:
        return
    state.manipulation = True
    if state.holding == obj:
        return
    state.nav("go_to", obj, explicit=False)
    state.steps.append(Step(Subtask("pick", "pick", obj), explicit))
    state.holding = obj


def _place(state: _State, obj: str, receptacle: str) -> None:
    if not obj or not receptacle:
        return
    if state.holding != obj and _undo_room_drop(state, obj):
        state.holding = obj
    if state.holding != obj:
        _pick(state, obj, explicit=False)
    action = "go_into" if is_region(receptacle) else "go_to"
    state.nav(action, receptacle, explicit=False)
    state.steps.append(Step(Subtask("place", "place", obj, receptacle)))
    state.holding = ""


def _undo_room_drop(state: _State, obj: str) -> bool:
    """ "take the block to the office and put it on the shelf": carry it on, don't drop it in the room."""
    for i in range(len(state.steps) - 1, -1, -1):
        sub = state.steps[i].subtask
        if sub.skill == "place":
            if sub.target == obj and is_region(sub.receptacle):
                del state.steps[i]
                return True
            return False
        if sub.skill == "pick":
            return False
    return False


def _receptacle(rest: Sequence[str]) -> str:
    for i, word in enumerate(rest):
        if word in _PLACE_PREPS:
            return noun_phrase(_until_boundary(rest[i + 1 :]))
    return ""


def _until_boundary(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        if out and (_is_boundary(word, out[-1]) or _prep_action(word) is not None and word != "of"):
            break
        out.append(word)
    return out


_AMBIGUOUS_VERBS = wordset("take get move carry return leave drop set")
"""Verbs that carry an object only when what follows is a movable thing."""


def _orientation(words: Sequence[str]) -> bool:
    """ "... on your left", "... behind you", "... to your back": a landmark placed relative to you."""
    text = " ".join(words)
    return any(p in text for p in ("your left", "your right", "your back", "behind you", "your side"))


def _parse_manipulation(state: _State, verb: str, words: Sequence[str]) -> bool:
    """Handle pick / place / bring clauses; False when the verb is really a navigation verb."""
    words = [w for w in words if w not in ("just", "carefully", "slowly", "gently", "then", "now")]
    if verb in lx.PLACE_VERBS and _orientation(words):
        return True  # "put the fireplace on your right": the speaker orients the robot; no step
    if verb in ("take", "get", "move", "carry", "return") and (
        not words or _prep_action(words[0]) not in (None, "") or words[0] in DIRECTION_WORDS
    ):
        return False
    if verb in ("take", "make", "hang") and _turn_object(words):
        return False
    obj, rest = _object_and_rest(words, state)
    if verb in _AMBIGUOUS_VERBS and not (obj.split() and obj.split()[-1] in lx.OBJECT_HINTS):
        return False  # "take the stairs", "get to the door", "take a dogleg": walking, not carrying
    receptacle = _receptacle(rest)
    if verb in lx.PLACE_VERBS or (verb in lx.BRING_VERBS and receptacle):
        if receptacle:
            _place(state, obj, receptacle)
        else:
            _pick(state, obj)
        return True
    _pick(state, obj)
    return True


def _keeping_beside(words: Sequence[str]) -> str:
    """ "with the counter on your left" / "keeping the bed to your right" → the landmark passed."""
    if not words or words[0] not in ("with", "keep", "keeping"):
        return ""
    for i in range(1, len(words) - 1):
        if words[i] in ("on", "to", "at") and words[-1] in ("left", "right", "side"):
            return noun_phrase(words[1:i])
    return ""


def parse_clause(state: _State, clause: Sequence[str]) -> None:
    """Read one clause into ``state``."""
    words = _strip_fillers(clause)
    if not words:
        return
    beside = _keeping_beside(words)
    if beside:
        state.nav("go_past", beside)
        return
    verb, rest = words[0], words[1:]
    if verb in lx.ALL_VERBS or verb in ("pickup", "turnaround"):
        state.verbs += 1
    if verb == "pickup" or (verb == "pick" and "up" in rest[:4]):
        obj, _ = _object_and_rest([w for w in rest if w != "up"] if verb == "pick" else rest, state)
        _pick(state, obj)
        return
    if verb in lx.PLACE_VERBS | lx.PICK_VERBS | lx.BRING_VERBS and _parse_manipulation(state, verb, rest):
        return
    if verb == "turnaround":
        _emit_turn(state, "turn_around")
        _chain(state, rest)
        return
    if verb in lx.TURN_VERBS or (verb in ("make", "take", "hang") and _turn_object(rest)):
        _parse_turn(state, rest)
        return
    if verb == "leave" and rest and not is_region(noun_phrase(_until_boundary(rest))) and state.holding:
        _place(state, state.holding, _receptacle(rest))
        return
    if _primitive_move(rest) and verb in lx.MOTION_VERBS:
        state.primitive_moves += 1
        return
    if verb in lx.MOTION_VERBS:
        _parse_motion(state, rest)
        return
    if verb in lx.STOP_VERBS:
        _parse_stop(state, rest)
        return
    direct = {
        **dict.fromkeys(lx.ENTER_VERBS, "go_into"),
        **dict.fromkeys(lx.EXIT_VERBS, "exit"),
        **dict.fromkeys(lx.CROSS_VERBS, "go_through"),
        **dict.fromkeys(lx.PASS_VERBS, "go_past"),
        **dict.fromkeys(lx.CLIMB_VERBS, "go_through"),
        **dict.fromkeys(lx.FOLLOW_VERBS, "go_through"),
        **dict.fromkeys(lx.REACH_VERBS, "go_to"),
        "take": "go_through",
    }
    if verb in direct:
        first = direct[verb]
        if verb in lx.EXIT_VERBS and (not rest or _prep_action(rest[0]) not in (None, "")):
            state.nav("exit", "room")
        _chain(state, rest, first_action=first)
        return
    _parse_verbless(state, words)


def _parse_verbless(state: _State, words: Sequence[str]) -> None:
    """ "then immediate left", "down the hall": a turn or a motion phrase with its verb left out."""
    turn = [w for w in words[:3] if w in ("left", "right")]
    if turn and all(
        w in _TURN_ADJECTIVES or w in DETERMINERS or w == turn[0] for w in words[: words.index(turn[0])]
    ):
        _emit_turn(state, f"turn_{turn[0]}")
        _chain(state, words[words.index(turn[0]) + 1 :], allow_static=state.loose)
        return
    _chain(state, words, allow_static=state.loose)


def _parse_motion(state: _State, words: Sequence[str]) -> None:
    """ "go left", "walk straight past the table to the kitchen", "go up the stairs"."""
    i = 0
    while (
        i < len(words)
        and (words[i] in DIRECTION_WORDS or words[i] == "just")
        and _prep_action(words[i]) is None
    ):
        if words[i] in ("left", "right"):
            break
        i += 1
    if i < len(words) and words[i] in ("left", "right"):
        state.nav(f"turn_{words[i]}")
        i += 1
    elif i < len(words) and words[i] in ("upstairs", "downstairs"):
        state.nav("go_through", "stairs")
        i += 1
    _chain(state, words[i:])


def _parse_stop(state: _State, words: Sequence[str]) -> None:
    """ "stop at the table" / "wait in the kitchen": the place to stop is a landmark to reach."""
    for i, word in enumerate(words):
        if word in _STOP_LOCATION_PREPS:
            _chain(state, words[:i])
            target = noun_phrase(_until_boundary(words[i + 1 :]))
            if target and target not in lx.PRONOUNS:
                action = "go_into" if word in ("in", "inside") and is_region(target) else "go_to"
                state.nav(action, target)
            _chain(state, _after_first_np(words[i + 1 :]), landmark_before=True)
            return
    _chain(state, words)


def _after_first_np(words: Sequence[str]) -> list[str]:
    np = _until_boundary(words)
    return list(words[len(np) :])


def _dedupe(steps: Sequence[Step]) -> list[Step]:
    """Drop a step that repeats the one before it ("go to the table", implicit go_to table)."""
    out: list[Step] = []
    for step in steps:
        if out and out[-1].subtask == step.subtask and step.subtask.action not in ("turn_left", "turn_right"):
            if step.explicit and not out[-1].explicit:
                out[-1] = step
            continue
        out.append(step)
    return out


def infer_level(state: _State, steps: Sequence[Step]) -> str:
    """L0 primitive moves only, L1 explicit landmark navigation, L2 goals only (Arumugam et al.)."""
    explicit_nav = any(
        s.explicit and s.subtask.skill == "navigate" and s.subtask.target and s.subtask.action != "stop"
        for s in steps
    )
    if explicit_nav:
        return "L1"
    if state.manipulation:
        return "L2"
    return "L0"


@register("parser", "rules")
class RuleParser:
    """Instruction → `Plan` with lexicon rules; offline, deterministic, about a millisecond."""

    def parse(self, text: str) -> Plan:
        instruction = clean(text)
        state = self._read(instruction)
        if not state.steps and not state.verbs:
            state = self._read(instruction, loose=True)
        steps = _dedupe(state.steps)
        if not steps and not state.primitive_moves and not state.verbs:
            raise InstructionError(f"no action or place found in instruction {text.strip()[:80]!r}")
        subtasks = [s.subtask for s in steps if s.subtask.action != "stop"]
        subtasks.append(Subtask("navigate", "stop"))
        level = infer_level(state, steps)
        return Plan(instruction=text.strip(), level=level, subtasks=tuple(subtasks))  # type: ignore[arg-type]

    @staticmethod
    def _read(instruction: str, loose: bool = False) -> _State:
        """Parse every clause; ``loose`` also reads verbless "facing the kitchen" as a place to go."""
        state = _State(loose=loose)
        for sentence in sentences(tokens(instruction)):
            for clause in split_clauses(sentence):
                parse_clause(state, clause)
        return state
