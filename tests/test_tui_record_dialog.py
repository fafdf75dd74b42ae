"""The one base of the dialogs that record something (kiosk/screens/record_dialog.py: a line of text, a parent
informed, a concern, a police handover, the police's outcome, a handover in school), proved on a dialog of the
test's own whose save answers only when the test lets it: Enter in a field before the last moves on; what is missing
is said and nothing saved; the record button saves once however often it is pressed, says Saving… and is disabled
meanwhile; Esc (or Cancel) while the save is out waits; a refusal is said and the dialog stays open, its button
back; once the save is committed the dialog closes with its answer; Esc with nothing saved answers CANCELLED; and
a scan while it is open is refused (Pilot, on the `school` fixture, through the desk's own worker)."""

from __future__ import annotations

import threading
from functools import partial

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from kiosk.app import scan_stance
from kiosk.errors import DeskError
from kiosk.screens.desk_card import REFUSES
from kiosk.screens.record_dialog import RecordDialog
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.worker_jobs import STILL_SAVING
from tests.tui_helpers import kiosk_app, message, settle, signed_in, type_keys, wait_until


class NoteDialog(RecordDialog[str | None]):
    """Two fields, the note last; saved by `save_note` (on the desk's worker)."""

    AUTO_FOCUS = "#note-who"
    RECORD_BUTTON = "note-ok"
    ERROR_LINE = "note-error"
    LAST_FIELD = "note-text"
    CANCELLED = None

    def __init__(self, save_note) -> None:
        super().__init__()
        self.save_note = save_note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Input(id="note-who")
            yield Input(id="note-text")
            yield MessageLine(id="note-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record", id="note-ok")
                yield Button("Cancel (Esc)", id="note-cancel")

    def read_and_save(self) -> None:
        text = self.query_one("#note-text", Input).value
        if not text:
            self.error_line.say("Type the note.")
            return
        self.save(partial(self.save_note, text), answer=lambda saved: f"saved: {saved}")


class HeldSave:
    """A save that answers when the test says: with what it saved, or refused with a DeskError."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.answer = threading.Event()
        self.refuse = False

    def __call__(self, text: str) -> str:
        self.calls.append(text)
        assert self.answer.wait(10), "the test never let the save answer"
        self.answer.clear()
        if self.refuse:
            raise DeskError("Not today: the desk's own words.")
        return text.upper()


async def open_note(pilot, save: HeldSave) -> tuple[NoteDialog, list]:
    answers: list = []
    dialog = NoteDialog(save)
    pilot.app.push_screen(dialog, answers.append)
    await settle(pilot)
    assert pilot.app.screen is dialog
    return dialog, answers


async def test_a_record_dialog_saves_once_waits_while_saving_and_closes_with_its_answer(school):
    save = HeldSave()
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        dialog, answers = await open_note(pilot, save)
        await type_keys(pilot, "Ann")  # Enter in a field before the last moves on
        assert app.focused is dialog.query_one("#note-text", Input) and save.calls == []

        dialog.query_one("#note-ok", Button).press()
        await settle(pilot)
        assert message(app, "#note-error") == "Type the note." and save.calls == [], "nothing to save: said"

        dialog.query_one("#note-text", Input).value = "left at the desk"
        await pilot.press("enter")  # Enter in the last field records
        button = dialog.query_one("#note-ok", Button)
        assert save.calls == ["left at the desk"] and button.disabled and str(button.label) == "Saving…"
        assert "saving" in message(app, "#note-error")
        button.press()
        await pilot.press("enter")  # a double Enter, on the field and then on Cancel
        dialog.query_one("#note-cancel", Button).press()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog and answers == [], "never closed while the save is out"
        assert message(app, "#note-error") == STILL_SAVING
        assert save.calls == ["left at the desk"], "saved once however often pressed"

        save.answer.set()
        assert await wait_until(pilot, lambda: answers, timeout=10)
        assert answers == ["saved: LEFT AT THE DESK"] and app.screen is not dialog
        assert save.calls == ["left at the desk"]


async def test_a_refused_record_dialog_stays_open_with_its_button_back_and_esc_then_cancels(school):
    save = HeldSave()
    save.refuse = True
    async with signed_in(kiosk_app(school)) as pilot:
        app = pilot.app
        dialog, answers = await open_note(pilot, save)
        dialog.query_one("#note-text", Input).value = "left at the desk"
        dialog.query_one("#note-ok", Button).press()
        await pilot.pause()
        save.answer.set()
        assert await wait_until(pilot, lambda: message(app, "#note-error") == "Not today: the desk's own words.",
                                timeout=10)
        button = dialog.query_one("#note-ok", Button)
        assert app.screen is dialog and not button.disabled and str(button.label) == "Record"
        assert dialog.saving is None and dialog.query_one("#note-text", Input).value == "left at the desk"

        save.refuse = False  # pressed again, it saves again
        button.press()
        await pilot.pause()
        save.answer.set()
        assert await wait_until(pilot, lambda: answers, timeout=10)
        assert answers == ["saved: LEFT AT THE DESK"] and save.calls == ["left at the desk"] * 2

        dialog, answers = await open_note(pilot, save)
        await pilot.press("escape")
        await pilot.pause()
        assert answers == [None] and app.screen is not dialog and len(save.calls) == 2, "Esc: CANCELLED, unsaved"


def test_every_record_dialog_refuses_a_scan():
    assert scan_stance(NoteDialog) == REFUSES
    assert all(scan_stance(kind) == REFUSES for kind in RecordDialog.__subclasses__())
