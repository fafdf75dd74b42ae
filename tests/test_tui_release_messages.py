"""Issue 18 at the release screen: what was sent about the phone, to whom and when, shown before it is handed over;
the collector's address for their copy of the receipt taken (and checked) with the release."""

from __future__ import annotations

from textual.widgets import Input

from kiosk.custody.states import State
from kiosk.db import Custody
from kiosk.mail import outbox
from kiosk.screens.release import ReleaseScreen
from kiosk.widgets.collector_choice import CollectorChoice
from tests.conftest import OFFICE_PIN
from tests.mail_support import give_carers_email, mail_on
from tests.tui_helpers import keep_shot, kiosk_app, message, open_screen, scan, settle, signed_in, widget_text


async def test_the_release_screen_shows_the_messages_sent_and_emails_the_receipt_to_the_address_given(school):
    mail_on(school, mail_via="export")  # queued, not sent: no relay is involved in what the screen shows
    give_carers_email(school)
    receipt = school.confiscate(0)
    school.after_school()
    async with signed_in(kiosk_app(school), size=(120, 45)) as pilot:
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[0]))
        await settle(pilot)
        release = pilot.app.screen
        shown = widget_text(pilot.app, "#release-messages")
        assert "Messages about this phone:" in shown
        assert "confiscation notice to Mrs Dana Hall <hall.1@family.example>, queued 08:30, waiting to send" in shown
        assert release.query_one("#receipt-email", Input).display
        choice = release.query_one(CollectorChoice)
        choice.choose(choice.carers[0].id)
        await pilot.pause()
        release.query_one("#id-seen", Input).value = "passport"
        release.query_one("#receipt-email", Input).value = "dana@family"  # a slip: refused, nothing saved
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "is not an email address" in message(pilot.app, "#release-error")
        assert Custody.get_by_id(receipt.custody_id).state == State.HELD_FOR_PARENT
        release.query_one("#receipt-email", Input).value = "dana.hall@family.example"
        release.query_one("#pin", Input).value = OFFICE_PIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        await settle(pilot)
        assert release.receipt is not None
        keep_shot(pilot.app, "release-done-messages")
        shown = widget_text(pilot.app, "#release-sent")
        assert "release receipt to Mrs Dana Hall <dana.hall@family.example>, queued 15:00, waiting to send" in shown
        assert "confiscation notice to Mrs Dana Hall" in shown and not release.query_one("#release-messages").display
    assert [m.template for m in outbox.listing(custody_id=receipt.custody_id)] == ["release-receipt",
                                                                                   "confiscation-notice"]


async def test_with_mail_off_the_release_screen_asks_for_no_address(school):
    receipt = school.confiscate(0)
    async with signed_in(kiosk_app(school)) as pilot:
        await open_screen(pilot, "f6", ReleaseScreen)
        await scan(pilot, school.tag_of(school.pupils[0]))
        await settle(pilot)
        release = pilot.app.screen
        assert not release.query_one("#receipt-email", Input).display
        assert not release.query_one("#release-messages").display
    assert receipt.custody_id


async def test_the_close_of_day_says_how_many_carers_are_told_their_childs_phone_is_here_overnight(school):
    from datetime import UTC, datetime

    from kiosk.custody.daily import hand_in
    from kiosk.screens.close_day import UncollectedList
    from tests.tui_helpers import shown

    mail_on(school, mail_via="export")
    give_carers_email(school, 1)
    hand_in(school.ctx(), school.scanned(1))
    school.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(pilot.app.screen, UncollectedList)
        keep_shot(pilot.app, "close-day-told")
        assert "1 message to carers queued: their child's phone is here overnight (see the Outbox)." in shown(
            pilot.app)
    assert [m.template for m in outbox.listing()] == ["left-overnight"]


async def test_the_pupil_page_says_what_was_sent_about_the_confiscated_phone(school):
    """Per confiscation, what was sent to whom and when: on the pupil page under its chain of custody, in the
    release screen's words (issue 18)."""
    from kiosk.screens.pupil import PupilScreen
    from tests.tui_helpers import wait_for

    mail_on(school, mail_via="export")
    give_carers_email(school)
    school.confiscate(0)
    async with signed_in(kiosk_app(school), size=(120, 45)) as pilot:
        page = await open_screen(pilot, "f4", PupilScreen)
        await scan(pilot, school.tag_of(school.pupils[0]))
        await settle(pilot)
        await wait_for(pilot, lambda: page.chain is not None, "the chain of custody on the pupil page")
        shown = widget_text(pilot.app, "#chain-messages")
        assert "confiscation notice to Mrs Dana Hall <hall.1@family.example>, queued 08:30, waiting to send" in shown
