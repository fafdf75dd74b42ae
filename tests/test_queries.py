"""The read models the screens use (kiosk.custody.queries, kiosk.custody.lookup): the same rows, in the same order,
as the screens' own queries read before; plain frozen dataclasses, never a model; a failed read is NOT READ."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from peewee import Model, OperationalError

from kiosk.auth import SignedIn
from kiosk.clock import to_db
from kiosk.custody import hand_back, hand_in, normalise, resolve
from kiosk.custody.codes import new_code
from kiosk.custody.confiscation import confiscate
from kiosk.custody.exceptions import add_exception
from kiosk.custody.lookup import pupil_by_id, pupil_with_admission_number, pupil_with_tag
from kiosk.custody.queries import (
    CarerOption,
    carers_on_roster,
    carers_to_contact,
    confiscations_held,
    confiscations_since,
    dsl_note_count,
    form_named,
    forms_and_years,
    holds_now,
    last_confiscation,
    last_record_of_tag,
    open_record_count,
    open_record_of_tag,
    pupil_history,
    pupil_page,
    tag_seen,
)
from kiosk.custody.release import Authorisation, release_to_carer
from kiosk.custody.safeguarding import PoliceHandover, add_dsl_note, flag_safeguarding, hand_to_police
from kiosk.custody.states import REFER_TO_DSL, State
from kiosk.custody.transitions import already_released
from kiosk.db import Carer, Custody, Pupil, Staff, Tag, database_proxy
from kiosk.errors import StorageFailed
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN


def as_role(initials: str) -> SignedIn:
    staff = Staff.get(Staff.initials == initials)
    return SignedIn(staff_id=staff.id, name=staff.name, initials=staff.initials, role=staff.role, desk="Reception 1")


def second_tag(s, pupil: Pupil) -> Tag:
    return Tag.create(code=new_code(), pupil=pupil, created_at=to_db(s.clock.now()))


def take(s, code: str, *, seal: str, reason: str = "used in lesson"):
    return confiscate(s.ctx(), resolve(normalise(code)), confiscated_by_name="Mr T. Ellis", reason_category=reason,
                      location="Room S12", condition=["in a case"], seal_number=seal)


def at(hour: int, minute: int = 0) -> datetime:
    """On Monday 30 Nov 2026 (GMT: UTC is the school's time)."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC)


# ── confiscations: the release and confiscation screens ─────────────────────────────────────────────────────
def test_confiscations_held_are_the_pupils_open_confiscations_oldest_first(any_school):
    s = any_school
    zoe, lukasz = s.pupils[0], s.pupils[1]
    spare, third = second_tag(s, zoe), second_tag(s, zoe)
    s.clock.set(at(9))
    first = take(s, spare.code, seal="BAG-1")
    s.clock.set(at(10))
    second = take(s, s.tag_of(zoe), seal="BAG-2", reason="used on site")
    flag_safeguarding(s.ctx(), second.custody_id, concern="a concern", acknowledged=True, kind="risk_of_harm")
    hand_in(s.ctx(), resolve(normalise(third.code)))  # open, but on the daily cycle: not a confiscation
    take(s, s.tag_of(lukasz), seal="BAG-3")  # another pupil's

    held = confiscations_held(pupil_id=zoe.id)

    assert [(p.id, p.tag_id, p.seal_number) for p in held] == [(first.custody_id, spare.id, "BAG-1"),
                                                               (second.custody_id, zoe_tag(zoe).id, "BAG-2")]
    first_held, on_hold = held
    assert (first_held.state, first_held.releasable, first_held.can_go_on_hold, first_held.on_hold) == \
        (State.HELD_FOR_PARENT, True, True, False)
    assert (on_hold.state, on_hold.releasable, on_hold.can_go_on_hold, on_hold.on_hold, on_hold.ever_on_hold) == \
        (State.SAFEGUARDING_HOLD, False, False, True, True)
    assert (first_held.opened_at, first_held.confiscated_at) == (at(9), at(9))
    assert (first_held.reason_category, first_held.location, first_held.confiscated_by_name,
            first_held.condition, first_held.slot, first_held.held_until) == \
        ("used in lesson", "Room S12", "Mr T. Ellis", "in a case", first.slot, first.held_until)
    assert confiscations_held(pupil_id=s.pupils[2].id) == ()
    # Collecting it before the ladder's date is an early release (a head or the DSL authorises it).
    until_wednesday = dataclasses.replace(first_held, held_until=date(2026, 12, 2))
    assert [until_wednesday.early_release_on(date(2026, 12, d)) for d in (1, 2, 3)] == [True, False, False]
    assert not dataclasses.replace(first_held, held_until=None).early_release_on(date(2026, 11, 30))


def zoe_tag(pupil: Pupil) -> Tag:
    return Tag.select().where(Tag.pupil == pupil).order_by(Tag.id).first()


def test_last_confiscation_says_who_took_it_home_in_the_release_desks_words(any_school):
    s = any_school
    zoe = s.pupils[0]
    assert last_confiscation(pupil_id=zoe.id) is None
    taken = take(s, s.tag_of(zoe), seal="BAG-1")
    assert last_confiscation(pupil_id=zoe.id) is None  # still held: nothing closed yet
    s.clock.set(at(15, 20))
    carer = carers_to_contact(pupil_id=zoe.id)[0]
    release_to_carer(s.ctx(), taken.custody_id, pin=OFFICE_PIN, id_seen="driving licence", carer_id=carer.id)

    last = last_confiscation(pupil_id=zoe.id)

    assert (last.state, last.closed_at, last.closed_by, last.closed_desk) == \
        (State.RELEASED, at(15, 20), "Ann Adams", "Reception 1")
    # The same sentence the release desk says when another desk released it first.
    assert last.words(tz=s.settings.tz, today=date(2026, 11, 30)) == \
        already_released(Custody.get_by_id(taken.custody_id), s.ctx()) == \
        "Already released to Mrs Dana Hall (Mother) by Ann Adams (Reception 1) at 15:20 on Mon 30 Nov. Nothing was " \
        "changed."


def test_last_confiscation_handed_to_the_police_is_the_latest_closed(any_school):
    s = any_school
    zoe = s.pupils[0]
    spare = second_tag(s, zoe)
    released = take(s, s.tag_of(zoe), seal="BAG-1")
    policed = take(s, spare.code, seal="BAG-2")
    head = as_role("HG")
    flag_safeguarding(s.ctx(), policed.custody_id, concern="a concern", acknowledged=True, kind="risk_of_harm")
    s.clock.set(at(15))  # after school, when a 1st-rung phone is collected
    release_to_carer(s.ctx(), released.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=zoe.id)[0].id)
    wednesday = datetime(2026, 12, 2, 9, 45, tzinfo=UTC)
    s.clock.set(wednesday)
    hand_to_police(s.ctx(head), policed.custody_id,
                   PoliceHandover(officer_name="PC Jo Marsh", officer_number="1234", force="Kent Police",
                                  crime_reference="46/1/26", seal_number="EV-9"), pin=HEAD_PIN)

    last = last_confiscation(pupil_id=zoe.id)

    assert (last.state, last.closed_at, last.closed_by) == (State.WITH_POLICE, wednesday, "Hugh Grant-Ellis")
    assert last.words(tz=s.settings.tz, today=date(2026, 12, 2)) == "The last one was handed to the police on 09:45."
    assert last.words(tz=s.settings.tz, today=date(2026, 12, 3)) == \
        "The last one was handed to the police on Wed 2 Dec 09:45."


