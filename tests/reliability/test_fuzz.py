"""9. Scan fuzz: hostile input never crashes the desk and is never taken for a tag; one-character misreads of a
real code are never taken for another pupil's tag."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from kiosk.app import make_app
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.db import Custody
from kiosk.screens.desk import DeskScreen
from kiosk.widgets.result_banner import ResultBanner
from tests.reliability import scenarios
from tests.reliability.harness import OFFICE
from tests.reliability.sizes import SIZES
from tests.tui_helpers import scan, sign_in


def test_a_lone_surrogate_in_a_scan_is_refused_not_a_crash(make_site):
    make_site("sqlite", pupils=5)
    assert scenarios.surrogate_scans() == []


def test_hostile_scans_and_twenty_thousand_misreads_are_never_taken_for_a_tag(make_site):
    site = make_site("sqlite", pupils=1000)
    figure = scenarios.scan_fuzz(site, inputs=SIZES["fuzz_inputs"], mutations=SIZES["fuzz_mutations"])
    print(figure.line())
    n = figure.numbers
    assert n["crashes"] == 0, n["crash_examples"]
    assert n["accepted"] == 0, n["accepted_examples"]
    assert n["mutation_crashes"] == 0, n["mutation_crash_examples"]
    assert n["accepted_as_other_tag"] == 0 and n["valid_other_code_after_normalise"] == 0, n["other_tag_examples"]
    assert n["refused_mutations"] + n["recognised_as_same_tag"] == n["mutations"]


async def test_the_desk_stays_up_and_answers_every_hostile_scan(make_site):
    """The nastiest inputs through the real desk screen: each gets a refusal on the banner, none is handed in,
    and a real scan afterwards still works."""
    site = make_site("sqlite", pupils=30)
    rng = random.Random(99)
    nasty = [scenarios._hostile(kind, rng, site.codes, site.codes[0]) for kind in (0, 1, 2, 5, 6, 7, 9, 10, 11)
             for _ in range(2)]
    nasty += ["\u202e" + site.codes[1], site.codes[2] * 1250, "]Q1\x00\x1b[2J", "😀" * 5000]
    settings = Settings(school_name="Hillcrest Academy", desk="Reception 1")
    app = make_app(settings=settings, keyring=site.keyring, clock=FixedClock(datetime(2026, 11, 30, 8, 30, tzinfo=UTC)))
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, OFFICE[1], OFFICE[3])
        assert isinstance(app.screen, DeskScreen)
        for text in nasty:
            await scan(pilot, text)
            if not isinstance(app.screen, DeskScreen):  # letters: the name picker opened, with no one in it
                await pilot.press("escape")
                await pilot.pause()
                continue
            result = app.screen.query_one(ResultBanner).result
            assert result is not None and result.severity.name == "REFUSED", (text[:30], result)
        assert Custody.select().count() == 0
        await scan(pilot, site.codes[3])
        assert app.screen.query_one(ResultBanner).result.headline == "HANDED IN"
