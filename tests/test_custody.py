"""The daily cycle in the domain, on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from kiosk.audit import verify
from kiosk.clock import to_db
from kiosk.custody import (
    BadScan,
    DeskContext,
    NotPermitted,
    Outcome,
    RetiredTag,
    Severity,
    State,
    UnknownTag,
    close_day,
    day_report,
    desk_counts,
    find_pupils,
    hand_back,
    hand_in,
    normalise,
    resolve,
    resolve_pupil,
)
from kiosk.custody.exceptions import add_exception
from kiosk.db import Custody, Event, Tag
from tests.conftest import CLI_ADMIN


def scan(school, text):
    return resolve(normalise(text))


def test_hand_in_opens_one_custody_with_a_slot_and_one_event(any_school):
    s = any_school
    zoe = s.pupils[0]
    receipt = hand_in(s.ctx(), scan(s, s.tag_of(zoe)))
    assert receipt.outcome is Outcome.HANDED_IN and receipt.severity is Severity.OK
    assert receipt.pupil.name == "Zoë Hall" and receipt.pupil.form == "9C"
    assert receipt.slot == "9C-01"
    custody = Custody.get(Custody.pupil == zoe)
    assert custody.state == State.IN_OFFICE and custody.opened_desk == "Reception 1"
    events = list(Event.select().where(Event.custody == custody.id))
    assert [e.action for e in events] == ["HANDED_IN"]


def test_slots_are_allocated_per_form_and_reused_once_free(any_school):
    s = any_school
    zoe, lukasz = s.pupils[0], s.pupils[1]
    assert hand_in(s.ctx(), scan(s, s.tag_of(zoe))).slot == "9C-01"
    assert hand_in(s.ctx(), scan(s, s.tag_of(lukasz))).slot == "9C-02"
    assert hand_in(s.ctx(), scan(s, s.tag_of(s.pupils[3]))).slot == "7C-01"
    hand_back(s.ctx(), scan(s, s.tag_of(zoe)))
    # Zoë's slot is free again; the next 9C phone gets it rather than growing the box.
    assert hand_in(s.ctx(), scan(s, s.tag_of(zoe))).slot == "9C-01"


def test_second_scan_is_recognised_never_duplicated(any_school):
    s = any_school
    code = s.tag_of(s.pupils[0])
    hand_in(s.ctx(), scan(s, code))
    s.clock.advance(minutes=3)
    again = hand_in(s.ctx(), scan(s, code))
    assert again.outcome is Outcome.ALREADY_IN and again.severity is Severity.WARNING
    assert "since 08:30" in again.message and "9C-01" in again.message
    assert Custody.select().count() == 1
    assert Event.select().where(Event.action == "HANDED_IN").count() == 1


def test_hand_back_closes_custody_and_a_second_hand_back_says_when_and_who(any_school):
    s = any_school
    code = s.tag_of(s.pupils[0])
    hand_in(s.ctx(), scan(s, code))
    s.clock.set(datetime(2026, 11, 30, 15, 5, tzinfo=UTC))
    back = hand_back(s.ctx(), scan(s, code))
    assert back.outcome is Outcome.HANDED_BACK and back.slot == "9C-01"
    custody = Custody.get()
    assert custody.state == State.RETURNED and custody.closed_by_id == s.office.staff_id
    s.clock.advance(minutes=1)
    again = hand_back(s.ctx(), scan(s, code))
    assert again.outcome is Outcome.ALREADY_BACK
    assert "15:05" in again.message and "AA" in again.message


def test_hand_back_of_a_phone_never_handed_in_is_a_warning(any_school):
    s = any_school
    receipt = hand_back(s.ctx(), scan(s, s.tag_of(s.pupils[2])))
    assert receipt.outcome is Outcome.NOT_HANDED_IN and receipt.severity is Severity.WARNING
    assert Custody.select().count() == 0


@pytest.mark.parametrize("held", [State.HELD_FOR_PARENT, State.SAFEGUARDING_HOLD])
def test_confiscated_or_held_phone_is_refused_at_hand_back(any_school, held):
    from kiosk.custody.confiscation import confiscate
    from kiosk.custody.safeguarding import flag_safeguarding

    s = any_school
    code = s.tag_of(s.pupils[0])
    hand_in(s.ctx(), scan(s, code))
    # Through the domain, as the desk does it: the handed-in phone is confiscated (and held for the DSL).
    taken = confiscate(s.ctx(), scan(s, code), confiscated_by_name="Mr T. Ellis", reason_category="used in lesson",
                       location="Room S12", condition=[], seal_number="BAG-1")
    if held is State.SAFEGUARDING_HOLD:
        flag_safeguarding(s.ctx(), taken.custody_id, concern="worrying messages", acknowledged=True,
                          kind="risk_of_harm")
    receipt = hand_back(s.ctx(), scan(s, code))
    assert receipt.severity is Severity.REFUSED
    assert Custody.get().state == held and Custody.get().closed_at is None
    assert Event.select().where(Event.action == "HANDED_BACK").count() == 0
    assert verify(s.keyring.audit_key).ok


def test_close_of_day_marks_uncollected_and_next_morning_says_left_overnight(any_school):
    s = any_school
    zoe, leo = s.pupils[0], s.pupils[5]
    hand_in(s.ctx(), scan(s, s.tag_of(zoe)))
    hand_in(s.ctx(), scan(s, s.tag_of(leo)))
    s.clock.set(datetime(2026, 11, 30, 15, 10, tzinfo=UTC))
    hand_back(s.ctx(), scan(s, s.tag_of(leo)))
    s.clock.set(datetime(2026, 11, 30, 17, 30, tzinfo=UTC))
    report = close_day(s.ctx())
    assert report.newly_uncollected == 1
    assert [(p.pupil.name, p.slot) for p in report.uncollected] == [("Zoë Hall", "9C-01")]
    assert Custody.get(Custody.pupil == zoe).state == State.UNCOLLECTED
    assert close_day(s.ctx()).newly_uncollected == 0  # closing twice changes nothing

    s.clock.set(datetime(2026, 12, 1, 8, 20, tzinfo=UTC))
    morning = hand_in(s.ctx(), scan(s, s.tag_of(zoe)))
    assert morning.outcome is Outcome.LEFT_OVERNIGHT and "9C-01" in morning.message
    assert Custody.select().where(Custody.pupil == zoe).count() == 1
    s.clock.set(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    back = hand_back(s.ctx(), scan(s, s.tag_of(zoe)))
    assert back.outcome is Outcome.HANDED_BACK and "overnight" in back.message
    assert verify(s.keyring.audit_key).ok


def test_admission_number_and_name_search_find_the_pupil(any_school):
    s = any_school
    by_card = hand_in(s.ctx(), resolve(normalise("100002")))
    assert by_card.pupil.name == "Łukasz Nowakowski"
    matches = find_pupils("suilleab")  # accents optional, part of a name
    assert [m.legal_name for m in matches] == ["Aoife Ó Súilleabháin"]
    assert [m.name for m in find_pupils("MINH nguyen")] == ["Minh Nguyễn"]
    chosen = hand_in(s.ctx(), resolve_pupil(matches[0].id))
    assert chosen.outcome is Outcome.HANDED_IN and chosen.slot == "7C-01"
    assert Event.select().where(Event.action == "HANDED_IN").order_by(Event.seq.desc()).first() \
        .payload_json.find('"via":"name search"') >= 0


def test_unknown_and_retired_codes_are_refused_with_what_to_do(any_school):
    s = any_school
    from kiosk.custody.codes import new_code

    with pytest.raises(UnknownTag, match="type the pupil's name"):
        resolve(normalise(new_code()))
    old = Tag.get(Tag.pupil == s.pupils[0])
    Tag.update(status="retired").where(Tag.id == old.id).execute()
    Tag.create(code=new_code(), pupil=s.pupils[0], created_at=to_db(s.clock.now()))
    with pytest.raises(RetiredTag, match="current tag"):
        resolve(normalise(old.code))
    with pytest.raises(UnknownTag, match="admission number 999999"):
        resolve(normalise("999999"))
    with pytest.raises(BadScan, match="read twice"):
        resolve(normalise("100001100001"))


def test_approved_exception_is_shown_on_the_receipt(any_school):
    s = any_school
    add_exception(s.ctx(CLI_ADMIN), pupil_id=s.pupils[4].id, kind="medical", valid_from=s.clock.now().date(),
                  valid_to=None, notes="glucose monitor")
    receipt = hand_in(s.ctx(), scan(s, s.tag_of(s.pupils[4])))
    assert receipt.notes == ("exception: medical — glucose monitor",)


def test_exceptions_show_only_while_in_force_and_the_next_scan_sees_another_desks_change(any_school):
    """The receipt reads the pupil's exceptions afresh on every scan (no cache): an exception added at another
    desk shows on this desk's very next scan, one that has ended or not yet started never does."""
    from datetime import timedelta

    from kiosk.db import PhoneException

    s = any_school
    admin = replace(CLI_ADMIN, desk="Reception 2")
    today, ruby = s.clock.now().date(), s.pupils[4]
    code = s.tag_of(ruby)
    add_exception(s.ctx(admin), pupil_id=ruby.id, kind="educational visit", valid_from=today - timedelta(days=9),
                  valid_to=today - timedelta(days=1), notes="ended yesterday")
    add_exception(s.ctx(admin), pupil_id=ruby.id, kind="other", valid_from=today + timedelta(days=1),
                  valid_to=None, notes="starts tomorrow")
    assert hand_in(s.ctx(), scan(s, code)).notes == ()
    add_exception(s.ctx(admin), pupil_id=ruby.id, kind="young carer", valid_from=today - timedelta(days=3),
                  valid_to=today, notes="calls home at lunch")
    add_exception(s.ctx(admin), pupil_id=ruby.id, kind="medical", valid_from=today, valid_to=None, notes=None)
    until = "30 Nov"  # today, as the receipt says it
    assert hand_back(s.ctx(), scan(s, code)).notes == (
        f"exception: young carer — calls home at lunch, until {until}", "exception: medical")
    # Ended at another desk (its end moved to yesterday): gone from the next receipt here.
    PhoneException.update(valid_to=today - timedelta(days=1)).where(PhoneException.kind == "medical").execute()
    assert hand_in(s.ctx(), scan(s, code)).notes == (f"exception: young carer — calls home at lunch, until {until}",)


