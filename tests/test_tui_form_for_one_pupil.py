"""A form filled in for one pupil is never carried over to another, nor lost to one key (found by trying the kiosk
as a school would: a head's PIN and reason typed on the release form for one pupil were used for the next pupil
scanned; a confiscation form's bag and IMEI went onto the record of a pupil scanned by mistake; a filled form was
thrown away by one Esc). Pilot, real SQLite file, fixed clock; the scan is a scanner's burst, wherever the focus is.
"""

from __future__ import annotations

from textual.widgets import Input

from kiosk.custody.phone import PhoneParticulars
from kiosk.custody.tag_phone import record_phone_on_tag
from kiosk.db import Custody, Event
from kiosk.db.models import Tag
from kiosk.screens.confiscate import ConfiscateScreen
from kiosk.screens.desk import DeskScreen
from kiosk.screens.lock import LockScreen
from kiosk.screens.release import ReleaseScreen
from kiosk.widgets.collector_choice import SOMEONE_ELSE, CollectorChoice
from kiosk.widgets.scan_box import ScanBox
from tests.conftest import DSL_PIN
from tests.tui_helpers import burst, kiosk_app, open_confiscation, open_release, settle, shown, sign_in, widget_text


def toasts(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def scanned_mid_form(pilot, code: str) -> None:
    burst(pilot.app, [code])
    await settle(pilot)


async def test_a_scan_of_another_pupil_on_a_filled_release_form_is_refused_and_keeps_the_authorisation_off_it(
        school):
    zoe, ruby = school.pupils[0], school.pupils[4]
    first, second = school.confiscate(0), school.confiscate(4)
    school.after_school()
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        release = await open_release(pilot, school.tag_of(zoe))
        assert isinstance(release, ReleaseScreen) and release.pupil.id == zoe.id
        release.query_one(CollectorChoice).choose(SOMEONE_ELSE)
        await pilot.pause()
        release.query_one("#collector-name", Input).value = "Ms Kim Lowe"
        release.query_one("#auth-initials", Input).value = "PS"
        release.query_one("#auth-pin", Input).value = DSL_PIN
        reason = release.query_one("#auth-reason", Input)
        reason.value = "for Zoë only"
        reason.focus()
        await scanned_mid_form(pilot, school.tag_of(ruby))
        assert release.pupil.id == zoe.id, "the form stays Zoë's"
        assert f"This form is for {zoe.display_name}" in toasts(pilot.app)
        assert release.query_one("#auth-pin", Input).value == DSL_PIN
        assert Custody.get_by_id(second.custody_id).state == Custody.get_by_id(first.custody_id).state
        assert not Event.select().where(Event.action == "PIN_CONFIRMED").exists()
        # Esc once says what it would lose; twice goes back to the desk, and nothing was recorded.
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is release and "Press Esc again to discard" in toasts(pilot.app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskScreen)
        # A fresh release form for Ruby starts empty: nothing of Zoë's authorisation on it.
        release = await open_release(pilot, school.tag_of(ruby))
        assert release.pupil.id == ruby.id
        assert release.query_one("#auth-pin", Input).value == ""
        assert release.query_one("#auth-reason", Input).value == ""


async def test_a_scan_of_another_pupil_on_a_filled_confiscation_form_is_refused_and_an_empty_one_changes_pupil(
        school):
    zoe, ruby, leo = school.pupils[0], school.pupils[4], school.pupils[5]
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, zoe)
        assert isinstance(screen, ConfiscateScreen) and screen.found.pupil.id == zoe.id
        # Nothing entered yet: a scan of another pupil changes the pupil (the office scanned the wrong tag first).
        await scanned_mid_form(pilot, school.tag_of(ruby))
        assert screen.found.pupil.id == ruby.id
        screen.query_one("#seal", ScanBox).value = "BAG-0099"
        imei = screen.query_one("#phone-imei", Input)
        imei.value = "490154203237518"
        imei.focus()
        await scanned_mid_form(pilot, school.tag_of(leo))
        assert screen.found.pupil.id == ruby.id, "the bag and the IMEI stay on Ruby's form"
        assert f"This form is for {ruby.display_name}" in toasts(pilot.app)
        assert imei.value == "490154203237518"
        assert not Custody.select().where(Custody.kind == "confiscated").exists()