def test_confiscations_since_and_the_open_record_of_a_tag(any_school):
    s = any_school
    zoe = s.pupils[0]
    spare = second_tag(s, zoe)
    s.clock.set(at(9))
    first = take(s, spare.code, seal="BAG-1")
    release_to_carer(s.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=zoe.id)[0].id,
                     authorisation=Authorisation("HG", HEAD_PIN, "before school ends: agreed"))
    s.clock.set(at(10))
    daily = hand_in(s.ctx(), resolve(normalise(s.tag_of(zoe))))
    s.clock.set(at(11))
    converted = take(s, s.tag_of(zoe), seal="BAG-2")  # the morning's hand-in becomes the confiscation

    assert [c.id for c in confiscations_since(pupil_id=zoe.id, since=at(9))] == [first.custody_id,
                                                                                   converted.custody_id]
    # A converted record was opened at the hand-in (10:00) and confiscated at 11:00: it counts from its confiscation,
    # as the ladder counts it (issue 16: a hand-in converted a week later was left out of "Before").
    assert [c.id for c in confiscations_since(pupil_id=zoe.id, since=at(10, 30))] == [converted.custody_id]
    assert confiscations_since(pupil_id=zoe.id, since=at(11, 30)) == ()
    assert [c.state for c in confiscations_since(pupil_id=zoe.id, since=at(9))] == [State.RELEASED,
                                                                                     State.HELD_FOR_PARENT]

    record = open_record_of_tag(tag_id=zoe_tag(zoe).id)
    assert (record.id, record.kind, record.state) == (daily.custody_id, "confiscated", State.HELD_FOR_PARENT)
    assert open_record_of_tag(tag_id=spare.id) is None  # released: closed


