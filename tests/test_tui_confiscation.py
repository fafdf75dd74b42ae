"""Confiscation, safeguarding holds, police handover and release to carers, as the office, a head of year and
the DSL meet them at the desk (Pilot, on the `school` fixture: real SQLite file, real PINs, fixed clock).

Forms are filled by setting values and pressing keys; a few fields are typed key by key where typing is the
point (a scanned bag number, a PIN).
"""

from __future__ import annotations

import json
from dataclasses import replace

from textual.widgets import Button, Checkbox, DataTable, Input, RadioButton, Select, TextArea

from kiosk.custody import State, hand_in, normalise, resolve
from kiosk.custody.safeguarding import HOLD_INSTRUCTIONS, add_dsl_note, flag_safeguarding
from kiosk.db import Custody, DslNote, Event, Search
from kiosk.documents.saved import papers_dir
from kiosk.privacy import at_rest
from kiosk.screens.desk import DeskScreen
from kiosk.screens.dialogs import ParentInformedDialog
from kiosk.screens.lock import LockScreen
from kiosk.screens.safeguarding import FlagSafeguarding, HoldsAlert, HoldsScreen, PoliceHandoverDialog
from kiosk.screens.search_record import SearchRecordScreen
from kiosk.widgets.collector_choice import SOMEONE_ELSE, CollectorChoice
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.tui_helpers import (
    everything_on_screens,
    fill_and_save_confiscation,
    hand_to_the_police,
    keep_shot,
    kiosk_app,
    lock_and_sign_in,
    message,
    open_confiscation,
    open_release,
    scan,
    screen_text,
    settle,
    shown,
    sign_in,
    signed_in,
    type_keys,
    widget_text,
)

CANARY = "CANARY-5f3a9 bruise seen on arm"


def custody(custody_id: int) -> Custody:
    return Custody.get_by_id(custody_id)


async def test_confiscate_print_notice_then_release_to_a_listed_carer_with_a_pin(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, ruby)
        text = shown(app)
        assert "Ruby Mitchell" in text and "1st confiscation" in text and "None before this term" in text
        assert "Ladder: A parent or carer collects it after school. Collect after school today." in \
            widget_text(app, "#ladder"), "the ladder's outcome is shown before saving"
        assert screen.query_one("#by", Input).value == "Ann Adams", "defaults to the member of staff signed in"
        keep_shot(app, "confiscate-form")
        await fill_and_save_confiscation(pilot, screen)

        receipt = screen.receipt
        assert receipt is not None
        held = custody(receipt.custody_id)
        assert held.state == State.HELD_FOR_PARENT and held.confiscated_by_name == "Mr T. Ellis"
        assert held.seal_number == "BAG-0042" and held.condition == "in a case" and held.location == "Room S12"
        text = shown(app)
        assert "CONFISCATED" in screen.query_one("#done-headline").text
        assert "Held until: Monday 30 November" in text and "bag BAG-0042" in text

        await pilot.press("p")
        notice = screen.notice_path
        assert notice is not None and notice.is_file() and notice.read_bytes().startswith(b"%PDF")
        assert notice.parent.parent == papers_dir()
        assert notice.name in everything_on_screens(app), "the office is told where the notice was saved"

        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ParentInformedDialog)
        assert "Mrs Dana Mitchell (Mother)" in shown(app)
        await pilot.press("enter")  # Record has the focus: phone call, to the first carer
        await settle(pilot)
        assert app.screen is screen
        informed = Event.get(Event.action == "PARENT_INFORMED")
        assert informed.custody_id == receipt.custody_id
        assert "Parent informed: phone call · Mrs Dana Mitchell (Mother)" in shown(app)
        keep_shot(app, "confiscate-done")

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        school.after_school()  # a 1st-rung phone is collected after school: earlier needs authorising (issue 16)
        release = await open_release(pilot, school.tag_of(ruby))  # the bag label carries the tag code
        text = shown(app)
        assert "BAG-0042" in text and "used in lesson" in text
        assert "Mrs Dana Mitchell" in text and "✔ parental responsibility" in text and "Mr Joe Mitchell" in text
        choice = release.query_one(CollectorChoice)
        mum = choice.carers[0]
        assert mum.parental_responsibility
        lines = screen_text(app).splitlines()
        assert not any("✔ chosen" in line for line in lines), "nobody is chosen until someone is"
        choice.choose(mum.id)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        mum_line = next(line for line in lines if "Mrs Dana Mitchell" in line)
        dad_line = next(line for line in lines if "Mr Joe Mitchell" in line)
        assert "Mrs Dana Mitchell ✔ chosen" in mum_line and "●" in mum_line, "the chosen carer: a dot and the words"
        assert "✔ chosen" not in dad_line and "●" not in dad_line, "a carer not chosen: no dot, no words"
        assert any(line.strip().startswith("by Mr T. Ellis at Room S12") for line in lines), \
            "who took it and where, on a line of its own (not wrapped mid-name at 80 columns)"
        assert not release.query_one("#authorise").display, "a listed carer needs no authorisation"
        release.query_one("#id-seen", Input).value = "passport"
        keep_shot(app, "release-form")

        release.query_one("#pin", Input).value = "000000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "That is not your PIN" in message(app, "#release-error")
        assert release.query_one("#pin", Input).value == "", "a PIN never stays in the box"
        assert custody(receipt.custody_id).state == State.HELD_FOR_PARENT

        release.query_one("#pin", Input).focus()
        await pilot.press(*OFFICE_PIN)
        assert OFFICE_PIN not in shown(app), "the PIN is masked while typed"
        await pilot.press("enter")  # Enter in the PIN box releases
        await settle(pilot)
        released = custody(receipt.custody_id)
        assert released.state == State.RELEASED and released.handed_to == "Mrs Dana Mitchell (Mother)"
        assert release.receipt is not None and release.receipt.collector_name == "Mrs Dana Mitchell"
        path = release.receipt_path
        assert path is not None and path.is_file() and path.read_bytes().startswith(b"%PDF")
        assert path.name in everything_on_screens(app)
        assert "Released to Mrs Dana Mitchell (Mother)" in shown(app)
        keep_shot(app, "release-done")


