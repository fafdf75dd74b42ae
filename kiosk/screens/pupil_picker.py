"""Choosing a pupil from a typed name, when the phone's tag is not to hand: the name list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kiosk.custody import PupilSummary
from kiosk.custody.lookup import PupilMatch, PupilMatches
from kiosk.custody.states import state_words
from kiosk.screens.desk_card import PassesOn
from kiosk.widgets.plain import plain

# The rules are kiosk/custody/queries/name_list.py's; the README's "Tags" paragraph says them too.
HINT = "↑↓ PgUp PgDn then Enter · Esc cancel · narrow by surname, form (11A) or year (Y11), in any order"
GAP = 2  # spaces between columns
SHORTEST_NAME = 12  # a name column narrower than this tells no one apart: the line is cut at its end instead
# The dialog's sides around a line, for the first layout before the list has a width of its own: its border and
# padding (4), the list's border and padding (4) and its scrollbar (2). The list is laid out again once it has one.
DIALOG_SIDES = 10


@dataclass(frozen=True)
class Columns:
    """How the name list's lines are laid out for the pupils it shows and the width it has: each column as wide as
    its longest entry, and the words short ("Y10", "handed in") where the long ones would cut a name short."""

    width: int
    name: int
    form: int
    year: int
    phone: int  # 0: no one listed has a phone in the office
    short: bool = False


class PupilPicker(PassesOn, ModalScreen[int | None]):
    """Lists the pupils who match and how many did; Enter chooses one (dismissing with their id), Esc cancels (None).

    `pupils`: what kiosk.custody.find_pupils found (it knows how many matched beyond those listed), or any pupils.
    Each line: name, form, year (or "has left": off the roll, listed because their phone is here), their phone in
    the office now, admission number, legal name; the columns line up at any width, whatever the forms' lengths.

    A desk-card code scanned while the list is open must not choose the highlighted pupil with its Enter (at the
    desk that would hand their phone in or back): the list closes and the screen behind reads the code (PassesOn).
    """

    AUTO_FOCUS = "#pupils"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    PupilPicker #pupils {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    PupilPicker #picker-count {
        text-style: bold;
    }
    """

    def __init__(self, pupils: Sequence[PupilSummary], *, mode: str, typed: str) -> None:
        super().__init__()
        self.pupils = tuple(pupils)
        self.total = pupils.total if isinstance(pupils, PupilMatches) else len(self.pupils)
        self.mode = mode
        self.typed = typed
        self._laid_out_for = 0  # the width the lines were last laid out for

    def compose(self) -> ComposeResult:
        width = min(110, self.app.size.width * 9 // 10) - DIALOG_SIDES
        self._laid_out_for = width
        columns = self.columns(self.pupils, width)
        with Vertical(id="picker", classes="dialog"):
            yield Label(Text.assemble("Choose the pupil to ", (self.mode, "bold")), id="picker-title")
            yield Label(plain(self.count_words()), id="picker-count")
            yield Label(Text(HINT), id="picker-hint")
            yield OptionList(*(Option(plain(self._line(p, columns)), id=str(p.id)) for p in self.pupils), id="pupils")

    def count_words(self) -> str:
        """How many matched, and when the list holds fewer (it stops at kiosk.custody's limit), what to do."""
        shown, total, typed = len(self.pupils), self.total, self.typed
        if shown < total:
            return f"The first {shown:,} of {total:,} pupils matching '{typed}': add their form or surname"
        return f"1 pupil matches '{typed}'" if total == 1 else f"{total:,} pupils match '{typed}'"

    def on_mount(self) -> None:
        self.call_after_refresh(self.fit_to_width)

    def on_resize(self) -> None:
        self.call_after_refresh(self.fit_to_width)

    def fit_to_width(self) -> None:
        """Lay the lines out again for the width the list really has (the first layout was a guess)."""
        names = self.query_one("#pupils", OptionList)
        padding = names.get_component_styles("option-list--option").padding.width
        width = names.scrollable_content_region.width - padding
        if width <= 0 or width == self._laid_out_for:
            return
        self._laid_out_for = width
        columns = self.columns(self.pupils, width)
        for index, pupil in enumerate(self.pupils):
            names.replace_option_prompt_at_index(index, self._line(pupil, columns))

    @staticmethod
    def columns(pupils: Sequence[PupilSummary], width: int) -> Columns:
        """The layout for `width` cells: the long words if every name fits with them, else the short ones; a name
        that still does not fit is cut (with …) rather than the columns after it."""
        longest = max((cell_len(p.name) for p in pupils), default=0)
        for short in (False, True):
            form = max((cell_len(p.form) for p in pupils), default=0)
            year = max((cell_len(_year_words(p, short)) for p in pupils), default=0)
            phone = max((cell_len(_phone_words(p, short)) for p in pupils), default=0)
            rest = GAP + form + GAP + year + (GAP + phone if phone else 0)
            if longest + rest <= width:
                break
        return Columns(width, min(longest, max(SHORTEST_NAME, width - rest)), form, year, phone, short)

    # No dim parts: on the highlighted row a dim colour turns to dim blue on blue (hard to read); the row's own
    # foreground reads on both.
    @staticmethod
    def _line(pupil: PupilSummary, columns: Columns | None = None) -> Text:
        columns = columns or PupilPicker.columns([pupil], 200)
        gap = " " * GAP
        line = Text.assemble((_cell(pupil.name, columns.name), "bold"), gap, _cell(pupil.form, columns.form), gap,
                             (_cell(_year_words(pupil, columns.short), columns.year), "" if pupil.active else "bold"))
        if columns.phone:
            line.append(gap + _cell(_phone_words(pupil, columns.short), columns.phone))
        # Then, as far as they fit whole: the admission number, the legal name where it differs.
        more = [(f"{gap}MIS {pupil.mis_id}", "")]
        if pupil.legal_name != pupil.name:
            more.append((f"{gap}(legal name {pupil.legal_name})", "italic"))
        for words, style in more:
            if line.cell_len + cell_len(words) > columns.width:
                break
            line.append(words, style)
        line.rstrip()
        return line

    @on(OptionList.OptionSelected, "#pupils")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _year_words(pupil: PupilSummary, short: bool = False) -> str:
    """The pupil's year, or that they have left the roll (found because their phone is still in the office)."""
    if not pupil.active:
        return "has left"
    year = pupil.year if pupil.year is not None else "?"
    return f"Y{year}" if short else f"Year {year}"


def _phone_words(pupil: PupilSummary, short: bool = False) -> str:
    """Their phone in the office now, as anyone at the hatch may be told ("held (DSL)", never more); "" if none."""
    if not isinstance(pupil, PupilMatch) or not pupil.phones:
        return ""
    words = state_words(pupil.phones[0].state, dsl=False, short=True)
    words = words if short else f"phone {words}"
    return words if len(pupil.phones) == 1 else f"{words} +{len(pupil.phones) - 1}"


def _cell(text: str, width: int) -> str:
    """`text` in exactly `width` cells (an accent, a wide letter: cells, not characters), cut with … if longer."""
    return text + " " * (width - cell_len(text)) if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"
