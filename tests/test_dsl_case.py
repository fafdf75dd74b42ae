"""Issue 16, the DSL's case: a hold records its kind of concern and shows that kind's steps; a phone with the police
stays an open case until the police's outcome is recorded (returned → held for a parent again, retained,
destroyed); closed cases keep their notes readable to the DSL and head; searches the DSL was told of are listed;
examining or erasing a phone's data (policy §6.1) is recorded, authorised by PIN, and refused for evidence."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.audit import verify
from kiosk.auth.staff import SignInRefused
from kiosk.custody.concerns import CONCERN_STEPS, ConcernKind
from kiosk.custody.errors import DeskError, NotPermitted, Refused
from kiosk.custody.examinations import Authorisation, examinations_of_pupil, read_examination, record_examination
from kiosk.custody.queries.cases import closed_cases, police_cases_open, searches_for_the_dsl
from kiosk.custody.queries.chain import custody_chain
from kiosk.custody.queries.pupils import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import concern_of, flag_safeguarding, read_dsl_notes, record_police_outcome
from kiosk.custody.searches import record_search
from kiosk.custody.states import Move, State
from kiosk.db.models import Custody, Event, Examination, HoldConcern
from kiosk.documents.chain_paper import custody_chain_paper
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN, TEACHER_PIN
from tests.dsl_case_support import CONCERN_TEXT, with_the_police
from tests.helpers import pdf_words


def _attacker_sql(school, sql: str, *params) -> None:
    connection = sqlite3.connect(school.path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def _all_event_text() -> str:
    return " ".join(e.payload_json or "" for e in Event.select())


# ── The kind of concern ─────────────────────────────────────────────────────────────────────────────────────


def test_a_hold_needs_its_kind_of_concern_and_only_the_dsl_and_head_read_it(school):
    s = school
    receipt = s.confiscate()
    with pytest.raises(DeskError, match="Choose the kind of concern"):
        flag_safeguarding(s.ctx(), receipt.custody_id, concern="image shared", acknowledged=True, kind=None)
    assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="image shared", acknowledged=True, kind="indecent_image")
    assert concern_of(s.ctx(s.signed_in("PS")), receipt.custody_id) is ConcernKind.INDECENT_IMAGE
    assert concern_of(s.ctx(s.signed_in("HG")), receipt.custody_id) is ConcernKind.INDECENT_IMAGE
    for other in (None, s.signed_in("TE")):
        with pytest.raises(NotPermitted):
            concern_of(s.ctx(other), receipt.custody_id)
    stored = HoldConcern.get().kind
    assert stored.startswith("enc1:") and "indecent" not in stored, "kept encrypted at rest"
    assert "indecent" not in _all_event_text(), "no event names the kind"
    assert verify(s.keyring.audit_key).ok


def test_an_indecent_image_requires_do_not_view_copy_delete_send_switched_off_and_the_police():
    steps = " ".join(CONCERN_STEPS[ConcernKind.INDECENT_IMAGE]).lower()
    for words in ("do not view", "do not copy", "do not delete", "do not send", "switch the phone off", "police"):
        assert words in steps, words
    assert "police" in " ".join(CONCERN_STEPS[ConcernKind.ILLEGAL_CONTENT]).lower()


def test_verify_names_a_kind_of_concern_edited_by_hand(school):
    s = school
    with_the_police(s, kind="risk_of_harm")
    other = s.confiscate(1)
    flag_safeguarding(s.ctx(), other.custody_id, concern="x", acknowledged=True, kind="indecent_image")
    assert verify(s.keyring.audit_key).ok
    # The ciphertext of one hold's kind copied onto the other's: the seal names it.
    _attacker_sql(s, "UPDATE hold_concern SET kind = (SELECT kind FROM hold_concern WHERE id = 2) WHERE id = 1")
    problems = verify(s.keyring.audit_key).problems
    assert any("hold_concern" in p or "hold concern" in p for p in problems), problems


# ── The police's outcome ────────────────────────────────────────────────────────────────────────────────────


def test_a_phone_with_the_police_is_an_open_case_until_its_outcome_is_recorded(school):
    s = school
    custody_id = with_the_police(s)
    assert [c.record.id for c in police_cases_open()] == [custody_id]
    assert closed_cases() == ()
    with pytest.raises(NotPermitted):
        record_police_outcome(s.ctx(), custody_id, outcome=Move.RETAINED_BY_POLICE, police_reference="46/123456/26",
                              pin=DSL_PIN)
    with pytest.raises(DeskError, match="police reference"):
        record_police_outcome(s.ctx(s.signed_in("PS")), custody_id, outcome=Move.RETAINED_BY_POLICE,
                              police_reference=" ", pin=DSL_PIN)
    record_police_outcome(s.ctx(s.signed_in("PS")), custody_id, outcome=Move.RETAINED_BY_POLICE,
                          police_reference="46/123456/26", note="retained as evidence; officer phoned", pin=DSL_PIN)
    row = Custody.get_by_id(custody_id)
    assert row.state == State.RETAINED_BY_POLICE and row.closed_at is not None
    assert police_cases_open() == ()
    (case,) = closed_cases()
    assert (case.outcome, case.outcome_reference, case.outcome_by) == ("retained by the police", "46/123456/26",
                                                                       "Priya Shah")
    event = Event.select().where(Event.action == "RETAINED_BY_POLICE").get()
    assert event.staff.initials == "PS" and "46/123456/26" in event.payload_json
    with pytest.raises(Refused, match="Only a phone with the police"):
        record_police_outcome(s.ctx(s.signed_in("PS")), custody_id, outcome=Move.DESTROYED_BY_POLICE,
                              police_reference="46/123456/26", pin=DSL_PIN)
    assert verify(s.keyring.audit_key).ok


def test_a_closed_case_keeps_its_notes_readable_to_the_dsl_and_head_only(school):
    s = school
    custody_id = with_the_police(s)
    record_police_outcome(s.ctx(s.signed_in("HG")), custody_id, outcome=Move.DESTROYED_BY_POLICE,
                          police_reference="PROP-77", pin=HEAD_PIN)
    for initials in ("PS", "HG"):
        notes = read_dsl_notes(s.ctx(s.signed_in(initials)), custody_id)
        assert CONCERN_TEXT in [n.text for n in notes]
    for other in (None, s.signed_in("TE"), s.signed_in("SO")):
        with pytest.raises(NotPermitted):
            read_dsl_notes(s.ctx(other), custody_id)
    assert CONCERN_TEXT not in _all_event_text()


def test_returned_by_the_police_the_phone_is_held_for_a_parent_again_and_released(school):
    s = school
    custody_id = with_the_police(s)
    record_police_outcome(s.ctx(s.signed_in("PS")), custody_id, outcome=Move.RETURNED_BY_POLICE,
                          police_reference="46/123456/26", seal="EVID-889", pin=DSL_PIN)
    row = Custody.get_by_id(custody_id)
    assert row.state == State.HELD_FOR_PARENT and row.closed_at is None and row.handed_to is None
    assert "returned by the police" in row.details_json and "PC Jo Marsh" in row.details_json, \
        "the handover stays on the record beside its outcome"
    reopened = verify(s.keyring.audit_key)  # open again: no closing desk, as its events now say
    assert reopened.ok, reopened.problems
    s.after_school()
    release_to_carer(s.ctx(), custody_id, pin=OFFICE_PIN, id_seen="driving licence",
                     carer_id=carers_to_contact(pupil_id=s.pupils[0].id)[0].id)
    assert Custody.get_by_id(custody_id).state == State.RELEASED
    assert [c.record.id for c in closed_cases()] == [custody_id]
    assert verify(s.keyring.audit_key).ok


def test_returned_by_the_police_the_chain_has_the_link_back_to_the_office_safe(any_school, tmp_path):
    """Issue 16: the return is a link (police → office safe): the officer, the DSL confirmed by PIN, the bag it came
    back in, which is the seal now; a wrong PIN records nothing; the custody-chain paper lists the link."""
    s = any_school
    custody_id = with_the_police(s)
    dsl = s.ctx(s.signed_in("PS"))
    with pytest.raises(SignInRefused):
        record_police_outcome(dsl, custody_id, outcome=Move.RETURNED_BY_POLICE, police_reference="46/123456/26",
                              seal="EVID-889", pin=HEAD_PIN)
    with pytest.raises(DeskError, match="seal"):
        record_police_outcome(dsl, custody_id, outcome=Move.RETURNED_BY_POLICE, police_reference="46/123456/26",
                              seal=" ", pin=DSL_PIN)
    assert Custody.get_by_id(custody_id).state == State.WITH_POLICE
    assert Event.select().where(Event.action == "RETURNED_BY_POLICE").count() == 0
    record_police_outcome(dsl, custody_id, outcome=Move.RETURNED_BY_POLICE, police_reference="46/123456/26",
                          seal="BAG0100", pin=DSL_PIN)
    chain = custody_chain(custody_id=custody_id)
    back = chain.links[-1]
    assert back.from_place == "police: PC Jo Marsh (4471, Kent Police)" and back.to_place == "office safe"
    assert "PC Jo Marsh" in back.released_by and "4471" in back.released_by
    assert back.received_by == "Priya Shah (confirmed with their PIN)"
    assert (back.old_seal, back.seal, chain.seal_now, chain.place_now) == ("EVID-889", "BAG0100", "BAG0100",
                                                                         "office safe")
    assert chain.seals[-2:] == ("EVID-889", "BAG0100")
    confirmed = [json.loads(e.payload_json)["purpose"] for e in Event.select().where(Event.action == "PIN_CONFIRMED")]
    assert confirmed[-1] == f"record the police's outcome for custody {custody_id}", confirmed
    paper = tmp_path / "chain.pdf"
    paper.write_bytes(custody_chain_paper(chain, s.settings))
    text = pdf_words(paper)
    assert "police: PC Jo Marsh (4471, Kent Police) → office safe" in text, text
    assert "EVID-889 → BAG0100 (resealed)" in text and "Priya Shah (confirmed with their PIN)" in text
    assert back.note == "police reference 46/123456/26" and "police reference 46/123456/26" in text
    assert verify(s.keyring.audit_key).ok


def test_a_return_keeps_the_police_seal_or_a_bag_not_in_use_and_every_outcome_needs_the_pin(school):
    s = school
    custody_id = with_the_police(s)
    other = s.confiscate(1)  # another pupil's phone, held in its own bag
    dsl = s.ctx(s.signed_in("PS"))
    with pytest.raises(DeskError, match="already in use"):
        record_police_outcome(dsl, custody_id, outcome=Move.RETURNED_BY_POLICE, police_reference="R1",
                              seal=Custody.get_by_id(other.custody_id).seal_number, pin=DSL_PIN)
    with pytest.raises(DeskError):
        record_police_outcome(dsl, custody_id, outcome=Move.RETAINED_BY_POLICE, police_reference="R1", pin="")
    assert Custody.get_by_id(custody_id).state == State.WITH_POLICE
    record_police_outcome(dsl, custody_id, outcome=Move.RETURNED_BY_POLICE, police_reference="R1",
                          seal="evid-889", pin=DSL_PIN)  # the police's own bag, kept
    chain = custody_chain(custody_id=custody_id)
    assert chain.seal_now == "evid-889" and chain.links[-1].old_seal is None
    assert verify(s.keyring.audit_key).ok


def test_a_return_clashing_with_the_pupils_tag_in_use_is_refused_and_nothing_moves(school):
    from kiosk.custody.daily import hand_in

    s = school
    custody_id = with_the_police(s)
    hand_in(s.ctx(), s.scanned(0))  # the pupil's new phone, on the same tag, handed in this morning
    with pytest.raises(DeskError, match="in use by another phone"):
        record_police_outcome(s.ctx(s.signed_in("PS")), custody_id, outcome=Move.RETURNED_BY_POLICE,
                              police_reference="46/123456/26", seal="EVID-889", pin=DSL_PIN)
    assert Custody.get_by_id(custody_id).state == State.WITH_POLICE
    assert verify(s.keyring.audit_key).ok


# ── Searches the DSL was told of ────────────────────────────────────────────────────────────────────────────


def test_searches_recorded_with_dsl_informed_are_in_the_dsls_list(school):
    s = school
    for informed in (True, False):
        record_search(s.ctx(), pupil_id=s.pupils[1].id, searched_by_name="Mrs A. Adams",
                      authorised_by_name="Mr H. Grant-Ellis (head)", grounds="reported vaping", found="nothing",
                      dsl_informed=informed, parent_informed=False)
    (told,) = searches_for_the_dsl()
    assert told.pupil.id == s.pupils[1].id and told.searched_by == "Mrs A. Adams" and told.nothing_found


# ── Examining or erasing data ───────────────────────────────────────────────────────────────────────────────


HEAD_AUTHORISES = Authorisation("HG", HEAD_PIN)


def _examine(s, custody_id: int, who=None, authorisation=HEAD_AUTHORISES, **more):
    particulars = dict(examined_by_name="Mr H. Grant-Ellis", reason="threats reported by another pupil",
                       looked_at="messages app, one thread", erased=True, erased_what="one photo of a classmate",
                       dsl_told=True, parent_told=True) | more
    return record_examination(s.ctx(who or s.signed_in("PS")), custody_id=custody_id, authorisation=authorisation,
                              **particulars)


def test_an_examination_is_recorded_with_its_authoriser_sealed_and_its_text_encrypted(school):
    s = school
    receipt = s.confiscate()
    recorded = _examine(s, receipt.custody_id)
    assert recorded.authorised_by == "Hugh Grant-Ellis"
    row = Examination.get()
    assert (row.authorised_by.initials, row.erased, row.dsl_told, row.parent_told) == ("HG", True, True, True)
    for column in ("reason", "looked_at", "erased_what"):
        assert getattr(row, column).startswith("enc1:")
    assert "classmate" not in _all_event_text() and "threats" not in _all_event_text()
    (line,) = examinations_of_pupil(pupil_id=s.pupils[0].id)
    assert (line.examined_by, line.authorised_by, line.erased) == ("Mr H. Grant-Ellis", "Hugh Grant-Ellis (head)",
                                                                   True)
    detail = read_examination(s.ctx(s.signed_in("HG")), row.id)
    assert detail.erased_what == "one photo of a classmate" and detail.reason.startswith("threats")
    with pytest.raises(NotPermitted):
        read_examination(s.ctx(), row.id)
    assert verify(s.keyring.audit_key).ok


def test_an_examination_is_refused_without_an_authoriser_or_by_one_who_may_not(school):
    s = school
    receipt = s.confiscate()
    with pytest.raises(Refused, match="authorise it with"):
        _examine(s, receipt.custody_id, authorisation=None)
    with pytest.raises(NotPermitted, match="needs the head or the DSL"):
        _examine(s, receipt.custody_id, authorisation=Authorisation("TE", TEACHER_PIN))
    with pytest.raises(SignInRefused):
        _examine(s, receipt.custody_id, authorisation=Authorisation("HG", DSL_PIN))
    with pytest.raises(NotPermitted):
        _examine(s, receipt.custody_id, who=s.office)  # the office does not record examinations
    with pytest.raises(DeskError, match="what was erased"):
        _examine(s, receipt.custody_id, erased_what=" ")
    assert Examination.select().count() == 0


def test_evidence_is_never_examined_on_a_hold_or_with_the_police(school):
    s = school
    on_hold = s.confiscate(1)
    flag_safeguarding(s.ctx(), on_hold.custody_id, concern="x", acknowledged=True, kind="illegal_content")
    with pytest.raises(Refused, match="safeguarding hold"):
        _examine(s, on_hold.custody_id)
    police = with_the_police(s)
    with pytest.raises(Refused, match="with the police"):
        _examine(s, police)
    assert Examination.select().count() == 0
    # Refused before any PIN is asked: the only PIN confirmed is the DSL's for the handover to the police itself.
    confirmed = [json.loads(e.payload_json)["purpose"] for e in Event.select().where(Event.action == "PIN_CONFIRMED")]
    assert confirmed == [f"hand custody {police} to the police"], confirmed


def test_verify_names_an_examination_edited_by_hand(school):
    s = school
    _examine(s, s.confiscate().custody_id, erased=False, erased_what="")
    assert verify(s.keyring.audit_key).ok
    _attacker_sql(s, "UPDATE examination SET parent_told = 0, erased = 1")
    problems = verify(s.keyring.audit_key).problems
    assert any("examination" in p for p in problems), problems


def test_the_pupil_pages_read_model_of_an_examination_carries_no_text(school):
    """Nothing of the reason, what was seen or what was erased can reach a screen that is not the DSL's."""
    s = school
    _examine(s, s.confiscate().custody_id)
    (line,) = examinations_of_pupil(pupil_id=s.pupils[0].id)
    assert "classmate" not in repr(line) and "threats" not in repr(line) and "messages app" not in repr(line)
