"""The desk card's barcodes (HAND IN, HAND BACK, LOCK, CLOSE DAY): recognised wherever a scanner types them, and
what each does on every kind of screen, in this one module. A screen answers a code with its desk_card(command,
code), and moves only by posting messages (kiosk/messages.py); the app makes the move.

What a code does depends on the screen in front:
* LOCK locks, from anywhere (LockRequested).
* The desk (AtTheDesk): HAND IN and HAND BACK switch its mode; CLOSE DAY asks to close the day.
* A screen away from the desk (AwayFromDesk: confiscation, release, search record, labels, pupil page, stock-take):
  one where nothing has been entered yet, straight above the desk, gives way to the desk, which acts on the code
  (GaveWay). A receptionist with a queue who scans HAND IN on a confiscation screen they have only just opened
  wants the next phone in the queue handed in, not a message to read and a key to find. Once a pupil has been
  found or anything typed, leaving would throw that work away: the screen stays, says how to get back to the desk,
  and keeps what was entered.
* A dialog (DeskCardKeys): it waits; a toast says to finish or press Esc first.
* The name list (PassesOn): it closes without choosing (at the desk its Enter would hand the highlighted pupil's
  phone in or back) and the screen behind acts on the code (GaveWay).
* A screen that reads no code itself, where no text box has the focus (help, reports, the dashboard, the
  close-day question): the app reads the keys (LooseKeys). CLOSE DAY scanned again on the close-day question
  confirms it; HAND IN, HAND BACK and CLOSE DAY elsewhere belong to the desk, and a toast says to go back to it.

How a code is read: as the whole of a scan box's value (desk_card_command); at the end of a form field's text
when its Enter arrives, since a scanner types into whatever has the focus (CODE_AT_END); key by key where no text
box has the focus (DeskCardKeys, LooseKeys). The Enter that ends a code is kept from the focused widget, which
would otherwise submit a field, press a button (Cancel, say) or choose from a list. A code a scanner sends at
scanner speed is recognised before any of that, at the app (kiosk/widgets/scanner.py), and answered here the same
way (desk_card on the screen in front, else LooseKeys.answer); the readings above are for the same codes typed
more slowly (a misconfigured scanner, a person with the desk card's printed line).

Any other scan (a pupil's tag, an ID card, a barcode of another kind) is routed by the app too, by the stance of
the screen in front (SCANS, below; kiosk/app.py scan_stance for the screens built on none of these):
* TAKES: the desk and every screen away from it with a box for the pupil (AtTheDesk, AwayFromDesk): the scan goes
  into that box (scan_box_of), as if scanned there, unless a PIN is being typed (then it is refused).
* GIVES_WAY: the name list (PassesOn), and, by the app's table, help, the close-day question, the list of
  uncollected phones, the palette, the read-only screens: it closes, and the screen behind is asked in turn.
* REFUSES: a dialog (DeskCardKeys): the scan is refused, its code named, with the bell; the dialog keeps what was
  typed in it. SCAN_ADVICE says what to do instead.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual import events
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

from kiosk.custody import DeskError, normalise
from kiosk.custody.scans import COMMAND_CODES, CommandScan
from kiosk.messages import GaveWay, LockRequested
from kiosk.screens.close_day import ConfirmCloseDay
from kiosk.widgets.scan_box import SUBMIT_KEYS, ScanBox

LOCK = "lock"
CLOSE_DAY = "close day"
# A desk-card code a scanner typed at the end of whatever was in a form field (an AIM prefix may come first).
CODE_AT_END = re.compile(r"(?:\][A-Za-z][0-9A-Za-z])?(" + "|".join(COMMAND_CODES) + r")$", re.IGNORECASE)
# Keys typed outside a text box are kept this far back: the longest code (KXHANDBACK) and an AIM prefix.
KEPT_KEYS = 16

# What a scan made anywhere (not a desk-card code) does on a screen: see the module's docstring.
TAKES = "takes"
GIVES_WAY = "gives way"
REFUSES = "refuses"
# The boxes a screen takes a pupil's scan in: the desk's and the forms' "#scan", the Labels screen's "#pupil".
SCAN_BOX_IDS = ("scan", "pupil")
DIALOG_SCAN_ADVICE = "finish here or press Esc first, then scan it again"


def desk_card_command(text: str) -> str | None:
    """'lock', 'hand in'… when `text` is one of the desk card's barcodes, else None."""
    try:
        scan = normalise(text)
    except DeskError:
        return None
    return scan.command if isinstance(scan, CommandScan) else None


