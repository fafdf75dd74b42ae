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

# In a table's last column, where the long words were cut at 80 columns (the stock-take's "Recorded as").
SHORT_STATE_WORDS = {State.SAFEGUARDING_HOLD: "safeguarding hold"}
# How a confiscated phone stands now, beside the pupil's other confiscations: the confiscation screen's "Before:"
# line says it in full; the release screen's "Now" column says it short, in capitals where it cannot go home.
CONFISCATION_WORDS = {
    State.HELD_FOR_PARENT: "still held",
    State.SAFEGUARDING_HOLD: "held for the DSL",
    State.RELEASED: "released",
    State.WITH_POLICE: "with the police",
}
CONFISCATION_WORDS_SHORT = {State.HELD_FOR_PARENT: "held", State.SAFEGUARDING_HOLD: "HELD FOR DSL"}

# The phone is in the school's hands (in a slot or in the safe).
IN_OFFICE_STATES = OPEN_STATES
# On the daily cycle: handed in this morning, or left overnight. Confiscating such a phone turns this record into
# the confiscation (no second record); a phone in any other open state is already confiscated.
DAILY_CYCLE_STATES = frozenset({State.IN_OFFICE, State.UNCOLLECTED})


def state_words(state: str | None, *, dsl: bool = True, short: bool = False) -> str:
    """The state in the office's words; a safeguarding hold names no more than "held (DSL)" to anyone else."""
    if state is None:
        return "not in the office"
    if state == State.SAFEGUARDING_HOLD and not dsl:
        return REFER_TO_DSL_SHORT if short else REFER_TO_DSL
    try:
        known = State(state)
    except ValueError:  # a state this version does not know (a newer desk wrote it): say it as it is
        return state.replace("_", " ").lower()
    return SHORT_STATE_WORDS.get(known, STATE_WORDS[known]) if short else STATE_WORDS[known]


def confiscation_words(state: str, *, short: bool = False) -> str:
    """How a confiscation stands now ("still held", "held for the DSL", "released", "with the police")."""
    try:
        known = State(state)
    except ValueError:
        return state.replace("_", " ").lower()
    if short and known in CONFISCATION_WORDS_SHORT:
        return CONFISCATION_WORDS_SHORT[known]
    return CONFISCATION_WORDS.get(known, STATE_WORDS[known])


def in_office(state: str | None) -> bool:
    """Is a phone in this state in the school's hands?"""
    return state in IN_OFFICE_STATES


def on_daily_cycle(state: str | None) -> bool:
    """Handed in or left overnight: a confiscation converts this record rather than opening a second one."""
    return state in DAILY_CYCLE_STATES


def left_overnight(state: str | None) -> bool:
    """Still in the office from an earlier day: nobody collected it at the close of day."""
    return state == State.UNCOLLECTED


def on_safeguarding_hold(state: str | None) -> bool:
    """Held for the DSL: it cannot be released or handed back, and only the DSL and the head see why."""
    return state == State.SAFEGUARDING_HOLD
