"""Confiscation, safeguarding holds, police handover and release to carers: every transition and refusal."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from kiosk.audit import verify
from kiosk.auth import SignInRefused
from kiosk.custody import Conflict, DeskError, NotPermitted, Refused, State, hand_back, hand_in
from kiosk.custody.confiscation import ExamDetails, confiscate, ladder_position, record_parent_informed
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.safeguarding import (
    PoliceHandover,
    add_dsl_note,
    clear_hold,
    flag_safeguarding,
    hand_to_police,
    read_dsl_notes,
)
from kiosk.custody.searches import record_search
from kiosk.custody.stocktake import stocktake
from kiosk.db import Custody, DslNote, Event, Search
from kiosk.labels.replace import replace_tag
from kiosk.reports.figures import exam_incidents
from kiosk.reports.periods import Period
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.desk_process import command


def test_confiscation_opens_a_held_custody_in_the_safe_with_its_particulars(any_school):
    s = any_school
    receipt = s.confiscate()
    custody = Custody.get_by_id(receipt.custody_id)
    assert custody.state == State.HELD_FOR_PARENT and custody.kind == "confiscated"
    assert receipt.slot == "SAFE-01" and custody.seal_number == "BAG-0001"
    assert (custody.confiscated_by_name, custody.location, custody.reason_category) == \
        ("Mr T. Ellis", "Room S12", "used in lesson")
    assert custody.condition == "screen cracked, in a case"
    assert receipt.ladder.count_this_term == 1 and receipt.held_until == date(2026, 11, 30)
    assert Event.get(Event.custody == custody.id).action == "CONFISCATED"
    assert hand_back(s.ctx(), s.scanned(0)).severity == "refused"


def test_a_phone_already_in_the_office_becomes_the_confiscation_without_a_second_record(any_school):
    s = any_school
    daily = hand_in(s.ctx(), s.scanned(0))
    receipt = s.confiscate()
    assert receipt.converted_from_daily and receipt.custody_id == daily.custody_id
    assert Custody.select().count() == 1
    assert Custody.get().state == State.HELD_FOR_PARENT
    with pytest.raises(Refused, match="already confiscated"):
        s.confiscate()
    assert verify(s.keyring.audit_key).ok


def test_escalation_ladder_counts_confiscations_this_term_and_holds_in_school_days(any_school):
    s = any_school
    admin = s.signed_in("HG")
    first = s.confiscate()
    s.after_school()  # a 1st-rung phone is collected after school (issue 16)
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="driving licence",
                     carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id)
    s.clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))  # Thursday
    second = s.confiscate(seal="BAG-0002")
    assert second.ladder.count_this_term == 2 and second.held_until == date(2026, 12, 4)
    release_to_carer(s.ctx(), second.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id,
                     authorisation=Authorisation("HG", HEAD_PIN, "parent works away tomorrow"))
    third = s.confiscate(seal="BAG-0003")
    # Third this term: five school days, skipping the weekend → Thursday 10 December.
    assert third.ladder.count_this_term == 3 and third.held_until == date(2026, 12, 10)
    # Its words say the hold its figure counts (issue 16: it said "the end of the school week", 2 days from Thursday).
    assert "Held for 5 school days" in third.ladder.rule and "end of the school week" not in third.ladder.rule
    assert len(ladder_position(s.ctx(admin), s.pupils[0].id, including_new=False).previous) == 3
    # Christmas holiday: the next term starts the count again.
    s.clock.set(datetime(2027, 1, 6, 9, 0, tzinfo=UTC))
    assert ladder_position(s.ctx(), s.pupils[0].id).count_this_term == 1


def test_a_phone_found_in_an_exam_needs_the_exam_details_and_is_listed_for_the_exam_board(any_school):
    s = any_school
    with pytest.raises(DeskError, match="exam board"):
        s.confiscate(reason="found during an exam")
    exam = ExamDetails(board="AQA", paper="8300/1H Mathematics", room="Sports hall", invigilator="Ms Khan")
    receipt = s.confiscate(reason="found during an exam", exam=exam)
    [incident] = exam_incidents(Period(date(2026, 11, 1), date(2026, 11, 30), "November"), s.settings)
    assert (incident.board, incident.paper, incident.pupil) == ("AQA", "8300/1H Mathematics", receipt.pupil.name)


def test_a_condition_that_contradicts_itself_or_the_exam_report_is_refused_and_nothing_is_recorded(any_school):
    s = any_school
    with pytest.raises(DeskError, match="both switched on and switched off"):
        s.confiscate(condition=("switched on", "switched off"))
    exam = ExamDetails(board="AQA", paper="8300/1H", switched_on=True)
    with pytest.raises(DeskError, match="exam details say the phone was switched on"):
        s.confiscate(reason="found during an exam", exam=exam, condition=("switched off",))
    assert Custody.select().where(Custody.kind == "confiscated").count() == 0
    receipt = s.confiscate(reason="found during an exam", exam=exam, condition=("switched on",))
    assert Custody.get_by_id(receipt.custody_id).condition == "switched on"


def test_parent_informed_is_recorded(any_school):
    s = any_school
    receipt = s.confiscate()
    record_parent_informed(s.ctx(), receipt.custody_id, how="phone call", who="Mrs Dana Hall")
    assert Event.select().where(Event.action == "PARENT_INFORMED").count() == 1
    assert "phone call" in Custody.get_by_id(receipt.custody_id).details_json


def test_release_to_a_listed_carer_with_step_up_pin(any_school):
    s = any_school
    receipt = s.confiscate()
    carers = carers_to_contact(pupil_id=s.pupils[0].id)
    assert carers[0].parental_responsibility and not carers[1].parental_responsibility
    # Only a PIN was asked (whoever is signed in confirms with their own): said so, not "initials and PIN".
    with pytest.raises(SignInRefused, match="That is not your PIN"):
        release_to_carer(s.ctx(), receipt.custody_id, pin="000000", id_seen="passport", carer_id=carers[0].id)
    assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
    s.clock.set(datetime(2026, 11, 30, 15, 40, tzinfo=UTC))
    released = release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=carers[0].id)
    custody = Custody.get_by_id(receipt.custody_id)
    assert custody.state == State.RELEASED and custody.handed_to == "Mrs Dana Hall (Mother)"
    assert released.collector_name == "Mrs Dana Hall" and released.on_contact_list
    assert released.chain_head == Event.get(Event.seq == released.event_seq).chain
    with pytest.raises(Conflict, match="Already released to Mrs Dana Hall"):
        release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=carers[0].id)
    assert verify(s.keyring.audit_key).ok


def test_an_unlisted_collector_needs_head_or_dsl_authorisation(any_school):
    s = any_school
    receipt = s.confiscate()
    kwargs = dict(pin=OFFICE_PIN, id_seen="driving licence", collector_name="Ms Kim Lowe", relationship="Aunt")
    with pytest.raises(Refused, match="not on the pupil's contact list"):
        release_to_carer(s.ctx(), receipt.custody_id, **kwargs)
    with pytest.raises(NotPermitted, match="head or the DSL"):
        release_to_carer(s.ctx(), receipt.custody_id, **kwargs,
                         authorisation=Authorisation("SO", "735106", "aunt collects on Mondays"))
    released = release_to_carer(s.ctx(), receipt.custody_id, **kwargs,
                                authorisation=Authorisation("PS", DSL_PIN, "confirmed with mum by phone"))
    assert released.authorised_by == "Priya Shah" and not released.on_contact_list


def test_safeguarding_hold_refuses_release_and_hand_back_for_everyone(any_school):
    s = any_school
    receipt = s.confiscate()
    with pytest.raises(DeskError, match="Confirm the safeguarding instructions"):
        flag_safeguarding(s.ctx(), receipt.custody_id, concern="image shared in class", acknowledged=False,
                          kind="risk_of_harm")
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="image shared in class", acknowledged=True,
                      kind="risk_of_harm")
    assert Custody.get_by_id(receipt.custody_id).state == State.SAFEGUARDING_HOLD
    for initials, pin in (("AA", OFFICE_PIN), ("PS", DSL_PIN), ("HG", HEAD_PIN)):
        with pytest.raises(Refused, match="Safeguarding"):
            release_to_carer(s.ctx(s.signed_in(initials)), receipt.custody_id, pin=pin, id_seen="passport",
                             carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id)
    assert hand_back(s.ctx(), s.scanned(0)).severity == "refused"


def test_dsl_clears_a_hold_back_to_held_for_parent(any_school):
    s = any_school
    receipt = s.confiscate()
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="worrying messages", acknowledged=True, kind="risk_of_harm")
    with pytest.raises(NotPermitted):
        clear_hold(s.ctx(), receipt.custody_id, reason="no concern")
    clear_hold(s.ctx(s.signed_in("PS")), receipt.custody_id, reason="spoke to pupil and parent; resolved")
    assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
    assert verify(s.keyring.audit_key).ok


def test_police_handover_closes_the_custody_with_officer_and_crime_reference(any_school):
    s = any_school
    receipt = s.confiscate()
    handover = PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889")
    with pytest.raises(Refused, match="Put it on a hold first"):
        hand_to_police(s.ctx(s.signed_in("PS")), receipt.custody_id, handover, pin=DSL_PIN)
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    with pytest.raises(NotPermitted):
        hand_to_police(s.ctx(), receipt.custody_id, handover, pin=DSL_PIN)
    with pytest.raises(DeskError, match="crime reference"):
        hand_to_police(s.ctx(s.signed_in("PS")), receipt.custody_id, replace(handover, crime_reference=" "),
                       pin=DSL_PIN)
    hand_to_police(s.ctx(s.signed_in("PS")), receipt.custody_id, handover, pin=DSL_PIN)
    custody = Custody.get_by_id(receipt.custody_id)
    assert custody.state == State.WITH_POLICE and custody.closed_at is not None
    assert "PC Jo Marsh" in custody.handed_to and "46/123456/26" in custody.details_json
    assert verify(s.keyring.audit_key).ok


def test_dsl_notes_are_for_dsl_and_head_only_and_every_view_is_audited(any_school):
    s = any_school
    receipt = s.confiscate()
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="first concern", acknowledged=True, kind="risk_of_harm")
    with pytest.raises(NotPermitted):
        read_dsl_notes(s.ctx(), receipt.custody_id)
    with pytest.raises(NotPermitted):
        add_dsl_note(s.ctx(), receipt.custody_id, "office note")
    add_dsl_note(s.ctx(s.signed_in("PS")), receipt.custody_id, "called social care")
    notes = read_dsl_notes(s.ctx(s.signed_in("HG")), receipt.custody_id)
    assert [n.text for n in notes] == ["first concern", "called social care"]
    assert Event.select().where(Event.action == "DSL_NOTES_VIEWED").count() == 1
    refusals = Event.select().where(Event.action == "REFUSED").count()
    assert refusals == 2


def test_search_records_exist_with_or_without_a_confiscation(any_school):
    s = any_school
    row = record_search(s.ctx(), pupil_id=s.pupils[1].id, searched_by_name="Mrs A. Adams",
                        authorised_by_name="Mr H. Grant-Ellis (head)", grounds="reported vaping",
                        found="nothing", dsl_informed=True, parent_informed=False)
    assert row.nothing_found and row.custody_id is None
    with pytest.raises(DeskError, match="the grounds"):
        record_search(s.ctx(), pupil_id=s.pupils[1].id, searched_by_name="A", authorised_by_name="B", grounds=" ",
                      found="", dsl_informed=False, parent_informed=False)
    assert Search.select().count() == 1 and Event.select().where(Event.action == "SEARCH_RECORDED").count() == 1


CANARY = "CANARY-7f3e9b21-safeguarding-text"


def test_a_dsl_note_never_reaches_anything_an_office_user_can_see(any_school, tmp_path):
    s = any_school
    receipt = s.confiscate()
    flag_safeguarding(s.ctx(), receipt.custody_id, concern=CANARY, acknowledged=True, kind="risk_of_harm")
    add_dsl_note(s.ctx(s.signed_in("PS")), receipt.custody_id, f"second {CANARY}")
    clear_hold(s.ctx(s.signed_in("PS")), receipt.custody_id, reason=f"cleared {CANARY}")
    assert DslNote.select().count() == 3  # the notes do exist…
    # …but nowhere else: not in the audit log, the custody record or its details.
    for event in Event.select():
        assert CANARY not in (event.payload_json or "")
    for custody in Custody.select():
        assert CANARY not in " ".join(str(v) for v in custody.__data__.values())
    for argv in (["report", "today"], ["report", "today", "--csv"], ["tags", "list", "--csv"], ["audit", "verify"],
                 ["close-day"]):
        _code, out, err = s.cli(*argv)
        assert CANARY not in out and CANARY not in err


def test_two_desks_releasing_the_same_phone_exactly_one_wins_and_the_other_is_told(any_school):
    s = any_school
    receipt = s.confiscate()
    s.after_school()  # a 1st-rung phone is collected after school (issue 16)
    release = f"release:{receipt.custody_id}:{OFFICE_PIN}"  # to the pupil's first carer, as the desk's PIN allows
    procs = [subprocess.Popen(command(s, release, desk=f"Desk {n}", at=s.clock.now()), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    results = sorted(out.strip().split(" ", 1)[0] for out, _err in outputs)
    assert results == ["LOST", "WON"], outputs
    loser = next(out for out, _ in outputs if out.startswith("LOST"))
    assert "Already released to Mrs Dana Hall (Mother) by Ann Adams" in loser
    assert Event.select().where(Event.action == "RELEASED").count() == 1
    assert verify(s.keyring.audit_key).ok


def test_a_phone_confiscated_from_a_daily_box_is_moved_to_the_safe(any_school):
    s = any_school
    daily = hand_in(s.ctx(), s.scanned(0))
    receipt = s.confiscate()
    assert daily.slot == "9C-01" and receipt.moved_from_slot == "9C-01" and receipt.slot == "SAFE-01"
    # The daily slot is free again for the next 9C phone.
    assert hand_in(s.ctx(), s.scanned(1)).slot == "9C-01"


def test_a_phone_confiscated_on_a_saturday_is_collectable_on_monday(any_school):
    s = any_school
    s.clock.set(datetime(2026, 12, 5, 11, 0, tzinfo=UTC))  # Saturday: a fixture on the school field
    assert s.confiscate().held_until == date(2026, 12, 7)


# ---- a server lost while a result is built: NOT SAVED and nothing kept, or saved; never a crash --------------


def _server_lost_at(monkeypatch, statement: int) -> dict:
    """From now on the `statement`-th SQL statement sent fails as a lost server does. Returns the counter."""
    from peewee import OperationalError

    from kiosk.db import database_proxy

    db = database_proxy.obj
    real = db.execute_sql
    sent = {"n": 0}

    def execute_sql(sql, *args, **kwargs):
        sent["n"] += 1
        if sent["n"] == statement:
            raise OperationalError("server closed the connection unexpectedly")
        return real(sql, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", execute_sql)
    return sent


def _what_is_kept():
    """Every record an action may write, apart from the PIN confirmation a release makes first (an action of its
    own, audited as such)."""
    from kiosk.db import Tag

    return (list(Event.select(Event.seq, Event.action).where(Event.action != "PIN_CONFIRMED").tuples()),
            list(Custody.select().order_by(Custody.id).tuples()), list(DslNote.select().tuples()),
            list(Search.select().tuples()), list(Tag.select().order_by(Tag.id).tuples()))


def _on_hold(s):
    receipt = s.confiscate()
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="first concern", acknowledged=True, kind="risk_of_harm")
    return receipt.custody_id


def _prepared(s, action):
    """Everything the action needs read beforehand (as the desk has it on screen); returns the action itself."""
    office, dsl = s.ctx(), s.ctx(s.signed_in("PS"))
    if action == "confiscate":
        found = s.scanned(1)
        return lambda: confiscate(office, found, confiscated_by_name="Mr T. Ellis", reason_category="used in lesson",
                                  location="Room S12", condition=["in a case"], seal_number="BAG-0002")
    if action == "record_search":
        pupil_id = s.pupils[1].id
        return lambda: record_search(office, pupil_id=pupil_id, searched_by_name="Mrs A. Adams",
                                     authorised_by_name="Mr H. Grant-Ellis", grounds="reported filming",
                                     found="nothing", dsl_informed=True, parent_informed=False)
    if action == "stocktake":
        hand_in(office, s.scanned(2))
        scans = [s.tag_of(s.pupils[2]), s.tag_of(s.pupils[3])]
        return lambda: stocktake(office, scans)
    if action == "replace_tag":
        code = s.tag_of(s.pupils[4])
        return lambda: replace_tag(office, tag_code=code, reason="lost")
    if action in ("record_parent_informed", "release_to_carer", "flag_safeguarding"):
        custody_id = s.confiscate().custody_id
        s.after_school()  # a 1st-rung phone is collected after school (issue 16)
        carer_id = carers_to_contact(pupil_id=s.pupils[0].id)[0].id
        return {
            "record_parent_informed": lambda: record_parent_informed(office, custody_id, how="phone call",
                                                                     who="mother"),
            "release_to_carer": lambda: release_to_carer(office, custody_id, pin=OFFICE_PIN, id_seen="passport",
                                                         carer_id=carer_id),
            "flag_safeguarding": lambda: flag_safeguarding(office, custody_id, concern="worrying messages",
                                                           acknowledged=True, kind="risk_of_harm"),
        }[action]
    custody_id = _on_hold(s)
    handover = PoliceHandover("PC A. Lane", "77", "Kent Police", "46/1/26", "EV-1")
    return {
        "add_dsl_note": lambda: add_dsl_note(dsl, custody_id, "called social care"),
        "read_dsl_notes": lambda: read_dsl_notes(dsl, custody_id),
        "clear_hold": lambda: clear_hold(dsl, custody_id, reason="resolved"),
        "hand_to_police": lambda: hand_to_police(dsl, custody_id, handover, pin=DSL_PIN),
    }[action]


ACTIONS = ["confiscate", "record_parent_informed", "release_to_carer", "flag_safeguarding", "add_dsl_note",
           "read_dsl_notes", "clear_hold", "hand_to_police", "record_search", "stocktake", "replace_tag"]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_server_lost_at_any_statement_means_not_saved_and_nothing_kept_or_saved_never_a_crash(school, monkeypatch,
                                                                                               action):
    """The server is lost at the 1st statement the action sends, then (on a fresh attempt) the 2nd, and so on
    until the action runs out of statements. Each attempt must end NOT SAVED with nothing kept, or saved: a result
    built from reads after the commit would raise peewee's own error — a crash after a saved change."""
    from kiosk.errors import StorageFailed

    act = _prepared(school, action)
    for statement in range(1, 200):
        before = _what_is_kept()
        sent = _server_lost_at(monkeypatch, statement)
        try:
            act()
        except StorageFailed as refused:
            monkeypatch.undo()
            assert refused.message.startswith(("NOT SAVED", "NOT READ")), refused.message
            assert _what_is_kept() == before, f"statement {statement}: refused, but something was kept"
            continue
        monkeypatch.undo()
        if sent["n"] < statement:
            break  # it ran to the end without meeting the lost server: every statement has had its turn
        pytest.fail(f"statement {statement} failed, yet {action} reported success")
    assert statement > 3, "the action should send several statements"
    assert _what_is_kept() != before  # and the last, undisturbed run saved it


