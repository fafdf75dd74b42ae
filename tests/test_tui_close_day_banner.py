"""The desk's banner while and after a close of day that missed its frame (found while issue 16's snapshots
flaked): it said SAVING… "Waiting for the database to save 1 scan. Do not give the phone back…" (a scan's words)
and kept saying it after the day was closed, until the next scan."""

from __future__ import annotations

from kiosk.custody import hand_in
from kiosk.screens.desk import DeskScreen
from kiosk.widgets.result_banner import ResultBanner
from tests.tui_helpers import (
    another_program_holds_the_database,
    kiosk_app,
    scan,
    screen_text,
    settle,
    signed_in,
    wait_for,
)


async def test_a_slow_close_of_day_leaves_no_saving_words_once_it_is_answered(school):
    zoe = school.pupils[0]
    hand_in(school.ctx(), school.scanned(1))  # a phone left in the office: the close of day has work to do
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await scan(pilot, school.tag_of(zoe))  # a result on the banner before the close of day
        await settle(pilot)
        before = app.screen.query_one(ResultBanner).result
        assert before is not None and before.headline == "HANDED IN"
        await pilot.press("f9")
        await settle(pilot)
        with another_program_holds_the_database(school.path):
            await pilot.press("y")
            await pilot.pause()
            desk = next(s for s in app.screen_stack if isinstance(s, DeskScreen))
            assert desk._writes_out == 1, "the close of day waits on the database (another program holds it)"
            banner = desk.query_one(ResultBanner)
            assert "saving…" in str(desk.query_one("#scan").border_subtitle), "said in the scan box's border"
            assert not banner.saving and banner.result == before, "the banner keeps the last scan's result"
            assert "Waiting for the database" not in screen_text(app)
        await wait_for(pilot, lambda: desk._writes_out == 0, "the close of day answered")
        await settle(pilot)
        assert not banner.saving and banner.result == before, "the banner shows what it showed before"
        assert "Waiting for the database" not in screen_text(app)
