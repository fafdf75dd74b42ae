"""Issue 16 at the desk: a bag number typed at F6 finds its phone; a carer without parental responsibility is
warned of and ticked before Release; "after school" at 08:30 asks for the head or DSL; a pupil's exception is
shown when their phone is confiscated."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from kiosk.custody import State
from kiosk.custody.exceptions import add_exception
from kiosk.db import Custody
from kiosk.widgets.tick_box import TickBox
from tests.conftest import OFFICE_PIN
from tests.tui_helpers import (
    choose_carer,
    fill_and_save_confiscation,
    kiosk_app,
    message,
    open_confiscation,
    open_release,
    save_release,
    settle,
    shown,
    signed_in,
    widget_text,
)


async def test_a_bag_number_typed_at_f6_finds_the_phone_sealed_in_it(school):
    school.confiscate(0, seal="BAG-0001")
    second = school.confiscate(1, seal="BAG-0002")
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_release(pilot, "bag-0002")  # typed as people type it
        assert "not a tag code" not in shown(app)
        assert release.pupil is not None and release.pupil.name == school.pupils[1].display_name
        assert release.custody_id == second.custody_id


async def test_a_carer_without_parental_responsibility_needs_the_warning_ticked(school):
    held = school.confiscate(0)
    school.after_school()
    async with signed_in(kiosk_app(school, idle_lock_seconds=3600)) as pilot:
        app = pilot.app
        release = await open_release(pilot, school.tag_of(school.pupils[0]))
        await choose_carer(pilot, release, lambda carer: not carer.parental_responsibility)
        assert release.query_one("#no-pr-box").display
        assert "does NOT have parental responsibility" in widget_text(app, "#no-pr")
        assert not release.query_one("#authorise").display, "after school, a listed carer needs no authorising"
        await save_release(pilot, release, pin=OFFICE_PIN)
        assert "tick to confirm" in message(app, "#release-error")
        assert Custody.get_by_id(held.custody_id).state == State.HELD_FOR_PARENT
        release.query_one("#no-pr-ack", TickBox).value = True
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Custody.get_by_id(held.custody_id).state == State.RELEASED
        assert release.receipt is not None and release.receipt.parental_responsibility is False
        assert "without parental responsibility" in shown(app)


async def test_after_school_at_0830_asks_for_the_head_or_dsl(school):
    school.confiscate(0)
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        release = await open_release(pilot, school.tag_of(school.pupils[0]))
        await choose_carer(pilot, release)
        assert release.query_one("#authorise").display
        assert "an early release (it is held until after school, 14:30 today)" in widget_text(app, "#authorise-why")


async def test_the_confiscate_form_and_its_confirmation_show_the_pupils_exception(school):
    ruby = school.pupils[4]
    add_exception(school.ctx(school.signed_in("SO")), pupil_id=ruby.id, kind="medical",
                  valid_from=date(2026, 11, 1), valid_to=None, notes="insulin pump controlled from phone")
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, ruby)
        await settle(pilot)
        assert "EXCEPTION: medical — insulin pump controlled from phone" in widget_text(app, "#exceptions")
        await fill_and_save_confiscation(pilot, screen)
        assert screen.receipt is not None
        assert "insulin pump controlled from phone" in widget_text(app, "#done-exceptions")
