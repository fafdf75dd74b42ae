"""The one way a dialog that records something behaves (a line of text, a parent informed, a concern, a police
handover, the police's outcome, a handover within the school): each dialog keeps only its fields and what it saves.

Enter in the dialog's last field, or its record button, reads the form and saves it on the desk's worker
(kiosk/widgets/worker_jobs.py), once: the button says "Saving…" and is disabled until the answer, so a second press
records nothing twice. A refusal (a DeskError) is said in red under the form and the dialog stays open with what was
typed. Esc, or Cancel, while the save is out says to wait rather than close: the screen behind must learn whether it
was saved (the database's own bound ends the wait within seconds, as NOT SAVED at worst). The dialog closes only once
the save is committed (dismiss_when_saved). A scan while it is open is refused with its code named and the bell, and
the desk card's LOCK still locks (DeskCardKeys: kiosk/screens/desk_card.py, kiosk/app.py route_scan).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from kiosk.errors import DeskError
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.worker_jobs import SAVING, STILL_SAVING, BusyButton, dismiss_when_saved, on_the_worker

AnswerT = TypeVar("AnswerT")  # what the dialog dismisses with
SavedT = TypeVar("SavedT")  # what its domain action returns


class RecordDialog(DeskCardKeys, ModalScreen[AnswerT]):
    """A dialog that records something. A subclass names its record button (RECORD_BUTTON), the line its problems
    are said in (ERROR_LINE), the field whose Enter records (LAST_FIELD; None: Enter in any field records) and what
    Esc answers (CANCELLED); its read_and_save() reads the form, or says what is missing, and calls save().

    Its DEFAULT_CSS starts with FOCUSED_BUTTON_CSS (kiosk/screens/base.py), in the dialog's own class: Textual
    ranks a base class's DEFAULT_CSS below Button's own, so here the focused button would keep Button's tint."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    RECORD_BUTTON: ClassVar[str]
    ERROR_LINE: ClassVar[str]
    LAST_FIELD: ClassVar[str | None] = None
    CANCELLED: AnswerT  # False for a yes/no dialog, None for one that answers with what it saved

    def __init__(self) -> None:
        super().__init__()
        self.saving: BusyButton | None = None  # while the save is out

    @property
    def error_line(self) -> MessageLine:
        return self.query_one(f"#{self.ERROR_LINE}", MessageLine)

    @on(Input.Submitted)
    def field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.enter_in(event.input)

    def enter_in(self, field: Input) -> None:
        """Enter in a field: in the last one it records; in another it moves on, as Tab would."""
        if self.LAST_FIELD is None or field.id == self.LAST_FIELD:
            self.record()
        else:
            self.focus_next()

    @on(Button.Pressed)
    def button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.RECORD_BUTTON:
            self.record()
        else:
            # As Esc: while saving, the record button is disabled and the focus moves to Cancel, so a double Enter
            # presses it; closing then would hide whether it was saved.
            self.action_cancel()

    def record(self) -> None:
        if self.saving is None:  # else the first press is still being saved: the form is not read again
            self.read_and_save()

    def read_and_save(self) -> None:
        """The dialog's own part: read the form and save() it, or say on the error line what is missing."""
        raise NotImplementedError

    def save(self, run: Callable[[], SavedT], *, answer: Callable[[SavedT], AnswerT]) -> None:
        """Run `run` (a domain action: it touches no widget) on the desk's worker; once it is committed the dialog
        closes with answer(what it returned)."""
        self.saving = BusyButton(self.query_one(f"#{self.RECORD_BUTTON}", Button))
        self.error_line.waiting(SAVING)
        on_the_worker(self, run, then=lambda saved: dismiss_when_saved(self, answer(saved)), failed=self.refused)

    def refused(self, error: DeskError) -> None:
        if self.saving is not None:
            self.saving.done()
            self.saving = None
        self.error_line.say(error.message)

    def action_cancel(self) -> None:
        if self.saving is not None:
            self.error_line.waiting(STILL_SAVING)
            return
        self.dismiss(self.CANCELLED)
