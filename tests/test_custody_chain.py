"""Issue 16, the phone itself and the chain of custody: the particulars kept with a confiscation (sealed with it),
every handover a sealed link (teacher → office, safe → DSL's office → back, police, release), the papers that carry
them (read back with pdftotext), reprints from the pupil page, and `kiosk audit verify` catching a hand edit."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from kiosk.auth.staff import SignInRefused
from kiosk.custody import DeskError, NotPermitted, Refused
from kiosk.custody.confiscation import confiscate
from kiosk.custody.handovers import hand_over
from kiosk.custody.links import DSL_OFFICE, HEAD_OFFICE, OFFICE_SAFE, Signer
from kiosk.custody.phone import PhoneParticulars, imei_problem
from kiosk.custody.queries.chain import chains_of_pupil, custody_chain
from kiosk.custody.queries.pupils import carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.db import Custody, Event
from kiosk.documents.chain_paper import custody_chain_paper
from kiosk.documents.custody_papers import parent_notice, police_receipt, release_receipt, reprinted_paper
from tests.conftest import DSL_PIN, OFFICE_PIN, TEACHER_PIN
from tests.helpers import pdf_text

GOOD_IMEI = "490154203237518"  # the textbook Luhn-valid IMEI
PHONE = PhoneParticulars(make="Samsung", model="Galaxy A15", colour="black", case="blue silicone case", sim="yes",
                         imei="49-015420-323751-8", damage="crack across the top left corner")


def confiscated(s, index=0, *, phone=PHONE, brought_by=None, seal=None, condition=("screen cracked", "switched off")):
    return confiscate(s.ctx(), s.scanned(index), confiscated_by_name="Tom Ellis", reason_category="used in lesson",
                      location="Room S12", condition=list(condition), seal_number=seal or f"BAG-{index + 1:04d}",
                      phone=phone, brought_by=brought_by)


def words(tmp_path, data: bytes) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    return " ".join(pdf_text(path).split())


def attacker_sql(s, sql: str, *params) -> None:
    connection = sqlite3.connect(s.path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


# ── the phone itself ─────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("imei, ok", [(GOOD_IMEI, True), ("4901 5420 3237 518", True), ("490154203237519", False),
                                      ("49015420323751", False), ("49015420323751X", False)])
def test_an_imei_is_fifteen_digits_with_a_luhn_check_digit(imei, ok):
    assert (imei_problem(imei) is None) is ok


def test_the_particulars_are_kept_with_the_record_and_a_misread_imei_is_refused_saving_nothing(school):
    s = school
    with pytest.raises(DeskError, match="check digit"):
        confiscated(s, phone=PhoneParticulars(make="Apple", imei="490154203237519"))
    assert Custody.select().count() == 0
    with pytest.raises(DeskError, match="SIM"):
        confiscated(s, phone=PhoneParticulars(sim="no"), condition=("SIM present",))
    receipt = confiscated(s)
    assert receipt.phone is not None and receipt.phone.imei == GOOD_IMEI and receipt.phone.sim == "yes"
    chain = custody_chain(custody_id=receipt.custody_id)
    assert chain is not None and chain.phone == receipt.phone
    assert chain.condition == "screen cracked, switched off" and chain.place_now == OFFICE_SAFE


# ── the first link: teacher → office ─────────────────────────────────────────────────────────────────────────
def test_the_confiscating_teacher_confirms_the_first_link_with_their_pin(school):
    s = school
    receipt = confiscated(s, brought_by=Signer(initials="TE", pin=TEACHER_PIN))
    (first,) = custody_chain(custody_id=receipt.custody_id).links
    assert first.released_by == "Tom Ellis (confirmed with their PIN)"
    assert first.received_by == "Ann Adams (signed in at the desk)"
    assert first.from_place == "Tom Ellis in Room S12" and first.to_place == OFFICE_SAFE and first.seal == "BAG-0001"


def test_the_teacher_who_confirms_with_their_pin_is_recorded_as_confiscating_it_not_the_desks_own_name(school):
    """The form starts with the desk's own name under "Confiscated by"; when the teacher then types their initials
    and PIN beside it, the record names the teacher (a tryout found "Confiscated by Ann Adams … given by Tom Ellis").
    Both a PIN and someone else's name for who brought it contradict each other: refused, nothing saved."""
    s = school
    with pytest.raises(DeskError, match="not both"):
        confiscate(s.ctx(), s.scanned(0), confiscated_by_name=s.office.name, reason_category="used in lesson",
                   location="Room S12", condition=[], seal_number="BAG-0001",
                   brought_by=Signer(name="Mr Teacher", initials="TE", pin=TEACHER_PIN))
    assert Custody.select().count() == 0
    receipt = confiscate(s.ctx(), s.scanned(0), confiscated_by_name=s.office.name, reason_category="used in lesson",
                         location="Room S12", condition=[], seal_number="BAG-0001",
                         brought_by=Signer(initials="TE", pin=TEACHER_PIN))
    assert Custody.get_by_id(receipt.custody_id).confiscated_by_name == "Tom Ellis"
    (first,) = custody_chain(custody_id=receipt.custody_id).links
    assert first.from_place == "Tom Ellis in Room S12"


