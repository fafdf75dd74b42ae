"""The desk's Outbox screen (issue 18): what was sent, to whom, with the server's answer; a failed message sent
again with R, a withheld one only by the DSL or head."""

from __future__ import annotations

from kiosk.custody import safeguarding
from kiosk.db.models import OutboxMessage
from kiosk.mail import outbox
from kiosk.screens.outbox import OutboxScreen
from tests.mail_support import give_carers_email, mail_on
from tests.tui_helpers import kiosk_app, open_by_name, screen_text, settle, signed_in, wait_until


def _school_with_messages(school):
    mail_on(school, mail_via="export")  # nothing is sent by the app's own outbox thread meanwhile
    give_carers_email(school)
    give_carers_email(school, 1)
    school.confiscate(0)
    held = school.confiscate(1)
    safeguarding.flag_safeguarding(school.ctx(), held.custody_id, concern="x", acknowledged=True, kind="risk_of_harm")
    (OutboxMessage.update(state="failed", attempts=1, answer="550 5.1.1 No such user here")
     .where(OutboxMessage.template == "confiscation-notice", OutboxMessage.state == "queued").execute())


async def test_the_office_sees_the_outbox_and_sends_a_failed_message_again(school):
    _school_with_messages(school)
    async with signed_in(kiosk_app(school), size=(160, 45)) as pilot:
        screen = await open_by_name(pilot, "outbox", OutboxScreen)
        text = screen_text(pilot.app)
        assert "FAILED" in text and "550 5.1.1 No such user here" in text and "hall.1@family.example" in text
        assert "withheld (hold)" in text and "hold placed (DSL)" in text
        failed = next(line for line in outbox.listing() if line.state == "failed")
        table = screen.query_one("#outbox")
        table.move_cursor(row=table.get_row_index(str(failed.id)))
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Queued again" in screen_text(pilot.app), timeout=5)
        assert OutboxMessage.get_by_id(failed.id).state == "queued"

        withheld = next(line for line in outbox.listing() if line.state == "withheld")
        table.move_cursor(row=table.get_row_index(str(withheld.id)))
        await pilot.press("r")
        await settle(pilot)
        assert await wait_until(pilot, lambda: "is not allowed to clear hold" in screen_text(pilot.app), timeout=5)
        assert OutboxMessage.get_by_id(withheld.id).state == "withheld", "the office cannot release a withheld one"


async def test_the_dsl_may_let_a_withheld_message_go(school):
    _school_with_messages(school)
    async with signed_in(kiosk_app(school), initials="PS", pin="864209", size=(160, 45)) as pilot:
        screen = await open_by_name(pilot, "outbox", OutboxScreen)
        withheld = next(line for line in outbox.listing() if line.state == "withheld")
        table = screen.query_one("#outbox")
        table.move_cursor(row=table.get_row_index(str(withheld.id)))
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "Queued again" in screen_text(pilot.app), timeout=5)
        assert OutboxMessage.get_by_id(withheld.id).state == "queued"