def test_a_zero_padded_admission_number_finds_the_pupil_either_way(any_school):
    from kiosk.custody.lookup import find_by_admission_number
    from tests.conftest import add_pupil

    s = any_school
    padded = add_pupil(s.clock, "000742", "Ada", "Okonjo", None, 8, "8B")
    plain = add_pupil(s.clock, "4321", "Ben", "Sato", None, 8, "8B")
    assert resolve(normalise("742")).pupil.id == padded.id  # the card drops the MIS export's zeros
    assert resolve(normalise("00004321")).pupil.id == plain.id  # the card pads, the MIS does not
    assert resolve(normalise("742")).tag.code == s.tag_of(padded)
    assert find_by_admission_number("999") is None


def test_hand_in_and_hand_back_record_every_column_of_the_custody(any_school):
    """The hot path writes its rows with hand-written SQL (kiosk.db.raw): every column must be what the model
    gives, the defaults included, read back through the model on each backend."""
    s = any_school
    zoe = s.pupils[0]
    tag = Tag.get(Tag.pupil == zoe)
    opened = s.clock.now()
    receipt = hand_in(s.ctx(), scan(s, tag.code))
    row = Custody.get_by_id(receipt.custody_id)
    expected_open = dict(
        id=receipt.custody_id, tag=tag.id, pupil=zoe.id, kind="daily", state=State.IN_OFFICE, slot_box="9C",
        slot_position=1, opened_at=to_db(opened), opened_by=s.office.staff_id, opened_desk="Reception 1",
        closed_at=None, closed_by=None, closed_desk=None, handed_to=None, seal_number=None, condition=None,
        reason=None, dsl_flag=False, state_changed_at=to_db(opened), reason_category=None, location=None,
        confiscated_by_name=None, exam_incident=False, confiscated_at=None, held_until=None, details_json=None)
    # …and its seal over all of them (kiosk/audit/rows.py), recomputed here from the expected columns.
    assert row.__data__ == expected_open | dict(seal=_seal_of(s, expected_open))
    assert receipt.since == opened and receipt.slot == "9C-01"
    s.clock.set(datetime(2026, 11, 30, 15, 20, 5, 250000, tzinfo=UTC))
    back = hand_back(s.ctx(), scan(s, tag.code))
    closed = to_db(s.clock.now())
    row = Custody.get_by_id(receipt.custody_id)
    expected_back = expected_open | dict(state=State.RETURNED, closed_at=closed, closed_by=s.office.staff_id,
                                         closed_desk="Reception 1", handed_to="pupil", state_changed_at=closed)
    assert row.__data__ == expected_back | dict(seal=_seal_of(s, expected_back))
    assert back.custody_id == receipt.custody_id and back.slot == "9C-01"
    events = list(Event.select().where(Event.custody == receipt.custody_id).order_by(Event.seq))
    assert [(e.action, e.at, e.staff_id, e.pupil_id, e.tag_id, e.custody_state) for e in events] == [
        ("HANDED_IN", to_db(opened), s.office.staff_id, zoe.id, tag.id, "IN_OFFICE"),
        ("HANDED_BACK", closed, s.office.staff_id, zoe.id, tag.id, "RETURNED")]
    assert verify(s.keyring.audit_key).ok