async def test_the_idle_lock_warns_before_it_discards_a_filled_form_and_says_so_after_naming_nobody(school):
    """The desk still locks (a desk left signed in is worse), but 30 s before, a filled form is warned of, and whoever
    signs in next learns that something was not recorded; the lock screen names no pupil."""
    zoe = school.pupils[0]
    async with kiosk_app(school, idle_lock_seconds=60).run_test() as pilot:
        app = pilot.app
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, zoe)
        school.clock.advance(seconds=35)
        app.lock_if_idle()
        assert "locks in" not in toasts(app), "an empty form is nothing to lose: no warning"
        screen.query_one("#seal", ScanBox).value = "BAG-0099"
        app.lock_if_idle()
        await pilot.pause()
        assert "The desk locks in 25 seconds" in toasts(app)
        school.clock.advance(seconds=30)
        app.lock_if_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert "was not saved when the desk locked" in widget_text(app, "#sign-in-message")
        assert zoe.display_name not in shown(app)
        # …and it is still there a few seconds later, for whoever comes to the desk (the idle check ran on).
        school.clock.advance(seconds=5)
        app.lock_if_idle()
        await pilot.pause()
        assert "was not saved when the desk locked" in widget_text(app, "#sign-in-message")


async def test_the_tags_phone_is_a_starting_value_and_goes_when_another_pupil_is_scanned(school):
    """The phone recorded on Ruby's tag fills her confiscation form: nothing entered by staff, so a scan of Leo
    changes the pupil (no refusal), and Leo's form has none of Ruby's phone on it."""
    ruby, leo = school.pupils[4], school.pupils[5]
    record_phone_on_tag(school.ctx(), tag_id=Tag.get(Tag.code == school.tag_of(ruby)).id,
                        phone=PhoneParticulars(make="Apple", model="iPhone 13", colour="pink"))
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        screen = await open_confiscation(pilot, school, ruby)
        await settle(pilot)
        assert screen.query_one("#phone-model", Input).value == "iPhone 13"
        assert not screen.form_filled(), "what the kiosk put there was not entered by anyone"
        await scanned_mid_form(pilot, school.tag_of(leo))
        await settle(pilot)
        assert screen.found.pupil.id == leo.id
        assert [screen.query_one(f"#phone-{name}", Input).value for name in ("make", "model", "colour")] == \
            ["", "", ""], "nothing of Ruby's phone on Leo's form"


async def test_another_phones_bag_scanned_into_a_release_field_goes_to_the_pupil_box_not_into_id_seen(school):
    """A tryout scanned another pupil's bag label while the cursor was in "ID seen": it was refused and yet typed
    into "ID seen" (and next time into "Condition now"). A bag's label is for the pupil box, wherever the cursor is."""
    zoe = school.pupils[0]
    school.confiscate(0)
    rubys = school.confiscate(4)
    school.after_school()
    async with kiosk_app(school).run_test() as pilot:
        await sign_in(pilot)
        release = await open_release(pilot, school.tag_of(zoe))
        choice = release.query_one(CollectorChoice)
        choice.choose(choice.carers[0].id)
        await settle(pilot)
        id_seen = release.query_one("#id-seen", Input)
        id_seen.focus()
        await scanned_mid_form(pilot, rubys.seal_number)
        await settle(pilot)
        assert id_seen.value == "", "not one character of the bag's number in ID seen"
        assert release.pupil.id == zoe.id and f"This form is for {zoe.display_name}" in toasts(pilot.app)