async def test_an_unlisted_collector_is_refused_until_the_dsl_authorises(school):
    zoe = school.pupils[0]
    receipt = school.confiscate()
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_release(pilot, zoe.mis_id)  # the pupil's ID card this time
        release.query_one(CollectorChoice).choose(SOMEONE_ELSE)
        await pilot.pause()
        assert release.query_one("#someone").display and release.query_one("#authorise").display
        assert "not on the pupil's contact list" in widget_text(app, "#authorise-why")
        release.query_one("#collector-name", Input).value = "Ms Kim Lowe"
        release.query_one("#collector-relationship", Input).value = "Aunt"
        release.query_one("#id-seen", Input).value = "driving licence"
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Needs a head or DSL to authorise" in message(app, "#release-error")
        assert "-refused" in release.query_one("#release-error").classes
        assert custody(receipt.custody_id).state == State.HELD_FOR_PARENT

        # An office colleague cannot vouch: the domain's refusal is shown as it is.
        release.query_one("#auth-initials", Input).value = "SO"
        release.query_one("#auth-pin", Input).value = "735106"
        release.query_one("#auth-reason", Input).value = "aunt collects on Mondays"
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "head or the DSL" in message(app, "#release-error")
        assert release.query_one("#auth-pin", Input).value == ""
        assert custody(receipt.custody_id).state == State.HELD_FOR_PARENT

        release.query_one("#auth-initials", Input).value = "PS"
        release.query_one("#auth-pin", Input).value = DSL_PIN
        release.query_one("#auth-reason", Input).value = "confirmed with mum by phone"
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        released = custody(receipt.custody_id)
        assert released.state == State.RELEASED and released.handed_to == "Ms Kim Lowe (Aunt)"
        collector = json.loads(released.details_json)["collector"]
        assert collector["authorised_by"] == "Priya Shah" and not collector["on_contact_list"]
        assert "Authorised by Priya Shah" in shown(app)
        assert release.receipt_path is not None and release.receipt_path.is_file()


