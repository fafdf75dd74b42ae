"""Choosing a pupil from a typed name, when the phone's tag is not to hand."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kiosk.custody import PupilSummary
from kiosk.screens.desk_card import PassesOn


class PupilPicker(PassesOn, ModalScreen[int | None]):
    """Lists the pupils who match; Enter chooses one (dismissing with their id), Esc cancels (None).

    A desk-card code scanned while the list is open must not choose the highlighted pupil with its Enter (at the
    desk that would hand their phone in or back): the list closes and the screen behind reads the code (PassesOn).
    """

    AUTO_FOCUS = "#pupils"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, pupils: list[PupilSummary], *, mode: str, typed: str) -> None:
        super().__init__()
        self.pupils = pupils
        self.mode = mode
        self.typed = typed

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label(f"Choose the pupil to [b]{self.mode}[/]", id="picker-title")
            yield Label(f"Pupils matching '{self.typed}' · ↑↓ then Enter · Esc cancel", id="picker-hint")
            yield OptionList(*(Option(self._line(p), id=str(p.id)) for p in self.pupils), id="pupils")

    # No dim parts: on the highlighted row a dim colour turns to dim blue on blue (hard to read); the row's own
    # foreground reads on both.
    @staticmethod
    def _line(pupil: PupilSummary) -> Text:
        year = pupil.year if pupil.year is not None else "?"
        line = Text.assemble((f"{pupil.name:<24}", "bold"), f" {pupil.form:<6}", f" Year {year:<3}",
                             f" MIS {pupil.mis_id}")
        if pupil.legal_name != pupil.name:
            line.append(f"  (legal name {pupil.legal_name})", "italic")
        if not pupil.active:
            line.append("  left the school", "bold")
        return line

    @on(OptionList.OptionSelected, "#pupils")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
