"""The custody state machine under random sequences of desk actions, checked against a simple model."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kiosk.audit import verify
from kiosk.custody import Outcome, Severity, State, close_day, hand_back, hand_in, normalise, resolve
from kiosk.custody.states import OPEN_STATES, can_move
from kiosk.db import Custody, database_proxy
from tests.conftest import make_school

PUPILS = range(6)


class DeskDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-prop-"))
        self.s = make_school(self.folder)
        self.s.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
        self.model: dict[int, str | None] = {i: None for i in PUPILS}  # open state per pupil, None = not in
        self.changed_behind_the_domain = False

    def teardown(self) -> None:
        database_proxy.obj.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def code(self, i: int) -> str:
        return self.s.tag_of(self.s.pupils[i])

    @rule(i=st.sampled_from(PUPILS))
    def hand_in(self, i):
        receipt = hand_in(self.s.ctx(), resolve(normalise(self.code(i))))
        before = self.model[i]
        if before is None:
            assert receipt.outcome is Outcome.HANDED_IN
            self.model[i] = State.IN_OFFICE
        else:
            assert receipt.severity in (Severity.WARNING, Severity.REFUSED)

    @rule(i=st.sampled_from(PUPILS))
    def hand_back(self, i):
        receipt = hand_back(self.s.ctx(), resolve(normalise(self.code(i))))
        before = self.model[i]
        if before in (State.IN_OFFICE, State.UNCOLLECTED):
            assert receipt.outcome is Outcome.HANDED_BACK
            self.model[i] = None
        elif before is None:
            assert receipt.outcome in (Outcome.ALREADY_BACK, Outcome.NOT_HANDED_IN)
        else:
            assert receipt.severity is Severity.REFUSED

    @rule(i=st.sampled_from(PUPILS))
    def confiscate(self, i):
        # Confiscation screens come later; the state exists now and hand-back must respect it.
        if self.model[i] == State.IN_OFFICE:
            Custody.update(state=State.HELD_FOR_PARENT, kind="confiscated").where(
                (Custody.pupil == self.s.pupils[i].id) & Custody.closed_at.is_null()).execute()
            self.model[i] = State.HELD_FOR_PARENT
            self.changed_behind_the_domain = True

    @rule()
    def close_the_day(self):
        close_day(self.s.ctx())
        for i, state in self.model.items():
            if state == State.IN_OFFICE:
                self.model[i] = State.UNCOLLECTED

    @rule(minutes=st.integers(min_value=1, max_value=600))
    def time_passes(self, minutes):
        self.s.clock.advance(minutes=minutes)

    @invariant()
    def database_matches_the_model(self):
        for i in PUPILS:
            open_ = Custody.select().where((Custody.pupil == self.s.pupils[i].id) & Custody.closed_at.is_null())
            states = [c.state for c in open_]
            assert states == ([] if self.model[i] is None else [self.model[i]])
            assert all(s in OPEN_STATES for s in states)

    @invariant()
    def every_closed_custody_went_through_allowed_moves(self):
        for custody in Custody.select().where(Custody.closed_at.is_null(False)):
            assert custody.state == State.RETURNED

    @invariant()
    def audit_chain_verifies_unless_a_row_was_changed_behind_the_domain(self):
        report = verify(self.s.keyring.audit_key)
        assert report.ok != self.changed_behind_the_domain, report.problems


DeskDay.TestCase.settings = settings(max_examples=15, stateful_step_count=30, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
TestDeskDay = DeskDay.TestCase


def test_transitions_table_allows_only_the_documented_moves():
    assert can_move("IN_OFFICE", "RETURNED") and can_move("UNCOLLECTED", "RETURNED")
    assert not can_move("HELD_FOR_PARENT", "RETURNED")
    assert not can_move("SAFEGUARDING_HOLD", "RELEASED")
    assert not can_move("WITH_POLICE", "HELD_FOR_PARENT")