async def test_safeguarding_hold_needs_acknowledgement_then_the_dsl_is_alerted_and_hands_to_police(school):
    leo = school.pupils[5]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, leo)
        await fill_and_save_confiscation(pilot, screen, seal="BAG-0077")
        custody_id = screen.receipt.custody_id

        await pilot.press("g")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FlagSafeguarding)
        instructions = widget_text(app, "#flag-instructions")
        for line in HOLD_INSTRUCTIONS:
            assert line in instructions, f"instruction missing: {line}"
        assert dialog.query_one("#flag-instructions").region.height >= len(HOLD_INSTRUCTIONS) + 1, \
            "every instruction is on screen, not scrolled away"
        keep_shot(app, "flag-safeguarding")
        dialog.query_one("#concern", Input).value = "pupil said an image was shared"
        dialog.query_one("#flag-ok", Button).press()
        await pilot.pause()
        assert app.screen is dialog, "without the acknowledgement the dialog stays open"
        assert "Confirm the safeguarding instructions" in message(app, "#flag-error")
        assert custody(custody_id).state == State.HELD_FOR_PARENT and DslNote.select().count() == 0

        dialog.query_one("#acknowledged", Checkbox).value = True
        dialog.query_one("#flag-ok", Button).press()
        await pilot.pause()
        assert app.screen is dialog and "Choose the kind of concern" in message(app, "#flag-error"), \
            "a hold records its kind of concern (issue 16)"
        assert custody(custody_id).state == State.HELD_FOR_PARENT
        dialog.query_one("#kind-indecent_image", RadioButton).value = True
        await pilot.pause()
        assert "Do not copy, print, save" in widget_text(app, "#flag-instructions"), "the kind's own steps"
        dialog.query_one("#flag-ok", Button).press()
        await pilot.pause()
        assert app.screen is screen
        assert custody(custody_id).state == State.SAFEGUARDING_HOLD
        assert screen.query_one("#done-headline").text == "⚠ HELD FOR DSL"
        assert "Tell the Designated Safeguarding Lead (DSL) now" in widget_text(app, "#done-summary"), \
            "the role in full, as the policy names it, not only the acronym"
        assert "1st confiscation this term" in widget_text(app, "#done-summary")
        assert "collects it after school" not in widget_text(app, "#done-summary"), \
            "a held phone is not collected after school: the ladder's rule is not said over 'cannot be released'"
        assert "pupil said an image was shared" not in everything_on_screens(app), \
            "once saved, the concern is a DSL note: not even its writer sees it again"
        assert screen.query_one("#notice", Button).disabled, "no 'collect it from the office' notice for a hold"

        await lock_and_sign_in(pilot, "PS", DSL_PIN)
        await pilot.pause()
        assert isinstance(app.screen, HoldsAlert)
        assert "1 phone is on a safeguarding hold" in shown(app) and "Leo Webb" in shown(app)
        keep_shot(app, "dsl-alert")
        await pilot.press("enter")
        await settle(pilot)
        holds = app.screen
        assert isinstance(holds, HoldsScreen)
        assert "pupil said an image was shared" not in shown(app), "notes stay hidden until asked for"
        await pilot.press("r")
        assert "pupil said an image was shared" in shown(app)
        assert Event.select().where(Event.action == "DSL_NOTES_VIEWED").count() == 1, "the reading is audited"

        await pilot.press("p")
        await settle(pilot)
        police = app.screen
        assert isinstance(police, PoliceHandoverDialog)
        await hand_to_the_police(pilot, police)  # Enter in the last box hands over
        assert app.screen is holds
        handed = custody(custody_id)
        assert handed.state == State.WITH_POLICE and handed.closed_at is not None
        receipts = list((papers_dir()).rglob(f"police-receipt-{custody_id}-*.pdf"))
        assert len(receipts) == 1 and receipts[0].read_bytes().startswith(b"%PDF")
        assert receipts[0].name in everything_on_screens(app)
        assert "No phone is on a safeguarding hold" in shown(app)
        keep_shot(app, "holds-after-police")