def in_a_desk_card_code(typed: str) -> bool:
    """Do the last keys typed (at least "KX") begin, or make up, a desk-card code?"""
    typed = typed.upper()
    return any(typed.endswith(code[:length]) for code in COMMAND_CODES for length in range(2, len(code) + 1))


def code_typed(typed: str) -> str | None:
    """The desk-card code the keys typed end with ("KXLOCK"), if they end with one."""
    typed = typed.upper()
    return next((code for code in COMMAND_CODES if typed.endswith(code)), None)


def scan_box_of(screen: Screen[Any]) -> ScanBox | None:
    """The box a scan made anywhere goes into on a screen that TAKES scans: its pupil box, if it is shown now."""
    for box in screen.query(ScanBox):
        if box.id in SCAN_BOX_IDS and shown(box, screen):
            return box
    return None


def shown(widget: Widget, screen: Screen[Any]) -> bool:
    """Is the widget shown (neither it nor any container of it up to the screen hidden)?"""
    node: Any = widget
    while node is not None and node is not screen:
        if not node.display:
            return False
        node = node.parent
    return True


def one_character(event: events.Key) -> str | None:
    """The letter or digit a key typed (a code is made of them), else None."""
    character = event.character
    return character if character and len(character) == 1 and character.isalnum() else None


@runtime_checkable
class AnswersDeskCard(Protocol):
    """A screen that answers the desk card itself: the app hands it a code another screen gave way with."""

    def desk_card(self, command: str, code: str) -> None: ...


# ── the desk ────────────────────────────────────────────────────────────────────────────────────────────────
class AtTheDesk:
    """The desk's answer: the scanner alone drives the desk. The desk says how (close_day_by_card and
    mode_by_card refuse what the signed-in role may not do)."""

    SCANS: ClassVar[str] = TAKES

    def desk_card(self, command: str, code: str) -> None:
        desk: Any = self
        if command == LOCK:
            desk.post_message(LockRequested())
        elif command == CLOSE_DAY:
            desk.close_day_by_card()
        else:
            desk.mode_by_card(command)


# ── dialogs and the screens away from the desk ──────────────────────────────────────────────────────────────
class DeskCardKeys:
    """For a screen or dialog other than the desk: reads a desk-card code that a scanner typed into a form field
    or while a button, a tick box or a list had the focus, and answers it with desk_card() instead of letting its
    Enter submit the field, press the button or choose from the list. A scan box reads its own scans (the screen
    hands them to desk_card).

    Keys reach the screen after the focused widget and before the app applies its bindings, which is why this
    works: the Enter that ends a code is stopped here, before Cancel (say) sees it.

    As it stands, a dialog's answer: LOCK locks; any other code waits until the dialog is done (a toast says so).
    Any other scan is refused while it is open (REFUSES): SCAN_ADVICE says what to do.
    """

    SCANS: ClassVar[str] = REFUSES
    SCAN_ADVICE: ClassVar[str] = DIALOG_SCAN_ADVICE
    _card_keys = ""  # what a scanner typed while no text field had the focus, until its Enter

    def desk_card(self, command: str, code: str) -> None:
        screen: Screen[Any] = self  # type: ignore[assignment]
        if command == LOCK:
            screen.post_message(LockRequested())
            return
        screen.app.notify(f"That is the desk card's {command.upper()} barcode: finish here or press Esc first, "
                          "then scan it at the desk. Nothing entered here has changed.", severity="warning")

    def on_mount(self) -> None:
        # Textual selects a field's text when it takes the focus, so a code scanned into a field just clicked or
        # tabbed into would replace what was typed there. Nothing here is worth that risk.
        screen: Screen[Any] = self  # type: ignore[assignment]
        for field in screen.query(Input):
            if not isinstance(field, ScanBox):
                field.select_on_focus = False

    def on_key(self, event: events.Key) -> None:
        screen: Screen[Any] = self  # type: ignore[assignment]
        focused = screen.focused
        if event.key in SUBMIT_KEYS:
            typed, self._card_keys = self._card_keys, ""
            if isinstance(focused, Input):  # a scan box handles its own Enter: this is a form field
                match = CODE_AT_END.search(focused.value)
                if match is None:
                    return
                focused.value = focused.value[: match.start()]  # what was typed before the code stays
                code: str | None = match.group(1).upper()
            else:
                code = code_typed(typed)
            if code is None:
                return
            event.stop()
            event.prevent_default()
            self.desk_card(COMMAND_CODES[code], code)
        elif (character := one_character(event)) and not isinstance(focused, (Input, TextArea)):
            self._card_keys = (self._card_keys + character)[-KEPT_KEYS:]
        else:
            self._card_keys = ""


