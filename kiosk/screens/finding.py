"""Finding the pupil a screen is about, from a scanned tag or bag label, a school ID card, or a typed name; and
what the desk card's barcodes mean on a screen that is not the desk.

The confiscation, release and search-record screens start the way the desk does: they are FindingScreens.
The Labels screen and the stock-take have scan boxes of their own: they are DeskCardScreens.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.markup import escape
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Static, TextArea

from kiosk.clock import as_utc, local, local_today
from kiosk.custody import (
    BadScan,
    DeskContext,
    DeskError,
    PupilSummary,
    Resolved,
    RetiredTag,
    UnknownTag,
    find_pupils,
    normalise,
    resolve,
    resolve_pupil,
)
from kiosk.custody.lookup import pupil_by_id, pupil_with_admission_number
from kiosk.custody.scans import COMMAND_CODES, AdmissionNumberScan, CommandScan, NameSearch, Scan
from kiosk.formatting import moment, since
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.scan_box import SUBMIT_KEYS, ScanBox
from kiosk.widgets.title_bar import TitleBar

# The desk's own headlines for a scan that finds nobody, so the office learns one set of words. (A read that
# failed needs none: its message starts NOT READ.)
FINDING_HEADLINES: tuple[tuple[type[DeskError], str], ...] = (
    (BadScan, "SCAN AGAIN"), (UnknownTag, "UNKNOWN TAG"), (RetiredTag, "OLD TAG"))
# A desk-card code a scanner typed at the end of whatever was in a form field (an AIM prefix may come first).
CODE_AT_END = re.compile(r"(?:\][A-Za-z][0-9A-Za-z])?(" + "|".join(COMMAND_CODES) + r")$", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """The pupil, and their phone's tag when they have one (a release or a search needs only the pupil)."""

    pupil: PupilSummary
    resolved: Resolved | None
    via: str  # "tag", "admission number", "name search"

    @property
    def tag_code(self) -> str | None:
        return self.resolved.tag.code if self.resolved else None

    @property
    def tag_id(self) -> int | None:
        return self.resolved.tag.id if self.resolved else None


def problem_words(problem: DeskError | str) -> str:
    """The one way these screens word a problem: the desk's headline, then the domain's own message."""
    if isinstance(problem, str):
        return problem
    headline = next((words for kind, words in FINDING_HEADLINES if isinstance(problem, kind)), None)
    return f"{headline} · {problem.message}" if headline else problem.message


def desk_card_command(text: str) -> str | None:
    """'lock', 'hand in'… when `text` is one of the desk card's barcodes, else None."""
    try:
        scan = normalise(text)
    except DeskError:
        return None
    return scan.command if isinstance(scan, CommandScan) else None


def _by_pupil(pupil: PupilSummary, via: str) -> Found:
    try:
        return Found(pupil, resolve_pupil(pupil.id), via)
    except UnknownTag:
        return Found(pupil, None, via)


def find_from_scan(app: App, ctx: DeskContext, raw: str, *, purpose: str, found: Callable[[Found], None],
                   problem: Callable[[str], None], command: Callable[[str, str], None]) -> None:
    """Work out who `raw` means and call `found` (perhaps later, from the name picker) or `problem` (with
    problem_words), or `command` with a desk-card barcode's command and the code as scanned."""
    try:
        scan = normalise(raw)
    except BadScan as error:
        problem(problem_words(error))
        return
    if isinstance(scan, CommandScan):
        command(scan.command, raw)
        return
    if isinstance(scan, NameSearch):
        guarded_read(problem, _pick, app, scan, purpose, found, problem)
        return
    guarded_read(problem, _resolve, ctx, scan, found, problem)