async def test_the_dsl_adds_a_note_and_clears_a_hold_with_a_reason(school):
    held = school.confiscate(2)
    flag_safeguarding(school.ctx(), held.custody_id, concern="overheard in the corridor", acknowledged=True,
                      kind="risk_of_harm")
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot, "HG", "591730")  # the head, like the DSL
        await pilot.pause()
        await pilot.press("escape")  # 'later' on the alert: F10 opens the holds any time
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        holds = app.screen
        assert isinstance(holds, HoldsScreen) and "Minh Nguyễn" in shown(app)
        assert "1 DSL note" in shown(app)
        await pilot.press("a")
        await settle(pilot)
        assert "Add note (Enter)" in shown(app), "the dialog's button names the key that submits, as the others do"
        await type_keys(pilot, "spoke to mum")
        assert app.screen is holds and "Note added" in message(app, "#hold-result")
        assert "2 DSL notes" in shown(app)
        assert "spoke to mum" not in shown(app), "adding a note does not display the notes"

        await pilot.press("c")
        await settle(pilot)
        await pilot.press("enter")  # no reason
        await settle(pilot)
        assert "Give the reason" in message(app, "#prompt-error")
        assert custody(held.custody_id).state == State.SAFEGUARDING_HOLD
        await type_keys(pilot, "police advised no further action")
        assert app.screen is holds
        assert custody(held.custody_id).state == State.HELD_FOR_PARENT
        assert "held for a parent or carer again" in message(app, "#hold-result")
        assert "No phone is on a safeguarding hold" in shown(app)
    # Stored encrypted (kiosk/privacy/at_rest.py): read as the DSL's screen reads them.
    notes = [at_rest.read(school.keyring.notes_key, n, "text") for n in DslNote.select().order_by(DslNote.id)]
    assert notes == ["overheard in the corridor", "spoke to mum", "Hold cleared: police advised no further action"]


async def test_an_office_user_never_sees_a_dsl_notes_text(school):
    zoe, lukasz = school.pupils[0], school.pupils[1]
    dsl = school.ctx(school.signed_in("PS"))
    held = school.confiscate(0)
    flag_safeguarding(school.ctx(), held.custody_id, concern="concern from the classroom", acknowledged=True,
                      kind="risk_of_harm")
    add_dsl_note(dsl, held.custody_id, CANARY)
    cleared = school.confiscate(1, seal="BAG-0002")
    flag_safeguarding(school.ctx(), cleared.custody_id, concern=CANARY, acknowledged=True, kind="risk_of_harm")
    from kiosk.custody.safeguarding import clear_hold

    clear_hold(dsl, cleared.custody_id, reason=f"{CANARY} (cleared)")

    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app

        def no_canary(step: str) -> None:
            assert CANARY not in everything_on_screens(app), f"a DSL note's text was on screen after: {step}"
            assert "CANARY" not in screen_text(app), step

        await sign_in(pilot)
        no_canary("sign in")
        await pilot.press("f3")
        await scan(pilot, school.tag_of(zoe))
        no_canary("hand back refused for a held phone")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen), "the holds screen is not offered to the office"
        no_canary("F10")
        await open_confiscation(pilot, school, zoe)
        assert "already confiscated and on a safeguarding hold" in shown(app)
        assert "held for the DSL" in widget_text(app, "#ladder"), "earlier confiscations this term, and where they are"
        no_canary("confiscate screen for a pupil on hold")
        await pilot.press("escape")
        await open_release(pilot, school.tag_of(zoe))
        no_canary("release screen for a phone on hold")
        await scan(pilot, school.tag_of(lukasz))
        await pilot.pause()
        assert "Łukasz Nowakowski" in shown(app)
        no_canary("release screen for a phone whose hold was cleared")
        await pilot.press("escape", "f8")
        await settle(pilot)
        assert isinstance(app.screen, SearchRecordScreen)
        await scan(pilot, zoe.mis_id)
        no_canary("search record")
        await pilot.press("escape")
        # Even if a bug opened the DSL's screen for the office, it would show nothing.
        app.push_screen(HoldsScreen(app.screen.ctx))
        await pilot.pause()
        assert "Only the DSL or the head" in shown(app)
        await pilot.press("r")
        no_canary("the holds screen pushed for an office user")
    assert Event.select().where(Event.action == "DSL_NOTES_VIEWED").count() == 0


