"""F1 help on the smallest desk (80×24): every line of it can be reached from the keyboard, the last one shown in
full above the hint, and what it says is text: "[ and ]" (the reports' keys) shows its brackets."""

from __future__ import annotations

from kiosk.screens.help import HelpScreen
from tests.tui_helpers import kiosk_app, screen_text, settle, signed_in

LAST_LINE = "LOCK · CLOSE DAY: scan them instead of pressing keys."


async def test_help_at_80_by_24_scrolls_by_keys_to_its_last_line(school):
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert LAST_LINE not in screen_text(app), "the help is longer than the screen"
        for _ in range(12):
            await pilot.press("pagedown")
        await pilot.pause()
        text = screen_text(app)
        assert LAST_LINE in text, f"the last line, whole, after PgDn to the end:\n{text}"
        assert "Esc, Enter or F1: close" in text, "the hint is still there below it"
        hint_row = next(i for i, line in enumerate(text.splitlines()) if "Esc, Enter or F1: close" in line)
        last_row = next(i for i, line in enumerate(text.splitlines()) if LAST_LINE in line)
        assert last_row < hint_row
        await pilot.press("home")
        await pilot.pause()
        assert "Keys on the desk" in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert LAST_LINE in screen_text(app)


async def test_help_shows_square_brackets_as_written(school):
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        await pilot.press("f1")
        await settle(pilot)
        seen = ""
        for _ in range(6):  # read it a page at a time, as staff do
            seen += screen_text(app)
            await pilot.press("pagedown")
        assert "range of days; [ and ] for" in seen, "the brackets as written, not eaten as markup"