def test_a_teacher_cannot_work_the_daily_desk(any_school):
    s = any_school
    teacher = s.signed_in("TE")
    with pytest.raises(NotPermitted):
        hand_in(s.ctx(teacher), scan(s, s.tag_of(s.pupils[0])))
    with pytest.raises(NotPermitted):
        close_day(DeskContext(s.keyring, s.clock, s.settings, teacher))


def test_report_and_counts_by_form(any_school):
    s = any_school
    for pupil in s.pupils[:4]:
        hand_in(s.ctx(), scan(s, s.tag_of(pupil)))
    s.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    hand_back(s.ctx(), scan(s, s.tag_of(s.pupils[0])))
    report = day_report(s.clock.now().date(), s.settings)
    by_form = {line.form: (line.handed_in, line.handed_back, line.in_office) for line in report.forms}
    assert by_form == {"7C": (1, 0, 1), "9C": (2, 1, 1), "10HA": (1, 0, 1)}
    assert [line.form for line in report.forms] == ["7C", "9C", "10HA"]
    assert (report.total.handed_in, report.total.handed_back, report.total.in_office) == (4, 1, 3)
    counts = desk_counts(s.clock, s.settings)
    assert (counts.in_office, counts.handed_back_today, counts.expected) == (3, 1, 6)


