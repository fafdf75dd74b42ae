"""Subject access for what issue 16 added: the export names each category (the phone and its IMEI, the JCQ M1
particulars, the chain of custody link by link, examinations of the phone's data, messages sent, carers as the MIS
knows them); what it withholds it says it withheld (the safeguarding exemption: the DSL's notes, a hold's kind of
concern, held records), and releases only when the DSL signs for it; an export made for one carer shows no other
carer's court-order note, address or messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.custody.confiscation import ExamDetails, confiscate
from kiosk.custody.examinations import Authorisation, record_examination
from kiosk.custody.handovers import hand_over
from kiosk.custody.links import DSL_OFFICE, OFFICE_SAFE, Signer
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.release import release_to_carer
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.db import Carer, Event
from kiosk.db.models import OutboxMessage
from kiosk.errors import NotPermitted
from kiosk.mail.outbox import Trail, claim, record_accepted
from kiosk.privacy import at_rest
from kiosk.privacy.subject_access import SAFEGUARDING_EXEMPTION, THIRD_PARTY, subject_access
from tests.carers_support import ARBOR, COURT_NOTE, import_contacts
from tests.conftest import CLI_ADMIN, DSL_PIN, HEAD_PIN
from tests.mail_support import mail_on

IMEI = "490154203237518"
CONCERN = "Zebra-concern: pupil says an older boy sent images"
LOOKED_AT = "Heron-thread in the messages app"
ERASED_WHAT = "one photo of a classmate"
EXAM = ExamDetails(board="AQA", paper="8300/1H", invigilator="Mrs K. Invig", candidate_number="4021",
                   centre_number="61234", time_found="9:17", switched_on=True)
ZOE = "100001"


def _zoe_this_term(s, tmp_path) -> tuple[int, int]:
    """Zoë's phone found in an exam (with its particulars), taken to the DSL's office and back, examined, her carers
    emailed, released by the DSL to her father against the MIS's bar; later a second phone put on a safeguarding hold.
    Returns the released record's and the held record's ids."""
    mail_on(s)
    import_contacts(s, tmp_path, ARBOR)
    s.clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    taken = confiscate(s.ctx(), s.scanned(0), confiscated_by_name="Mrs K. Invig",
                       reason_category="found during an exam", location="Sports hall", condition=["in a case"],
                       seal_number="BAG-0101", exam=EXAM,
                       phone=PhoneParticulars(make="Samsung", model="Galaxy A15", imei=IMEI, damage="scratched back"))
    for message in OutboxMessage.select():  # as the outbox worker sends them
        claim(message_id=message.id, now=s.clock.now())
        record_accepted(message_id=message.id, now=s.clock.now(), answer="250 2.0.0 Ok", by="smtp",
                        audit=Trail(key=s.keyring.audit_key, desk="Reception 1"))
    hand_over(s.ctx(), taken.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    hand_over(s.ctx(), taken.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"))
    record_examination(s.ctx(s.signed_in("PS")), custody_id=taken.custody_id, examined_by_name="Mr H. Grant-Ellis",
                       authorisation=Authorisation("HG", HEAD_PIN), reason="threats reported by another pupil",
                       looked_at=LOOKED_AT, erased=True, erased_what=ERASED_WHAT, dsl_told=True, parent_told=True)
    s.after_school()
    father = Carer.get((Carer.pupil == s.pupils[0].id) & (Carer.name == "Mr Evan Hall"))
    release_to_carer(s.ctx(s.signed_in("PS")), taken.custody_id, pin=DSL_PIN, id_seen="passport",
                     carer_id=father.id, must_not_collect_acknowledged=True)
    held = confiscate(s.ctx(), s.scanned(0), confiscated_by_name="Mr T. Ellis", reason_category="used in lesson",
                      location="Room 4", condition=[], seal_number="BAG-0102")
    flag_safeguarding(s.ctx(), held.custody_id, concern=CONCERN, acknowledged=True, kind="indecent_image")
    return taken.custody_id, held.custody_id


def _text(export) -> str:
    return json.dumps(export, ensure_ascii=False)


def test_the_export_names_every_category_and_says_what_it_withheld(any_school, tmp_path):
    s = any_school
    _zoe_this_term(s, tmp_path)
    export = subject_access(s.ctx(CLI_ADMIN), ZOE)

    [record] = export["phone_records"]  # the held one is withheld
    assert record["phone"]["imei"] == IMEI and record["phone"]["damage"] == "scratched back"
    assert (record["exam"]["candidate_number"], record["exam"]["invigilator"]) == ("4021", "Mrs K. Invig")
    links = record["chain_of_custody"]
    assert [(link["from"], link["to"]) for link in links][1:3] == [(OFFICE_SAFE, DSL_OFFICE), (DSL_OFFICE, OFFICE_SAFE)]
    assert all(link["seal"] for link in links) and len(links) == 4, links  # confiscation, two handovers, release
    [examined] = export["examinations"]
    assert (examined["looked_at"], examined["erased_what"]) == (LOOKED_AT, ERASED_WHAT)
    assert examined["authorised_by"] == "Hugh Grant-Ellis (head)" and examined["examined_by"] == "Mr H. Grant-Ellis"
    sent = export["messages"]
    assert {m["address"] for m in sent} == {"dana.hall@example.org", "evan.hall@example.org"}
    assert all(m["kind"] == "confiscation-notice" and "Zoë" in m["body"] and m["state"] == "sent" for m in sent)
    carers = {c["name"]: c for c in export["carers"]}
    assert carers["Mrs Dana Hall"]["mobile"] == "07700 900101" and carers["Mr Evan Hall"]["collection"] == \
        "must not collect"

    withheld = export["withheld"]
    assert withheld["statement"] == SAFEGUARDING_EXEMPTION and "safeguarding exemption" in SAFEGUARDING_EXEMPTION
    assert (withheld["safeguarding notes"], withheld["kinds of concern"], withheld["phone records under safeguarding"]
            ) == (1, 1, 1)
    assert export["safeguarding"] is None
    text = _text(export)
    assert "Zebra" not in text and "indecent" not in text and "BAG-0102" not in text
    # The court order concerns the father: withheld, and said so, wherever the release copied it.
    assert carers["Mr Evan Hall"]["access_notes"] == THIRD_PARTY and withheld["carers' court-order or access notes"]
    assert "Family Court" not in text and "ext 204" not in text


def test_the_dsl_releases_the_safeguarding_information_into_the_export_and_only_the_dsl(school, tmp_path):
    s = school
    _released, held = _zoe_this_term(s, tmp_path)
    with pytest.raises(NotPermitted, match="only the Designated Safeguarding Lead"):
        subject_access(s.ctx(CLI_ADMIN), ZOE, safeguarding_by=s.signed_in("HG"))
    export = subject_access(s.ctx(CLI_ADMIN), ZOE, safeguarding_by=s.signed_in("PS"))
    assert len(export["phone_records"]) == 2 and export["phone_records"][1]["on_safeguarding_hold"] is True
    released = export["safeguarding"]
    assert released["released_by"] == "Priya Shah (DSL)"
    assert [n["text"] for n in released["notes"]] == [CONCERN]
    [kind] = released["kinds_of_concern"]
    assert (kind["record"], kind["code"]) == (held, "indecent_image") and "indecent image" in kind["kind"], kind
    assert export["withheld"]["statement"] is None and export["withheld"]["safeguarding notes"] == 0
    assert COURT_NOTE in _text(export)  # the DSL's own review: the court order is part of the record
    event = Event.select().where(Event.action == "SUBJECT_ACCESS_EXPORTED").order_by(Event.seq.desc()).get()
    assert json.loads(event.payload_json)["safeguarding_released_by"] == "PS"


@pytest.mark.parametrize("dsl", [False, True])
def test_an_export_for_one_carer_shows_no_other_carers_notes_addresses_or_messages(school, tmp_path, dsl):
    s = school
    _zoe_this_term(s, tmp_path)
    export = subject_access(s.ctx(CLI_ADMIN), ZOE, for_carer="Dana Hall",
                            safeguarding_by=s.signed_in("PS") if dsl else None)
    assert export["made_for"] == {"carer": "Mrs Dana Hall", "relationship": "Mother"}
    text = _text(export)
    for other in ("Family Court", "ext 204", "evan.hall@example.org", "07700 900102", "07700 900103"):
        assert other not in text, f"{other!r} is in the mother's export"
    carers = {c["name"]: c for c in export["carers"]}
    assert carers["Mrs Dana Hall"]["email"] == "dana.hall@example.org"
    assert carers["Mr Evan Hall"] == {"name": "Mr Evan Hall", "relationship": "Father",
                                      "parental_responsibility": True, "contact_details": THIRD_PARTY}
    by_recipient = {m["recipient"] for m in export["messages"]}
    assert by_recipient == {"Mrs Dana Hall", THIRD_PARTY}


def test_the_command_line_asks_the_dsls_pin_to_release_safeguarding_information(school, tmp_path):
    s = school
    _zoe_this_term(s, tmp_path)
    out = tmp_path / "zoe.json"
    code, said, _ = s.cli("subject-access", ZOE, "--out", str(out))
    assert code == 0 and "Withheld pending DSL review (the safeguarding exemption)" in said, said
    assert "court-order or access notes of 1 carer" in said
    code, said, err = s.cli("subject-access", ZOE, "--out", str(out), "--include-safeguarding")
    assert code != 0 and "--dsl" in said + err
    code, said, _ = s.cli("subject-access", ZOE, "--out", str(out), "--include-safeguarding", "--dsl", "PS",
                          "--pin-stdin", stdin=f"{DSL_PIN}\n")
    assert code == 0 and "released by Priya Shah (DSL)" in said, said
    assert [n["text"] for n in json.loads(out.read_text(encoding="utf-8"))["safeguarding"]["notes"]] == [CONCERN]
    # The father's own export: his own court order too is for the DSL to release (its terms name others).
    code, said, err = s.cli("subject-access", ZOE, "--out", str(out), "--for-carer", "Evan Hall")
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "dana.hall@example.org" not in text and "Family Court" not in text
    code, said, err = s.cli("subject-access", ZOE, "--out", str(out), "--for-carer", "Evan Hall",
                            "--include-safeguarding", "--dsl", "PS", "--pin-stdin", stdin=f"{DSL_PIN}\n")
    text = out.read_text(encoding="utf-8")
    assert code == 0 and COURT_NOTE in text and "dana.hall@example.org" not in text


def test_a_short_note_is_withheld_where_it_was_copied_without_blanking_every_word_like_it(school, tmp_path):
    s = school
    _zoe_this_term(s, tmp_path)
    father = Carer.get((Carer.pupil == s.pupils[0].id) & (Carer.name == "Mr Evan Hall"))
    Carer.update(access_notes=at_rest.encrypt(s.keyring.notes_key, "sent", table="carer", column="access_notes",
                                              row_id=father.id)).where(Carer.id == father.id).execute()
    export = subject_access(s.ctx(CLI_ADMIN), ZOE)
    [record] = export["phone_records"]
    # The note as the DSL read it at the release (no longer the MIS's note) is withheld all the same.
    assert record["collected_by"]["access_notes"] == THIRD_PARTY and "Family Court" not in _text(export)
    assert all(m["state"] == "sent" for m in export["messages"]), "a four-letter note blanked an ordinary word"
    assert {c["name"]: c for c in export["carers"]}["Mr Evan Hall"]["access_notes"] == THIRD_PARTY
    released = subject_access(s.ctx(CLI_ADMIN), ZOE, safeguarding_by=s.signed_in("PS"))
    assert released["phone_records"][0]["collected_by"]["access_notes"] == COURT_NOTE  # the DSL releases it