async def test_release_is_refused_for_a_phone_on_a_safeguarding_hold(school):
    zoe, ruby = school.pupils[0], school.pupils[4]
    held = school.confiscate(0)
    flag_safeguarding(school.ctx(), held.custody_id, concern="for the DSL", acknowledged=True, kind="risk_of_harm")
    racing = school.confiscate(4, seal="BAG-0005")
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_release(pilot, school.tag_of(zoe))
        text = shown(app)
        assert "ON A SAFEGUARDING HOLD: it cannot be released" in text and "HELD FOR DSL" in text
        assert "Do not look at anything on the phone" in text
        assert not release.query_one("#release-form").display, "no collector, ID or PIN is asked for"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert custody(held.custody_id).state == State.SAFEGUARDING_HOLD
        keep_shot(app, "release-on-hold")

        # Another desk flags a phone while this desk is releasing it: the domain refuses, in red, as it says.
        await scan(pilot, school.tag_of(ruby))
        await pilot.pause()
        release.query_one(CollectorChoice).choose(release.query_one(CollectorChoice).carers[0].id)
        release.query_one("#id-seen", Input).value = "passport"
        release.query_one("#pin", Input).value = OFFICE_PIN
        flag_safeguarding(school.ctx(school.signed_in("TE")), racing.custody_id, concern="seen by a teacher",
                          acknowledged=True, kind="risk_of_harm")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Held for the Designated Safeguarding Lead: it cannot be released" in message(app, "#problem")
        assert "ON A SAFEGUARDING HOLD" in shown(app)
        assert custody(racing.custody_id).state == State.SAFEGUARDING_HOLD


