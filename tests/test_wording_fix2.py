"""Words the tryout found wrong, each said once and true: an early release, a carer row missing from the roster,
a tag code as it was scanned, a pupil's name cleaned of invisible characters."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kiosk.config import Settings
from kiosk.custody.terms import early_release_reason, early_release_words

SETTINGS = Settings(school_name="Hillcrest Academy", desk="Reception 1")


def test_an_early_release_is_named_once_and_says_when_it_may_be_collected():
    morning = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    today = early_release_words(date(2026, 12, 7), at=morning, settings=SETTINGS)
    assert today == "it is held until after school, 14:30 today", today
    later = early_release_words(date(2026, 12, 9), at=morning, settings=SETTINGS)
    assert later == "it is held until Wed 9 Dec under the escalation ladder", later
    shown = f"An early release: {today}."  # as the release screen puts the receipt's
    assert shown.lower().count("early release") == 1 and "collected after school" not in shown
    reason = early_release_reason(date(2026, 12, 7), at=morning, settings=SETTINGS)
    assert reason == "an early release (it is held until after school, 14:30 today)", reason
    assert f"Needs the head or the DSL: {reason}.".lower().count("early release") == 1  # the release form's hint


def test_someone_else_chosen_reads_as_one_phrase_with_the_mark_after_it():
    from kiosk.widgets.collector_choice import SOMEONE_ELSE, SOMEONE_ELSE_DETAILS, SOMEONE_ELSE_WHO, CollectorButton

    button = CollectorButton(SOMEONE_ELSE_WHO, SOMEONE_ELSE_DETAILS, name=str(SOMEONE_ELSE), mark_last=True)
    button.value = True
    button.watch_value()
    assert str(button.label) == "Someone else, not on the list (needs the head or the DSL) ✔ chosen"


def test_audit_verify_opens_with_what_it_found_when_only_a_carer_row_is_gone():
    from kiosk.audit.verify import VerifyReport

    report = VerifyReport(events_checked=9, custody_checked=2)
    report.fail("carer 3 was deleted outside the kiosk (event 7 recorded it)")
    assert report.verdict == ("AUDIT TRAIL FAILED VERIFICATION: the chain is intact, but carer 3 was deleted outside "
                              "the kiosk (event 7 recorded it)"), report.verdict
    report.fail("custody record 2 (pupil 100001) was changed outside the kiosk")
    assert report.verdict.endswith("(event 7 recorded it) (and 1 more: all are listed below)"), report.verdict
    broken = VerifyReport()
    broken.fail("event 4: hash mismatch", 4)
    assert broken.verdict == "AUDIT TRAIL FAILED VERIFICATION: first bad sequence number 4"


def test_a_code_shaped_search_is_shown_as_scanned_in_upper_case_and_a_name_as_typed():
    from kiosk.custody.scans import normalise

    assert normalise("KZZZ-ZZZZ").shown == "KZZZ-ZZZZ"
    assert normalise("kzzz-zzzz").shown == "KZZZ-ZZZZ", "a code typed in lower case is shown as it is printed"
    assert normalise("Zoë  Hall").shown == "Zoë Hall" and normalise("Zoë  Hall").text == "zoe hall"


def test_a_zero_width_space_in_a_forename_is_cleaned_with_a_note_as_a_control_code_is(school, tmp_path):
    from kiosk.db import Pupil
    from kiosk.roster.importer import import_roster
    from kiosk.text import plain_text

    pupils = tmp_path / "pupils.csv"
    pupils.write_text("Adno,Forename,Surname,Year,Reg\n"
                      "300001,Mi\u200ba,Ha\x07rt,Year 9,9C\n"
                      "300002,\ufeffNoah,Pa\u2060tel,Year 9,9C\n"
                      "300003,Zo\u00e9,Ha\u200dll,Year 9,9C\n", encoding="utf-8")
    report = import_roster(pupils, None, clock=school.clock, audit_key=school.keyring.audit_key,
                           desk="Reception 1", staff_id=None, dry_run=False)
    mia, noah = Pupil.get(Pupil.mis_id == "300001"), Pupil.get(Pupil.mis_id == "300002")
    assert (mia.legal_forename, mia.legal_surname) == ("Mia", "Hart")
    assert (noah.legal_forename, noah.legal_surname) == ("Noah", "Patel")
    notes = [str(problem) for problem in report.problems]
    for line in (2, 3):
        assert any(f"line {line}" in note and "forename" in note for note in notes), notes
        assert any(f"line {line}" in note and "surname" in note for note in notes), notes
    # A joiner between letters is part of how some scripts are written (and of emoji): kept, with no note.
    assert Pupil.get(Pupil.mis_id == "300003").legal_surname == "Ha\u200dll"
    assert not any("line 4" in note for note in notes), notes
    assert plain_text("K7XQ\u200b-2M4P") == "K7XQ-2M4P", "a scan is cleaned by the same rule"
