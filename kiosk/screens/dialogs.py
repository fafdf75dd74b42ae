"""Small dialogs: one line of text for a domain action, and 'parent informed' (the confiscation screens share them),
and the question Ctrl+Q asks before the kiosk closes.

The first two record something, as every such dialog does (kiosk/screens/record_dialog.py): they save on the desk's
worker and stay open until the answer, the button saying "Saving…" meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from kiosk.custody import DeskContext, DeskError
from kiosk.custody.confiscation import record_parent_informed
from kiosk.custody.queries import carers_to_contact
from kiosk.screens.base import FOCUSED_BUTTON_CSS
from kiosk.screens.desk_card import DeskCardKeys
from kiosk.screens.record_dialog import RecordDialog
from kiosk.text import plain_text
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.plain import plain
from kiosk.widgets.worker_jobs import READING, on_the_worker

if TYPE_CHECKING:
    from kiosk.custody.queries import CarerOption

# What a scan made while the quit question is open is told (the app refuses it: kiosk/app.py route_scan).
QUIT_SCAN_ADVICE = "answer the quit question first (Esc keeps the kiosk open), then scan it again"

HOW_INFORMED = ("phone call", "email", "text message", "letter", "in person", "notice given to the pupil")
SOMEONE_ELSE = -1
READING_CARERS = -2  # the list's one choice while the carers are being read


class TextPrompt(RecordDialog[bool]):
    """Asks for one line and hands it to `apply`, which runs on the desk's worker (a domain action: it touches no
    widget). A desk error is shown in red and the dialog stays open; success dismisses with True, Esc with False."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#prompt-input"
    RECORD_BUTTON = "prompt-ok"
    ERROR_LINE = "prompt-error"
    CANCELLED = False

    def __init__(self, *, title: str, hint: str, action: str, apply: Callable[[str], None], placeholder: str = "",
                 variant: str = "primary") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.action_label = action
        self.apply = apply
        self.placeholder = placeholder
        self.variant = variant

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt", classes="dialog"):
            yield Label(plain(self.title_text), id="prompt-title", classes="dialog-title", markup=False)
            yield Label(self.hint, id="prompt-hint", classes="dialog-hint", markup=False)
            yield Input(placeholder=self.placeholder, id="prompt-input")
            yield MessageLine(id="prompt-error")
            with Horizontal(classes="dialog-buttons"):
                # Named with its key, as every other dialog's buttons are: Enter in the box submits.
                yield Button(f"{self.action_label} (Enter)", variant=self.variant,  # type: ignore[arg-type]
                             id="prompt-ok")
                yield Button("Cancel (Esc)", id="prompt-cancel")

    def read_and_save(self) -> None:
        self.save(partial(self.apply, plain_text(self.query_one("#prompt-input", Input).value, lines=True)),
                  answer=lambda _: True)


