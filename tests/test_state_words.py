"""What each custody state means to the office (kiosk.custody.states): the words the screens show, and the
questions they ask of a state instead of comparing it themselves."""

from __future__ import annotations

import pytest

from kiosk.custody.states import (
    REFER_TO_DSL,
    REFER_TO_DSL_SHORT,
    State,
    confiscation_words,
    in_office,
    left_overnight,
    on_daily_cycle,
    on_safeguarding_hold,
    state_words,
)


def test_the_stocktakes_short_words_are_the_state_words_with_a_hold_said_short():
    # The stock-take's "The kiosk says" and "Recorded as" columns, as they read before the words moved here.
    assert [state_words(s, short=True) for s in (State.IN_OFFICE, State.UNCOLLECTED, State.HELD_FOR_PARENT,
                                                 State.SAFEGUARDING_HOLD)] == \
        ["handed in", "left overnight", "confiscated", "safeguarding hold"]
    assert state_words(State.SAFEGUARDING_HOLD, dsl=False, short=True) == REFER_TO_DSL_SHORT == "held (DSL)"
    assert state_words(State.SAFEGUARDING_HOLD, dsl=False) == REFER_TO_DSL
    assert state_words(State.SAFEGUARDING_HOLD) == "on a safeguarding hold"  # in a sentence, for the DSL
    assert [state_words(s) for s in (State.RETURNED, State.RELEASED, State.WITH_POLICE)] == \
        ["handed back", "released", "handed to the police"]
    assert state_words(None, short=True) == "not in the office"
    assert state_words("LOST_IN_TRANSIT") == "lost in transit"  # written by a newer desk: said as it is


def test_how_a_confiscation_stands_now_in_full_and_in_a_tables_column():
    held = (State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD, State.RELEASED, State.WITH_POLICE)
    assert [confiscation_words(s) for s in held] == ["still held", "held for the DSL", "released", "with the police"]
    assert [confiscation_words(s, short=True) for s in held[:2]] == ["held", "HELD FOR DSL"]


@pytest.mark.parametrize("state", list(State))
def test_the_questions_a_screen_asks_of_a_state(state):
    assert on_daily_cycle(state) == (state in (State.IN_OFFICE, State.UNCOLLECTED))
    assert left_overnight(state) == (state == State.UNCOLLECTED)
    assert on_safeguarding_hold(state) == (state == State.SAFEGUARDING_HOLD)
    # A phone on the daily cycle or confiscated is in the school's hands; one handed out is not.
    assert in_office(state) == (state not in (State.RETURNED, State.RELEASED, State.WITH_POLICE,
                                              State.RETAINED_BY_POLICE, State.DESTROYED_BY_POLICE))
