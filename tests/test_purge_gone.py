"""Purge means gone: once retention removes a record, no view shows it (subject access, reports, the pupil page);
the trail keeps only what verification needs; the purge is itself an audited event naming who ran it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from kiosk.audit import verify
from kiosk.custody import DeskContext
from kiosk.custody.queries import carers_to_contact
from kiosk.custody.queries.history import pupil_history
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.searches import record_search
from kiosk.db import Event, Search
from kiosk.privacy.retention import purge
from kiosk.privacy.subject_access import subject_access
from kiosk.reports.figures import confiscation_figures
from kiosk.reports.periods import period
from tests.conftest import CLI_ADMIN, HEAD_PIN, OFFICE_PIN


def _two_confiscations_and_a_search(s) -> None:
    """Pupil 3's phone confiscated twice this morning and released both times (a repeat); a search of pupil 4."""
    for seal, taken_at in (("BAG-1", 9), ("BAG-2", 10)):
        s.clock.set(datetime(2026, 11, 30, taken_at, 0, tzinfo=UTC))
        taken = s.confiscate(3, by="Mr Ellis", reason="used in lesson", location="Room 4", seal=seal)
        s.clock.set(datetime(2026, 11, 30, taken_at, 30, tzinfo=UTC))
        # The second is held under the escalation ladder: the head authorises its release.
        release_to_carer(s.ctx(), taken.custody_id, pin=OFFICE_PIN, id_seen="passport",
                         carer_id=carers_to_contact(pupil_id=s.pupils[3].id)[0].id,
                         authorisation=Authorisation("HG", HEAD_PIN, "parent collects today"))
    record_search(s.ctx(), pupil_id=s.pupils[4].id, searched_by_name="Mrs Adams", authorised_by_name="Head",
                  grounds="reported filming", found="nothing", dsl_informed=True, parent_informed=True)
    s.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))


def _ctx_keeping_nothing(s, who=None) -> DeskContext:
    settings = replace(s.settings, retain_confiscation_years=0)
    return DeskContext(s.keyring, s.clock, settings, who or CLI_ADMIN)


def _term(s):
    return period("term", date(2026, 11, 30), s.settings)


def test_purged_confiscations_and_searches_are_gone_from_subject_access_reports_and_the_pupil_page(any_school):
    s = any_school
    _two_confiscations_and_a_search(s)
    mis_id = s.pupils[3].mis_id
    before = subject_access(s.ctx(CLI_ADMIN), mis_id)
    assert len(before["phone_records"]) == 2 and confiscation_figures(_term(s), s.settings).repeat_pupils

    report = purge(_ctx_keeping_nothing(s), dry_run=False)
    assert report.removed["confiscation records"] == 2 and report.removed["search records"] == 1

    after = subject_access(s.ctx(CLI_ADMIN), mis_id)
    assert after["phone_records"] == [], after["phone_records"]
    kept = [e for e in after["history"] if e["what"] != "SUBJECT_ACCESS_EXPORTED"]
    assert kept == [], f"the purged records' events still show: {kept}"
    assert subject_access(s.ctx(CLI_ADMIN), s.pupils[4].mis_id)["searches"] == []

    figures = confiscation_figures(_term(s), s.settings)
    assert figures.repeat_pupils == [] and figures.total == 0, figures

    lines = pupil_history(pupil_id=s.pupils[3].id, dsl=True)
    assert not [line for line in lines if "erased" in line.what or "onfiscat" in line.what], lines

    # The trail keeps what verification needs: the events, sealed, with their payloads erased.
    assert Event.select().where(Event.pupil == s.pupils[3].id).count() > 0
    assert verify(s.keyring.audit_key).ok, verify(s.keyring.audit_key).problems
    assert Search.select().count() == 1, "the search row stays for the chain; its text is erased"


def test_the_purge_is_an_audited_event_naming_who_ran_it(any_school):
    s = any_school
    _two_confiscations_and_a_search(s)
    admin = s.signed_in("SO")
    purge(_ctx_keeping_nothing(s), dry_run=False, actor=admin)
    event = Event.select().where(Event.action == "PURGED").order_by(Event.seq.desc()).get()
    assert event.staff_id == admin.staff_id
    body = json.loads(event.payload_json)
    assert body["by"] == "Sam Okafor (SO)" and body["removed"]["confiscation records"] == 2
    assert verify(s.keyring.audit_key).ok


def test_a_purge_from_the_command_line_without_an_admin_names_the_command_line(school):
    s = school
    _two_confiscations_and_a_search(s)
    purge(_ctx_keeping_nothing(s), dry_run=False)
    event = Event.select().where(Event.action == "PURGED").order_by(Event.seq.desc()).get()
    assert json.loads(event.payload_json)["by"] == "command line (it) (CLI)"