def test_times_follow_london_across_the_clocks_changing(any_school):
    s = any_school
    # Sunday 29 March 2026 the clocks went forward; Monday 08:15 BST is 07:15 UTC.
    s.clock.set(datetime(2026, 3, 30, 7, 15, tzinfo=UTC))
    hand_in(s.ctx(), scan(s, s.tag_of(s.pupils[0])))
    again = hand_in(s.ctx(), scan(s, s.tag_of(s.pupils[0])))
    assert "since 08:15" in again.message
    stored = Custody.get().opened_at
    assert (stored.hour, stored.minute) == (7, 15)  # stored in UTC
    report = day_report(datetime(2026, 3, 30).date(), s.settings)
    assert report.total.handed_in == 1


@pytest.mark.parametrize("action", ["hand_in", "hand_back"])
def test_a_database_lost_while_the_receipt_is_read_means_not_saved_and_nothing_kept(any_school, monkeypatch, action):
    """The receipt's last read (the pupil's approved exceptions) can meet a server that has just gone away.
    The desk must then say NOT SAVED and mean it: the change is rolled back, never committed behind a crash."""
    from peewee import OperationalError

    from kiosk.custody import exceptions as approved
    from kiosk.errors import StorageFailed

    s = any_school
    code = s.tag_of(s.pupils[0])
    if action == "hand_back":
        hand_in(s.ctx(), scan(s, code))

    def server_gone(*_args, **_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(approved, "active_exceptions", server_gone)
    before = (Custody.select().where(Custody.closed_at.is_null()).count(), Event.select().count())
    with pytest.raises(StorageFailed) as caught:
        (hand_in if action == "hand_in" else hand_back)(s.ctx(), scan(s, code))
    assert caught.value.message.startswith("NOT SAVED")
    monkeypatch.undo()
    assert (Custody.select().where(Custody.closed_at.is_null()).count(), Event.select().count()) == before


def _seal_of(s, expected: dict) -> str:
    from kiosk.audit import rows

    return rows.seal_of(s.keyring.audit_key, Custody(**expected))
