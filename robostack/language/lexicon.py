"""Word lists behind the rule parser: verbs, prepositions and region nouns.

Collected from the demo apartment's vocabulary and from reading R2R's human instructions; one
place to extend when a new phrasing is missed.
"""

from __future__ import annotations

from robostack.language.text import wordset

REGION_HEADS = wordset(
    "kitchen bedroom bathroom hallway hall office room lounge corridor closet garage foyer entryway "
    "porch balcony patio pantry study den library gym laundry nursery basement attic lobby area "
    "washroom restroom bedrooms rooms hallways kitchenette loft veranda deck terrace yard garden "
    "courtyard sunroom vestibule mudroom playroom workshop spa sauna theater theatre cellar "
    "stairwell stairway staircase landing walkway entrance passage passageway aisle bath "
    "livingroom diningroom bedroom's"
)
"""Last words of a region ("living room", "dining area"): regions are entered, not approached."""

OBJECT_HINTS = wordset(
    "mug cup bowl block can plate bottle apple banana box book pen phone remote glass spoon fork "
    "knife ball toy pillow towel sponge vase jar bag key keys laptop tomato potato bread egg "
    "lettuce ladle pot pan kettle candle watch cloth newspaper soap chair cushion blanket basket "
    "glasses cups mugs bowls blocks cans plates bottles books toys spatula knife sponge vase remote"
)
"""Small movable things: "move the mug to the sink" carries it, "move to the sink" walks."""

MOTION_VERBS = wordset(
    "go walk head move proceed continue travel run step come navigate return keep drive wander "
    "stroll advance hurry jog march get make carry"
)
ENTER_VERBS = wordset("enter")
EXIT_VERBS = wordset("exit leave depart")
CROSS_VERBS = wordset("cross traverse")
PASS_VERBS = wordset("pass")
CLIMB_VERBS = wordset("climb ascend descend")
FOLLOW_VERBS = wordset("follow")
REACH_VERBS = wordset("reach approach find locate arrive visit")
TURN_VERBS = wordset("turn veer bear swing rotate pivot spin")
STOP_VERBS = wordset("stop wait halt stand pause remain stay end finish sit rest park")
PICK_VERBS = wordset("pick grab fetch collect lift retrieve obtain take get")
PLACE_VERBS = wordset("put place set drop store deposit throw toss stash insert")
BRING_VERBS = wordset("bring carry deliver move take return transport relocate get")

NAV_VERBS = (
    MOTION_VERBS
    | ENTER_VERBS
    | EXIT_VERBS
    | CROSS_VERBS
    | PASS_VERBS
    | CLIMB_VERBS
    | FOLLOW_VERBS
    | REACH_VERBS
    | TURN_VERBS
    | STOP_VERBS
)
ALL_VERBS = NAV_VERBS | PICK_VERBS | PLACE_VERBS | BRING_VERBS

CLAUSE_FILLERS = wordset(
    "then and now next first firstly finally lastly please afterwards also again so once there start "
    "begin "
    "you i will should need want to can could would just immediately slowly carefully quickly "
    "after that robot hey ok okay kindly be sure continuing"
)
"""Words that may precede a clause's verb without meaning anything for the plan."""

PREPOSITIONS: dict[str, str] = {
    "past": "go_past",
    "by": "go_past",
    "beyond": "go_past",
    "around": "go_past",
    "between": "go_past",
    "behind": "go_past",
    "alongside": "go_past",
    "through": "go_through",
    "thru": "go_through",
    "across": "go_through",
    "along": "go_through",
    "via": "go_through",
    "down": "go_through",
    "up": "go_through",
    "under": "go_through",
    "underneath": "go_through",
    "into": "go_into",
    "inside": "go_into",
    "in": "go_into",
    "out": "exit",
    "to": "go_to",
    "towards": "go_to",
    "toward": "go_to",
    "until": "go_to",
    "till": "go_to",
    "til": "go_to",
    "at": "go_to",
    "near": "go_to",
    "onto": "go_to",
    "on": "go_to",
    "beside": "go_to",
    "next": "go_to",
    "before": "go_to",
    "facing": "go_to",
    "from": "",
    "of": "",
    "with": "",
    "after": "go_past",
    "outside": "go_to",
    "over": "go_to",
    "opposite": "go_to",
    "passing": "go_past",
    "crossing": "go_through",
    "entering": "go_into",
    "exiting": "exit",
    "pass": "go_past",
    "passed": "go_past",
}
"""What a preposition says about the landmark after it, in A²Nav's action set ('' = no step)."""

SEGMENT_FILLERS = wordset(
    "you reach get see come arrive are find hit the to at in into of be get you've youre you're have "
    "reached even with level up"
)
"""Words after "until"/"till" before the landmark ("until you reach the table")."""

NP_BOUNDARIES = wordset(
    "and or but then where which that who whose while as so if when once is are was will should "
    "using use it they there "
    "your you leaving keeping heading going walking following making taking "
    "staying toward towards until till"
)
"""Words that end a noun phrase in a chain ("the room using the door" → "room")."""

NOUN_ING = wordset(
    "ceiling painting paintings building railing railings dining living ironing washing sitting "
    "landing opening clothing seating lighting awning string wing ring king carpeting flooring "
    "molding moulding wedding drawing drawings ceilings swing bedding fencing siding clearing "
    "banisters ring hanging hangings carving carvings framing stuffing bowling parking"
)

NON_LANDMARKS = wordset("direction way position o'clock clock degrees degree time")
"""Nouns after a preposition that never name a place to go ("in the opposite direction")."""

PRONOUNS = wordset("it them this that these those one")

TURN_AROUND = ("around", "back")