async def test_a_phone_released_at_another_desk_says_who_released_it_and_when(school):
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import Authorisation, release_to_carer

    zoe = school.pupils[0]
    held = school.confiscate(0)
    # Seven minutes pass on the clock: long enough for the idle lock, which is not what this test is about.
    async with signed_in(kiosk_app(school, idle_lock_seconds=3600)) as pilot:
        app = pilot.app
        release = await open_release(pilot, school.tag_of(zoe))
        release.query_one(CollectorChoice).choose(release.query_one(CollectorChoice).carers[0].id)
        release.query_one("#id-seen", Input).value = "passport"
        release.query_one("#pin", Input).value = OFFICE_PIN
        school.clock.advance(minutes=7)
        other_desk = replace(school.ctx(), settings=replace(school.settings, desk="Reception 2"))
        release_to_carer(other_desk, held.custody_id, pin=OFFICE_PIN, id_seen="known to staff",
                         carer_id=carers_to_contact(pupil_id=zoe.id)[1].id, no_pr_acknowledged=True,
                         authorisation=Authorisation("HG", HEAD_PIN, "grandad collects today"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = message(app, "#problem")
        assert "Already released to Mr Joe Hall (Grandparent) by Ann Adams" in shown and "08:37" in shown
        assert "-refused" in release.query_one("#problem").classes
        assert release.receipt is None


async def test_a_phone_handed_in_this_morning_is_converted_not_recorded_twice(school):
    leo = school.pupils[5]
    hand_in(school.ctx(), resolve(normalise(school.tag_of(leo))))
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, leo)
        assert "This phone is in the office now (slot 11B-01" in shown(app)
        await fill_and_save_confiscation(pilot, screen)
        assert screen.receipt is not None and screen.receipt.converted_from_daily
        assert "that record is now the confiscation" in shown(app)
    assert [c.state for c in Custody.select()] == [State.HELD_FOR_PARENT]


async def test_found_in_an_exam_asks_for_the_exam_details(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, ruby)
        assert not screen.query_one("#exam").display
        screen.query_one("#reason", Select).value = "found during an exam"
        await pilot.pause()
        assert screen.query_one("#exam").display and "Exam board" in shown(app)
        await fill_and_save_confiscation(pilot, screen)
        assert "exam board and paper" in message(app, "#error")
        assert Custody.select().count() == 0
        screen.query_one("#exam-board", Input).value = "AQA"
        screen.query_one("#exam-paper", Input).value = "8300/1H Mathematics"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert custody(screen.receipt.custody_id).exam_incident
        assert "listed for reporting to the examining body" in shown(app)


async def test_a_search_is_recorded_from_the_confiscation_and_reminds_about_the_dsl(school):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, ruby)
        await fill_and_save_confiscation(pilot, screen)
        await pilot.press("f8")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SearchRecordScreen) and "Ruby Mitchell" in shown(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "who authorised it" in message(app, "#search-error")
        form.query_one("#authorised-by", Input).value = "Mr H. Grant-Ellis"
        form.query_one("#grounds", TextArea).text = "seen filming another pupil"
        form.query_one("#parent-informed", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        search = Search.get()
        assert search.custody_id == screen.receipt.custody_id and search.nothing_found
        assert search.parent_informed and not search.dsl_informed
        assert "SEARCH RECORDED" in form.query_one("#search-headline").text
        assert "the Designated Safeguarding Lead is always told about a search" in shown(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen, "Esc goes back to the confiscation"


async def test_locking_from_any_of_these_screens_leaves_no_pupil_behind(school):
    ruby = school.pupils[4]
    school.confiscate(4)
    async with signed_in(kiosk_app(school, idle_lock_seconds=10)) as pilot:
        app = pilot.app
        await open_release(pilot, school.tag_of(ruby))
        await pilot.press("ctrl+g")  # the safeguarding dialog over the release screen
        await settle(pilot)
        assert isinstance(app.screen, FlagSafeguarding)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LockScreen) and app.screen_stack == [app.screen]
        assert "Ruby" not in shown(app) and "Mitchell" not in shown(app)
        await sign_in(pilot)
        await open_confiscation(pilot, school, school.pupils[0])
        school.clock.advance(seconds=11)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen) and len(app.screen_stack) == 1
        assert "Zoë" not in shown(app)


async def test_each_role_is_offered_only_what_it_may_do(school):
    async with kiosk_app(school).run_test() as pilot:
        app = pilot.app
        offered = {}
        for initials, pin in (("AA", OFFICE_PIN), ("TE", "975310"), ("SO", "735106"), ("HG", "591730")):
            await sign_in(pilot, initials, pin)
            await pilot.pause()
            desk = next(s for s in app.screen_stack if isinstance(s, DeskScreen))
            offered[initials] = {action for action in ("confiscate", "release", "holds", "search_record")
                                 if desk.check_action(action, ())}
            await pilot.press("ctrl+l")
            await settle(pilot)
    assert offered == {"AA": {"confiscate", "release", "search_record"},
                       "TE": {"confiscate", "search_record"},
                       "SO": {"release"},
                       "HG": {"confiscate", "release", "holds", "search_record"}}


async def test_at_80x24_the_form_fits_with_save_on_screen_and_an_unticked_box_looks_empty(school):
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, school.pupils[0])
        screen.query_one("#condition-2", Checkbox).value = True  # in a case
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any("Save (Ctrl+S)" in line for line in lines), "Save is on screen without scrolling"
        cracked = next(line for line in lines if "screen cracked" in line)
        in_a_case = next(line for line in lines if "in a case" in line)
        assert "X" not in cracked and "✔" not in cracked.split("screen cracked")[0], "unticked: an empty box"
        assert "✔" in in_a_case.split("in a case")[0], "ticked: a tick"


async def test_a_hold_says_since_when_with_the_day_and_its_buttons_show_focus_with_a_frame(school):
    earlier, today = school.confiscate(2, seal="BAG-0002"), school.confiscate(4, seal="BAG-0004")
    school.clock.advance(days=-3)  # Friday 27 November, 08:30
    flag_safeguarding(school.ctx(), earlier.custody_id, concern="for the DSL", acknowledged=True, kind="risk_of_harm")
    school.clock.advance(days=3)  # Monday again
    flag_safeguarding(school.ctx(), today.custody_id, concern="for the DSL", acknowledged=True, kind="risk_of_harm")
    async with signed_in(kiosk_app(school), "PS", DSL_PIN, size=(160, 45)) as pilot:
        app = pilot.app
        await pilot.pause()
        assert isinstance(app.screen, HoldsAlert)
        text = shown(app)
        assert "Minh Nguyễn · 10HA · on hold since Fri 27 Nov 08:30" in text, "a hold from an earlier day: its date"
        assert "Ruby Mitchell · 7C · on hold since today 08:30" in text, "today's hold says today"
        keep_shot(app, "holds-alert-focus")
        focused = app.screen.query_one("#alert-open", Button)
        assert app.focused is focused
        assert not focused.rich_style.reverse, "not Textual's reversed label: a light strip in a pink button"
        assert focused.styles.outline_top[0] == "heavy", "a bright frame instead"
        assert app.screen.query_one("#alert-later", Button).styles.outline_top[0] == "", "only on the focused one"
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#holds", DataTable)
        since = {table.get_row_at(row)[0]: table.get_row_at(row)[2] for row in range(table.row_count)}
        assert since == {"Minh Nguyễn": "Fri 27 Nov 08:30", "Ruby Mitchell": "today 08:30"}


