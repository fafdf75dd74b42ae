"""Issue 16's last read models and the tag's phone, on real SQLite (the `school` fixture): the DSL's sign-in alert
naming police cases awaiting an outcome; the pupil page's history naming each link of the chain in full and keeping
examinations to those who may record one; a pupil's tag carrying the phone's particulars, sealed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from kiosk.audit import verify
from kiosk.auth.roles import Permission
from kiosk.custody.daily import hand_back, hand_in
from kiosk.custody.errors import DeskError, NotPermitted
from kiosk.custody.examinations import Authorisation, record_examination
from kiosk.custody.handovers import hand_over
from kiosk.custody.links import DSL_OFFICE, OFFICE_SAFE, Signer
from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.queries.history import pupil_history
from kiosk.custody.queries.pupil_page import pupil_page
from kiosk.custody.queries.sign_in_alert import dsl_sign_in_alert
from kiosk.custody.queries.tag_phone import phone_on_tag
from kiosk.custody.tag_phone import record_phone_on_tag
from kiosk.db.migrations import LATEST, MIGRATIONS, migrate_to_latest
from kiosk.db.models import Event, Setting, Tag, database_proxy
from kiosk.labels.replace import replace_tag
from tests.conftest import DSL_PIN, HEAD_PIN
from tests.dsl_case_support import with_the_police
from tests.test_sealed_rows import attacker_sql


def test_the_sign_in_alert_names_police_cases_awaiting_an_outcome_and_the_oldest_age(school):
    s = school
    tz = s.settings.tz
    assert dsl_sign_in_alert().police == () and not dsl_sign_in_alert().anything
    with_the_police(s, 0)  # Mon 30 Nov
    today = date(2026, 11, 30)
    assert dsl_sign_in_alert().police_words(today=today, tz=tz) == \
        "1 phone with the police awaiting an outcome (handed over today)"
    s.clock.advance(days=3)
    with_the_police(s, 1)  # Thu 3 Dec
    alert = dsl_sign_in_alert()
    assert alert.anything and alert.holds == ()  # with the police: no longer on a hold
    assert alert.police_words(today=date(2026, 12, 12), tz=tz) == \
        "2 phones with the police awaiting an outcome (oldest 12 days)"
    assert alert.police_words(today=date(2026, 12, 1), tz=tz) == \
        "2 phones with the police awaiting an outcome (oldest 1 day)"


# ── the pupil page's history: each link of the chain in full; examinations for those who may record one ─────────
def test_the_history_names_each_link_of_the_chain_in_full(school):
    s = school
    receipt = s.confiscate(0)
    s.clock.advance(minutes=30)
    hand_over(s.ctx(), receipt.custody_id, to_place=DSL_OFFICE, received_by=Signer(initials="PS", pin=DSL_PIN))
    s.clock.advance(minutes=30)
    hand_over(s.ctx(), receipt.custody_id, to_place=OFFICE_SAFE, released_by=Signer(name="Priya Shah"),
              new_seal="BAG-0077", note="bag opened to read the IMEI")
    whats = [line.what for line in pupil_history(pupil_id=s.pupils[0].id, dsl=False)]
    assert whats[0] == ("handed over · DSL's office → office safe · bag BAG-0001 → BAG-0077 · given by Priya Shah "
                        "(not at the desk: named by Ann Adams) · taken by Ann Adams (signed in at the desk) · bag "
                        "opened to read the IMEI")
    assert whats[1] == ("handed over · office safe → DSL's office · bag BAG-0001 · given by Ann Adams (signed in at "
                        "the desk) · taken by Priya Shah (confirmed with their PIN)")
    # The first link (teacher → office) on its own line, worded as the handovers, above its confiscation.
    assert whats[2:] == ["handed over · Mr T. Ellis in Room S12 → office safe · bag BAG-0001 · given by Mr T. Ellis "
                         "(not at the desk: named by Ann Adams) · taken by Ann Adams (signed in at the desk)",
                         "confiscated · used in lesson · bag BAG-0001"]


def _examined(s, custody_id: int) -> None:
    record_examination(s.ctx(s.signed_in("PS")), custody_id=custody_id, authorisation=Authorisation("HG", HEAD_PIN),
                       examined_by_name="Mr H. Grant-Ellis", reason="threats reported by another pupil",
                       looked_at="messages app, one thread", erased=False, erased_what="", dsl_told=True,
                       parent_told=False)


def test_an_examination_is_in_the_history_only_for_those_who_may_record_one(school):
    s = school
    receipt = s.confiscate(0)
    _examined(s, receipt.custody_id)
    pupil = s.pupils[0].id
    for reader, sees in (("AA", False), ("PS", True), ("HG", True)):
        who = s.signed_in(reader)
        page = pupil_page(pupil_id=pupil, dsl=who.can(Permission.READ_DSL_NOTES),
                          examinations=who.can(Permission.RECORD_EXAMINATION))
        assert page is not None
        whats = " | ".join(line.what for line in page.history)
        assert ("examined" in whats) == sees, (reader, whats)
    assert "threats" not in " ".join(line.what for line in pupil_history(pupil_id=pupil, dsl=True))


# ── the phone on a pupil's tag ──────────────────────────────────────────────────────────────────────────────
PHONE = PhoneParticulars(make="Samsung", model="Galaxy A15", colour="black", case="blue silicone case",
                         imei="4901 5420 3237 518", damage="crack across the top left corner")


def test_the_phone_on_a_tag_is_checked_kept_sealed_and_a_hand_edit_is_caught(school):
    s = school
    tag = Tag.get(Tag.code == s.tag_of(s.pupils[0]))
    assert verify(s.keyring.audit_key).ok
    with pytest.raises(DeskError, match="check digit"):
        record_phone_on_tag(s.ctx(), tag_id=tag.id, phone=replace(PHONE, imei="490154203237519"))
    recorded = record_phone_on_tag(s.ctx(), tag_id=tag.id, phone=PHONE)
    assert recorded.phone == replace(PHONE, imei="490154203237518")  # kept as its digits, as a confiscation's
    assert phone_on_tag(tag_id=tag.id) == recorded.phone
    [line] = pupil_page(pupil_id=s.pupils[0].id, dsl=False).tags
    assert line.phone == recorded.phone and line.id == tag.id
    event = Event.select().order_by(Event.seq.desc()).first()
    assert (event.action, event.tag_id, event.pupil_id) == ("TAG_PHONE_RECORDED", tag.id, s.pupils[0].id)
    assert verify(s.keyring.audit_key).ok
    # Someone with the database but not the key file changes the phone the tag is for: verify names the tag.
    attacker_sql(s, "UPDATE tag SET phone_json = replace(phone_json, 'black', 'white') WHERE id = ?", tag.id)
    report = verify(s.keyring.audit_key)
    assert not report.ok and any("tag" in problem.lower() for problem in report.problems), report.problems
    code, out, _ = s.cli("audit", "verify")  # `kiosk audit verify`, as the office or IT runs it
    assert code == 1 and "tag" in out.lower(), out


def test_clearing_the_phone_on_a_tag_and_a_retired_tag_refused(any_school):
    s = any_school
    tag = Tag.get(Tag.code == s.tag_of(s.pupils[1]))
    record_phone_on_tag(s.ctx(), tag_id=tag.id, phone=PHONE)
    cleared = record_phone_on_tag(s.ctx(), tag_id=tag.id, phone=PhoneParticulars())  # nothing typed: cleared
    assert cleared.phone is None and phone_on_tag(tag_id=tag.id) is None
    assert verify(s.keyring.audit_key).ok
    Tag.update(status="retired").where(Tag.id == tag.id).execute()
    with pytest.raises(DeskError, match="retired"):
        record_phone_on_tag(s.ctx(), tag_id=tag.id, phone=PHONE)


def test_a_teacher_may_not_record_the_phone_on_a_tag(school):
    s = school
    tag = Tag.get(Tag.code == s.tag_of(s.pupils[0]))
    with pytest.raises(NotPermitted):
        record_phone_on_tag(s.ctx(s.signed_in("TE")), tag_id=tag.id, phone=PHONE)
    assert phone_on_tag(tag_id=tag.id) is None


def test_hand_back_says_which_phone_the_tag_is_for(any_school):
    s = any_school
    record_phone_on_tag(s.ctx(), tag_id=Tag.get(Tag.code == s.tag_of(s.pupils[2])).id, phone=PHONE)
    hand_in(s.ctx(), s.scanned(2))
    hand_in(s.ctx(), s.scanned(3))
    back = hand_back(s.ctx(), s.scanned(2))
    assert back.notes[0] == ("Check it is their phone: Samsung Galaxy A15, black, case: blue silicone case, SIM not "
                             "checked, IMEI 490154203237518; damage: crack across the top left corner")
    assert not any("Check it is their phone" in note for note in hand_back(s.ctx(), s.scanned(3)).notes)


def test_the_phone_column_is_added_to_a_database_at_schema_10_and_old_tag_seals_still_verify(school):
    s = school
    assert 11 in [number for number, _title, _apply in MIGRATIONS]  # this helper's reserved number
    db = database_proxy.obj
    db.execute_sql("ALTER TABLE tag DROP COLUMN phone_json")
    Setting.update(value="10").where(Setting.key == "schema_version").execute()
    assert migrate_to_latest(db) == LATEST
    assert "phone_json" in {c.name for c in db.get_columns("tag")}
    assert verify(s.keyring.audit_key).ok  # tags sealed before the column existed


def test_a_replaced_tag_keeps_the_phone_it_is_for(school):
    s = school
    old = Tag.get(Tag.code == s.tag_of(s.pupils[0]))
    record_phone_on_tag(s.ctx(), tag_id=old.id, phone=PHONE)
    replaced = replace_tag(s.ctx(), tag_code=old.code, reason="lost")
    assert phone_on_tag(tag_id=replaced.new_tag_id) == phone_on_tag(tag_id=old.id) is not None
    assert verify(s.keyring.audit_key).ok