# ── carers ───────────────────────────────────────────────────────────────────────────────────────────────────
def test_carers_to_contact_parental_responsibility_first_then_priority_then_name(any_school):
    s = any_school
    zoe = s.pupils[0]
    Carer.create(pupil=zoe, name="Zed Hall", relationship=None, parental_responsibility=False, priority=None)
    Carer.create(pupil=zoe, name="Amy Hall", relationship="Aunt", parental_responsibility=True, priority=None)

    carers = carers_to_contact(pupil_id=zoe.id)

    assert [c.name for c in carers] == ["Mrs Dana Hall", "Amy Hall", "Mr Joe Hall", "Zed Hall"]
    assert carers[3] == CarerOption(carers[3].id, "Zed Hall", "", False, None, "")
    assert carers[0].telephone == "07700900001" and carers[0].parental_responsibility


def test_carers_on_roster_in_the_mis_order_priority_then_as_imported(school):
    s = school
    zoe = s.pupils[0]
    later = Carer.create(pupil=zoe, name="Bea Hall", relationship="Sister", parental_responsibility=False,
                         priority=1)
    assert [c.name for c in carers_on_roster(pupil_id=zoe.id)] == ["Mrs Dana Hall", "Bea Hall", "Mr Joe Hall"]
    assert carers_on_roster(pupil_id=zoe.id)[1].id == later.id


# ── the pupil page ───────────────────────────────────────────────────────────────────────────────────────────
def test_pupil_page_reads_the_pupil_phones_now_tags_carers_and_exceptions(school):
    s = school
    minh = s.pupils[2]
    spare = second_tag(s, minh)
    Tag.update(status="lost", device="black iPhone").where(Tag.id == zoe_tag(minh).id).execute()
    s.clock.set(at(8, 31))
    hand_in(s.ctx(), resolve(normalise(spare.code)))
    s.clock.set(at(8, 35))
    hand_back(s.ctx(), resolve(normalise(spare.code)))  # closed: not where the phone is now
    s.clock.set(at(8, 40))
    receipt = hand_in(s.ctx(), resolve(normalise(spare.code)))
    s.clock.set(at(8, 50))
    add_exception(s.ctx(as_role("HG")), pupil_id=minh.id, kind="medical", valid_from=date(2026, 12, 1),
                  valid_to=None, notes="insulin app")
    s.clock.set(at(8, 55))
    add_exception(s.ctx(as_role("HG")), pupil_id=minh.id, kind="young carer", valid_from=date(2026, 9, 1),
                  valid_to=date(2026, 11, 30), agreement_ref="YC-7")
    Pupil.update(active=False, left_on=date(2026, 11, 27)).where(Pupil.id == minh.id).execute()

    page = pupil_page(pupil_id=minh.id, dsl=False)

    assert (page.pupil.id, page.pupil.name, page.pupil.legal_name, page.pupil.active, page.left_on) == \
        (minh.id, "Minh Nguyễn", "Thi Minh Nguyễn", False, date(2026, 11, 27))
    assert [(p.id, p.state, p.slot, p.opened_at) for p in page.phones_now] == \
        [(receipt.custody_id, State.IN_OFFICE, receipt.slot, at(8, 40))]
    assert [(t.code, t.status, t.active, t.device) for t in page.tags] == \
        [(zoe_tag(minh).code, "lost", False, "black iPhone"), (spare.code, "active", True, None)]
    assert page.tags[1].created_at == at(8, 30) and page.tags[1].label_printed_at is None
    assert [c.name for c in page.carers] == ["Mrs Dana Nguyễn", "Mr Joe Nguyễn"]
    young, medical = page.exceptions  # by start date
    assert (young.kind, young.valid_to, young.agreement_ref, medical.notes) == \
        ("young carer", date(2026, 11, 30), "YC-7", "insulin app")
    assert [e.standing_on(date(2026, 11, 30)) for e in page.exceptions] == ["active", "starts later"]
    assert [e.standing_on(date(2026, 12, 1)) for e in page.exceptions] == ["ended", "active"]
    assert [line.what for line in page.history][:3] == ["exception approved · young carer",
                                                        "exception approved · medical",
                                                        f"handed in · slot {receipt.slot}"]
    assert [line.what.split(" · ")[0] for line in page.history][3:] == ["handed back", "handed in"]
    assert pupil_page(pupil_id=999_999, dsl=False) is None


