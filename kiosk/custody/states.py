"""The custody states, the one table of the moves between them, and what each state means to the office."""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class State(StrEnum):
    IN_OFFICE = "IN_OFFICE"
    RETURNED = "RETURNED"
    UNCOLLECTED = "UNCOLLECTED"
    HELD_FOR_PARENT = "HELD_FOR_PARENT"
    RELEASED = "RELEASED"
    SAFEGUARDING_HOLD = "SAFEGUARDING_HOLD"
    WITH_POLICE = "WITH_POLICE"
    # The police's outcome, once the DSL records it (issue 16): the case is closed. (Returned by the police, the
    # phone is held for a parent again: HELD_FOR_PARENT.)
    RETAINED_BY_POLICE = "RETAINED_BY_POLICE"
    DESTROYED_BY_POLICE = "DESTROYED_BY_POLICE"


class Kind(StrEnum):
    DAILY = "daily"
    CONFISCATED = "confiscated"


OPEN_STATES = frozenset({State.IN_OFFICE, State.UNCOLLECTED, State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD})
CLOSED_STATES = frozenset({State.RETURNED, State.RELEASED, State.WITH_POLICE, State.RETAINED_BY_POLICE,
                           State.DESTROYED_BY_POLICE})
# With the police, the phone has left the school (its record is closed: its tag and slot are free) but the DSL's
# case is open until the police's outcome is recorded: the only moves out of a closed state.
POLICE_OUTCOME_STATES = frozenset({State.RETAINED_BY_POLICE, State.DESTROYED_BY_POLICE})


# ── The one transition table ───────────────────────────────────────────────────────────────────────────────────
# Every move the domain makes on a custody record, by name. kiosk/custody/transitions.py is the only code that
# moves a record, and it moves one only as this table allows; what the desk is told when the table says no is
# there too. A new state or move is added here first.


class Move(StrEnum):
    HAND_IN = "hand in"  # the start of the day: a new daily record
    HAND_BACK = "hand back"  # to the pupil, the same day or after a night in the office
    CLOSE_DAY = "close of day"  # still in the office at the end of the day: left overnight
    CONFISCATE = "confiscate"  # a phone not in the office: a new record, held in the safe
    CONVERT = "convert a hand-in"  # a phone already in the office is confiscated: its daily record becomes it
    HOLD = "safeguarding hold"  # the phone may hold evidence: kept untouched for the DSL
    CLEAR_HOLD = "clear a hold"  # the DSL has finished with it: held for a parent again
    POLICE = "hand to the police"  # from a hold, with the officer and crime reference
    RELEASE = "release to a carer"  # a verified carer collects a confiscated phone
    # The police's outcome, recorded by the DSL or head with the police reference (issue 16).
    RETURNED_BY_POLICE = "returned by the police"  # back in the school: held for a parent (or the DSL) again
    RETAINED_BY_POLICE = "retained by the police"
    DESTROYED_BY_POLICE = "destroyed by the police"


@dataclass(frozen=True)
class Rule:
    """One move: the states it may start from (none: it opens a new record), where it leaves the record, and the
    action of the one audit event that records it."""

    sources: frozenset[State]
    target: State
    action: str
    # Worked out once, not at every scan: does the move open a new record, and does it close the one it moves?
    opens: bool = field(init=False)
    closes: bool = field(init=False)
    # A police outcome: the record it moves was closed when the phone left with the police. Into an open state it
    # reopens the record (the phone is back); into a closed one it keeps who closed it, where and when.
    from_closed: bool = field(init=False)

    def __post_init__(self) -> None:
        from_closed = bool(self.sources) and self.sources <= CLOSED_STATES
        object.__setattr__(self, "opens", not self.sources)
        object.__setattr__(self, "closes", self.target in CLOSED_STATES and not from_closed)
        object.__setattr__(self, "from_closed", from_closed)


_DAILY = frozenset({State.IN_OFFICE, State.UNCOLLECTED})  # handed in, or left overnight

