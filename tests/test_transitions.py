"""The one custody state machine: the table, the one module that moves a record, and that nothing else writes the
state (the source of kiosk/ is scanned for it)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from kiosk.audit import verify
from kiosk.auth import SignedIn
from kiosk.custody import Conflict, Refused, State, close_day, hand_back, hand_in, normalise, resolve, transitions
from kiosk.custody.confiscation import confiscate
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, clear_hold, flag_safeguarding, hand_to_police
from kiosk.custody.states import (
    CLOSED_STATES,
    MOVE_ACTIONS,
    MOVES,
    OPEN_STATES,
    POLICE_OUTCOMES,
    STARTING_STATES,
    TRANSITIONS,
    Move,
    allows,
    can_move,
    can_open,
    recorded_by,
)
from kiosk.db import Custody, Event, Staff, database_proxy
from kiosk.db.connection import write_transaction
from tests.conftest import DSL_PIN, OFFICE_PIN

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"
THE_ONE_MOVER = KIOSK / "custody" / "transitions.py"

IN, BACK, LEFT, HELD = State.IN_OFFICE, State.RETURNED, State.UNCOLLECTED, State.HELD_FOR_PARENT
HOLD, RELEASED, POLICE = State.SAFEGUARDING_HOLD, State.RELEASED, State.WITH_POLICE
RETAINED, DESTROYED = State.RETAINED_BY_POLICE, State.DESTROYED_BY_POLICE


# ── The table ──────────────────────────────────────────────────────────────────────────────────────────────────


def test_the_table_holds_exactly_the_documented_moves():
    """ARCHITECTURE.md's diagram, written out: a change to the table must change this test too."""
    assert {move: (rule.sources, rule.target, rule.action) for move, rule in MOVES.items()} == {
        Move.HAND_IN: (frozenset(), IN, "HANDED_IN"),
        Move.HAND_BACK: (frozenset({IN, LEFT}), BACK, "HANDED_BACK"),
        Move.CLOSE_DAY: (frozenset({IN}), LEFT, "LEFT_UNCOLLECTED"),
        Move.CONFISCATE: (frozenset(), HELD, "CONFISCATED"),
        Move.CONVERT: (frozenset({IN, LEFT}), HELD, "CONFISCATED"),
        Move.HOLD: (frozenset({HELD}), HOLD, "SAFEGUARDING_HOLD"),
        Move.CLEAR_HOLD: (frozenset({HOLD}), HELD, "HOLD_CLEARED"),
        Move.POLICE: (frozenset({HOLD}), POLICE, "HANDED_TO_POLICE"),
        Move.RELEASE: (frozenset({HELD}), RELEASED, "RELEASED"),
        # Issue 16: the police's outcome of a case, recorded by the DSL or head.
        Move.RETURNED_BY_POLICE: (frozenset({POLICE}), HELD, "RETURNED_BY_POLICE"),
        Move.RETAINED_BY_POLICE: (frozenset({POLICE}), RETAINED, "RETAINED_BY_POLICE"),
        Move.DESTROYED_BY_POLICE: (frozenset({POLICE}), DESTROYED, "DESTROYED_BY_POLICE"),
    }
    assert {(IN, BACK), (LEFT, BACK), (IN, LEFT), (IN, HELD), (LEFT, HELD), (HELD, HOLD), (HOLD, HELD),
            (HOLD, POLICE), (HELD, RELEASED), (POLICE, HELD), (POLICE, RETAINED), (POLICE, DESTROYED)} == TRANSITIONS
    assert {IN, HELD} == STARTING_STATES and all(can_open(s) for s in STARTING_STATES) and not can_open(BACK)


def test_a_closed_record_moves_only_by_the_polices_outcome_and_every_state_is_reachable():
    """With the police the record is closed (the phone has left the school) but the DSL's case is open: the
    police's outcome is the one move out of a closed state (issue 16); every other closed record never moves."""
    assert all(src in OPEN_STATES for src, _dst in TRANSITIONS if src is not POLICE)
    assert {(src, dst) for src, dst in TRANSITIONS if src in CLOSED_STATES} == {(POLICE, HELD), (POLICE, RETAINED),
                                                                               (POLICE, DESTROYED)}
    assert all(MOVES[move].from_closed and not MOVES[move].closes for move in POLICE_OUTCOMES)
    reachable = set(STARTING_STATES) | {dst for _src, dst in TRANSITIONS}
    assert reachable == set(State)
    assert not can_move("RELEASED", "HELD_FOR_PARENT") and not can_move("HELD_FOR_PARENT", "RETURNED")
    assert not can_move("RETAINED_BY_POLICE", "HELD_FOR_PARENT"), "an outcome once recorded is final"