def test_a_pupils_history_shows_a_hold_to_the_dsl_only(any_school):
    s = any_school
    zoe = s.pupils[0]
    s.clock.set(at(8, 40))
    morning = hand_in(s.ctx(), resolve(normalise(s.tag_of(zoe))))
    s.clock.set(at(9))
    held = take(s, s.tag_of(zoe), seal="BAG-1")
    s.clock.set(at(9, 5))
    flag_safeguarding(s.ctx(), held.custody_id, concern="a concern", acknowledged=True, kind="risk_of_harm")
    s.clock.set(at(9, 10))
    add_dsl_note(s.ctx(as_role("PS")), held.custody_id, "spoke to the pupil")
    spare = second_tag(s, zoe)
    s.clock.set(at(9, 20))
    later = hand_in(s.ctx(), resolve(normalise(spare.code)))

    office = pupil_history(pupil_id=zoe.id, dsl=False)
    dsl = pupil_history(pupil_id=zoe.id, dsl=True)

    # Anyone else: the held record is one line from its opening (the morning's hand-in), no event of it at all.
    assert [(line.at, line.what, line.desk, line.staff) for line in office] == [
        (at(9, 20), f"handed in · slot {later.slot}", "Reception 1", "Ann Adams"),
        (at(8, 40), REFER_TO_DSL, "", ""),
    ]
    assert [(line.at, line.what) for line in dsl] == [
        (at(9, 20), f"handed in · slot {later.slot}"),
        (at(9, 10), "DSL note added (Holds screen)"),
        (at(9, 5), "safeguarding hold placed"),
        # The chain's first link (issue 16), in full on its own line: the daily slot → the safe, and who.
        (at(9), f"handed over · daily slot {morning.slot} → office safe · bag BAG-1 · given by Ann Adams (signed in "
                "at the desk) · taken by Ann Adams (signed in at the desk)"),
        (at(9), "confiscated · used in lesson · bag BAG-1"),
        (at(8, 40), f"handed in · slot {morning.slot}"),
    ]
    assert "a concern" not in repr(dsl) and "spoke to the pupil" not in repr(dsl)  # notes are never history


# ── forms ────────────────────────────────────────────────────────────────────────────────────────────────────
def test_a_form_is_found_by_its_name_in_any_case_with_its_pupils_on_roll(school):
    left = Pupil.create(mis_id="100099", legal_forename="Ava", legal_surname="Adams", year=8, form="8Z",
                        search_name="ava adams", active=False)
    Pupil.create(mis_id="100098", legal_forename="Abe", legal_surname="Hall", year=9, form="9C",
                 search_name="abe hall")
    Pupil.create(mis_id="100097", legal_forename="Anna", legal_surname="Young", year=9, form="9C",
                 search_name="anna young")

    nine = form_named(text=" 9c ")

    assert nine.form == "9C"
    assert [(p.name, p.form) for p in nine.pupils] == [("Abe Hall", "9C"), ("Zoë Hall", "9C"),
                                                       ("Łukasz Nowakowski", "9C"), ("Anna Young", "9C")]
    assert form_named(text="8z").pupils == ()  # everyone in it has left: the form is known, nobody listed
    assert form_named(text="12Q") is None and form_named(text="Zoë") is None
    on_roll = forms_and_years()
    assert on_roll.forms == ("7C", "9C", "10HA", "11B") and on_roll.years == (7, 9, 10, 11)
    assert left.form not in on_roll.forms


