"""Retention and subject access: erase what is past its time without breaking the audit chain; export all
about one pupil and nothing about anyone else."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

from kiosk.audit import verify
from kiosk.auth import SignedIn
from kiosk.cli import main
from kiosk.custody import close_day, hand_back, hand_in, normalise, resolve
from kiosk.custody.confiscation import confiscate
from kiosk.custody.release import carers_of, release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, flag_safeguarding, hand_to_police
from kiosk.custody.searches import record_search
from kiosk.db import Custody, DslNote, Event, Pupil, Search
from kiosk.privacy.retention import ERASED, purge, release_for_disposal
from kiosk.privacy.subject_access import subject_access
from tests.conftest import OFFICE_PIN
from tests.test_confiscation import as_role

ADMIN = SignedIn(staff_id=None, name="command line (it)", initials="CLI", role="admin", desk="Reception 1")


def tag(s, i):
    return resolve(normalise(s.tag_of(s.pupils[i])))


def old_school_year(s):
    """September 2022: a daily cycle, a released confiscation, a search, a police case. Then today's day."""
    s.clock.set(datetime(2022, 9, 12, 8, 0, tzinfo=UTC))
    for i in range(3):
        hand_in(s.ctx(), tag(s, i))
    s.clock.set(datetime(2022, 9, 12, 15, 0, tzinfo=UTC))
    for i in range(2):
        hand_back(s.ctx(), tag(s, i))
    close_day(s.ctx())
    taken = confiscate(s.ctx(), tag(s, 3), confiscated_by_name="Mr Ellis", reason_category="used in lesson",
                       location="Room 4", condition=["in a case"], seal_number="OLD-1")
    release_to_carer(s.ctx(), taken.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_of(s.pupils[3].id)[0].id)
    record_search(s.ctx(), pupil_id=s.pupils[4].id, searched_by_name="Mrs Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=True)
    police = confiscate(s.ctx(), tag(s, 5), confiscated_by_name="Mr Ellis", reason_category="other breach",
                        location="Yard", condition=[], seal_number="OLD-2")
    flag_safeguarding(s.ctx(), police.custody_id, concern="indecent image reported", acknowledged=True)
    hand_to_police(s.ctx(as_role(s, "PS")), police.custody_id,
                   PoliceHandover("PC A. Lane", "77", "Kent Police", "46/1/22", "EV-1"))
    s.clock.set(datetime(2026, 11, 30, 8, 30, tzinfo=UTC))
    hand_in(s.ctx(), tag(s, 0))
    return taken.custody_id, police.custody_id


def test_purge_erases_old_records_keeps_police_and_open_ones_and_the_chain_still_verifies(any_school):
    s = any_school
    released_id, police_id = old_school_year(s)
    dry = purge(s.ctx(ADMIN), dry_run=True)
    # Two closed daily records; the third phone was never collected, so its record is still open.
    assert dry.removed["daily hand-in records"] == 2 and dry.removed["confiscation records"] == 1
    assert dry.removed["search records"] == 1
    assert dry.kept["safeguarding and police records"][0] == 1
    assert Search.get().grounds == "reported filming"  # the dry run changed nothing

    report = purge(s.ctx(ADMIN), dry_run=False)
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
    release_for_disposal(s.ctx(as_role(s, "PS")), police_id, reason="case closed by police in 2023")
    again = purge(s.ctx(ADMIN), dry_run=False)
    assert again.removed["confiscation records"] == 1 and again.removed["daily hand-in records"] == 0
    assert Custody.get_by_id(police_id).seal_number is None
    assert verify(s.keyring.audit_key).ok


def test_leavers_names_and_contacts_go_once_nothing_of_theirs_is_kept(school):
    s = school
    old_school_year(s)
    Pupil.update(active=False, left_on=date(2024, 7, 20)).where(Pupil.id.in_([s.pupils[1].id, s.pupils[5].id])
                                                               ).execute()
    purge(s.ctx(ADMIN), dry_run=False)
    gone = Pupil.get_by_id(s.pupils[1].id)
    assert gone.legal_forename == "Removed" and gone.search_name == "" and not list(gone.carers)
    kept = Pupil.get_by_id(s.pupils[5].id)  # the police case still names him
    assert kept.legal_surname == "Webb"
    assert verify(s.keyring.audit_key).ok


def test_subject_access_has_everything_about_the_pupil_and_nothing_about_anyone_else(school, tmp_path):
    s = school
    old_school_year(s)
    export = subject_access(s.ctx(ADMIN), "100004")  # Aoife: a released confiscation
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
    stdout = io.StringIO()
    assert main(["--db", s.url, "subject-access", "100006", "--out", str(out)], clock=s.clock, out=stdout) == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert export["phone_records"] == [] and export["history"] == []
    assert export["withheld"]["safeguarding notes"] == 1 and export["withheld"]["phone records under safeguarding"]
    text = out.read_text(encoding="utf-8")
    assert "indecent" not in text and "46/1/22" not in text
    assert "Withheld pending DSL review" in stdout.getvalue()


def test_purge_command_reports_and_verify_passes_after(school):
    s = school
    old_school_year(s)
    out = io.StringIO()
    assert main(["--db", s.url, "purge", "--dry-run"], clock=s.clock, out=out) == 0
    assert "Would remove" in out.getvalue() and "daily hand-in records: 2" in out.getvalue()
    out = io.StringIO()
    assert main(["--db", s.url, "purge"], clock=s.clock, out=out) == 0
    out = io.StringIO()
    assert main(["--db", s.url, "audit", "verify"], clock=s.clock, out=out) == 0, out.getvalue()
