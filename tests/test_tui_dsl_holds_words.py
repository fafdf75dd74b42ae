"""The DSL's holds screen says what is true now: no stale "with the police" once the case has moved on, what to
choose when the outcome is recorded with none chosen, and never "Tell the DSL now" to the DSL. Pilot, 80×24."""

from __future__ import annotations

from textual.widgets import Input

from kiosk.custody import State
from kiosk.custody.safeguarding import flag_safeguarding
from kiosk.db import Custody
from kiosk.screens.dsl_cases import CasesScreen, PoliceOutcomeDialog
from kiosk.screens.safeguarding import HoldsScreen, PoliceHandoverDialog
from tests.conftest import DSL_PIN, HEAD_PIN
from tests.dsl_case_support import CONCERN_TEXT
from tests.tui_helpers import (
    hand_to_the_police,
    kiosk_app,
    message,
    settle,
    shown,
    signed_in,
    type_keys,
    wait_for,
    widget_text,
)


def on_hold(school, index: int = 0, kind: str = "illegal_content") -> int:
    receipt = school.confiscate(index)
    flag_safeguarding(school.ctx(), receipt.custody_id, concern=CONCERN_TEXT, acknowledged=True, kind=kind)
    return receipt.custody_id


async def open_holds(pilot) -> HoldsScreen:
    await settle(pilot)
    await pilot.press("enter")  # the holds alert: open the holds
    await settle(pilot)
    assert isinstance(pilot.app.screen, HoldsScreen)
    return pilot.app.screen


async def test_after_the_outcome_the_holds_screen_no_longer_says_the_phone_is_with_the_police(school):
    on_hold(school)
    async with signed_in(kiosk_app(school), "PS", DSL_PIN, size=(80, 24)) as pilot:
        app = pilot.app
        holds = await open_holds(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PoliceHandoverDialog)
        await hand_to_the_police(pilot, app.screen)
        await settle(pilot)
        assert app.screen is holds and "is with the police" in message(app, "#hold-result")
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, CasesScreen)
        await pilot.press("o")
        await settle(pilot)
        outcome = app.screen
        assert isinstance(outcome, PoliceOutcomeDialog)
        await pilot.click("#outcome-ok")  # nothing chosen: says what to choose
        await settle(pilot)
        assert message(app, "#outcome-error") == "Choose the outcome: returned, retained or destroyed."
        await pilot.click("#outcome-RETAINED_BY_POLICE")
        outcome.query_one("#outcome-pin", Input).value = DSL_PIN  # every outcome is confirmed with the DSL's PIN
        await pilot.click("#outcome-ok")
        await wait_for(pilot, lambda: isinstance(app.screen, CasesScreen), "the outcome recorded")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is holds
        assert "is with the police" not in message(app, "#hold-result"), message(app, "#hold-result")


async def test_the_dsl_is_not_told_to_tell_the_dsl_and_the_head_is(school):
    on_hold(school)
    async with signed_in(kiosk_app(school), "PS", DSL_PIN, size=(80, 24)) as pilot:
        await open_holds(pilot)
        steps = widget_text(pilot.app, "#hold-steps")
        assert "Tell the DSL" not in steps, steps
        assert "You are the DSL: the phone goes to the police as soon as is reasonably practicable" in steps, steps
    async with signed_in(kiosk_app(school), "HG", HEAD_PIN, size=(80, 24)) as pilot:
        await open_holds(pilot)
        assert "Tell the DSL now" in widget_text(pilot.app, "#hold-steps")


async def test_the_police_handover_asks_for_the_dsls_pin_and_a_wrong_one_hands_nothing_over(school):
    custody_id = on_hold(school)
    async with signed_in(kiosk_app(school), "PS", DSL_PIN, size=(80, 24)) as pilot:
        app = pilot.app
        holds = await open_holds(pilot)
        await pilot.press("p")
        await settle(pilot)
        police = app.screen
        assert isinstance(police, PoliceHandoverDialog)
        assert "re-enter your PIN" in shown(app)
        await hand_to_the_police(pilot, police, pin="000000")
        assert app.screen is police, "a wrong PIN hands nothing over"
        assert "PIN" in message(app, "#police-error") and "000000" not in shown(app)
        assert police.query_one("#police-pin", Input).value == "", "a PIN is never left in the box"
        assert Custody.get_by_id(custody_id).state == State.SAFEGUARDING_HOLD
        police.query_one("#police-pin", Input).focus()
        await type_keys(pilot, DSL_PIN)
        assert app.screen is holds and Custody.get_by_id(custody_id).state == State.WITH_POLICE