# ── the stock-take ───────────────────────────────────────────────────────────────────────────────────────────
def test_the_stocktake_reads_what_the_kiosk_knows_of_each_tag(any_school):
    s = any_school
    zoe, lukasz, minh = s.pupils[:3]
    hand_in(s.ctx(), resolve(normalise(s.tag_of(lukasz))))
    s.clock.set(at(8, 35))
    hand_back(s.ctx(), resolve(normalise(s.tag_of(lukasz))))  # back at once (a medical appointment)
    s.clock.set(at(8, 40))
    in_office = hand_in(s.ctx(), resolve(normalise(s.tag_of(zoe))))
    hand_in(s.ctx(), resolve(normalise(s.tag_of(lukasz))))
    s.clock.set(at(15, 10))
    hand_back(s.ctx(), resolve(normalise(s.tag_of(lukasz))))
    retired = zoe_tag(minh)
    Tag.update(status="retired").where(Tag.id == retired.id).execute()

    assert open_record_count() == 1
    seen = tag_seen(code=s.tag_of(zoe))
    assert (seen.pupil.name, seen.in_office.id, seen.in_office.state, seen.in_office.slot) == \
        ("Zoë Hall", in_office.custody_id, State.IN_OFFICE, in_office.slot)
    gone = tag_seen(code=s.tag_of(lukasz))
    assert (gone.pupil.name, gone.in_office) == ("Łukasz Nowakowski", None)
    assert tag_seen(code=retired.code).pupil.name == "Minh Nguyễn"  # a retired tag still names its pupil
    assert tag_seen(code="NOSUCHTAG") == type(seen)("NOSUCHTAG", None, None)

    last = last_record_of_tag(code=s.tag_of(lukasz))
    assert (last.state, last.closed_at, last.ever_on_hold) == (State.RETURNED, at(15, 10), False)
    assert last_record_of_tag(code=s.tag_of(s.pupils[3])) is None


def test_a_record_ever_on_a_hold_is_referred_to_the_dsl_for_anyone_else(school):
    s = school
    zoe = s.pupils[0]
    held = take(s, s.tag_of(zoe), seal="BAG-1")
    flag_safeguarding(s.ctx(), held.custody_id, concern="a concern", acknowledged=True, kind="risk_of_harm")
    hand_to_police(s.ctx(as_role("PS")), held.custody_id,
                   PoliceHandover(officer_name="PC Jo Marsh", officer_number="1234", force="Kent Police",
                                  crime_reference="46/1/26", seal_number="EV-9"), pin=DSL_PIN)
    last = last_record_of_tag(code=s.tag_of(zoe))
    assert last.state == State.WITH_POLICE and last.ever_on_hold
    assert last.refer_to_dsl(dsl=False) and not last.refer_to_dsl(dsl=True)


# ── holds ────────────────────────────────────────────────────────────────────────────────────────────────────
def test_holds_now_are_the_phones_on_a_hold_longest_held_first(any_school):
    s = any_school
    zoe, lukasz, minh = s.pupils[:3]
    taken = {p.id: take(s, s.tag_of(p), seal=f"BAG-{p.id}") for p in (zoe, lukasz, minh)}
    s.clock.set(at(10))
    flag_safeguarding(s.ctx(), taken[minh.id].custody_id, concern="first", acknowledged=True, kind="risk_of_harm")
    s.clock.set(at(11))
    flag_safeguarding(s.ctx(), taken[zoe.id].custody_id, concern="second", acknowledged=True, kind="risk_of_harm")
    add_dsl_note(s.ctx(as_role("PS")), taken[zoe.id].custody_id, "more")

    holds = holds_now()

    assert [(h.pupil.name, h.record.id, h.record.state_changed_at, h.record.seal_number) for h in holds] == [
        ("Minh Nguyễn", taken[minh.id].custody_id, at(10), f"BAG-{minh.id}"),
        ("Zoë Hall", taken[zoe.id].custody_id, at(11), f"BAG-{zoe.id}"),
    ]
    assert holds[0].pupil.mis_id == "100003" and holds[0].record.reason_category == "used in lesson"
    assert dsl_note_count(custody_id=taken[zoe.id].custody_id) == 2
    assert dsl_note_count(custody_id=taken[lukasz.id].custody_id) == 0


