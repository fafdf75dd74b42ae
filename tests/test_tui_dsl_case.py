"""Issue 16, the DSL's case as the office and the DSL meet it (Pilot, on the `school` fixture): confiscate → hold
with its kind chosen → police → returned by the police → released to a carer; the closed-cases view shows the
notes to the DSL and the head and nothing to anyone else; an examination is refused for a phone on a hold and
recorded, PIN-authorised, for one held for a parent."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input, RadioButton

from kiosk.audit import verify
from kiosk.custody import State
from kiosk.custody.queries.chain import custody_chain
from kiosk.custody.safeguarding import add_dsl_note, flag_safeguarding
from kiosk.db import Custody, Event
from kiosk.db.models import Examination
from kiosk.screens.dsl_cases import ONLY_DSL, CasesScreen, ClosedCasesScreen, PoliceOutcomeDialog
from kiosk.screens.examination import ExaminationScreen
from kiosk.screens.safeguarding import FlagSafeguarding, HoldsAlert, HoldsScreen, PoliceHandoverDialog
from tests.conftest import DSL_PIN, HEAD_PIN, OFFICE_PIN
from tests.dsl_case_support import CONCERN_TEXT, with_the_police
from tests.tui_helpers import (
    choose_carer,
    everything_on_screens,
    fill_and_save_confiscation,
    hand_to_the_police,
    keep_shot,
    kiosk_app,
    lock_and_sign_in,
    message,
    open_by_name,
    open_confiscation,
    open_release,
    save_release,
    settle,
    shown,
    signed_in,
    type_keys,
    widget_text,
)


def state_of(custody_id: int) -> str:
    return Custody.get_by_id(custody_id).state


async def test_confiscate_hold_police_returned_by_the_police_then_released_to_a_carer(school):
    leo = school.pupils[5]
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        screen = await open_confiscation(pilot, school, leo)
        await fill_and_save_confiscation(pilot, screen, seal="BAG-0077")
        custody_id = screen.receipt.custody_id

        # The office puts it on a hold, choosing the kind of concern: its steps appear before the tick.
        await pilot.press("g")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FlagSafeguarding)
        dialog.query_one("#concern", Input).value = CONCERN_TEXT
        dialog.query_one("#kind-indecent_image", RadioButton).value = True
        await pilot.pause()
        steps = widget_text(app, "#flag-instructions")
        for words in ("Do not view", "Do not copy", "Do not delete", "Do not send", "Switch the phone off",
                      "police"):
            assert words in steps, words
        keep_shot(app, "flag-kind")
        dialog.query_one("#acknowledged", Checkbox).value = True
        dialog.query_one("#flag-ok", Button).press()
        await settle(pilot)
        assert state_of(custody_id) == State.SAFEGUARDING_HOLD
        assert "indecent" not in everything_on_screens(app).lower(), "once saved, the kind is the DSL's"

        # The DSL: the hold shows its kind and the steps it requires; the phone goes to the police.
        await lock_and_sign_in(pilot, "PS", DSL_PIN)
        await settle(pilot)
        assert isinstance(app.screen, HoldsAlert)
        await pilot.press("enter")
        await settle(pilot)
        holds = app.screen
        assert isinstance(holds, HoldsScreen)
        assert "Kind of concern: Suspected indecent image or video of a child" in widget_text(app, "#hold-facts")
        assert "Do not copy, print, save" in widget_text(app, "#hold-steps")
        keep_shot(app, "holds-kind")
        await pilot.press("p")
        await settle(pilot)
        police = app.screen
        assert isinstance(police, PoliceHandoverDialog)
        await hand_to_the_police(pilot, police)
        await settle(pilot)
        assert app.screen is holds and state_of(custody_id) == State.WITH_POLICE

        # With the police: an open case until the outcome is recorded.
        await pilot.press("w")
        await settle(pilot)
        cases = app.screen
        assert isinstance(cases, CasesScreen) and "Leo" in shown(app)
        assert "Open: no outcome from the police recorded yet" in shown(app)
        await pilot.press("o")
        await settle(pilot)
        outcome = app.screen
        assert isinstance(outcome, PoliceOutcomeDialog)
        assert outcome.query_one("#outcome-ref", Input).value == "46/123456/26", "the crime reference, to confirm"
        outcome.query_one("#outcome-ok", Button).press()
        await settle(pilot)
        assert "Choose the outcome" in message(app, "#outcome-error") and state_of(custody_id) == State.WITH_POLICE
        assert not outcome.query_one("#outcome-seal", Input).display, "no seal asked until the phone is returned"
        outcome.query_one("#outcome-RETURNED_BY_POLICE", RadioButton).value = True
        await pilot.pause()
        assert outcome.query_one("#outcome-seal", Input).display, "returned: the bag it comes back in"
        outcome.query_one("#outcome-note", Input).value = "collected from the station by the DSL"
        outcome.query_one("#outcome-pin", Input).focus()
        await type_keys(pilot, DSL_PIN)
        await settle(pilot)
        assert "seal" in message(app, "#outcome-error") and state_of(custody_id) == State.WITH_POLICE
        outcome.query_one("#outcome-seal", Input).focus()
        await type_keys(pilot, "BAG-0091")  # a new school bag: its Enter goes on to the PIN
        assert outcome.focused is outcome.query_one("#outcome-pin", Input), "the PIN is typed last"
        await type_keys(pilot, HEAD_PIN)  # not the DSL's own PIN: nothing recorded
        await settle(pilot)
        assert "That is not your PIN" in message(app, "#outcome-error") and state_of(custody_id) == State.WITH_POLICE
        assert outcome.query_one("#outcome-pin", Input).value == "", "a PIN never stays in the box"
        outcome.query_one("#outcome-pin", Input).focus()
        await type_keys(pilot, DSL_PIN)
        await settle(pilot)
        assert app.screen is cases and state_of(custody_id) == State.HELD_FOR_PARENT
        assert "No phone is with the police awaiting an outcome" in shown(app)

        # The closed cases: the outcome, and the notes readable (the reading is audited).
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        closed = app.screen
        assert isinstance(closed, CasesScreen) and closed.closed
        assert "Outcome: returned by the police · reference 46/123456/26 · recorded by Priya Shah" in shown(app)
        assert CONCERN_TEXT not in everything_on_screens(app)
        await pilot.press("r")
        await settle(pilot)
        notes = widget_text(app, "#case-notes")
        assert CONCERN_TEXT in notes and "collected from the station by the DSL" in notes
        keep_shot(app, "closed-cases")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)

        # Back in the office's hands: released to a carer after school.
        school.after_school()
        release = await open_release(pilot, school.tag_of(leo))
        await choose_carer(pilot, release)
        await save_release(pilot, release, pin=DSL_PIN)
        assert state_of(custody_id) == State.RELEASED, message(app, "#release-error")
    actions = [e.action for e in Event.select().where(Event.custody == custody_id).order_by(Event.seq)]
    moves = [a for a in actions if a in ("CONFISCATED", "SAFEGUARDING_HOLD", "HANDED_TO_POLICE", "RETURNED_BY_POLICE",
                                         "RELEASED")]
    assert moves == ["CONFISCATED", "SAFEGUARDING_HOLD", "HANDED_TO_POLICE", "RETURNED_BY_POLICE", "RELEASED"]
    chain = custody_chain(custody_id=custody_id)
    back = chain.links[-2]  # before the release: the police → office safe link, signed by the DSL's PIN
    assert (back.from_place, back.to_place) == ("police: PC Jo Marsh (4471, Kent Police)", "office safe")
    assert (back.received_by, back.old_seal, back.seal) == ("Priya Shah (confirmed with their PIN)", "EVID-889",
                                                            "BAG-0091")
    assert chain.links[-1].seal == "BAG-0091" and chain.seals[-2:] == ("EVID-889", "BAG-0091")
    assert verify(school.keyring.audit_key).ok


async def test_the_closed_cases_show_notes_to_the_head_and_nothing_to_anyone_else(school):
    custody_id = with_the_police(school)
    from kiosk.custody.safeguarding import record_police_outcome
    from kiosk.custody.states import Move

    record_police_outcome(school.ctx(school.signed_in("PS")), custody_id, outcome=Move.RETAINED_BY_POLICE,
                          police_reference="46/123456/26", pin=DSL_PIN)
    async with signed_in(kiosk_app(school), "HG", HEAD_PIN) as pilot:
        app = pilot.app
        await settle(pilot)
        await open_by_name(pilot, "closed_cases", ClosedCasesScreen)
        assert "retained by the police" in shown(app)
        await pilot.press("r")
        await settle(pilot)
        assert CONCERN_TEXT in widget_text(app, "#case-notes")
    for initials, pin in (("AA", OFFICE_PIN), ("TE", "975310")):
        async with signed_in(kiosk_app(school), initials, pin) as pilot:
            app = pilot.app
            await settle(pilot)
            assert app.open_screen("closed_cases") is None, "the app opens it for the DSL and head only"
            # Reached anyway, the screen shows nothing, and the domain refuses the notes (audited).
            app.push_screen(ClosedCasesScreen(school.ctx(school.signed_in(initials))))
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            text = everything_on_screens(app)
            assert ONLY_DSL in shown(app)
            assert CONCERN_TEXT not in text and "Zo" not in shown(app) and "46/123456/26" not in text
    assert Event.select().where(Event.action == "DSL_NOTES_VIEWED").count() == 1, "only the head's reading"


async def test_an_examination_is_refused_on_a_hold_and_recorded_with_the_heads_pin(school):
    held = school.confiscate(0)
    on_hold = school.confiscate(1)
    flag_safeguarding(school.ctx(), on_hold.custody_id, concern="x", acknowledged=True, kind="illegal_content")
    add_dsl_note(school.ctx(school.signed_in("PS")), on_hold.custody_id, "police to collect")
    async with signed_in(kiosk_app(school), "PS", DSL_PIN) as pilot:
        app = pilot.app
        await settle(pilot)
        await pilot.press("enter")  # the alert: open the holds
        await settle(pilot)
        assert isinstance(app.screen, HoldsScreen)
        await pilot.press("x")
        await settle(pilot)
        exam = app.screen
        assert isinstance(exam, ExaminationScreen)

        def fill() -> None:
            for field_id, value in (("exam-by", "Mr H. Grant-Ellis"), ("exam-reason", "threats reported"),
                                    ("exam-looked", "messages app, one thread"),
                                    ("exam-erased-what", "one photo of a classmate"), ("exam-auth", "HG")):
                exam.query_one(f"#{field_id}", Input).value = value
            exam.query_one("#exam-erased", Checkbox).value = True
            exam.query_one("#exam-dsl", Checkbox).value = True

        exam.choose(on_hold.custody_id)
        fill()
        exam.query_one("#exam-pin", Input).value = HEAD_PIN
        exam.query_one("#exam-save", Button).press()
        await settle(pilot)
        assert "safeguarding hold" in message(app, "#exam-result") and Examination.select().count() == 0
        assert exam.query_one("#exam-pin", Input).value == "", "a PIN never stays in the box"

        exam.choose(held.custody_id)
        exam.query_one("#exam-pin", Input).value = HEAD_PIN
        exam.query_one("#exam-save", Button).press()
        await settle(pilot)
        assert "recorded, authorised by Hugh Grant-Ellis" in message(app, "#exam-result")
        keep_shot(app, "examination")
        assert "one photo of a classmate" not in everything_on_screens(app), "once saved, not shown again"
    row = Examination.get()
    assert row.custody_id == held.custody_id and row.erased and row.dsl_told and not row.parent_told
    assert verify(school.keyring.audit_key).ok