def _pick(app: App, scan: NameSearch, purpose: str, found: Callable[[Found], None],
          problem: Callable[[str], None]) -> None:
    from kiosk.screens.pupil_picker import PupilPicker  # here: the picker reads the desk card with DeskCardKeys

    pupils = find_pupils(scan)
    if not pupils:
        problem(f"No pupil on the roster matches '{scan.text}'. Check the spelling, or scan the tag.")
        return

    def choose(pupil_id: int) -> None:
        pupil = pupil_by_id(pupil_id=pupil_id)
        if pupil is None:
            problem("That pupil is no longer on the roster. Search again.")
            return
        found(_by_pupil(pupil, "name search"))

    def chosen(pupil_id: int | None) -> None:
        if pupil_id is not None:
            guarded_read(problem, choose, pupil_id)

    app.push_screen(PupilPicker(pupils, mode=purpose, typed=scan.text), chosen)


def _resolve(ctx: DeskContext, scan: Scan, found: Callable[[Found], None], problem: Callable[[str], None]) -> None:
    try:
        resolved = resolve(scan, accept_admission_numbers=ctx.settings.accept_admission_numbers)
    except UnknownTag as error:
        # An ID card for a pupil without a tag still names the pupil.
        pupil = pupil_with_admission_number(number=scan.number) if isinstance(scan, AdmissionNumberScan) else None
        if pupil is None:
            problem(problem_words(error))
            return
        found(Found(pupil, None, "admission number"))
        return
    found(Found(PupilSummary.of(resolved.pupil), resolved, resolved.via))


def guarded_read(problem: Callable[[str], None], func: Callable[..., object], *args: object,
                 **kwargs: object) -> bool:
    """Run a screen step that reads through the domain; a failure is shown with `problem` (in problem_words)
    instead of ending the desk. True when the step completed. (The domain's reads guard themselves: a database
    failure reaches here as StorageFailed, "NOT READ: …".)"""
    try:
        func(*args, **kwargs)
    except DeskError as error:
        problem(problem_words(error))
        return False
    return True