# ── finding a pupil ──────────────────────────────────────────────────────────────────────────────────────────
def test_a_pupil_is_found_by_id_card_tag_or_id_as_a_summary(school):
    s = school
    leo = s.pupils[5]
    Tag.update(status="lost").where(Tag.pupil == leo).execute()
    assert pupil_with_admission_number(number="100006").name == "Leo Webb"
    assert pupil_with_admission_number(number="00100006").id == leo.id  # the card is zero-padded, the MIS not
    assert pupil_with_admission_number(number="999999") is None
    assert pupil_with_tag(code=s.tag_of(s.pupils[0])).name == "Zoë Hall"
    assert pupil_with_tag(code=zoe_tag(leo).code).id == leo.id  # lost, and still theirs
    assert pupil_with_tag(code="NOSUCHTAG") is None
    assert pupil_by_id(pupil_id=leo.id).form == "11B" and pupil_by_id(pupil_id=999_999) is None


# ── what every read model promises ───────────────────────────────────────────────────────────────────────────
def _every_read(s) -> dict[str, object]:
    zoe = s.pupils[0]
    code, tag_id = s.tag_of(zoe), zoe_tag(zoe).id
    return {
        "confiscations_held": lambda: confiscations_held(pupil_id=zoe.id),
        "last_confiscation": lambda: last_confiscation(pupil_id=zoe.id),
        "confiscations_since": lambda: confiscations_since(pupil_id=zoe.id, since=at(0)),
        "open_record_of_tag": lambda: open_record_of_tag(tag_id=tag_id),
        "carers_to_contact": lambda: carers_to_contact(pupil_id=zoe.id),
        "carers_on_roster": lambda: carers_on_roster(pupil_id=zoe.id),
        "pupil_page": lambda: pupil_page(pupil_id=zoe.id, dsl=True),
        "pupil_history": lambda: pupil_history(pupil_id=zoe.id, dsl=True),
        "form_named": lambda: form_named(text="9C"),
        "forms_and_years": forms_and_years,
        "open_record_count": open_record_count,
        "tag_seen": lambda: tag_seen(code=code),
        "last_record_of_tag": lambda: last_record_of_tag(code=code),
        "holds_now": holds_now,
        "dsl_note_count": lambda: dsl_note_count(custody_id=1),
        "pupil_with_admission_number": lambda: pupil_with_admission_number(number="100001"),
        "pupil_with_tag": lambda: pupil_with_tag(code=code),
        "pupil_by_id": lambda: pupil_by_id(pupil_id=zoe.id),
    }


def _the_history_of_one_held_phone(s) -> None:
    zoe = s.pupils[0]
    spare = second_tag(s, zoe)
    released = take(s, spare.code, seal="BAG-1")
    release_to_carer(s.ctx(), released.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=zoe.id)[0].id,
                     authorisation=Authorisation("HG", HEAD_PIN, "before school ends: agreed"))
    held = take(s, s.tag_of(zoe), seal="BAG-2")
    flag_safeguarding(s.ctx(), held.custody_id, concern="a concern", acknowledged=True, kind="risk_of_harm")


def _models_in(value: object) -> list[object]:
    if isinstance(value, Model):
        return [value]
    if dataclasses.is_dataclass(value):
        return [m for f in dataclasses.fields(value) for m in _models_in(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [m for item in value for m in _models_in(item)]
    return []


def test_every_read_returns_frozen_dataclasses_and_never_a_model(school):
    _the_history_of_one_held_phone(school)
    for name, read in _every_read(school).items():
        result = read()
        assert _models_in(result) == [], name
        assert not isinstance(result, list), f"{name}: a tuple, so nobody can change what was read"
        for value in (result if isinstance(result, tuple) else (result,)):
            if dataclasses.is_dataclass(value):
                field = dataclasses.fields(value)[0].name
                with pytest.raises(dataclasses.FrozenInstanceError):
                    setattr(value, field, None)


def test_a_database_failure_in_any_read_is_not_read_never_a_peewee_error(school, monkeypatch):
    _the_history_of_one_held_phone(school)
    reads = _every_read(school)
    db = database_proxy.obj

    def lost(sql, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db, "execute_sql", lost)
    for name, read in reads.items():
        with pytest.raises(StorageFailed) as failed:
            read()
        assert failed.value.message.startswith("NOT READ: the database server closed the connection"), name
