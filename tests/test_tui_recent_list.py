"""The desk's recent list as a receptionist with a queue at the hatch needs it: every refused scan names what was
read (the tag's code, the typed words), a queue of thirty still shows which ones failed, and the list is the
desk's for the school day: hidden on the lock screen, back after the next sign-in, gone the next morning."""

from __future__ import annotations

from kiosk.custody.codes import grouped, new_code
from kiosk.db import Custody
from kiosk.screens.desk import DeskScreen
from kiosk.widgets.recent_list import RecentList
from tests.conftest import ADMIN_PIN, OFFICE_PIN, TEACHER_PIN, add_pupil
from tests.tui_helpers import burst, kiosk_app, scan, screen_text, settle, sign_in, signed_in, type_keys


def recent_lines(app) -> list[str]:
    """The recent list's rows as the terminal shows them."""
    return [line for line in str(app.screen.query_one(RecentList).render()).splitlines() if line.strip()]


def line_with(app, words: str) -> str:
    found = [line for line in recent_lines(app) if words in line]
    assert len(found) == 1, f"{words!r} is on one row of the recent list: {recent_lines(app)}"
    return found[0]


def misread(code: str) -> str:
    """`code` with its check character wrong: what a scanner reads off a scuffed label."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


async def test_every_refused_row_names_the_code_or_the_words_that_were_read(school):
    unknown, scuffed = new_code(), misread(school.tag_of(school.pupils[1]))
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await scan(pilot, school.tag_of(school.pupils[0]))  # ✔ Zoë Hall
        await scan(pilot, unknown)  # ✖ UNKNOWN TAG
        await scan(pilot, scuffed)  # ✖ SCAN AGAIN (check character)
        await type_keys(pilot, "chloee")  # ✖ NO MATCH
        await scan(pilot, "999999")  # ✖ an ID card number no pupil has

        assert "UNKNOWN TAG" in line_with(app, grouped(unknown))
        assert "SCAN AGAIN" in line_with(app, grouped(scuffed))
        assert "NO MATCH" in line_with(app, "'chloee'")
        assert "UNKNOWN TAG" in line_with(app, "999999") and "999999" in recent_lines(app)[0], "newest first"
        assert "Zoë Hall" in line_with(app, "HANDED IN")
        # Every ✖ on screen names something: nothing is left to guess from a queue of red rows.
        for line in recent_lines(app):
            if "✖" in line:
                assert line.split("✖", 1)[1].split(maxsplit=2)[-1].strip(), line
        assert all(f"✖ {words}" in screen_text(app) for words in ("UNKNOWN TAG", "SCAN AGAIN", "NO MATCH"))


async def test_a_name_typed_with_brackets_is_shown_as_typed_not_as_markup(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        await type_keys(pilot, "[bold]eve[/]")
        assert "'[bold]eve[/]'" in line_with(pilot.app, "NO MATCH")
        assert "'[bold]eve[/]'" in screen_text(pilot.app), "the banner says it as typed too"


async def test_three_refusals_in_a_queue_of_thirty_stay_on_screen_at_80_by_24(school):
    extra = [add_pupil(school.clock, f"2000{n:02d}", f"Pupil{n}", "Queue", None, 8, "8Q") for n in range(24)]
    codes = [school.tag_of(p) for p in school.pupils + extra]
    unknown = [new_code() for _ in range(3)]
    queue = codes[:2] + [unknown[0]] + codes[2:14] + [unknown[1]] + codes[14:26] + [unknown[2]] + codes[26:]
    assert len(queue) == 33
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        burst(app, queue)
        await settle(pilot)
        await pilot.pause()
        assert Custody.select().count() == 30
        text = screen_text(app)
        for code in unknown:
            assert grouped(code) in text, f"the refused {grouped(code)} is still on screen after the queue"


async def test_the_list_survives_a_lock_and_comes_back_at_the_next_sign_in_the_same_day(school):
    unknown = new_code()
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        app = pilot.app
        await scan(pilot, school.tag_of(school.pupils[4]))  # Ruby Mitchell
        await scan(pilot, unknown)
        await pilot.press("ctrl+l")
        await pilot.pause()
        locked = screen_text(app)
        assert "Desk locked" in locked
        for private in ("Ruby", "Mitchell", grouped(unknown), "UNKNOWN TAG"):
            assert private not in locked, "nothing about any pupil, nor any scan, on the lock screen"

        await sign_in(pilot, "AA", OFFICE_PIN)
        assert isinstance(app.screen, DeskScreen)
        assert "UNKNOWN TAG" in line_with(app, grouped(unknown)) and "Ruby Mitchell" in line_with(app, "HANDED IN")
        assert app.screen.query_one("#banner").result is None, "the banner's last result is not brought back"

        # Another member of the office at the same desk, the same day: the list is the desk's, not the person's.
        await pilot.press("ctrl+l")
        await pilot.pause()
        await sign_in(pilot, "SO", ADMIN_PIN)
        assert "Sam Okafor" in screen_text(app)
        assert "UNKNOWN TAG" in line_with(app, grouped(unknown))

        # A teacher signs in to confiscate: the hatch's list is not theirs to read.
        await pilot.press("ctrl+l")
        await pilot.pause()
        await sign_in(pilot, "TE", TEACHER_PIN)
        assert "Ruby" not in screen_text(app) and not app.screen.query_one(RecentList).scans

        # The next morning the desk starts a new day's list.
        await pilot.press("ctrl+l")
        await pilot.pause()
        school.clock.advance(days=1)
        await sign_in(pilot, "AA", OFFICE_PIN)
        assert not app.screen.query_one(RecentList).scans and "No scans yet" in screen_text(app)


async def test_a_restart_starts_with_an_empty_list(school):
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        await scan(pilot, new_code())
        assert pilot.app.screen.query_one(RecentList).scans
    async with signed_in(kiosk_app(school), size=(100, 40)) as pilot:
        assert not pilot.app.screen.query_one(RecentList).scans
