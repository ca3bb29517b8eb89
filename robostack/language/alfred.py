"""Goal sentence → ALFRED high-level plan (``GotoLocation(x)``, ``PickupObject(x)``, ...).

Why templates: ALFRED's seven task types each have a fixed skeleton (pick → [clean | heat | cool]
→ place; twice for two objects; into a movable container first; examine under a lamp), so the
work is (1) recognising the task type from its cue words, (2) finding the object and the
receptacle in ALFRED's vocabulary, and (3) filling in what the sentence leaves implicit: where
the object starts, the sink/microwave/fridge that cleans/heats/cools, and the knife for slicing.
The object's starting place comes from a commonsense table written by hand (never fitted to the
evaluation data); "from the X" in the sentence overrides it.

`keyword_plan` is the baseline: first object, last receptacle, pick-and-place skeleton.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from robostack.language.errors import InstructionError
from robostack.language.text import clean

# surface phrase → ALFRED id; longest phrases are matched first
_LEXICON: dict[str, str] = {
    "alarm clock": "alarmclock",
    "clock": "alarmclock",
    "apple": "apple",
    "baseball bat": "baseballbat",
    "bat": "baseballbat",
    "book": "book",
    "bowl": "bowl",
    "box": "box",
    "bread": "bread",
    "loaf": "bread",
    "butter knife": "butterknife",
    "candle": "candle",
    "cd": "cd",
    "disc": "cd",
    "cell phone": "cellphone",
    "cellphone": "cellphone",
    "phone": "cellphone",
    "cloth": "cloth",
    "rag": "cloth",
    "credit card": "creditcard",
    "card": "creditcard",
    "cup": "cup",
    "glass": "cup",
    "dish sponge": "dishsponge",
    "sponge": "dishsponge",
    "egg": "egg",
    "fork": "fork",
    "glass bottle": "glassbottle",
    "hand towel": "handtowel",
    "towel": "handtowel",
    "keychain": "keychain",
    "key chain": "keychain",
    "keys": "keychain",
    "key": "keychain",
    "knife": "knife",
    "ladle": "ladle",
    "laptop": "laptop",
    "computer": "laptop",
    "lettuce": "lettuce",
    "cabbage": "lettuce",
    "mug": "mug",
    "coffee cup": "mug",
    "newspaper": "newspaper",
    "paper": "newspaper",
    "pan": "pan",
    "frying pan": "pan",
    "skillet": "pan",
    "pen": "pen",
    "pencil": "pencil",
    "pillow": "pillow",
    "plate": "plate",
    "dish": "plate",
    "plunger": "plunger",
    "pot": "pot",
    "potato": "potato",
    "remote control": "remotecontrol",
    "remote": "remotecontrol",
    "controller": "remotecontrol",
    "soap bar": "soapbar",
    "bar of soap": "soapbar",
    "soap": "soapbar",
    "soap bottle": "soapbottle",
    "soap dispenser": "soapbottle",
    "soap container": "soapbottle",
    "spatula": "spatula",
    "spoon": "spoon",
    "spray bottle": "spraybottle",
    "spray": "spraybottle",
    "statue": "statue",
    "figurine": "statue",
    "tennis racket": "tennisracket",
    "racket": "tennisracket",
    "tissue box": "tissuebox",
    "tissues": "tissuebox",
    "toilet paper": "toiletpaper",
    "toilet roll": "toiletpaper",
    "vase": "vase",
    "watch": "watch",
    "watering can": "wateringcan",
    "wine bottle": "winebottle",
    "bottle": "winebottle",
    "tomato": "tomato",
    "scoop": "ladle",
    "lap top": "laptop",
    "cushion": "pillow",
    "racquet": "tennisracket",
    "freezer": "fridge",
    "tv stand": "dresser",
    "television stand": "dresser",
    # receptacles
    "countertop": "countertop",
    "counter top": "countertop",
    "counter": "countertop",
    "kitchen island": "countertop",
    "island": "countertop",
    "dining table": "diningtable",
    "kitchen table": "diningtable",
    "table": "diningtable",
    "fridge": "fridge",
    "refrigerator": "fridge",
    "sink basin": "sinkbasin",
    "sink": "sinkbasin",
    "toilet": "toilet",
    "cabinet": "cabinet",
    "cupboard": "cabinet",
    "drawer": "drawer",
    "microwave": "microwave",
    "garbage can": "garbagecan",
    "trash can": "garbagecan",
    "garbage": "garbagecan",
    "trash": "garbagecan",
    "bin": "garbagecan",
    "waste basket": "garbagecan",
    "wastebasket": "garbagecan",
    "recycling bin": "garbagecan",
    "side table": "sidetable",
    "end table": "sidetable",
    "nightstand": "sidetable",
    "night stand": "sidetable",
    "dresser": "dresser",
    "desk": "desk",
    "bathtub basin": "bathtubbasin",
    "bathtub": "bathtubbasin",
    "bath tub": "bathtubbasin",
    "tub": "bathtubbasin",
    "sofa": "sofa",
    "couch": "sofa",
    "coffee table": "coffeetable",
    "shelf": "shelf",
    "shelves": "shelf",
    "armchair": "armchair",
    "arm chair": "armchair",
    "chair": "armchair",
    "coffee machine": "coffeemachine",
    "coffee maker": "coffeemachine",
    "cart": "cart",
    "stove burner": "stoveburner",
    "stove": "stoveburner",
    "burner": "stoveburner",
    "safe": "safe",
    "ottoman": "ottoman",
    "toilet paper hanger": "toiletpaperhanger",
    "bed": "bed",
    "desk lamp": "desklamp",
    "floor lamp": "floorlamp",
    "lamp": "desklamp",
}
RECEPTACLES = frozenset(
    [
        "countertop",
        "diningtable",
        "fridge",
        "sinkbasin",
        "toilet",
        "cabinet",
        "drawer",
        "microwave",
        "garbagecan",
        "sidetable",
        "dresser",
        "desk",
        "bathtubbasin",
        "sofa",
        "coffeetable",
        "shelf",
        "armchair",
        "coffeemachine",
        "cart",
        "stoveburner",
        "safe",
        "ottoman",
        "toiletpaperhanger",
        "bed",
    ]
)
CONTAINERS = frozenset(["pan", "pot", "bowl", "plate", "mug", "cup", "box"])
"""Objects that can also hold another object (ALFRED's movable receptacles)."""

_START: dict[str, str] = {
    "knife": "countertop",
    "butterknife": "countertop",
    "tomato": "countertop",
    "apple": "countertop",
    "lettuce": "countertop",
    "potato": "countertop",
    "bread": "countertop",
    "egg": "countertop",
    "mug": "countertop",
    "cup": "countertop",
    "plate": "countertop",
    "bowl": "countertop",
    "pan": "stoveburner",
    "pot": "stoveburner",
    "ladle": "countertop",
    "spatula": "countertop",
    "fork": "countertop",
    "spoon": "countertop",
    "dishsponge": "sinkbasin",
    "soapbar": "bathtubbasin",
    "soapbottle": "countertop",
    "spraybottle": "toilet",
    "toiletpaper": "toilet",
    "cloth": "bathtubbasin",
    "handtowel": "handtowelholder",
    "plunger": "toilet",
    "remotecontrol": "sofa",
    "creditcard": "desk",
    "keychain": "sidetable",
    "watch": "sidetable",
    "book": "desk",
    "cd": "desk",
    "pencil": "desk",
    "pen": "desk",
    "laptop": "desk",
    "cellphone": "desk",
    "alarmclock": "desk",
    "pillow": "sofa",
    "box": "sofa",
    "vase": "shelf",
    "candle": "countertop",
    "newspaper": "sofa",
    "tissuebox": "dresser",
    "statue": "shelf",
    "winebottle": "countertop",
    "glassbottle": "countertop",
    "wateringcan": "shelf",
    "baseballbat": "bed",
    "tennisracket": "bed",
}
"""Where an object usually starts in an AI2-THOR room (commonsense, hand-written)."""

_CUES = {
    "clean": r"\b(clean|cleaned|washed|wash|rinsed|rinse|scrubbed|cleansed|clean,?)\b",
    "heat": r"\b(heat|heated|hot|warm|warmed|microwaved|cooked|cook|baked|toasted|roasted)\b",
    "cool": r"\b(cool|cooled|cold|chilled|chill|refrigerated|frozen|cooling|chilling)\b",
    "slice": r"\b(slice|sliced|slices|cut|chopped|piece|pieces|wedge|section)\b",
    "two": r"\b(two|both|pair|2|couple)\b",
    "look": r"\b(examine|inspect|look|study|check|view|read|observe|light|lamp)\b",
}
_PLACE_WORDS = re.compile(r"\b(in|into|on|onto|inside|to|under|at|in to|on top of)\b")


@dataclass(frozen=True)
class Mention:
    """An ALFRED object named in the sentence, with where it starts and ends in the text."""

    alfred: str
    start: int
    end: int


def find_mentions(text: str) -> list[Mention]:
    """Greedy longest-match of lexicon phrases, left to right."""
    phrases = sorted(_LEXICON, key=len, reverse=True)
    taken = [False] * len(text)
    found = []
    for phrase in phrases:
        for m in re.finditer(rf"\b{re.escape(phrase)}(es|s)?\b", text):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            found.append(Mention(_LEXICON[phrase], m.start(), m.end()))
    return sorted(found, key=lambda x: x.start)


def task_type(text: str) -> str:
    """One of ALFRED's seven task types, from cue words."""
    has = {name: bool(re.search(pattern, text)) for name, pattern in _CUES.items()}
    if has["look"] and re.search(r"\b(lamp|light)\b", text):
        return "look_at_obj_in_light"
    if has["clean"]:
        return "pick_clean_then_place_in_recep"
    if has["heat"] and not re.search(r"\b(hot|warm)\s+(?:cup\s+of\s+)?coffee\b", text):
        return "pick_heat_then_place_in_recep"
    if has["cool"]:
        return "pick_cool_then_place_in_recep"
    if has["two"]:
        return "pick_two_obj_and_place"
    return "pick_and_place_simple"


@dataclass(frozen=True)
class Roles:
    """Who is who in the goal: the object, an optional container, the final receptacle."""

    obj: str
    container: str
    receptacle: str
    source: str
    lamp: str


def assign_roles(text: str, mentions: Sequence[Mention]) -> Roles:
    """The first movable thing is the object; the last receptacle after a place word is the target."""
    objs = [m for m in mentions if m.alfred not in RECEPTACLES and m.alfred not in ("desklamp", "floorlamp")]
    recs = [m for m in mentions if m.alfred in RECEPTACLES]
    lamp = next((m.alfred for m in mentions if m.alfred in ("desklamp", "floorlamp")), "desklamp")
    source = ""
    src = re.search(r"\bfrom (?:the |a |an )?([a-z ]+)", text)
    if src:
        after = [m for m in recs if m.start >= src.start(1)]
        if after and after[0].start == src.start(1):
            source = after[0].alfred
            recs = [m for m in recs if m is not after[0]]
    obj = objs[0].alfred if objs else (recs[0].alfred if recs else "")
    container = ""
    if len(objs) >= 2:
        # "put a spatula in the bowl", "a cup containing a fork": the container holds the other
        first, second = objs[0].alfred, objs[1].alfred
        if second in CONTAINERS and first not in CONTAINERS:
            obj, container = first, second
        elif first in CONTAINERS and re.search(r"\b(with|containing|holding|that has)\b", text):
            obj, container = second, first
    receptacle = recs[-1].alfred if recs else ""
    if not receptacle and container:
        receptacle, container = container, ""
    return Roles(obj, container, receptacle, source, lamp)


def _go(x: str) -> str:
    return f"GotoLocation({x})"


def _pick_and_deliver(obj: str, start: str, target: str, middle: Sequence[str] = ()) -> list[str]:
    steps = [_go(start), f"PickupObject({obj})", *middle, _go(target), f"PutObject({obj},{target})"]
    return steps


def plan_for(text: str) -> list[str]:
    """The ALFRED plan for one goal sentence (no trailing ``Done``)."""
    sentence = clean(text)
    kind = task_type(sentence)
    roles = assign_roles(sentence, find_mentions(sentence))
    obj = roles.obj
    if not obj:
        raise InstructionError(f"no ALFRED object found in {text.strip()[:80]!r}")
    start = roles.source or _START.get(obj, "countertop")
    target = roles.receptacle or "countertop"
    prefix: list[str] = []
    sliced = bool(re.search(_CUES["slice"], sentence)) and obj not in ("knife", "butterknife")
    if sliced:
        knife = "butterknife" if "butter knife" in sentence else "knife"
        prefix = [_go("countertop"), f"PickupObject({knife})", _go(obj), f"SliceObject({obj})"]
        prefix += [_go("countertop"), f"PutObject({knife},countertop)"]
        start = obj
    if kind == "look_at_obj_in_light":
        return [*prefix, _go(start), f"PickupObject({obj})", _go(roles.lamp), f"ToggleObject({roles.lamp})"]
    if roles.container:
        steps = _pick_and_deliver(obj, start, roles.container)
        steps += [f"PickupObject({roles.container})", _go(target), f"PutObject({roles.container},{target})"]
        return [*prefix, *steps]
    middle = {
        "pick_clean_then_place_in_recep": [_go("sinkbasin"), f"CleanObject({obj})"],
        "pick_heat_then_place_in_recep": [_go("microwave"), f"HeatObject({obj})"],
        "pick_cool_then_place_in_recep": [_go("fridge"), f"CoolObject({obj})"],
    }.get(kind, [])
    steps = _pick_and_deliver(obj, start, target, middle)
    if kind == "pick_two_obj_and_place":
        steps += _pick_and_deliver(obj, start, target)
    return [*prefix, *steps]


def keyword_plan(text: str) -> list[str]:
    """Baseline: first object and last receptacle by keyword, pick-and-place skeleton, no inference."""
    sentence = clean(text)
    mentions = find_mentions(sentence)
    objs = [m.alfred for m in mentions if m.alfred not in RECEPTACLES]
    recs = [m.alfred for m in mentions if m.alfred in RECEPTACLES]
    if not objs:
        return []
    obj = objs[0]
    target = recs[-1] if recs else "countertop"
    return [_go(obj), f"PickupObject({obj})", _go(target), f"PutObject({obj},{target})"]
