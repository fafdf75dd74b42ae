"""The custody state machine under random sequences of every desk action, by every role.

Each step goes through the real domain functions: hand in, hand back, close of day, confiscate (a new record, or
converting a phone already in the office), safeguarding hold, clearing it, the police handover, and release to a
carer (listed or not, with or without a head's or DSL's authorisation). After every step: the database matches a
simple model of what each record should be; a refusal is a domain refusal (NotPermitted for a role, the table's
own Refused or Conflict for a move) that changed nothing but its own audit of the attempt; and every event's
from → to is a move of the one table in kiosk/custody/states.py, each record's moves following on one another.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule

from kiosk.audit import verify
from kiosk.auth import SignedIn, add_staff
from kiosk.clock import FixedClock, local_today
from kiosk.config import Settings
from kiosk.custody import (
    Conflict,
    DeskContext,
    DeskError,
    NotPermitted,
    Outcome,
    Refused,
    Severity,
    State,
    close_day,
    hand_back,
    hand_in,
    normalise,
    resolve,
)
from kiosk.custody.confiscation import confiscate
from kiosk.custody.parent_meeting import record_parent_meeting
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.safeguarding import (
    PoliceHandover,
    clear_hold,
    flag_safeguarding,
    hand_to_police,
    record_police_outcome,
)
from kiosk.custody.states import (
    MOVE_ACTIONS,
    MOVES,
    OPEN_STATES,
    POLICE_OUTCOMES,
    STARTING_STATES,
    TRANSITIONS,
    Move,
    can_move,
    recorded_by,
)
from kiosk.db import Custody, DslNote, Event, Pupil, Staff, Tag, database_proxy, open_database
from kiosk.keyring import load_key_file
from tests.conftest import make_school
from tests.test_permissions import ALLOWED, HEAD_OF_YEAR_PIN, PINS, ROLE_INITIALS

PUPILS = range(4)  # few pupils, so actions meet the same phones often
ROLES = sorted(ROLE_INITIALS)
MAY_AUTHORISE = {"dsl", "head"}  # who may vouch for an unlisted collector or an early release
# What a refused attempt may still write: its own audit (a role refused, a PIN confirmed before the refusal).
AUDIT_OF_THE_ATTEMPT = ("REFUSED", "PIN_CONFIRMED")
IN, BACK, LEFT, HELD = State.IN_OFFICE, State.RETURNED, State.UNCOLLECTED, State.HELD_FOR_PARENT
HOLD, RELEASED, POLICE = State.SAFEGUARDING_HOLD, State.RELEASED, State.WITH_POLICE


def role_for(action: str) -> st.SearchStrategy[str]:
    """Any role, but one the matrix allows half the time: a refused role is checked, yet moves the story on less."""
    return st.one_of(st.sampled_from(sorted(ALLOWED[action])), st.sampled_from(ROLES))


@functools.cache
def _template() -> Path:
    """The school once (each PIN costs ~0.1 s of scrypt); every example starts from a copy of its files."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-prop-template-"))
    school = make_school(folder)
    add_staff(keyring=school.keyring, clock=school.clock, desk="Reception 1", name="Nia Evans", initials="NE",
              role="head_of_year", pin=HEAD_OF_YEAR_PIN)
    database_proxy.obj.close()
    return folder


def _kept() -> tuple:
    """Everything an action may change, apart from its own audit of the attempt."""
    return (list(Custody.select().order_by(Custody.id).tuples()), list(DslNote.select().order_by(DslNote.id).tuples()),
            list(Event.select(Event.action, Event.custody, Event.custody_state, Event.payload_json)
                 .where(Event.action.not_in(AUDIT_OF_THE_ATTEMPT)).order_by(Event.seq).tuples()))


def _refusals() -> int:
    return Event.select().where(Event.action == "REFUSED").count()


