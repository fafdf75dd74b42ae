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
