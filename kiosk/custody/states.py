"""The custody states and which of them mean the phone is still in the school's hands."""

from enum import StrEnum


class State(StrEnum):
    IN_OFFICE = "IN_OFFICE"
    RETURNED = "RETURNED"
    UNCOLLECTED = "UNCOLLECTED"
    HELD_FOR_PARENT = "HELD_FOR_PARENT"
    RELEASED = "RELEASED"
    SAFEGUARDING_HOLD = "SAFEGUARDING_HOLD"
    WITH_POLICE = "WITH_POLICE"


class Kind(StrEnum):
    DAILY = "daily"
    CONFISCATED = "confiscated"


OPEN_STATES = frozenset({State.IN_OFFICE, State.UNCOLLECTED, State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD})
CLOSED_STATES = frozenset({State.RETURNED, State.RELEASED, State.WITH_POLICE})

# Every transition the domain may make: (from, to). Anything else is a bug, not a desk situation.
TRANSITIONS = frozenset({
    (State.IN_OFFICE, State.RETURNED),
    (State.IN_OFFICE, State.UNCOLLECTED),
    (State.UNCOLLECTED, State.RETURNED),
    (State.IN_OFFICE, State.HELD_FOR_PARENT),
    (State.UNCOLLECTED, State.HELD_FOR_PARENT),
    (State.HELD_FOR_PARENT, State.RELEASED),
    (State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD),
    (State.SAFEGUARDING_HOLD, State.HELD_FOR_PARENT),
    (State.SAFEGUARDING_HOLD, State.WITH_POLICE),
})


def can_move(src: str, dst: str) -> bool:
    return (State(src), State(dst)) in TRANSITIONS


# ── What each state means to the office ─────────────────────────────────────────────────────────────────────────
# Screens, papers and reports ask here; none keeps its own copy of these words or of which states count as "in the
# office" (the stock-take, the dashboard and the desk's figures all count the same phones).

# How the office says a state in a sentence: "… (handed back)", "left overnight since Mon 7 Dec 08:31".
STATE_WORDS = {
    State.IN_OFFICE: "handed in",
    State.UNCOLLECTED: "left overnight",
    State.HELD_FOR_PARENT: "confiscated",
    State.SAFEGUARDING_HOLD: "on a safeguarding hold",
    State.RETURNED: "handed back",
    State.RELEASED: "released",
    State.WITH_POLICE: "handed to the police",
}
# What someone who is neither the DSL nor the head is told of a safeguarding hold: that it exists, no more.
REFER_TO_DSL = "held — refer to the DSL"
REFER_TO_DSL_SHORT = "held (DSL)"

# The phone is in the school's hands (in a slot or in the safe).
IN_OFFICE_STATES = OPEN_STATES


def state_words(state: str | None, *, dsl: bool = True, short: bool = False) -> str:
    """The state in the office's words; a safeguarding hold names no more than "held (DSL)" to anyone else."""
    if state is None:
        return "not in the office"
    if state == State.SAFEGUARDING_HOLD and not dsl:
        return REFER_TO_DSL_SHORT if short else REFER_TO_DSL
    try:
        return STATE_WORDS[State(state)]
    except ValueError:  # a state this version does not know (a newer desk wrote it): say it as it is
        return state.replace("_", " ").lower()


def in_office(state: str | None) -> bool:
    """Is a phone in this state in the school's hands?"""
    return state in IN_OFFICE_STATES
