"""The desk's recent list at 80×24 keeps a refusal from the queue at the hatch on screen (a queue of thirty:
tests/test_tui_recent_list.py), but not for ever: minutes later, newer answers come first. A receptionist needs the
answer to the scan just made, and the ✖ rows of the queue still being served; a ✖ from nine minutes ago has been
dealt with, or will not be by reading it again."""

from __future__ import annotations

from datetime import timedelta

from kiosk.custody.codes import new_code
from kiosk.widgets.recent_list import RecentList
from tests.tui_helpers import kiosk_app, scan, settle, signed_in, type_keys


def recent_lines(app) -> list[str]:
    return [line for line in str(app.screen.query_one(RecentList).render()).splitlines() if line.strip()]


async def test_minutes_old_refusals_give_way_to_newer_answers_at_80_by_24(school):
    zoe, lukasz, minh = school.pupils[0], school.pupils[1], school.pupils[2]
    async with signed_in(kiosk_app(school), size=(80, 24)) as pilot:
        app = pilot.app
        room = app.screen.query_one(RecentList).content_size.height
        for words in ("chloee", "mmia", "jaak", "oliv", "harriet x")[:room]:
            await type_keys(pilot, words)  # ✖ NO MATCH, as many as the list has lines
        await scan(pilot, new_code())  # ✖ UNKNOWN TAG
        assert sum("✖" in line for line in recent_lines(app)) == room, "refusals of the queue fill the list"
        school.clock.set(school.clock.now() + timedelta(minutes=9))
        await scan(pilot, school.tag_of(zoe))  # ✔ HANDED IN
        await scan(pilot, school.tag_of(lukasz))
        school.clock.set(school.clock.now() + timedelta(seconds=30))
        await scan(pilot, school.tag_of(zoe))  # ⚠ ALREADY IN
        await scan(pilot, school.tag_of(minh))
        await settle(pilot)
        lines = recent_lines(app)
        assert "Thi Minh" in lines[0] or "Minh" in lines[0], lines  # the scan just made, first
        assert any("ALREADY IN" in line and "Zoë Hall" in line for line in lines), lines
        assert any("Łukasz" in line for line in lines), lines
        assert not any("✖" in line for line in lines), "nine-minute-old ✖ rows gave way to newer answers"
