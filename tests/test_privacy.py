"""Retention and subject access: erase what is past its time without breaking the audit chain; export all
about one pupil and nothing about anyone else."""

from __future__ import annotations

import json
from datetime import date

from kiosk.audit import verify
from kiosk.db import Custody, DslNote, Event, Pupil, Search
from kiosk.privacy import at_rest
from kiosk.privacy.retention import ERASED, purge, release_for_disposal
from kiosk.privacy.subject_access import subject_access
from tests.conftest import ADMIN_PIN, AS_ADMIN, CLI_ADMIN, seal_fixture_rows
from tests.histories import old_school_year


def test_purge_erases_old_records_keeps_police_and_open_ones_and_the_chain_still_verifies(any_school):
    s = any_school
    released_id, police_id = old_school_year(s)
    dry = purge(s.ctx(CLI_ADMIN), dry_run=True)
    # Two closed daily records; the third phone was never collected, so its record is still open.
    assert dry.removed["daily hand-in records"] == 2 and dry.removed["confiscation records"] == 1
    assert dry.removed["search records"] == 1
    assert dry.kept["safeguarding and police records"][0] == 1
    # the dry run changed nothing (the grounds are stored encrypted: kiosk/privacy/at_rest.py)
    assert at_rest.read(s.keyring.notes_key, Search.get(), "grounds") == "reported filming"

    report = purge(s.ctx(CLI_ADMIN), dry_run=False)
    assert report.removed == dry.removed
    released = Custody.get_by_id(released_id)
    assert released.handed_to is None and released.seal_number is None and released.location is None
    assert Event.select().where((Event.custody == released_id) & Event.payload_json.is_null(False)).count() == 0
    assert Search.get().grounds == ERASED
    police = Custody.get_by_id(police_id)
    assert police.seal_number == "OLD-2" and "46/1/22" in police.details_json  # kept until the DSL decides
    assert DslNote.select().where(DslNote.custody == police_id).count() == 1
    today = Custody.get(Custody.closed_at.is_null())
    assert Event.get(Event.custody == today.id).payload_json is not None
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems

    # The DSL releases the police record for disposal; the next purge then removes it too.
    release_for_disposal(s.ctx(s.signed_in("PS")), police_id, reason="case closed by police in 2023")
    again = purge(s.ctx(CLI_ADMIN), dry_run=False)
    assert again.removed["confiscation records"] == 1 and again.removed["daily hand-in records"] == 0
    assert Custody.get_by_id(police_id).seal_number is None
    assert verify(s.keyring.audit_key).ok


def test_leavers_names_and_contacts_go_once_nothing_of_theirs_is_kept(school):
    s = school
    old_school_year(s)
    Pupil.update(active=False, left_on=date(2024, 7, 20)).where(Pupil.id.in_([s.pupils[1].id, s.pupils[5].id])
                                                               ).execute()
    seal_fixture_rows(s.keyring)  # resealed, as the roster import that marks them as left reseals them
    purge(s.ctx(CLI_ADMIN), dry_run=False)
    gone = Pupil.get_by_id(s.pupils[1].id)
    assert gone.legal_forename == "Removed" and gone.search_name == "" and not list(gone.carers)
    kept = Pupil.get_by_id(s.pupils[5].id)  # the police case still names him
    assert kept.legal_surname == "Webb"
    assert verify(s.keyring.audit_key).ok


def test_subject_access_has_everything_about_the_pupil_and_nothing_about_anyone_else(school, tmp_path):
    s = school
    old_school_year(s)
    export = subject_access(s.ctx(CLI_ADMIN), "100004")  # Aoife: a released confiscation
    assert export["pupil"]["legal_surname"] == "Ó Súilleabháin"
    assert [c["relationship"] for c in export["carers"]] == ["Mother", "Grandparent"]
    assert len(export["tags"]) == 1
    [record] = export["phone_records"]
    assert record["kind"] == "confiscated" and record["handed_to"] == "Mrs Dana Ó Súilleabháin (Mother)"
    assert record["bag_or_seal"] == "OLD-1" and record["where"] == "Room 4"
    assert [h["what"] for h in export["history"]] == ["CONFISCATED", "RELEASED"]
    text = json.dumps(export, ensure_ascii=False)
    for other in s.pupils:
        if other.id != s.pupils[3].id:
            assert other.legal_surname not in text, other.legal_surname
            assert other.mis_id not in text
    assert Event.select().where(Event.action == "SUBJECT_ACCESS_EXPORTED").count() == 1


def test_subject_access_withholds_safeguarding_records_pending_dsl_review(school, tmp_path):
    s = school
    old_school_year(s)
    out = tmp_path / "leo.json"
    code, said, _ = s.cli("subject-access", "100006", "--out", str(out))
    assert code == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert export["phone_records"] == [] and export["history"] == []
    assert export["withheld"]["safeguarding notes"] == 1 and export["withheld"]["phone records under safeguarding"]
    text = out.read_text(encoding="utf-8")
    assert "indecent" not in text and "46/1/22" not in text
    assert "Withheld pending DSL review" in said


def test_purge_command_reports_and_verify_passes_after(school):
    s = school
    old_school_year(s)
    code, out, _ = s.cli("purge", "--dry-run")
    assert code == 0
    assert "Would remove" in out and "daily hand-in records: 2" in out
    assert s.cli("purge", *AS_ADMIN, stdin=f"{ADMIN_PIN}\n")[0] == 0
    code, out, _ = s.cli("audit", "verify")
    assert code == 0, out