def when_text(at: datetime | None, ctx: DeskContext) -> str:
    """'08:31' today, 'Mon 30 Nov 08:31' on another day, in the school's time."""
    if at is None:
        return ""
    return moment(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


def since_text(at: datetime | None, ctx: DeskContext) -> str:
    """'today 10:15', or 'Fri 27 Nov 10:15': for how long something has been so, where a bare time would let a
    hold from an earlier day pass for this morning's."""
    if at is None:
        return ""
    return since(local(as_utc(at), ctx.settings.tz), local_today(ctx.clock, ctx.settings.tz))


# A focused button in Textual's style is its label reversed: a light strip inside a coloured button, which looks
# like a fault and is hard to read on pink. Here the focused button keeps its colour and gets a bright frame
# (a bright bar each side when the button is one row high), its label bold. An outline, not a border: it takes
# no room, so the label is not cut when the focus arrives. Included in each screen's and dialog's DEFAULT_CSS
# (the mixins below are not widgets, so their CSS would not be read).
FOCUSED_BUTTON_CSS = """
Button.-style-default:focus {
    text-style: bold not reverse !important;  /* over Textual's reversed label, whatever the scope */
    background-tint: $foreground 0%;
    outline: heavy $foreground;
}
"""


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def pupil_line(pupil: PupilSummary) -> str:
    year = f" · Year {pupil.year}" if pupil.year is not None else ""
    return f"[b]{escape(pupil.name)}[/] · {escape(pupil.form)}{year} · MIS {escape(pupil.mis_id)}"


class TickBox(Checkbox):
    """A tick box drawn empty, or with a green tick when ticked: Textual's own draws a dim X when unticked,
    which reads as ticked (screen cracked? SIM present?)."""

    DEFAULT_CSS = """
    TickBox.-on > .toggle--button {
        color: $text-success;
        text-style: bold;
    }
    """

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name
        return "✔" if self.value else " "


# ── the desk card away from the desk ────────────────────────────────────────────────────────────────────
class DeskCardKeys:
    """For a screen or dialog other than the desk: reads a desk-card code that a scanner typed into a form field
    or while a button, a tick box or a list had the focus, and calls desk_card() with it instead of letting its
    Enter submit the field, press the button or choose from the list. A scan box reads its own scans.

    Keys reach the screen after the focused widget and before the app applies its bindings, which is why this
    works: the Enter that ends a code is stopped here, before Cancel (say) sees it.
    """

    _card_keys = ""  # what a scanner typed while no text field had the focus, until its Enter

    def desk_card(self: Screen, command: str, code: str) -> None:  # type: ignore[misc]
        """A dialog: LOCK locks; any other code waits until the dialog is done (a toast says so)."""
        if command == "lock":
            self.app.action_lock()  # type: ignore[attr-defined]
            return
        self.app.notify(f"That is the desk card's {command.upper()} barcode: finish here or press Esc first, then "
                        "scan it at the desk. Nothing entered here has changed.", severity="warning")

    def on_mount(self: Screen) -> None:  # type: ignore[misc]
        # Textual selects a field's text when it takes the focus, so a code scanned into a field just clicked or
        # tabbed into would replace what was typed there. Nothing here is worth that risk.
        for field in self.query(Input):
            if not isinstance(field, ScanBox):
                field.select_on_focus = False

    def on_key(self, event: events.Key) -> None:
        focused = self.focused  # type: ignore[attr-defined]
        if event.key in SUBMIT_KEYS:
            typed, self._card_keys = self._card_keys.upper(), ""
            if isinstance(focused, Input):  # a scan box handles its own Enter: this is a form field
                match = CODE_AT_END.search(focused.value)
                if match is None:
                    return
                focused.value = focused.value[: match.start()]  # what was typed before the code stays
                code = match.group(1).upper()
            else:
                code = next((c for c in COMMAND_CODES if typed.endswith(c)), "")
                if not code:
                    return
            event.stop()
            event.prevent_default()
            self.desk_card(COMMAND_CODES[code], code)
        elif event.character and len(event.character) == 1 and event.character.isalnum() \
                and not isinstance(focused, (Input, TextArea)):
            self._card_keys = (self._card_keys + event.character)[-16:]
        else:
            self._card_keys = ""


class DeskCardScreen(DeskCardKeys, Screen[None]):
    """A screen other than the desk where the desk card may be scanned, into its scan box, into a form field,
    or with a button or a tick box focused. LOCK locks the kiosk from anywhere. HAND IN, HAND BACK and
    CLOSE DAY mean the desk: a screen where nothing has been entered yet gives way to the desk and the code
    is acted on there; otherwise the screen says to go back to the desk first, and keeps what was entered.

    Why give way when empty: a receptionist with a queue who scans HAND IN on a confiscation screen they have
    only just opened wants the next phone in the queue handed in, not a message to read and a key to find.
    Once a pupil has been found or anything typed, leaving would throw that work away, so the screen stays.
    """

    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
    /* At 80x24 the form's buttons take one row each, so Save is on screen without scrolling. */
    DeskCardScreen.-short .buttons {
        margin-top: 0;
    }
    DeskCardScreen.-short .buttons Button.-style-default {
        height: 1;
        min-width: 8;
        border-top: none;
        border-bottom: none;
    }
    DeskCardScreen.-short .buttons Button.-style-default:focus {
        outline: none;
        outline-left: heavy $foreground;
        outline-right: heavy $foreground;
    }
    """

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__()
        self.ctx = ctx

    @property
    def started(self) -> bool:
        """Something has been entered here that leaving would lose."""
        return True

    def show_problem(self, message: str, severity: str = "refused") -> None:
        raise NotImplementedError

    def clear_problem(self) -> None:
        raise NotImplementedError

    def identified(self, found: Found) -> None:
        raise NotImplementedError

    def find_pupil(self, event: ScanBox.Scanned, purpose: str) -> None:
        """Who a scan into this screen's pupil box means (identified), or why nobody (show_problem), or the
        desk card (desk_card)."""
        event.stop()
        if not event.value.strip():
            return
        self.clear_problem()
        find_from_scan(self.app, self.ctx, event.value, purpose=purpose, found=self.identified,
                       problem=self.show_problem, command=self.desk_card)

    def desk_card(self, command: str, code: str) -> None:
        if command == "lock":
            self.app.action_lock()  # type: ignore[attr-defined]
            return
        stack = self.app.screen_stack
        desk = self._desk_index()
        if desk == len(stack) - 2 and not self.started:
            self.dismiss()
            box = stack[desk].query_one("#scan", ScanBox)
            box.post_message(ScanBox.Scanned(box, code))  # as if scanned at the desk: the desk does the rest
            return
        self.show_problem(f"That is the desk card's {command.upper()} barcode. {self.desk_card_advice()} "
                          "Nothing entered here has changed.", "warning")

    def desk_card_advice(self) -> str:
        """How to get to the desk from here, in keys."""
        desk = self._desk_index()
        escapes = len(self.app.screen_stack) - 1 - desk if desk is not None else 1
        keys = "Esc" if escapes <= 1 else " then ".join(["Esc"] * escapes)
        return f"Go back to the desk first ({keys}), then scan it there."

    def _desk_index(self) -> int | None:
        from kiosk.screens.desk import DeskScreen  # here: the desk opens these screens

        return next((i for i, screen in enumerate(self.app.screen_stack) if isinstance(screen, DeskScreen)), None)


class FindingScreen(DeskCardScreen):
    """A screen about one pupil that starts the way the desk does: scan a tag or an ID card, or type a name.

    The subclass composes compose_top() and a MessageLine with the id "problem", and says what happens once
    the pupil is found (identified). Problems are shown one way, in problem_words.
    """

    AUTO_FOCUS = "#scan"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS = [Binding("escape", "back", "Desk")]
    HEADING = ""
    HEADING_CLASS = ""
    SCAN_PROMPT = "scan the phone's tag or the pupil's ID card, or type a name"
    PURPOSE = ""  # "confiscate a phone from": the picker says "Choose the pupil to …"

    def compose_top(self) -> ComposeResult:
        who = self.ctx.who
        yield TitleBar(school=self.ctx.settings.school_name, desk=self.ctx.desk, clock=self.ctx.clock,
                       tz=self.ctx.settings.tz, staff=f"{who.name} ({who.role})")
        yield Static(self.HEADING, classes=f"screen-heading {self.HEADING_CLASS}")
        scan = ScanBox(id="scan")
        scan.border_title = self.SCAN_PROMPT
        yield scan

    def __init__(self, ctx: DeskContext) -> None:
        super().__init__(ctx)
        self.pupil: PupilSummary | None = None

    @property
    def started(self) -> bool:
        return self.pupil is not None

    @on(ScanBox.Scanned, "#scan")
    def scanned(self, event: ScanBox.Scanned) -> None:
        self.find_pupil(event, self.PURPOSE)

    def show_problem(self, message: str, severity: str = "refused") -> None:
        self.query_one("#problem", MessageLine).say(message, severity)

    def clear_problem(self) -> None:
        self.query_one("#problem", MessageLine).clear()

    def pupil_chosen(self) -> None:
        # The pupil is known: the scan box shrinks to one line (to change the pupil) and the form gets the room.
        self.clear_problem()
        scan = self.query_one("#scan", ScanBox)
        scan.compact = True
        scan.placeholder = "to change the pupil, scan or type another name here"

    @on(Input.Submitted)
    def field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.next_field(event.input)

    def next_field(self, field: Input) -> None:
        """Enter in a form field moves on, as a scanner's Enter after a bag number must."""
        self.focus_next()

    def action_back(self) -> None:
        self.dismiss()