REFUSED = object()  # what act() gives back for a refused step (a successful one may return None)
TAKE = dict(confiscated_by_name="Mr T. Ellis", reason_category="used in lesson", location="Room S12",
            condition=["in a case"], seal_number="BAG-1")
HANDOVER = PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889")



def _hand_to_police(ctx: DeskContext, *, custody: int) -> None:
    """The handover with the recorder's own PIN (hand_to_police asks it, as a release does)."""
    hand_to_police(ctx, custody, HANDOVER, pin=PINS.get(ctx.who.initials, ""))


def _record_outcome(ctx: DeskContext, *, custody: int, outcome: Move) -> None:
    """The police's outcome with the recorder's own PIN and, returned, a bag of the record's own."""
    record_police_outcome(ctx, custody, outcome=outcome, police_reference="CR1", pin=PINS.get(ctx.who.initials, ""),
                          seal=f"RET-{custody}")

class CustodyDesk(RuleBasedStateMachine):
    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="kiosk-prop-"))
        shutil.copytree(_template(), self.folder, dirs_exist_ok=True)
        open_database(str(self.folder / "kiosk.db"))  # no witness file: nothing listens to its commits
        self.keyring = load_key_file(self.folder / "config" / "kiosk.key")
        self.clock = FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
        self.settings = Settings(school_name="Hillcrest Academy", desk="Reception 1")
        self.pupils = list(Pupil.select().order_by(Pupil.id))
        self.codes = [Tag.get((Tag.pupil == p) & (Tag.status == "active")).code for p in self.pupils]
        self.staff = {}
        for role, initials in ROLE_INITIALS.items():
            staff = Staff.get(Staff.initials == initials)
            self.staff[role] = SignedIn(staff_id=staff.id, name=staff.name, initials=initials, role=staff.role,
                                        desk="Reception 1")
        # The model: every record made so far, its state, whose it is and (confiscated) when it may go home.
        self.states: dict[int, State] = {}
        self.pupil_of: dict[int, int] = {}
        self.held_until: dict[int, date | None] = {}
        self.meeting_owed: dict[int, bool] = {}  # a 3rd confiscation this term: the parent meeting before release
        self.open_of: dict[int, int | None] = {i: None for i in PUPILS}
        self.handed_in_on: dict[int, date] = {}  # the school day each daily record was handed in
        # The trail as checked so far: the last event seen, and the state each record's last move left it in.
        self.checked_seq = 0
        self.trail: dict[int, str] = {}

    def teardown(self) -> None:
        database_proxy.obj.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ── helpers ──

    def ctx(self, role: str) -> DeskContext:
        return DeskContext(self.keyring, self.clock, self.settings, self.staff[role])

    def found(self, i: int):
        return resolve(normalise(self.codes[i]))

    def open_state(self, i: int) -> State | None:
        custody = self.open_of[i]
        return None if custody is None else self.states[custody]

    def opened(self, i: int, custody: int, state: State) -> None:
        assert custody not in self.states and self.open_of[i] is None
        self.states[custody], self.pupil_of[custody], self.open_of[i] = state, i, custody

    def moved(self, custody: int, state: State) -> None:
        self.states[custody] = state
        if state not in OPEN_STATES:
            self.open_of[self.pupil_of[custody]] = None

    def act(self, role: str, action: str, call: Callable[[DeskContext], Any],
            refusal: type[DeskError] | None = None) -> Any:
        """Run `call` as `role`. A role the school's matrix (tests/test_permissions.py) does not allow is refused
        with NotPermitted, and that refusal is audited; otherwise the step must end as `refusal` says (None: it
        succeeds). A refusal changes nothing but its own audit; the step then gives back REFUSED."""
        allowed = role in ALLOWED[action]
        expected = refusal if allowed else NotPermitted
        self.before, refusals = _kept(), _refusals()
        try:
            result = call(self.ctx(role))
        except DeskError as error:
            assert type(error) is expected, f"{action} as {role}: {type(error).__name__}: {error.message}"
            assert _kept() == self.before, f"{action} as {role} was refused ({error.message}) yet changed something"
            if not allowed:
                assert _refusals() == refusals + 1, "a role's refusal is on the record"
            return REFUSED
        assert expected is None, f"{action} as {role} should have been refused ({expected.__name__})"
        return result

    def unchanged(self) -> None:
        assert _kept() == self.before

    # ── the daily cycle ──

    @rule(target=records, i=st.sampled_from(PUPILS), role=role_for("hand in"))
    def hand_in(self, i, role):
        receipt = self.act(role, "hand in", lambda ctx: hand_in(ctx, self.found(i)))
        if receipt is REFUSED:
            return multiple()
        before = self.open_state(i)
        if before is None:
            assert receipt.outcome is Outcome.HANDED_IN and receipt.severity is Severity.OK
            self.opened(i, receipt.custody_id, IN)
            self.handed_in_on[receipt.custody_id] = local_today(self.clock, self.settings.tz)
            return receipt.custody_id
        # A phone already here is recognised, never taken in twice; a confiscated or held one is refused. One the
        # close of day found is LEFT OVERNIGHT from the next day on; the same afternoon it is only ALREADY IN.
        overnight = (Outcome.LEFT_OVERNIGHT if before is LEFT and self.handed_in_on[self.open_of[i]]
                     < local_today(self.clock, self.settings.tz) else Outcome.ALREADY_IN)
        assert receipt.outcome is {IN: Outcome.ALREADY_IN, LEFT: overnight, HELD: Outcome.CONFISCATED,
                                   HOLD: Outcome.HELD}[before]
        assert receipt.custody_id == self.open_of[i]
        self.unchanged()
        return multiple()

    @rule(i=st.sampled_from(PUPILS), role=role_for("hand back"))
    def hand_back(self, i, role):
        receipt = self.act(role, "hand back", lambda ctx: hand_back(ctx, self.found(i)))
        if receipt is REFUSED:
            return
        before = self.open_state(i)
        if before in (IN, LEFT):
            assert receipt.outcome is Outcome.HANDED_BACK and receipt.from_state is before
            self.moved(self.open_of[i], BACK)
            return
        if before is None:
            assert receipt.outcome in (Outcome.ALREADY_BACK, Outcome.NOT_HANDED_IN)
        else:
            assert receipt.severity is Severity.REFUSED
        self.unchanged()

    @rule(custody=records, role=role_for("hand back"))
    def hand_back_a_phone_seen_before(self, custody, role):
        # By pupil alone, most hand-backs find nothing: here, the pupil of a record the desk has met.
        self.hand_back(self.pupil_of[custody], role)

    @rule(role=role_for("close the day"))
    def close_the_day(self, role):
        report = self.act(role, "close the day", close_day)
        if report is REFUSED:
            return
        still_in = sorted(c for c, state in self.states.items() if state is IN)
        assert report.newly_uncollected == len(still_in)
        for custody in still_in:
            self.moved(custody, LEFT)
        assert sorted(p.custody_id for p in report.uncollected) == sorted(
            c for c, state in self.states.items() if state is LEFT)

    # ── confiscation, safeguarding, the police, release ──

    @rule(target=records, i=st.sampled_from(PUPILS), role=role_for("confiscate"))
    def confiscate(self, i, role):
        before = self.open_state(i)
        refusal = Refused if before in (HELD, HOLD) else None  # already confiscated
        # A bag per pupil: a seal names one phone while it is held (issue 16), and pupil i's phone is in bag i.
        take = TAKE | {"seal_number": f"BAG-{i}"}
        receipt = self.act(role, "confiscate", lambda ctx: confiscate(ctx, self.found(i), **take), refusal)
        if receipt is REFUSED:
            return multiple()
        self.held_until[receipt.custody_id] = receipt.held_until
        self.meeting_owed[receipt.custody_id] = receipt.ladder.parent_meeting
        if before is None:
            assert not receipt.converted_from_daily and receipt.moved_from_slot is None
            self.opened(i, receipt.custody_id, HELD)
            return receipt.custody_id
        # In the office on the daily cycle: that record becomes the confiscation, moved to the safe.
        assert receipt.converted_from_daily and receipt.custody_id == self.open_of[i]
        self.moved(receipt.custody_id, HELD)
        return multiple()

    @rule(custody=records, role=role_for("confiscate"))
    def record_a_parent_meeting(self, custody, role):
        # Recorded with a confiscation (rung 3 asks for it before release); a daily record has none to record.
        refusal = None if custody in self.held_until else DeskError
        call = functools.partial(record_parent_meeting, custody_id=custody, held_at=self.clock.now(),
                                 attended="Mrs Hall (mother)", outcome="agreed")
        if self.act(role, "confiscate", call, refusal) is not REFUSED:
            self.meeting_owed[custody] = False

    @rule(custody=records, role=role_for("flag safeguarding"))
    def flag_a_hold(self, custody, role):
        refusal = None if self.states[custody] is HELD else Refused
        call = functools.partial(flag_safeguarding, custody_id=custody, concern="worrying messages", acknowledged=True,
                                 kind="risk_of_harm")
        if self.act(role, "flag safeguarding", call, refusal) is not REFUSED:
            self.moved(custody, HOLD)

    @rule(custody=records, role=role_for("clear a hold"))
    def clear_a_hold(self, custody, role):
        refusal = None if self.states[custody] is HOLD else Refused
        call = functools.partial(clear_hold, custody_id=custody, reason="spoke to pupil and parent")
        if self.act(role, "clear a hold", call, refusal) is not REFUSED:
            self.moved(custody, HELD)

    @rule(custody=records, role=role_for("hand to police"))
    def hand_to_the_police(self, custody, role):
        refusal = None if self.states[custody] is HOLD else Refused
        call = functools.partial(_hand_to_police, custody=custody)
        if self.act(role, "hand to police", call, refusal) is not REFUSED:
            self.moved(custody, POLICE)

    @rule(custody=records, role=role_for("record police outcome"), outcome=st.sampled_from(POLICE_OUTCOMES))
    def police_outcome(self, custody, role, outcome):
        """The police's outcome (issue 16): only for a phone with them; returned, it is held for a parent again
        (its record reopens) unless the pupil's tag is in use by another phone now."""
        i = self.pupil_of[custody]
        with_police = self.states[custody] is POLICE
        clash = with_police and outcome is Move.RETURNED_BY_POLICE and self.open_of[i] is not None
        refusal = DeskError if clash else None if with_police else Refused
        call = functools.partial(_record_outcome, custody=custody, outcome=outcome)
        if self.act(role, "record police outcome", call, refusal) is REFUSED:
            return
        target = MOVES[outcome].target
        self.states[custody] = target
        if target in OPEN_STATES:
            self.open_of[i] = custody

    @rule(custody=records, role=role_for("release to carer"), listed=st.booleans(),
          authoriser=st.sampled_from([None, *ROLES]))
    def release(self, custody, role, listed, authoriser):
        state = self.states[custody]
        held_until = self.held_until.get(custody)
        # Early: before the end of the school day (hand_back_from) on the day it is held until ("after school" is
        # not 08:30, issue 16); asked only of a phone that can be released (one on hold or gone is refused as such).
        early = (state is HELD and held_until is not None
                 and self.clock.now() < datetime.combine(held_until, self.settings.hand_back_time,
                                                         tzinfo=self.settings.tz))
        needs_authorising = not listed or early
        # Rung 3: refused until the parent meeting is recorded, before anything about the collector is asked.
        meeting_owed = state is HELD and self.meeting_owed.get(custody, False)
        if meeting_owed:
            refusal: type[DeskError] | None = Refused
        elif needs_authorising and authoriser is None:
            refusal = Refused
        elif needs_authorising and authoriser not in MAY_AUTHORISE:
            refusal = NotPermitted
        elif state is RELEASED:
            refusal = Conflict  # already released: who, to whom, when
        else:
            refusal = None if state is HELD else Refused
        pupil_id = self.pupils[self.pupil_of[custody]].id
        collector = (dict(carer_id=carers_to_contact(pupil_id=pupil_id)[0].id) if listed
                     else dict(collector_name="Ms Kim Lowe", relationship="Aunt"))
        vouched = (Authorisation(ROLE_INITIALS[authoriser], PINS[ROLE_INITIALS[authoriser]], "confirmed with mum")
                   if authoriser else None)

        def call(ctx):
            return release_to_carer(ctx, custody, pin=PINS[ctx.who.initials], id_seen="passport",
                                    authorisation=vouched, **collector)

        receipt = self.act(role, "release to carer", call, refusal)
        if receipt is not REFUSED:
            assert (receipt.authorised_by is not None) == needs_authorising
            self.moved(custody, RELEASED)

    # ── time ──

    @rule(minutes=st.integers(min_value=1, max_value=600))
    def time_passes(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def next_morning(self):
        tomorrow = self.clock.now() + timedelta(days=1)
        self.clock.set(tomorrow.replace(hour=8, minute=0))

    # ── after every step ──

    @invariant()
    def the_database_matches_the_model(self):
        rows = {c.id: c for c in Custody.select()}
        assert set(rows) == set(self.states)
        for custody, state in self.states.items():
            row = rows[custody]
            assert (row.state, row.pupil_id) == (state, self.pupils[self.pupil_of[custody]].id)
            assert (row.closed_at is None) == (state in OPEN_STATES)
        for i in PUPILS:
            open_now = [c for c, row in rows.items() if row.pupil_id == self.pupils[i].id and row.closed_at is None]
            assert open_now == ([] if self.open_of[i] is None else [self.open_of[i]])

    @invariant()
    def every_move_in_the_trail_is_in_the_one_table(self):
        for event in Event.select().where(Event.seq > self.checked_seq).order_by(Event.seq):
            self.checked_seq = event.seq
            if event.custody_id is None:
                continue
            if event.action not in MOVE_ACTIONS:  # a note on the record: it is as its last move left it
                assert event.custody_state == self.trail.get(event.custody_id), event.action
                continue
            src, dst = json.loads(event.payload_json)["from_state"], event.custody_state
            assert recorded_by(event.action, src, dst) is not None, (event.action, src, dst)
            assert (dst in STARTING_STATES) if src is None else can_move(src, dst)
            assert src == self.trail.get(event.custody_id), "each move starts where the record's last one ended"
            self.trail[event.custody_id] = dst
        assert self.trail == {custody: state.value for custody, state in self.states.items()}

    @invariant()
    def the_audit_chain_verifies(self):
        report = verify(self.keyring.audit_key)
        assert report.ok, report.problems


CustodyDesk.TestCase.settings = settings(max_examples=40, stateful_step_count=50, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestCustodyDesk = CustodyDesk.TestCase


def test_transitions_table_allows_only_the_documented_moves():
    assert can_move("IN_OFFICE", "RETURNED") and can_move("UNCOLLECTED", "RETURNED")
    assert not can_move("HELD_FOR_PARENT", "RETURNED")
    assert not can_move("SAFEGUARDING_HOLD", "RELEASED")
    assert not can_move("WITH_POLICE", "RELEASED")
    assert can_move("WITH_POLICE", "HELD_FOR_PARENT"), "returned by the police (issue 16)"
    assert not can_move("RETAINED_BY_POLICE", "HELD_FOR_PARENT") and not can_move("RELEASED", "HELD_FOR_PARENT")
    assert len(TRANSITIONS) == 12
