"""Carers as the MIS knows them (issue 16): each MIS's contact columns imported (parental responsibility, priority,
relationship, mobile, email, may / must not collect, court-order and access notes, lives with the pupil, no contact);
a broken value named by its line, nothing imported; release to a contact the MIS says must not collect refused for
everyone but the DSL, who acknowledges the note (in the event and on the receipt); the no-PR warning on the receipt;
a hand edit of a carer's flags caught by `kiosk audit verify`; a schema-4 database's carers still verify."""

from __future__ import annotations

import json
import sqlite3

import pytest

from kiosk.audit import verify
from kiosk.custody.queries import carers_on_roster, carers_to_contact
from kiosk.custody.release import release_to_carer
from kiosk.db import Carer, Custody, Event
from kiosk.db.models import MAY_COLLECT, MUST_NOT_COLLECT
from kiosk.errors import NotPermitted, Refused
from kiosk.privacy import at_rest
from kiosk.roster.parse import parse_carers
from kiosk.roster.report import RosterError
from kiosk.roster.values import NotYesOrNo, read_yes_no
from tests.carers_support import ARBOR, BROMCOM, COURT_NOTE, SHAPES, SIMS, WONDE, import_contacts, write_csv
from tests.conftest import ADMIN_PIN, DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.helpers import pdf_text


def paper_text(tmp_path, pdf: bytes) -> str:
    """A paper's words as pdftotext reads them back, on one line."""
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    return " ".join(pdf_text(path).split())


# ── the one yes/no helper ─────────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("cell", "read"), [("Yes", True), ("Y", True), ("TRUE", True), ("true", True), ("1", True),
                                            ("No", False), ("n", False), ("False", False), ("0", False),
                                            (" ", None), ("", None)])
def test_yes_no_as_each_mis_writes_it(cell, read):
    assert read_yes_no(cell) is read


@pytest.mark.parametrize("cell", ["Maybe", "2", "Yes please", "?"])
def test_a_yes_no_cell_that_says_neither_is_never_guessed(cell):
    with pytest.raises(NotYesOrNo, match="is not yes or no"):
        read_yes_no(cell)


# ── each MIS's shape ──────────────────────────────────────────────────────────────────────────────────────────


def _by_name(tmp_path, lines):
    return {c.name: c for c in parse_carers(write_csv(tmp_path / "contacts.csv", lines)).carers}


def test_arbor_is_authorized_to_collect_and_access_notes(tmp_path):
    carers = _by_name(tmp_path, ARBOR)
    mother, father, grandad = carers["Mrs Dana Hall"], carers["Mr Evan Hall"], carers["Mr Joe Hall"]
    assert (mother.collection, mother.mobile, mother.email, mother.parental_responsibility, mother.priority) == \
        (MAY_COLLECT, "07700 900101", "dana.hall@example.org", True, 1)
    assert father.collection == MUST_NOT_COLLECT and father.access_notes == COURT_NOTE
    assert grandad.collection == MAY_COLLECT and grandad.parental_responsibility is False


def test_sims_court_order_details_and_no_contact(tmp_path):
    carers = _by_name(tmp_path, SIMS)
    mother, father = carers["Mrs Dana Hall"], carers["Mr Evan Hall"]
    assert (mother.telephone, mother.mobile, mother.no_communications, mother.access_notes) == \
        ("01632 960101", "07700 900101", False, None)
    assert father.access_notes == f"Court order: {COURT_NOTE}" and father.no_communications is True
    assert father.collection is None  # SIMS's court order says nothing of collection: its terms are in the note


def test_bromcom_contact_flags(tmp_path):
    carers = _by_name(tmp_path, BROMCOM)
    mother, father, grandad = carers["Mrs Dana Hall"], carers["Mr Evan Hall"], carers["Mr Joe Hall"]
    assert (mother.collection, mother.lives_with_pupil, mother.no_communications) == (MAY_COLLECT, True, False)
    assert (father.collection, father.lives_with_pupil, father.no_communications, father.access_notes) == \
        (MUST_NOT_COLLECT, False, True, COURT_NOTE)
    assert (grandad.collection, grandad.parental_responsibility) == (MAY_COLLECT, False)


def test_wonde_parental_responsibility_lives_with_pupil_and_priority(tmp_path):
    carers = _by_name(tmp_path, WONDE)
    mother, father = carers["Mrs Dana Hall"], carers["Mr Evan Hall"]
    assert (mother.parental_responsibility, mother.lives_with_pupil, mother.priority, mother.mobile, mother.email) \
        == (True, True, 1, "07700 900101", "dana.hall@example.org")
    assert (father.lives_with_pupil, father.priority, father.collection) == (False, 2, None)
    assert father.access_notes == "Court order recorded in the MIS (its terms are there)."


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_shape_imports_into_the_school_and_verifies(any_school, tmp_path, shape):
    school = any_school
    report = import_contacts(school, tmp_path, SHAPES[shape])
    assert report.carers_imported == 3
    carers = {c.name: c for c in carers_on_roster(pupil_id=school.pupils[0].id)}
    assert set(carers) == {"Mrs Dana Hall", "Mr Evan Hall", "Mr Joe Hall"}
    assert carers["Mrs Dana Hall"].mobile == "07700 900101"
    assert carers["Mr Evan Hall"].priority == 2 and carers["Mr Joe Hall"].relationship == "Grandparent"
    assert verify(school.keyring.audit_key).ok, verify(school.keyring.audit_key).problems
    if shape in ("Arbor", "Bromcom"):
        assert carers["Mr Evan Hall"].must_not_collect and COURT_NOTE in carers["Mr Evan Hall"].access_notes
        assert carers_to_contact(pupil_id=school.pupils[0].id)[-1].name == "Mr Evan Hall"  # barred: last