def test_a_database_lost_while_the_dsl_notes_are_read_means_not_saved_and_no_reading_recorded(any_school,
                                                                                                 monkeypatch):
    """Reading the DSL notes is audited (DSL_NOTES_VIEWED). Their authors were read lazily after that event was
    committed; a server lost at that instant was a raw database error after the reading had been recorded."""
    from peewee import OperationalError

    from kiosk.custody import safeguarding
    from kiosk.errors import StorageFailed

    s = any_school
    custody_id = _on_hold(s)

    def server_gone(*_args, **_kwargs):  # building the notes shown: the last step of the action
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(safeguarding, "NoteView", server_gone)
    before = Event.select().count()
    with pytest.raises(StorageFailed) as caught:
        read_dsl_notes(s.ctx(s.signed_in("PS")), custody_id)
    assert caught.value.message.startswith("NOT SAVED")
    monkeypatch.undo()
    assert Event.select().count() == before
    notes = read_dsl_notes(s.ctx(s.signed_in("PS")), custody_id)
    assert [n.author for n in notes] == ["Ann Adams"] and Event.select().count() == before + 1


def test_a_hand_in_converted_a_week_later_says_when_it_was_confiscated_everywhere(any_school):
    """Tried by an office manager: handed in 08:30 Wed 9 Dec, confiscated Wed 16 Dec 11:00. The release screen, the
    bag label and the dashboard ('7 days OVERDUE') all said 'Confiscated Wed 9 Dec 08:30', the ladder left it out
    of 'Before', and the dashboard counted 0 handed in on a day the trail has a hand-in."""
    from kiosk.custody.queries import confiscations_held, confiscations_since
    from kiosk.labels.bags import bag_label_for
    from kiosk.reports.dashboard import dashboard

    s = any_school
    s.clock.set(datetime(2026, 12, 9, 8, 30, tzinfo=UTC))
    hand_in(s.ctx(), s.scanned(0))
    s.clock.set(datetime(2026, 12, 16, 11, 0, tzinfo=UTC))
    receipt = s.confiscate(0)
    assert receipt.converted_from_daily
    [held] = confiscations_held(pupil_id=s.pupils[0].id)
    assert held.held_since == datetime(2026, 12, 16, 11, 0, tzinfo=UTC)
    assert confiscations_since(pupil_id=s.pupils[0].id, since=datetime(2026, 12, 14, tzinfo=UTC)) == (held,)
    label = bag_label_for(receipt.custody_id, settings=s.settings)
    assert label.confiscated_on == date(2026, 12, 16)
    board = dashboard(s.clock, s.settings, show_safeguarding=False)
    [phone] = board.held
    assert phone.since == held.held_since and phone.days_held == 0 and not phone.overdue

    # The same day: handed in at 08:30, confiscated at 11:00 — it was still handed in today.
    s.clock.set(datetime(2026, 12, 17, 8, 30, tzinfo=UTC))
    hand_in(s.ctx(), s.scanned(1))
    s.clock.set(datetime(2026, 12, 17, 11, 0, tzinfo=UTC))
    s.confiscate(1, seal="BAG-0002")
    assert dashboard(s.clock, s.settings, show_safeguarding=False).handed_in_today == 1


def test_the_bag_label_gives_the_reason_never_the_notes(any_school):
    """The Reason on a bag came from the Notes box: '(not recorded)' when empty, free text about a pupil when not."""
    from kiosk.custody.confiscation import confiscate as confiscate_phone
    from kiosk.labels.bags import bag_label_for

    s = any_school
    receipt = confiscate_phone(s.ctx(), s.scanned(0), confiscated_by_name="Mr T. Ellis",
                               reason_category="used in lesson", location="Room S12", condition=["in a case"],
                               seal_number="BAG-0009",
                               notes="pictures of another pupil on the lock screen")
    label = bag_label_for(receipt.custody_id, settings=s.settings)
    assert label.reason == "used in lesson"