def test_a_wrong_teacher_pin_saves_no_confiscation(school):
    s = school
    with pytest.raises(SignInRefused):
        confiscated(s, brought_by=Signer(initials="TE", pin="000000"))
    assert Custody.select().count() == 0


def test_without_the_teacher_the_office_records_who_brought_it(school):
    s = school
    receipt = confiscated(s, brought_by=Signer(name="Jay Patel (Year 10 pupil sent by Mr Ellis)"))
    (first,) = custody_chain(custody_id=receipt.custody_id).links
    assert first.released_by == "Jay Patel (Year 10 pupil sent by Mr Ellis) (not at the desk: named by Ann Adams)"


# ── handovers within the school ──────────────────────────────────────────────────────────────────────────────
def test_safe_to_dsl_office_and_back_are_links_with_both_sides_and_the_seals(school):
    s = school
    receipt = confiscated(s)
    s.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    out = hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    assert out.released_by.name == "Ann Adams" and out.received_by.name == "Priya Shah" and out.old_seal is None
    s.clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    back = hand_over(s.ctx(), receipt.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"),
                     new_seal="BAG-0077", note="bag opened to read the IMEI")
    assert back.old_seal == "BAG-0001" and back.seal == "BAG-0077"
    chain = custody_chain(custody_id=receipt.custody_id)
    assert [(link.from_place, link.to_place) for link in chain.links] == [
        ("Tom Ellis in Room S12", OFFICE_SAFE), (OFFICE_SAFE, DSL_OFFICE), (DSL_OFFICE, OFFICE_SAFE)]
    assert chain.links[1].received_by == "Priya Shah (confirmed with their PIN)"
    assert chain.links[2].released_by == "Priya Shah (not at the desk: named by Ann Adams)"
    assert chain.links[2].received_by == "Ann Adams (signed in at the desk)"
    assert chain.seals == ("BAG-0001", "BAG-0077") and chain.seal_now == "BAG-0077"
    assert Custody.get_by_id(receipt.custody_id).state == "HELD_FOR_PARENT"  # a link changes no state
    links = Event.select().where(Event.action == "HANDED_OVER")
    assert links.count() == 2 and {e.custody_state for e in links} == {"HELD_FOR_PARENT"}
    assert s.cli("audit", "verify")[0] == 0


def test_a_new_seal_must_not_be_another_held_phones_and_the_place_must_change(school):
    s = school
    first, second = confiscated(s, 0), confiscated(s, 1)
    with pytest.raises(DeskError, match="BAG-0001 is already in use"):
        hand_over(s.ctx(), second.custody_id, to_place=OFFICE_SAFE, new_seal="bag-0001")
    with pytest.raises(DeskError, match="in the office safe already"):
        hand_over(s.ctx(), first.custody_id, to_place=OFFICE_SAFE)
    with pytest.raises(DeskError, match="Name who took the phone"):
        hand_over(s.ctx(), first.custody_id, to_place=HEAD_OFFICE)
    assert Event.select().where(Event.action == "HANDED_OVER").count() == 0