# ── a broken value ────────────────────────────────────────────────────────────────────────────────────────────


def test_a_broken_flag_is_named_by_line_and_column_and_nothing_is_imported(school, tmp_path):
    before = [(c.id, c.name) for c in Carer.select().order_by(Carer.id)]
    lines = [*ARBOR]
    lines[2] = lines[2].replace(",false,", ",Maybe,")  # Mr Evan Hall, line 3
    lines[3] = lines[3].replace(",,true,", ",joe.hall-at-example.org,true,")
    with pytest.raises(RosterError) as refused:
        import_contacts(school, tmp_path, lines)
    problems = [(p.line, p.message, p.who) for p in refused.value.problems]
    assert any(line == 3 and "may collect (isAuthorizedToCollect) 'Maybe' is not Yes or No" in message
               and who == "Mr Evan Hall" for line, message, who in problems), problems
    assert any(line == 4 and "'joe.hall-at-example.org' is not an email address" in message
               for line, message, _who in problems), problems
    assert [(c.id, c.name) for c in Carer.select().order_by(Carer.id)] == before  # loses nothing


def test_a_broken_must_not_collect_cell_is_not_read_as_no(tmp_path):
    lines = [*BROMCOM]
    lines[2] = lines[2].replace(",N,Y,N,Y,", ",N,Yess,N,Y,")
    with pytest.raises(RosterError) as refused:
        parse_carers(write_csv(tmp_path / "contacts.csv", lines))
    assert any(p.line == 3 and "must not collect (Must Not Collect) 'Yess' is not Yes or No" in p.message
               for p in refused.value.problems)


# ── the rule: must not collect ────────────────────────────────────────────────────────────────────────────────


def _barred_father(school, tmp_path):
    import_contacts(school, tmp_path, ARBOR)
    held = school.confiscate(0, seal="BAG-0101")
    school.after_school()
    father = next(c for c in carers_on_roster(pupil_id=school.pupils[0].id) if c.name == "Mr Evan Hall")
    return held, father


@pytest.mark.parametrize(("initials", "pin"), [("AA", OFFICE_PIN), ("SO", ADMIN_PIN), ("HG", HEAD_PIN)])
def test_release_to_a_must_not_collect_contact_is_refused_for_all_but_the_dsl(school, tmp_path, initials, pin):
    held, father = _barred_father(school, tmp_path)
    with pytest.raises(NotPermitted) as refused:
        release_to_carer(school.ctx(school.signed_in(initials)), held.custody_id, pin=pin, id_seen="passport",
                         carer_id=father.id, must_not_collect_acknowledged=True)
    assert "MUST NOT COLLECT" in refused.value.message and COURT_NOTE in refused.value.message
    assert "Only the DSL" in refused.value.message
    assert Custody.get_by_id(held.custody_id).state == "HELD_FOR_PARENT"
    refusal = Event.select().where(Event.action == "REFUSED").order_by(Event.seq.desc()).first()
    assert refusal is not None and "release_to_barred_contact" in refusal.payload_json


def test_typing_a_barred_contacts_name_as_someone_else_is_refused_too(school, tmp_path):
    held, _father = _barred_father(school, tmp_path)
    with pytest.raises(NotPermitted, match="MUST NOT COLLECT"):
        release_to_carer(school.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport",
                         collector_name="evan  HALL", relationship="dad")


def test_the_dsl_releases_to_a_barred_contact_only_having_acknowledged_the_note(any_school, tmp_path):
    from kiosk.custody.reprints import release_receipt_of
    from kiosk.documents.custody_papers import release_receipt

    school = any_school

    held, father = _barred_father(school, tmp_path)
    dsl = school.ctx(school.signed_in("PS"))
    with pytest.raises(Refused, match="Tick to confirm you have read the note"):
        release_to_carer(dsl, held.custody_id, pin=DSL_PIN, id_seen="passport", carer_id=father.id)
    receipt = release_to_carer(dsl, held.custody_id, pin=DSL_PIN, id_seen="passport", carer_id=father.id,
                               must_not_collect_acknowledged=True)
    assert receipt.must_not_collect_released_by == "Priya Shah" and receipt.access_notes == COURT_NOTE
    event = Event.select().where(Event.action == "RELEASED").order_by(Event.seq.desc()).first()
    recorded = json.loads(event.payload_json)["must_not_collect"]
    # The note the DSL read is recorded, encrypted at rest like the carer's own (kiosk/privacy/at_rest.py).
    note = recorded.pop("access_notes")
    assert recorded == {"carer_id": father.id, "acknowledged_by": "PS"} and note.startswith("enc1:")
    assert at_rest.access_notes_copied(note, custody_id=held.custody_id, key=school.keyring.notes_key) == COURT_NOTE
    assert verify(school.keyring.audit_key).ok
    for paper in (receipt, release_receipt_of(custody_id=held.custody_id)):  # the receipt, and its reprint
        text = paper_text(tmp_path, release_receipt(paper, school.settings))
        assert "MUST NOT COLLECT" in text and "Priya Shah" in text, text
        assert "[Family Court]" in text and "[ext 204]" in text, text