MOVES: dict[Move, Rule] = {
    Move.HAND_IN: Rule(frozenset(), State.IN_OFFICE, "HANDED_IN"),
    Move.HAND_BACK: Rule(_DAILY, State.RETURNED, "HANDED_BACK"),
    Move.CLOSE_DAY: Rule(frozenset({State.IN_OFFICE}), State.UNCOLLECTED, "LEFT_UNCOLLECTED"),
    Move.CONFISCATE: Rule(frozenset(), State.HELD_FOR_PARENT, "CONFISCATED"),
    Move.CONVERT: Rule(_DAILY, State.HELD_FOR_PARENT, "CONFISCATED"),
    Move.HOLD: Rule(frozenset({State.HELD_FOR_PARENT}), State.SAFEGUARDING_HOLD, "SAFEGUARDING_HOLD"),
    Move.CLEAR_HOLD: Rule(frozenset({State.SAFEGUARDING_HOLD}), State.HELD_FOR_PARENT, "HOLD_CLEARED"),
    Move.POLICE: Rule(frozenset({State.SAFEGUARDING_HOLD}), State.WITH_POLICE, "HANDED_TO_POLICE"),
    Move.RELEASE: Rule(frozenset({State.HELD_FOR_PARENT}), State.RELEASED, "RELEASED"),
    Move.RETURNED_BY_POLICE: Rule(frozenset({State.WITH_POLICE}), State.HELD_FOR_PARENT, "RETURNED_BY_POLICE"),
    Move.RETAINED_BY_POLICE: Rule(frozenset({State.WITH_POLICE}), State.RETAINED_BY_POLICE, "RETAINED_BY_POLICE"),
    Move.DESTROYED_BY_POLICE: Rule(frozenset({State.WITH_POLICE}), State.DESTROYED_BY_POLICE,
                                   "DESTROYED_BY_POLICE"),
}
# The moves that record the police's outcome of a case, each the DSL's or head's to record.
POLICE_OUTCOMES = (Move.RETURNED_BY_POLICE, Move.RETAINED_BY_POLICE, Move.DESTROYED_BY_POLICE)

# Derived from MOVES, never written by hand: every (from, to) the domain may make, and the states a record may
# open in. Anything else is a bug, not a desk situation.
TRANSITIONS = frozenset((src, rule.target) for rule in MOVES.values() for src in rule.sources)
STARTING_STATES = frozenset(rule.target for rule in MOVES.values() if rule.opens)
# The audit actions that record a move (other custody events, such as a DSL note, change no state).
MOVE_ACTIONS = frozenset(rule.action for rule in MOVES.values())


def can_move(src: str, dst: str) -> bool:
    return (State(src), State(dst)) in TRANSITIONS


def can_open(state: str) -> bool:
    """May a new custody record start in `state`?"""
    return State(state) in STARTING_STATES


def allows(move: Move, state: str | None) -> bool:
    """May `move` be made on a record in `state` (None: there is no open record, so only an opening move may)?"""
    rule = MOVES[move]
    return rule.opens if state is None else state in rule.sources  # an opening move has no sources


def recorded_by(action: str, src: str | None, dst: str | None) -> Move | None:
    """The move an audit event with this action, from-state and resulting state records (None: no move does)."""
    for move, rule in MOVES.items():
        if rule.action == action and dst == rule.target and (src is None if rule.opens else src in rule.sources):
            return move
    return None


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
    State.RETAINED_BY_POLICE: "retained by the police",
    State.DESTROYED_BY_POLICE: "destroyed by the police",
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
DAILY_CYCLE_STATES = MOVES[Move.CONVERT].sources


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


def left_overnight(state: str | None, *, handed_in: date | None = None, today: date | None = None) -> bool:
    """Still in the office from an earlier day: nobody collected it at the close of day. Given the (school-local)
    day it was handed in and today, a phone marked uncollected by a close of day this afternoon is not left
    overnight yet: it may still be collected today (uncollected_words says it)."""
    if state != State.UNCOLLECTED:
        return False
    return handed_in is None or today is None or handed_in < today


# An uncollected phone on the afternoon it was handed in: the day was closed and it is still here.
NOT_COLLECTED_AT_CLOSE = "not collected at the close of day"


def uncollected_words(*, handed_in: date, today: date) -> str:
    """How the office says an uncollected phone: "left overnight" once a night has passed, "not collected at the
    close of day" on its own day (the close ran this afternoon; it can still be collected today)."""
    return STATE_WORDS[State.UNCOLLECTED] if handed_in < today else NOT_COLLECTED_AT_CLOSE


def on_safeguarding_hold(state: str | None) -> bool:
    """Held for the DSL: it cannot be released or handed back, and only the DSL and the head see why."""
    return state == State.SAFEGUARDING_HOLD