def test_allows_and_recorded_by_read_the_table():
    assert allows(Move.HAND_IN, None) and not allows(Move.HAND_IN, IN)
    assert allows(Move.HAND_BACK, LEFT) and not allows(Move.HAND_BACK, HELD) and not allows(Move.HAND_BACK, None)
    assert recorded_by("CONFISCATED", None, "HELD_FOR_PARENT") is Move.CONFISCATE
    assert recorded_by("CONFISCATED", "UNCOLLECTED", "HELD_FOR_PARENT") is Move.CONVERT
    assert recorded_by("CONFISCATED", "SAFEGUARDING_HOLD", "HELD_FOR_PARENT") is None
    assert recorded_by("HANDED_BACK", "HELD_FOR_PARENT", "RETURNED") is None
    assert "DSL_NOTE_ADDED" not in MOVE_ACTIONS


# ── Nothing but transitions.py writes custody.state ───────────────────────────────────────────────────────────

# SQL that opens a record (any INSERT into custody) or names the state among the columns it sets; an UPDATE whose
# columns are filled in at run time ({} in an f-string) may set the state, so it counts too.
_SQL_OPENS = re.compile(r"\b(INSERT|REPLACE)\s+(OR\s+\w+\s+)?INTO\s+[\"`]?custody[\"`]?[\s(]", re.I)
_SQL_SETS_STATE = re.compile(r"\bUPDATE\s+[\"`]?custody[\"`]?\s+SET\b[^;]*?(\bstate\s*=|\{\})", re.I | re.S)
_PEEWEE_OPENS = {"create", "insert", "insert_many", "insert_from", "replace", "replace_many", "get_or_create",
                 "bulk_create"}
_PEEWEE_UPDATES = {"update", "bulk_update"}


def _is_custody(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "Custody") or (
        isinstance(node, ast.Attribute) and node.attr == "Custody")


def _sets_state(call: ast.Call) -> bool:
    """Custody.update(state=…), .update(**particulars) (which may hold it), .update({Custody.state: …}),
    .update(values), bulk_update(…, fields=[Custody.state])."""
    if any(kw.arg in (None, "state") for kw in call.keywords):
        return True
    if any(not isinstance(arg, ast.Dict) for arg in call.args):
        return True
    return any((isinstance(n, ast.Attribute) and n.attr == "state" and _is_custody(n.value))
               or (isinstance(n, ast.Constant) and n.value == "state") for n in ast.walk(call))