def test_a_contact_without_pr_needs_the_warning_and_the_receipt_says_so(school, tmp_path):
    from kiosk.documents.custody_papers import release_receipt

    import_contacts(school, tmp_path, ARBOR)
    held = school.confiscate(0)
    school.after_school()
    grandad = next(c for c in carers_on_roster(pupil_id=school.pupils[0].id) if c.name == "Mr Joe Hall")
    with pytest.raises(Refused, match="does not have parental responsibility"):
        release_to_carer(school.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=grandad.id)
    receipt = release_to_carer(school.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport",
                               carer_id=grandad.id, no_pr_acknowledged=True)
    text = paper_text(tmp_path, release_receipt(receipt, school.settings))
    assert "Parental responsibility no (MIS contact list); the member of staff saw the warning" in text, text
    assert "May collect the pupil yes (MIS contact list)" in text, text


# ── sealed: a hand edit of a flag is caught ───────────────────────────────────────────────────────────────────


def _sql(path, sql, *params):
    connection = sqlite3.connect(path)
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("sql", [
    "UPDATE carer SET collection = NULL WHERE name = 'Mr Evan Hall'",  # the bar lifted
    "UPDATE carer SET collection = 'may' WHERE name = 'Mr Evan Hall'",
    "UPDATE carer SET access_notes = 'no restrictions' WHERE name = 'Mr Evan Hall'",
    "UPDATE carer SET collection = 'must-not' WHERE name = 'Mrs Dana Hall'",
    "UPDATE carer SET no_communications = 1 WHERE name = 'Mrs Dana Hall'",
    "UPDATE carer SET email = 'someone@example.net' WHERE name = 'Mrs Dana Hall'",
])
def test_audit_verify_catches_a_hand_edit_of_a_carers_flags(school, tmp_path, sql):
    import_contacts(school, tmp_path, ARBOR)
    assert verify(school.keyring.audit_key).ok
    _sql(school.path, sql)
    report = verify(school.keyring.audit_key)
    assert not report.ok
    assert any("carer" in problem and "changed outside the kiosk" in problem for problem in report.problems), \
        report.problems


def test_a_bar_lifted_by_hand_does_not_let_the_office_release_without_authorisation(school, tmp_path):
    held, father = _barred_father(school, tmp_path)
    _sql(school.path, "UPDATE carer SET collection = NULL WHERE id = ?", father.id)
    with pytest.raises(Refused, match="changed outside the kiosk"):
        release_to_carer(school.ctx(), held.custody_id, pin=OFFICE_PIN, id_seen="passport", carer_id=father.id)


def test_a_schema_4_database_migrates_its_carers_still_verify_and_an_edit_after_is_caught(tmp_path):
    """tests/data/kiosk-v4.db was written by the kiosk at schema 4 (carers sealed without the MIS's new columns)."""
    from kiosk.db.migrations import LATEST, current_version
    from kiosk.keyring import load_key_file
    from kiosk.storage import open_for_desk
    from tests.test_migrations import old_copy

    path, key_path = old_copy(tmp_path, 4)
    keyring = load_key_file(key_path)
    db = open_for_desk(str(path), witness=None, keyring=keyring, desk="Reception 1")
    assert current_version(db) == LATEST >= 5
    assert {"mobile", "email", "collection", "access_notes", "lives_with_pupil", "no_communications"} <= \
        {c.name for c in db.get_columns("carer")}
    report = verify(keyring.audit_key)
    assert report.ok, report.problems
    carer = Carer.select().order_by(Carer.id).first()
    _sql(path, "UPDATE carer SET collection = 'must-not' WHERE id = ?", carer.id)
    problems = verify(keyring.audit_key).problems
    assert any(f"carer {carer.id} " in p and "changed outside the kiosk" in p for p in problems), problems


# ── the import's report ───────────────────────────────────────────────────────────────────────────────────────


def test_the_import_report_counts_the_barred_and_warns_of_a_file_that_cannot_say(school, tmp_path):
    arbor = "\n".join(import_contacts(school, tmp_path, ARBOR).summary_lines())
    assert "1 contact the MIS says must not collect: only the DSL can release a phone to them" in arbor
    assert "no column saying who may or must not collect" not in arbor
    sims = "\n".join(import_contacts(school, tmp_path, SIMS, name="sims.csv").summary_lines())
    assert "no column saying who may or must not collect" in sims