class ParentInformedDialog(RecordDialog[str | None]):
    """Records whether and how a parent or carer was told of a confiscation; dismisses with a one-line
    summary for the screen behind, or None when cancelled. The pupil's carers are read on the desk's worker as
    it opens (the list says reading… until they come; Record waits for them). Enter in any field records."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS
    AUTO_FOCUS = "#informed-ok"
    RECORD_BUTTON = "informed-ok"
    ERROR_LINE = "informed-error"
    CANCELLED = None

    def __init__(self, ctx: DeskContext, *, custody_id: int, pupil_id: int, pupil_name: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.custody_id = custody_id
        self.pupil_id = pupil_id
        self.carers: tuple[CarerOption, ...] | None = None  # None until read
        self.pupil_name = pupil_name

    def compose(self) -> ComposeResult:
        with Vertical(id="informed", classes="dialog"):
            yield Label(plain(f"Parent or carer informed · {self.pupil_name}"), classes="dialog-title", markup=False)
            with Grid(classes="form"):
                yield Label("How")
                yield Select([(how, how) for how in HOW_INFORMED], allow_blank=False, value=HOW_INFORMED[0],
                             id="informed-how", compact=True)
                yield Label("Who was told")
                yield Select([(f"the carers: {READING}", READING_CARERS)], allow_blank=False,
                             value=READING_CARERS, id="informed-who", compact=True)
                yield Label("Someone else")
                yield Input(placeholder="name and relationship, if not listed", id="informed-other", compact=True)
                yield Label("Notes")
                yield Input(placeholder="e.g. left a voicemail; will collect at 4pm", id="informed-notes",
                            compact=True)
            yield MessageLine(id="informed-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Record (Enter)", variant="primary", id="informed-ok", disabled=True)
                yield Button("Cancel (Esc)", id="informed-cancel")

    def on_mount(self) -> None:
        on_the_worker(self, partial(carers_to_contact, pupil_id=self.pupil_id), then=self.show_carers,
                      failed=self.carers_not_read)

    def show_carers(self, carers: tuple[CarerOption, ...]) -> None:
        self.carers = carers
        options = [(f"{c.name} ({c.relationship})" if c.relationship else c.name, c.id) for c in carers]
        who = self.query_one("#informed-who", Select)
        who.set_options([*options, ("someone else (type the name below)", SOMEONE_ELSE)])
        who.value = options[0][1] if options else SOMEONE_ELSE
        self.query_one("#informed-ok", Button).disabled = False
        if self.focused is None:
            self.query_one("#informed-ok", Button).focus()

    def carers_not_read(self, error: DeskError) -> None:
        # Who was told can still be typed under 'Someone else'; or Esc goes back.
        self.show_carers(())
        self.query_one("#informed-error", MessageLine).say(f"{error.message} Type who was told under "
                                                           "'Someone else', or press Esc to go back.")

    def who_was_told(self) -> str:
        other = plain_text(self.query_one("#informed-other", Input).value.strip())
        chosen = self.query_one("#informed-who", Select).value
        if other or chosen == SOMEONE_ELSE:
            return other
        carer = next(c for c in self.carers or () if c.id == chosen)
        return f"{carer.name} ({carer.relationship})" if carer.relationship else carer.name

    def read_and_save(self) -> None:
        if self.carers is None:
            return  # the carers are still being read
        how = str(self.query_one("#informed-how", Select).value)
        who = self.who_was_told()
        if not who:
            self.error_line.say("Choose who was told, or type their name under 'Someone else'.")
            return
        notes = plain_text(self.query_one("#informed-notes", Input).value.strip(), lines=True)
        self.save(partial(record_parent_informed, self.ctx, self.custody_id, how=how, who=who, notes=notes),
                  answer=lambda _: f"{how} · {who}")


class ConfirmQuit(DeskCardKeys, ModalScreen[bool]):
    """Ctrl+Q on a signed-in desk asks first: quitting closes the kiosk program, and with it the desk for everyone at
    the hatch. Ctrl+Q again (or the Quit button) quits; Esc or Enter on "Keep the kiosk open", which has the focus,
    keeps it. No letter answers it, so no barcode can: a scan while it is open is refused with its code named (the
    app), and the desk card's LOCK still locks (DeskCardKeys)."""

    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
    ConfirmQuit {
        align: center middle;
    }
    ConfirmQuit > .dialog {
        max-width: 72;
    }
    """
    AUTO_FOCUS = "#quit-stay"
    BINDINGS = [Binding("escape", "answer(False)", "Keep open")]  # Ctrl+Q again: the app's own key (action_quit)
    SCAN_ADVICE = QUIT_SCAN_ADVICE

    def __init__(self, *, desk: str) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-quit", classes="dialog -danger"):
            yield Label("Quit the kiosk?", classes="dialog-title")
            yield Label(plain(f"Quitting closes the kiosk program at {self.desk}: nobody can hand phones in or back "
                              "here until it is started again. To step away from the desk, lock it instead (Ctrl+L)."),
                        markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Quit (Ctrl+Q)", variant="error", id="quit-yes")
                yield Button("Keep the kiosk open (Esc)", id="quit-stay")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "quit-yes")

    def action_answer(self, quit_now: bool) -> None:
        self.dismiss(quit_now)
