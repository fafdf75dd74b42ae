"""The two screens the others away from the desk are built on.

DeskCardScreen: a screen other than the desk with a scan box of its own (Labels, the pupil page, the stock-take),
where the desk card may be scanned too (kiosk/screens/desk_card.py says what it does there).
FindingScreen: a screen about one pupil that starts the way the desk does, by finding them (confiscation,
release, search record; kiosk/screens/finding.py does the finding).
Their look (a focused button's frame; one-row buttons at 80x24) is theirs, and the dialogs over them share the
frame (FOCUSED_BUTTON_CSS).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton, Select, Static, TextArea

from kiosk.custody import DeskContext, PupilSummary
from kiosk.screens.desk_card import AwayFromDesk
from kiosk.screens.finding import Found, find_from_scan
from kiosk.widgets.message_line import MessageLine
from kiosk.widgets.scan_box import ScanBox
from kiosk.widgets.title_bar import TitleBar

LOOKING = "Looking the pupil up: waiting for the database…"
DISCARD_AGAIN_SECONDS = 10  # a second Esc within this long discards a filled form

# A focused button in Textual's style is its label reversed: a light strip inside a coloured button, which looks
# like a fault and is hard to read on pink. Here the focused button keeps its colour and gets a bright frame (a
# bright bar each side when the button is one row high), its label bold. An outline, not a border: it takes no
# room, so the label is not cut when the focus arrives. In DEFAULT_CSS, of these screens and of the dialogs over
# them (DeskCardKeys is not a widget, so its CSS would not be read), rather than in kiosk.tcss: the app's
# stylesheet outranks every DEFAULT_CSS, so there it would override the screens' own refinements of it (the Labels
# screen's one-row buttons) and change what each screen looks like.
FOCUSED_BUTTON_CSS = """
Button.-style-default:focus {
    text-style: bold not reverse !important;  /* over Textual's reversed label, whatever the scope */
    background-tint: $foreground 0%;
    outline: heavy $foreground;
}
"""


class DeskCardScreen(AwayFromDesk, Screen[None]):
    """A screen other than the desk where the desk card may be scanned, into its scan box, into a form field, or
    with a button or a tick box focused. The subclass says whether anything has been entered (started), shows
    problems (show_problem, clear_problem) and says what happens once a pupil is found (identified)."""

    # At 80x24 the form's buttons take one row each, so Save is on screen without scrolling.
    DEFAULT_CSS = FOCUSED_BUTTON_CSS + """
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
        find_from_scan(self, self.ctx, event.value, purpose=purpose, found=self._found, problem=self.show_problem,
                       command=self.desk_card, waiting=lambda: self.show_problem(LOOKING, "warning"))

    def _found(self, found: Found) -> None:
        self.clear_problem()  # "waiting for the database…", when the answer was slow
        self.identified(found)


def _field_value(field: Widget) -> object:
    if isinstance(field, TextArea):
        return field.text
    if isinstance(field, Input | Checkbox | RadioButton | Select):
        return field.value
    return None


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
    PURPOSE = ""  # "confiscate a phone from": the name list says "Choose the pupil to …"

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

    # ── a form filled in for one pupil is never carried over to another, nor lost to one key ────────────────
    @property
    def pupil_on_form(self) -> PupilSummary | None:
        """The pupil the form on screen is about (None before one is found, or once it is saved)."""
        return self.pupil

    def form_values(self) -> list[tuple[str, object]]:
        """What the form's fields hold now: every field but the pupil box."""
        return [(field.id or type(field).__name__, _field_value(field)) for field in self._fields()]

    def remember_blank_form(self) -> None:
        """The form as it stands for the pupil just found (its own starting values in it): anything different
        from this later was entered by staff."""
        self._blank_form = self.form_values()

    def form_filled(self) -> bool:
        """Has anything been entered since the pupil was found? (A field emptied, or a choice that appeared since,
        such as the carers' buttons, still unchosen, is nothing entered.)"""
        blank = getattr(self, "_blank_form", None)
        if self.pupil_on_form is None or blank is None:
            return False
        return any(value for entry in self.form_values() if entry not in blank for value in (entry[1],))

    def put_starting_value(self, field: Input | Select[str], value: str) -> None:
        """A value the kiosk puts in a field (the phone the tag is for): part of the form as found, not entered."""
        before = (field.id or type(field).__name__, _field_value(field))
        field.value = value
        blank = getattr(self, "_blank_form", None)
        if blank is not None:
            after = (before[0], _field_value(field))
            self._blank_form = [after if entry == before else entry for entry in blank]

    def _restore_fresh_form(self) -> None:
        """Every field as it was before any pupil was found (the last pupil's starting values go with them)."""
        fresh = getattr(self, "_fresh_form", None)
        if fresh is None:
            self._fresh_form = {id(field): _field_value(field) for field in self._fields()}
            return
        for field in self._fields():
            if id(field) not in fresh:
                continue
            if isinstance(field, TextArea):
                field.text = str(fresh[id(field)])
            elif isinstance(field, Input):
                field.value = str(fresh[id(field)])
            elif isinstance(field, Checkbox):
                field.value = bool(fresh[id(field)])
            elif isinstance(field, Select):
                field.value = fresh[id(field)]

    def _fields(self) -> list[Widget]:
        return [field for field in self.query("Input, Checkbox, RadioButton, Select, TextArea") if field.id != "scan"]

    def _found(self, found: Found) -> None:
        if self.turned_away(found):
            return
        super()._found(found)

    def turned_away(self, found: Found) -> bool:
        """A scan of another pupil while this one's form has been filled in would carry what was entered (a PIN,
        an authorisation, a bag, a phone's particulars) onto the wrong pupil's record: refused, and said (True).
        Otherwise the form is made ready for the pupil found (the last pupil's starting values go) and False."""
        current = self.pupil_on_form
        if current is not None and current.id != found.pupil.id and self.form_filled():
            words = (f"This form is for {current.name} and has been filled in: save it, or press Esc twice to "
                     f"discard it, then scan again for {found.pupil.name}. Nothing was recorded for "
                     f"{found.pupil.name}.")
            self.app.bell()
            self.show_problem(words)
            # The top of a long form may be scrolled away: said where it is seen, whatever field has the focus.
            self.app.notify(words, severity="error", markup=False, timeout=10)
            return True
        if current is None or current.id != found.pupil.id:
            self._restore_fresh_form()
        return False

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
        """Esc: back to the desk; over a filled form, only when pressed again (the first says what it loses)."""
        current = self.pupil_on_form
        if current is not None and self.form_filled():
            now = self.ctx.clock.now()
            warned = getattr(self, "_discard_warned_at", None)
            if warned is None or (now - warned).total_seconds() > DISCARD_AGAIN_SECONDS:
                self._discard_warned_at = now
                words = (f"Press Esc again to discard what was entered for {current.name}: nothing about it has "
                         "been recorded yet.")
                self.show_problem(words, "warning")
                self.app.notify(words, severity="warning", markup=False, timeout=DISCARD_AGAIN_SECONDS)
                return
        self.dismiss()