async def test_at_80_columns_the_footer_keeps_next_lock_and_help(school):
    flag_safeguarding(school.ctx(), school.confiscate(2).custody_id, concern="for the DSL", acknowledged=True,
                      kind="risk_of_harm")
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, school.pupils[4])
        await fill_and_save_confiscation(pilot, screen)
        keep_shot(app, "confiscate-done-footer")
        footer = screen_text(app).splitlines()[-1]
        for key in ("ESC Desk", "G Safeguard", "F8 Search", "N Next", "^L Lock", "F1 Help"):
            assert key in footer, f"{key} missing from the saved confiscation's footer: {footer!r}"
        await lock_and_sign_in(pilot, "PS", DSL_PIN)
        await pilot.pause()
        await pilot.press("enter")  # the holds alert: open the holds
        await settle(pilot)
        assert isinstance(app.screen, HoldsScreen)
        footer = screen_text(app).splitlines()[-1]
        for key in ("P Police", "^L Lock", "F1 Help"):
            assert key in footer, f"{key} missing from the holds screen's footer: {footer!r}"


async def test_the_grounds_of_a_search_wrap_over_three_rows_on_a_kiosk_and_save_whole(school):
    grounds = "seen filming another pupil in the changing rooms after PE, reported by two pupils and a teacher"
    for size, rows in (((160, 45), 3), ((80, 24), 2)):
        async with signed_in(kiosk_app(school), size=size) as pilot:
            app = pilot.app
            await pilot.press("f8")
            await settle(pilot)
            form = app.screen
            await scan(pilot, school.tag_of(school.pupils[4]))
            box = form.query_one("#grounds", TextArea)
            assert box.size.height == rows, f"{size}: the grounds box is {rows} rows"
            form.query_one("#authorised-by", Input).value = "Mr H. Grant-Ellis"
            box.focus()
            box.insert(grounds)
            await pilot.press("enter")  # moves on, as in every field of the form: no new line in the grounds
            await settle(pilot)
            assert app.focused is form.query_one("#found", Input) and box.text == grounds
            assert "Save (Ctrl+S)" in screen_text(app), f"{size}: Save on screen without scrolling"
            form.query_one("#search-save", Button).focus()
            await pilot.pause()
            keep_shot(app, "search-grounds")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert form.saved
            await pilot.press("ctrl+l")
            await settle(pilot)
    assert [at_rest.read(school.keyring.notes_key, s, "grounds") for s in Search.select().order_by(Search.id)] \
        == [grounds, grounds]


async def test_a_second_confiscation_says_held_until_the_day_once_with_its_capitals(school):
    """Tried by a head of year: the ladder read 'Held until monday 7 december.' (str.capitalize() lower-cased the
    day and month) and the confirmation said the day twice: 'Held until: Monday … (held until Monday …)'."""
    from kiosk.custody.queries import carers_to_contact
    from kiosk.custody.release import release_to_carer

    ruby = school.pupils[4]
    first = school.confiscate(4)
    school.after_school()  # a 1st-rung phone is collected after school (issue 16)
    release_to_carer(school.ctx(), first.custody_id, pin=OFFICE_PIN, id_seen="passport",
                     carer_id=carers_to_contact(pupil_id=ruby.id)[0].id)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, ruby)
        ladder = widget_text(app, "#ladder")
        assert "2nd confiscation" in shown(app)
        assert "Held until Tuesday 1 December." in ladder, ladder
        await fill_and_save_confiscation(pilot, screen, seal="BAG-0043")
        text = shown(app)
        assert "Held until: Tuesday 1 December." in text
        assert "held until Tuesday" not in text, "the day said twice"
