"""Issue 16, records and papers: seals unique while held, papers that say only what is true, "after school"
checked against the clock, a carer without parental responsibility acknowledged and printed, exam particulars
carried to the report, a pupil's exception shown at confiscation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kiosk.custody import DeskError, Refused
from kiosk.custody.confiscation import ExamDetails
from kiosk.custody.exceptions import add_exception
from kiosk.custody.queries import carers_to_contact, held_phone_sealed_in
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.documents.custody_papers import police_receipt, release_receipt
from kiosk.documents.report_papers import exams_pdf
from kiosk.reports.figures import exam_incidents
from kiosk.reports.periods import Period
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.helpers import pdf_text

AFTER_SCHOOL = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday, after the 14:30 end of the school day


def paper_text(tmp_path, data: bytes) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    return pdf_text(path)


def mother(s, index=0):
    return carers_to_contact(pupil_id=s.pupils[index].id)[0]


def grandparent(s, index=0):
    return carers_to_contact(pupil_id=s.pupils[index].id)[1]


# ── 1. seals ────────────────────────────────────────────────────────────────────────────────────────────────
def test_a_seal_on_a_phone_still_held_is_refused_for_another_naming_who_has_it(school):
    s = school
    s.confiscate(0, seal="BAG-0001")
    with pytest.raises(DeskError, match="BAG-0001") as refused:
        s.confiscate(1, seal="  bag-0001 ")  # typed differently: the same bag
    assert s.pupils[0].display_name in refused.value.message and "SAFE-01" in refused.value.message
    assert s.confiscate(1, seal="BAG-0002").seal_number == "BAG-0002"


def test_the_refusal_for_a_seal_on_a_phone_on_hold_says_nothing_of_safeguarding(school):
    s = school
    first = s.confiscate(0, seal="BAG-0001")
    flag_safeguarding(s.ctx(), first.custody_id, concern="worrying pictures", acknowledged=True, kind="risk_of_harm")
    with pytest.raises(DeskError) as refused:
        s.confiscate(1, seal="BAG-0001")
    words = refused.value.message.lower()
    assert "bag-0001" in words and "safeguarding" not in words and "pictures" not in words and "hold" not in words


def test_a_seal_is_free_again_once_its_phone_is_released(school):
    s = school
    first = s.confiscate(0, seal="BAG-0001")
    s.clock.set(AFTER_SCHOOL)
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id)
    assert s.confiscate(1, seal="bag-0001").seal_number == "bag-0001"


def test_release_finds_a_held_phone_by_its_seal_number(school):
    s = school
    s.confiscate(0, seal="BAG-0001")
    second = s.confiscate(1, seal="BAG-0002")
    found = held_phone_sealed_in(seal_number=" bag-0002 ")
    assert found is not None and found.phone.id == second.custody_id
    assert found.pupil.name == s.pupils[1].display_name
    assert held_phone_sealed_in(seal_number="BAG-0099") is None


# ── 2. papers that say only what is true; the ladder's words from its figures ───────────────────────────────
def test_police_receipt_says_what_was_recorded_and_not_that_the_school_switched_it_off(school, tmp_path):
    s = school
    receipt = s.confiscate(0, condition=["switched on", "screen cracked"], seal="BAG-0042")
    flag_safeguarding(s.ctx(), receipt.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    hand_to_police(s.ctx(s.signed_in("PS")), receipt.custody_id,
                   PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889"), pin=DSL_PIN)
    text = " ".join(paper_text(tmp_path, police_receipt(receipt.custody_id, s.settings)).split())
    assert "switched on, screen cracked" in text
    assert "kept switched off" not in text
    assert "Sealed in bag BAG-0042" in text and "not switched on by the school since" in text
    assert "Mr T. Ellis" in text and "Monday 30 November" in text  # who confiscated it, and when


def test_each_rung_says_how_long_it_holds_from_its_own_figure(school):
    s = school
    from kiosk.custody.terms import ladder_words

    for step in s.settings.escalation:
        words = ladder_words(step)
        days = int(step["hold_school_days"])
        if days == 0:
            assert "after school" in words
        elif days == 1:
            assert "next school day" in words
        else:
            assert f"{days} school days" in words and "end of the school week" not in words
    # a school that holds the 3rd for 3 days is told 3, whatever its own words said
    assert "3 school days" in ladder_words({"from": 3, "rule": "Held until the end of the school week",
                                            "hold_school_days": 3})


def test_a_third_confiscation_is_described_by_the_days_it_is_held(school):
    s = school
    s.clock.set(AFTER_SCHOOL)
    for n, seal in enumerate(("BAG-0001", "BAG-0002")):
        held = s.confiscate(seal=seal)
        release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id,
                         authorisation=Authorisation("HG", HEAD_PIN, "agreed") if n else None)
    third = s.confiscate(seal="BAG-0003")
    assert third.ladder.hold_school_days == 5 and "5 school days" in third.ladder.rule
    assert "end of the school week" not in third.ladder.rule and "parent meeting" in third.ladder.rule


# ── 3. "after school" is after the end of the school day ───────────────────────────────────────────────────
def test_a_first_rung_phone_collected_before_the_end_of_the_school_day_is_an_early_release(school):
    s = school
    first = s.confiscate()  # 08:30 Monday: "a parent or carer collects it after school"
    assert first.held_until == date(2026, 11, 30)
    with pytest.raises(Refused, match="after school"):
        release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=mother(s).id)
    released = release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=mother(s).id, authorisation=Authorisation("HG", HEAD_PIN, "hospital visit"))
    assert released.early_release and released.authorised_by and released.authorisation_reason == "hospital visit"


def test_a_first_rung_phone_collected_after_school_needs_no_one_to_authorise_it(school):
    s = school
    first = s.confiscate()
    s.clock.set(AFTER_SCHOOL)
    released = release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=mother(s).id)
    assert released.authorised_by is None and released.early_release is None


def test_the_screen_and_the_release_agree_on_early(school):
    from kiosk.custody.queries import confiscations_held

    s = school
    s.confiscate()
    phone = confiscations_held(pupil_id=s.pupils[0].id)[0]
    assert phone.early_release_at(s.clock.now(), s.settings)
    assert not phone.early_release_at(AFTER_SCHOOL, s.settings)


# ── 4. a carer without parental responsibility; the receipt that settles a dispute ───────────────────────────
def test_release_to_a_carer_without_parental_responsibility_needs_it_acknowledged(school):
    s = school
    held = s.confiscate()
    s.clock.set(AFTER_SCHOOL)
    with pytest.raises(Refused, match="parental responsibility"):
        release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=grandparent(s).id)
    released = release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport",
                                carer_id=grandparent(s).id, no_pr_acknowledged=True)
    assert released.parental_responsibility is False


def test_release_receipt_carries_pr_authorisation_early_release_and_the_confiscation(school, tmp_path):
    s = school
    held = s.confiscate(condition=["screen cracked", "in a case"], seal="BAG-0042")
    released = release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="driving licence",
                                carer_id=grandparent(s).id, no_pr_acknowledged=True,
                                authorisation=Authorisation("HG", HEAD_PIN, "mother in hospital"))
    text = " ".join(paper_text(tmp_path, release_receipt(released, s.settings)).split())
    for expected in ("Mr Joe Hall (Grandparent)", "Parental responsibility no", "driving licence",
                     "mother in hospital", "Early release", "Mr T. Ellis", "Room S12", "Used in lesson",
                     "screen cracked, in a case", "Monday 30 November", "BAG-0042"):
        assert expected in text, expected
    assert released.authorised_by and released.authorised_by in text


# ── 5. exams, and a pupil's exception ───────────────────────────────────────────────────────────────────────
def test_the_exam_report_carries_candidate_number_and_invigilator(school, tmp_path):
    s = school
    s.confiscate(reason="found during an exam",
                 exam=ExamDetails(board="AQA", paper="8300/1H", room="Hall", invigilator="Mrs K. Invig",
                                  candidate_number="4021"))
    period = Period(date(2026, 11, 30), date(2026, 11, 30), "Monday")
    [incident] = exam_incidents(period, s.settings)
    assert (incident.candidate_number, incident.invigilator) == ("4021", "Mrs K. Invig")
    text = " ".join(paper_text(tmp_path, exams_pdf(period, [incident], s.settings,
                                                   made_at=s.clock.now())).split())
    assert "4021" in text and "Mrs K. Invig" in text


def test_a_pupils_exception_is_on_the_confiscation_receipt(school):
    s = school
    add_exception(s.ctx(s.signed_in("SO")), pupil_id=s.pupils[0].id, kind="medical", valid_from=date(2026, 11, 1),
                  valid_to=None, notes="insulin pump controlled from phone")
    receipt = s.confiscate()
    assert [e.notes for e in receipt.exceptions] == ["insulin pump controlled from phone"]
    assert s.confiscate(1, seal="BAG-0002").exceptions == ()


# ── reprints ────────────────────────────────────────────────────────────────────────────────────────────────
def test_a_release_receipt_reprinted_later_says_reprint_carries_the_record_and_is_audited(school, tmp_path):
    from kiosk.db import Event
    from kiosk.documents.custody_papers import reprinted_paper

    s = school
    held = s.confiscate(condition=["screen cracked"], seal="BAG-0042")
    released = release_to_carer(s.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="driving licence",
                                carer_id=grandparent(s).id, no_pr_acknowledged=True,
                                authorisation=Authorisation("HG", HEAD_PIN, "mother in hospital"))
    s.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    text = " ".join(paper_text(tmp_path, reprinted_paper(s.ctx(), custody_id=held.custody_id,
                                                         paper="release-receipt")).split())
    assert "REPRINT" in text and "Thursday 3 December" in text and "Ann Adams" in text
    for expected in ("Mr Joe Hall (Grandparent)", "Parental responsibility no", "mother in hospital",
                     "Early release yes", "screen cracked", "BAG-0042", f"event {released.event_seq}",
                     released.chain_head[:16]):
        assert expected in text, expected
    reprinted = Event.get(Event.action == "PAPER_REPRINTED")
    assert reprinted.custody_id == held.custody_id and "release-receipt" in reprinted.payload_json


def test_only_the_dsl_or_head_reprints_a_police_receipt(school, tmp_path):
    from kiosk.custody import NotPermitted
    from kiosk.db import Event
    from kiosk.documents.custody_papers import reprinted_paper

    s = school
    held = s.confiscate(seal="BAG-0042")
    flag_safeguarding(s.ctx(), held.custody_id, concern="possible offence", acknowledged=True, kind="risk_of_harm")
    hand_to_police(s.ctx(s.signed_in("PS")), held.custody_id,
                   PoliceHandover("PC Jo Marsh", "4471", "Kent Police", "46/123456/26", "EVID-889"), pin=DSL_PIN)
    with pytest.raises(NotPermitted):
        reprinted_paper(s.ctx(), custody_id=held.custody_id, paper="police-receipt")
    text = paper_text(tmp_path, reprinted_paper(s.ctx(s.signed_in("PS")), custody_id=held.custody_id,
                                                paper="police-receipt"))
    assert "REPRINT" in text and "EVID-889" in text
    assert Event.select().where(Event.action == "PAPER_REPRINTED").count() == 1