class AwayFromDesk(DeskCardKeys):
    """The answer of a screen away from the desk where staff find a pupil or enter something (a form, the pupil
    page, a stock-take): LOCK locks; HAND IN, HAND BACK and CLOSE DAY mean the desk. An untouched screen straight
    above the desk gives way to it; otherwise the screen says how to get back (desk_card_advice) and keeps what
    was entered. The screen says whether anything was entered (started) and shows the words (show_problem). A
    pupil's tag or ID card scanned anywhere goes into its pupil box (TAKES)."""

    SCANS: ClassVar[str] = TAKES
    # How many Esc presses lead back to the desk from here. Set by the app when it opens the screen (it knows the
    # stack); None when no desk is behind it or the screen was opened some other way.
    escapes_to_desk: int | None = None

    def desk_card(self, command: str, code: str) -> None:
        screen: Any = self
        if command == LOCK:
            screen.post_message(LockRequested())
        elif self.escapes_to_desk == 1 and not screen.started:
            screen.post_message(GaveWay(screen, code))  # as if scanned at the desk: the desk does the rest
        else:
            screen.show_problem(f"That is the desk card's {command.upper()} barcode. {self.desk_card_advice()} "
                                "Nothing entered here has changed.", "warning")

    def desk_card_advice(self) -> str:
        """How to get to the desk from here, in keys."""
        escapes = self.escapes_to_desk or 1
        keys = "Esc" if escapes <= 1 else " then ".join(["Esc"] * escapes)
        return f"Go back to the desk first ({keys}), then scan it there."


class PassesOn(DeskCardKeys):
    """The name list's answer: whoever scanned a code has moved on from choosing. LOCK locks; any other code
    closes the list (as Esc would) and the screen behind acts on it, as if it had been scanned there. So does a
    pupil's tag (GIVES_WAY): the app puts the name typed for the list back in the box behind."""

    SCANS: ClassVar[str] = GIVES_WAY

    def desk_card(self, command: str, code: str) -> None:
        screen: Screen[Any] = self  # type: ignore[assignment]
        screen.post_message(LockRequested() if command == LOCK else GaveWay(screen, code))


# ── screens that read no code themselves ──────────────────────────────────────────────────────────────────
class LooseKeys:
    """Read by the app, for a screen that reads no desk-card code itself (help, reports, the dashboard, the
    close-day question, the list of uncollected phones) where no text box has the focus. Where a text box has
    the focus the screen reads the scan itself, and so do the screens that read codes their own way
    (DeskCardKeys)."""

    def __init__(self) -> None:
        self.typed = ""  # what a scanner typed outside any text box, until its Enter

    def clear(self) -> None:
        self.typed = ""

    def read(self, app: App[Any], event: events.Key) -> bool:
        """True when the key was part of a code and must reach nothing else: a code's Enter would press the
        focused button (or close the help, or choose a list's row), and from its "KX" on a code's letters are
        kept from the screen's one-letter keys too (on the reports screen C would save a CSV and D show a day
        as the scanner typed KXCLOSEDAY)."""
        screen, focused = app.screen, app.focused
        if isinstance(focused, Input) or isinstance(screen, DeskCardKeys):
            self.clear()
            return False
        if event.key in SUBMIT_KEYS:
            code = code_typed(self.typed)
            self.clear()
            if code is None:
                return False
            self.answer(app, screen, COMMAND_CODES[code])
            return True
        if character := one_character(event):
            self.typed = (self.typed + character)[-KEPT_KEYS:]
            return in_a_desk_card_code(self.typed)
        self.clear()
        return False

    @staticmethod
    def answer(app: App[Any], screen: Screen[Any], command: str) -> None:
        if command == LOCK:
            app.post_message(LockRequested())
        elif command == CLOSE_DAY and isinstance(screen, ConfirmCloseDay):
            screen.dismiss(True)  # scanned again to confirm, as help and the desk card say
        else:
            app.notify(f"That is the desk card's {command.upper()} barcode: press Esc to go back to the desk, "
                       "then scan it there. Nothing here has changed.", severity="warning")