def test_a_released_phone_is_not_handed_over_and_a_teacher_may_not_move_one(school):
    s = school
    receipt = confiscated(s)
    with pytest.raises(NotPermitted):
        hand_over(s.ctx(s.signed_in("TE")), receipt.custody_id, to_place=DSL_OFFICE,
                  received_by=Signer(name="Priya Shah"))
    s.after_school()
    mother = carers_to_contact(pupil_id=s.pupils[0].id)[0]
    release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother.id)
    with pytest.raises(Refused):
        hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(name="Priya Shah"))


def test_the_police_handover_and_the_release_end_the_chain_and_others_see_no_held_record(school):
    s = school
    held = confiscated(s, 0)
    flag_safeguarding(s.ctx(), held.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    hand_over(s.ctx(), held.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    hand_to_police(s.ctx(s.signed_in("PS")), held.custody_id,
                   PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889"), pin=DSL_PIN)
    last = custody_chain(custody_id=held.custody_id).links[-1]
    assert last.from_place == DSL_OFFICE and "Kent Police" in last.to_place and last.seal == "EVID-889"
    assert chains_of_pupil(pupil_id=s.pupils[0].id, dsl=False) == ()
    assert len(chains_of_pupil(pupil_id=s.pupils[0].id, dsl=True)) == 1


# ── the papers, read back ────────────────────────────────────────────────────────────────────────────────────
PARTICULARS = ("Samsung Galaxy A15", "black", "blue silicone case", "SIM card present yes", GOOD_IMEI,
               "crack across the top left corner", "screen cracked, switched off")


def test_the_notice_for_parents_carries_every_particular_the_reference_and_the_schools_number(school, tmp_path):
    s = school
    receipt = confiscated(s)
    text = words(tmp_path, parent_notice(receipt, s.settings))
    for expected in (*PARTICULARS, f"Ref C-{receipt.custody_id:06d}", "01632 960000"):
        assert expected in text, expected


def test_the_release_receipt_prints_the_condition_at_confiscation_and_at_return(school, tmp_path):
    s = school
    receipt = confiscated(s)
    s.after_school()
    mother = carers_to_contact(pupil_id=s.pupils[0].id)[0]
    released = release_to_carer(s.ctx(), receipt.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=mother.id, condition_at_return="new scratch on the back")
    text = words(tmp_path, release_receipt(released, s.settings))
    for expected in (*PARTICULARS, "Condition at return new scratch on the back", f"Ref C-{receipt.custody_id:06d}",
                     "01632 960000"):
        assert expected in text, expected
    assert "Condition at return as when confiscated" in words(tmp_path, release_receipt(
        release_to_carer(s.ctx(), confiscated(s, 1).custody_id, pin=OFFICE_PIN, id_seen="passport",
                         carer_id=carers_to_contact(pupil_id=s.pupils[1].id)[0].id), s.settings))


def test_the_police_receipt_carries_the_particulars_and_the_chain(school, tmp_path):
    s = school
    held = confiscated(s, brought_by=Signer(initials="TE", pin=TEACHER_PIN))
    flag_safeguarding(s.ctx(), held.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    hand_over(s.ctx(), held.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    hand_to_police(s.ctx(s.signed_in("PS")), held.custody_id,
                   PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889"), pin=DSL_PIN)
    text = words(tmp_path, police_receipt(held.custody_id, s.settings))
    for expected in (*PARTICULARS, "Chain of custody at the school", "Tom Ellis (confirmed with their PIN)",
                     "Priya Shah (confirmed with their PIN)", f"Ref C-{held.custody_id:06d}"):
        assert expected in text, expected


def test_the_custody_chain_paper_has_every_link_the_particulars_the_seals_and_signature_lines(school, tmp_path):
    s = school
    receipt = confiscated(s, brought_by=Signer(initials="TE", pin=TEACHER_PIN))
    s.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    s.clock.set(datetime(2026, 11, 30, 11, 30, tzinfo=UTC))
    hand_over(s.ctx(), receipt.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"),
              new_seal="BAG-0077")
    text = words(tmp_path, custody_chain_paper(custody_chain(custody_id=receipt.custody_id), s.settings))
    for expected in (*PARTICULARS, "Chain of custody", f"Ref C-{receipt.custody_id:06d}", "01632 960000",
                     "Seal history BAG-0001 → BAG-0077", "Every handover (3)", "30 Nov 2026 10:00",
                     "30 Nov 2026 11:30", "DSL's office", "BAG-0001 → BAG-0077 (resealed) · audit event",
                     "Tom Ellis (confirmed with their PIN)", "Priya Shah (confirmed with their PIN)",
                     "Condition at return not returned (yet)", "Signed (receiving person)"):
        assert expected in text, expected


# ── reprints from the pupil page ─────────────────────────────────────────────────────────────────────────────
def test_the_notice_and_the_chain_are_reprinted_marked_and_audited(school, tmp_path):
    s = school
    receipt = confiscated(s)
    s.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    notice = words(tmp_path, reprinted_paper(s.ctx(), custody_id=receipt.custody_id, paper="parent-notice"))
    assert "REPRINT" in notice and "Thursday 3 December" in notice and GOOD_IMEI in notice
    assert "held until" not in notice.lower() or "Monday" in notice
    chain = words(tmp_path, reprinted_paper(s.ctx(), custody_id=receipt.custody_id, paper="custody-chain"))
    assert "REPRINT" in chain and "Every handover (1)" in chain
    reprints = [e.payload_json for e in Event.select().where(Event.action == "PAPER_REPRINTED")]
    assert len(reprints) == 2 and "parent-notice" in reprints[0] and "custody-chain" in reprints[1]


def test_a_held_records_papers_are_reprinted_only_by_the_dsl_or_head(school, tmp_path):
    s = school
    held = confiscated(s)
    flag_safeguarding(s.ctx(), held.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    for paper in ("parent-notice", "custody-chain"):
        with pytest.raises(NotPermitted):
            reprinted_paper(s.ctx(), custody_id=held.custody_id, paper=paper)
    assert "REPRINT" in words(tmp_path, reprinted_paper(s.ctx(s.signed_in("PS")), custody_id=held.custody_id,
                                                        paper="custody-chain"))
    assert Event.select().where(Event.action == "PAPER_REPRINTED").count() == 1


# ── a hand edit is caught ────────────────────────────────────────────────────────────────────────────────────
def test_verify_fails_after_a_hand_edit_of_the_particulars(school):
    s = school
    receipt = confiscated(s)
    assert s.cli("audit", "verify")[0] == 0
    attacker_sql(s, "UPDATE custody SET details_json = replace(details_json, 'crack across', 'no') WHERE id = ?",
                 receipt.custody_id)
    assert s.cli("audit", "verify")[0] != 0


def test_verify_fails_after_a_hand_edit_of_a_link(school):
    s = school
    receipt = confiscated(s)
    hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    assert s.cli("audit", "verify")[0] == 0
    attacker_sql(s, "UPDATE event SET payload_json = replace(payload_json, 'Priya Shah', 'Tom Ellis') "
                    "WHERE action = 'HANDED_OVER'")
    assert "Tom Ellis" in Event.get(Event.action == "HANDED_OVER").payload_json  # the edit landed
    assert s.cli("audit", "verify")[0] != 0


def test_the_whole_chain_on_postgresql(tmp_path, postgres_server):
    """The link's conditional UPDATE … RETURNING and the chain's reads on PostgreSQL, and verify after them."""
    from kiosk.audit import verify
    from tests.conftest import make_school

    s = make_school(tmp_path, postgres_server.fresh_database())
    receipt = confiscated(s, brought_by=Signer(initials="TE", pin=TEACHER_PIN))
    hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    hand_over(s.ctx(), receipt.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"),
              new_seal="BAG-0077")
    chain = custody_chain(custody_id=receipt.custody_id)
    assert [link.to_place for link in chain.links] == [OFFICE_SAFE, DSL_OFFICE, OFFICE_SAFE]
    assert chain.seals == ("BAG-0001", "BAG-0077") and chain.phone == receipt.phone
    assert verify(s.keyring.audit_key).ok