def writes_of_custody_state(source: str) -> list[str]:
    """Each place in `source` that writes custody.state, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value  # adjacent literals are one constant
        elif isinstance(node, ast.JoinedStr):
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        if text is not None and (_SQL_OPENS.search(text) or _SQL_SETS_STATE.search(text)):
            found.append(f"{line}: SQL {' '.join(text.split())[:80]!r}")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and _is_custody(func.value) and (
                    func.attr in _PEEWEE_OPENS or (func.attr in _PEEWEE_UPDATES and _sets_state(node))):
                found.append(f"{line}: Custody.{func.attr}(…)")
            if _is_custody(func) and any(kw.arg in (None, "state") for kw in node.keywords):
                found.append(f"{line}: Custody(state=…)")
            if (isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "state"):
                found.append(f"{line}: setattr(…, 'state', …)")
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if (isinstance(target, ast.Attribute) and target.attr == "state"
                        and not (isinstance(target.value, ast.Name) and target.value.id == "self")):
                    found.append(f"{line}: …state = …")
    return found


def test_nothing_but_transitions_writes_the_custody_state():
    """kiosk/db/transfer.py copies whole tables between databases (`model.insert_many`, any model): a copy of the
    records, not a move, and not a Custody call, so it is not counted."""
    offenders = {}
    for path in sorted(KIOSK.rglob("*.py")):
        if path == THE_ONE_MOVER:
            continue
        found = writes_of_custody_state(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(KIOSK.parent))] = found
    assert offenders == {}, "custody.state is written outside kiosk/custody/transitions.py"
    assert writes_of_custody_state(THE_ONE_MOVER.read_text(encoding="utf-8"))  # the scan does see the real one


# Each way the state was written before transitions.py existed, as the code had it (daily.py, confiscation.py,
# release.py, safeguarding.py): the scan must find every one.
BEFORE = {
    "daily hand-in": '_HAND_IN = ("INSERT INTO custody (tag_id, pupil_id, kind, state, slot_box) "\n'
                     '            "VALUES (?, ?, ?, ?, ?)")',
    "daily hand-back": '_HAND_BACK = ("UPDATE custody SET closed_at = ?, closed_by_id = ?, "\n'
                       '              "state = ? WHERE id = ? AND state = ?")',
    "close of day": "changed = (Custody.update(state=State.UNCOLLECTED, state_changed_at=to_db(now))\n"
                    "           .where((Custody.id == custody.id)).execute())",
    "convert": "changed = Custody.update(**particulars, slot_box=SAFE_BOX).where(Custody.id == 1).execute()",
    "new confiscation": "custody = Custody.create(tag=1, pupil=2, **particulars)",
    "safeguarding": "def _move(src, dst, **columns):\n    Custody.update(state=dst, **columns).execute()",
    "a dict of columns": "models.Custody.update({Custody.state: 'RELEASED'}).execute()",
    "by the instance": "custody.state = State.RELEASED\ncustody.save()",
    "by setattr": "setattr(custody, 'state', 'RELEASED')",
    "an f-string": "db.execute_sql(f\"UPDATE custody SET {columns} WHERE id = ?\")",
    "bulk": "Custody.bulk_update(rows, fields=[Custody.state])",
}


@pytest.mark.parametrize("how", sorted(BEFORE))
def test_the_scan_finds_each_way_the_state_was_written_before(how):
    assert writes_of_custody_state(BEFORE[how]), how


def test_the_scan_leaves_reads_and_other_columns_alone():
    source = (
        "Custody.update(tag=new.id).where((Custody.id == 1) & (Custody.state == 'IN_OFFICE')).execute()\n"
        "Custody.update(details_json=x).where(Custody.id == 1).execute()\n"
        "Custody.select().where(Custody.state == State.HELD_FOR_PARENT)\n"
        "raw.execute('SELECT state FROM custody WHERE id = ?', (1,))\n"
        "raw.execute('UPDATE custody SET handed_to = ?, state_changed_at = ? WHERE id = ?', (1, 2, 3))\n"
        "self.state = 'idle'\n"
        "OpenCustody(id=1, state='IN_OFFICE')\n")
    assert writes_of_custody_state(source) == []


# ── transitions.py itself ─────────────────────────────────────────────────────────────────────────────────────


def _found(s, i=0):
    return resolve(normalise(s.tag_of(s.pupils[i])))


def _kept():
    return (list(Custody.select().order_by(Custody.id).tuples()),
            list(Event.select(Event.seq, Event.action).order_by(Event.seq).tuples()))


def test_a_move_the_table_does_not_allow_is_refused_and_changes_nothing(any_school):
    s = any_school
    receipt = hand_in(s.ctx(), _found(s))
    before = _kept()
    current = transitions.Current(id=receipt.custody_id, state=IN, pupil_id=s.pupils[0].id,
                                  tag_id=Custody.get_by_id(receipt.custody_id).tag_id)
    for move in (Move.HOLD, Move.CLEAR_HOLD, Move.POLICE, Move.RELEASE):
        with pytest.raises(Refused), write_transaction(database_proxy.obj):
            transitions.move(s.ctx(), move, current, at=s.clock.now())
    assert _kept() == before


def test_a_lost_race_is_a_conflict_that_says_what_the_phone_is_now(any_school):
    """The desk read IN_OFFICE; another desk closed the day first. The conditional UPDATE changes no row: a
    Conflict naming the state it is in now, and no event."""
    s = any_school
    receipt = hand_in(s.ctx(), _found(s))
    stale = transitions.Current.of(Custody.get_by_id(receipt.custody_id))
    close_day(s.ctx())
    before = _kept()
    with pytest.raises(Conflict, match="Another desk changed this phone a moment ago: it is now left overnight"):
        with write_transaction(database_proxy.obj):
            transitions.move(s.ctx(), Move.HAND_BACK, stale, at=s.clock.now(), columns={"handed_to": "pupil"})
    assert _kept() == before


def test_only_an_opening_move_opens_a_record_and_the_move_owns_the_state_columns(school):
    s = school
    found = _found(s)
    with write_transaction(database_proxy.obj):
        with pytest.raises(ValueError, match="does not open"):
            transitions.open_record(s.ctx(), Move.RELEASE, pupil_id=found.pupil.id, tag_id=found.tag.id,
                                    at=s.clock.now())
        for columns in ({"state": "RELEASED"}, {"closed_at": s.clock.now()}, {"no_such_column": 1}):
            with pytest.raises(ValueError, match="not a move's particulars"):
                transitions.open_record(s.ctx(), Move.HAND_IN, pupil_id=found.pupil.id, tag_id=found.tag.id,
                                        at=s.clock.now(), columns=columns)
    assert Custody.select().count() == 0


def test_a_move_outside_a_write_transaction_is_a_bug_not_a_half_saved_change(school):
    s = school
    found = _found(s)
    with pytest.raises(RuntimeError, match="write_transaction"):
        transitions.open_record(s.ctx(), Move.HAND_IN, pupil_id=found.pupil.id, tag_id=found.tag.id,
                                at=s.clock.now(), columns={"kind": "daily"})
    assert Custody.select().count() == 0 and not Event.select().where(Event.action == "HANDED_IN").exists()


def _as(initials) -> SignedIn:
    staff = Staff.get(Staff.initials == initials)
    return SignedIn(staff_id=staff.id, name=staff.name, initials=staff.initials, role=staff.role, desk="Reception 2")


def test_every_move_event_says_its_from_and_to_and_the_trail_chains(any_school):
    """Each move of every kind, on each backend: the event's payload names the state it came from, (from, to) is in
    the table with the event's action, and each record's moves follow on from one another."""
    s = any_school
    dsl = s.ctx(_as("PS"))
    daily = hand_in(s.ctx(), _found(s, 0))
    hand_back(s.ctx(), _found(s, 0))
    overnight = hand_in(s.ctx(), _found(s, 1))
    close_day(s.ctx())
    take = dict(confiscated_by_name="Mr T. Ellis", reason_category="used in lesson", location="Room S12",
                condition=["in a case"], seal_number="BAG-1")
    converted = confiscate(s.ctx(), _found(s, 1), **take)
    flag_safeguarding(s.ctx(), converted.custody_id, concern="worrying messages", acknowledged=True,
                      kind="risk_of_harm")
    clear_hold(dsl, converted.custody_id, reason="resolved")
    s.after_school()  # a 1st-rung phone is collected after school (issue 16)
    release_to_carer(s.ctx(), converted.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=s.pupils[1].id)[0].id)
    fresh = confiscate(s.ctx(), _found(s, 2), **take)
    flag_safeguarding(s.ctx(), fresh.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    hand_to_police(dsl, fresh.custody_id, PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/1/26", "EV-1"),
                   pin=DSL_PIN)
    assert converted.custody_id == overnight.custody_id

    trail: dict[int, list[tuple[str | None, str, str]]] = {}
    for event in Event.select().where(Event.action.in_(sorted(MOVE_ACTIONS))).order_by(Event.seq):
        src = json.loads(event.payload_json)["from_state"]
        assert recorded_by(event.action, src, event.custody_state) is not None, (event.action, src)
        trail.setdefault(event.custody_id, []).append((src, event.custody_state, event.action))
    assert trail == {
        daily.custody_id: [(None, IN, "HANDED_IN"), (IN, BACK, "HANDED_BACK")],
        overnight.custody_id: [(None, IN, "HANDED_IN"), (IN, LEFT, "LEFT_UNCOLLECTED"), (LEFT, HELD, "CONFISCATED"),
                               (HELD, HOLD, "SAFEGUARDING_HOLD"), (HOLD, HELD, "HOLD_CLEARED"),
                               (HELD, RELEASED, "RELEASED")],
        fresh.custody_id: [(None, HELD, "CONFISCATED"), (HELD, HOLD, "SAFEGUARDING_HOLD"),
                           (HOLD, POLICE, "HANDED_TO_POLICE")],
    }
    police = Custody.get_by_id(fresh.custody_id)
    assert (police.closed_desk, police.closed_by_id) == ("Reception 2", dsl.who.staff_id)
    assert police.closed_at == police.state_changed_at
    assert verify(s.keyring.audit_key).ok
