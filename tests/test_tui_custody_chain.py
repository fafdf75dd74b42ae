"""Issue 16 at the desk (Pilot, on the `school` fixture): a phone confiscated with its particulars and the teacher's
PIN, handed to the DSL's office and back from the pupil page, released with its condition at return, the timeline
on the pupil page at each step, and its papers reprinted from there."""

from __future__ import annotations

import json

from textual.widgets import Button, Input, Select

from kiosk.custody import State
from kiosk.custody.links import DSL_OFFICE, OFFICE_SAFE
from kiosk.db import Custody, Event
from kiosk.screens.handover import HandoverDialog
from kiosk.screens.pupil import PupilScreen
from tests.conftest import DSL_PIN, OFFICE_PIN, TEACHER_PIN
from tests.helpers import pdf_text
from tests.tui_helpers import (
    choose_carer,
    fill_and_save_confiscation,
    keep_shot,
    kiosk_app,
    message,
    open_confiscation,
    open_release,
    open_screen,
    scan,
    settle,
    shown,
    signed_in,
    wait_for,
    widget_text,
)

PARTICULARS = {"#phone-make": "Samsung", "#phone-model": "Galaxy A15", "#phone-colour": "black",
               "#phone-case": "blue silicone case", "#phone-imei": "490154203237518",
               "#phone-damage": "crack across the top left corner"}


async def open_pupil_page(pilot, school, pupil) -> PupilScreen:
    screen = await open_screen(pilot, "f4", PupilScreen)
    await scan(pilot, school.tag_of(pupil))
    await settle(pilot)
    await wait_for(pilot, lambda: screen.chain is not None, "the chain of custody on the pupil page")
    return screen


async def hand_over_on_the_page(pilot, page: PupilScreen, *, to: str, giver: tuple[str, str, str] = ("", "", ""),
                                taker: tuple[str, str, str] = ("", "", ""), seal: str = "") -> None:
    await pilot.press("ctrl+t")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, HandoverDialog)
    dialog.query_one("#handover-to", Select).value = to
    for side, (initials, pin, name) in (("giver", giver), ("taker", taker)):
        dialog.query_one(f"#{side}-initials", Input).value = initials
        dialog.query_one(f"#{side}-pin", Input).value = pin
        dialog.query_one(f"#{side}-name", Input).value = name
    dialog.query_one("#handover-seal", Input).value = seal
    keep_shot(pilot.app, f"handover-to-{to.split()[0].strip(chr(39) + 's')}")
    dialog.query_one("#handover-ok", Button).press()
    await settle(pilot)
    await wait_for(pilot, lambda: pilot.app.screen is page, "the handover saved and its dialog closed")
    await wait_for(pilot, lambda: page.chain is not None and page.chain.place_now == to, "the timeline read again")


async def test_confiscate_with_particulars_hand_to_the_dsl_and_back_then_release(school, tmp_path):
    ruby = school.pupils[4]
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        form = await open_confiscation(pilot, school, ruby)
        for selector, value in PARTICULARS.items():
            form.query_one(selector, Input).value = value
        form.query_one("#phone-sim", Select).value = "yes"
        form.query_one("#brought-initials", Input).value = "TE"
        form.query_one("#brought-pin", Input).value = TEACHER_PIN
        keep_shot(app, "confiscate-form-phone")
        await fill_and_save_confiscation(pilot, form, by="Tom Ellis")
        receipt = form.receipt
        assert receipt is not None and receipt.phone is not None and receipt.phone.imei == "490154203237518"
        assert "Samsung Galaxy A15, black" in shown(app)
        assert "Handed to the office by Tom Ellis (confirmed with their PIN)" in shown(app)
        assert form.query_one("#brought-pin", Input).value == "", "a PIN never stays on the form"
        await pilot.press("escape")
        await settle(pilot)

        page = await open_pupil_page(pilot, school, ruby)
        timeline = widget_text(app, "#pupil-chain")
        assert "Phone: Samsung Galaxy A15" in timeline and "Tom Ellis in Room S12 → office safe" in timeline
        assert "Tom Ellis (confirmed with their PIN)" in timeline
        await hand_over_on_the_page(pilot, page, to=DSL_OFFICE, taker=("PS", DSL_PIN, ""))
        timeline = widget_text(app, "#pupil-chain")
        assert "office safe → DSL's office" in timeline and "Priya Shah (confirmed with their PIN)" in timeline
        keep_shot(app, "pupil-chain")
        await hand_over_on_the_page(pilot, page, to=OFFICE_SAFE, giver=("", "", "Priya Shah"), seal="BAG-0099")
        timeline = widget_text(app, "#pupil-chain")
        assert "DSL's office → office safe" in timeline and "BAG-0042 → BAG-0099" in timeline
        assert Event.select().where(Event.action == "HANDED_OVER").count() == 2
        await pilot.press("escape")
        await settle(pilot)

        school.after_school()
        release = await open_release(pilot, school.tag_of(ruby))
        assert "Phone: Samsung Galaxy A15" in widget_text(app, "#phone-status")
        await choose_carer(pilot, release)
        release.query_one("#id-seen", Input).value = "passport"
        release.query_one("#return-condition", Input).value = "new scratch on the back"
        release.query_one("#pin", Input).value = OFFICE_PIN
        keep_shot(app, "release-form-condition")
        await pilot.press("ctrl+s")
        await settle(pilot)
        released = Custody.get_by_id(receipt.custody_id)
        assert released.state == State.RELEASED, message(app, "#release-error")
        assert json.loads(released.details_json)["collector"]["condition_at_return"] == "new scratch on the back"
        receipt_text = " ".join(pdf_text(release.receipt_path).split())
        assert "Condition at return new scratch on the back" in receipt_text and "Samsung Galaxy A15" in receipt_text
        await pilot.press("escape")
        await settle(pilot)

        page = await open_pupil_page(pilot, school, ruby)
        timeline = widget_text(app, "#pupil-chain")
        assert "office safe → released to a parent or carer" in timeline
        assert "at return: new scratch on the back" in timeline
        assert not page.query_one("#chain-hand-over", Button).display, "a released phone is handed over no more"
        keep_shot(app, "pupil-chain-released")
        page.query_one("#reprint-custody-chain", Button).press()
        await settle(pilot)
        await wait_for(pilot, lambda: "REPRINT of the custody chain saved" in message(app, "#chain-said"),
                       "the custody chain reprinted")
        assert page.query_one("#reprint-release-receipt", Button).display
        reprinted = Event.get(Event.action == "PAPER_REPRINTED")
        assert "custody-chain" in reprinted.payload_json
