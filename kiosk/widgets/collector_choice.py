"""Who is collecting a confiscated phone: one of the pupil's carers from the MIS, or someone else; a carer the MIS
says must not collect is marked in the list and their note shown in full under it."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import RadioButton, RadioSet, Static

from kiosk.custody.queries import CarerOption
from kiosk.widgets.carer_words import MUST_NOT_COLLECT, carer_facts, carer_restriction
from kiosk.widgets.plain import plain

SOMEONE_ELSE = 0  # carers' ids start at 1
SOMEONE_ELSE_WHO, SOMEONE_ELSE_DETAILS = "Someone else", ", not on the list (needs the head or the DSL)"
CHOSEN = " ✔ chosen"


class CollectorButton(RadioButton):
    """A radio button whose dot is there only when chosen, filled and green, with '✔ chosen' after the name:
    Textual's draws a dot on every button (dim when not chosen), and the list's highlight bar is only the
    cursor, so which carer was chosen was unclear."""

    DEFAULT_CSS = """
    CollectorButton.-on > .toggle--button {
        color: $text-success;
        text-style: bold;
    }
    """

    def __init__(self, who: str, details: Text | str, *, name: str, mark_last: bool = False) -> None:
        # The mark goes straight after the name, where a narrow screen does not cut it off; after the short words
        # of 'someone else' (`mark_last`): "Someone else ✔ chosen, not on the list" read as chosen and not listed.
        self.who = plain(who, style="bold")  # a carer's name: text, never markup or escape codes
        self.details = plain(details)
        self.mark_last = mark_last
        super().__init__(self.who + self.details, name=name)

    @property  # type: ignore[override]
    def BUTTON_INNER(self) -> str:  # noqa: N802 - Textual's name
        return "●" if self.value else " "

    def watch_value(self) -> None:
        super().watch_value()
        if not self.value:
            self.label = self.who + self.details
        elif self.mark_last:
            self.label = Text.assemble(self.who, self.details, (CHOSEN, "bold"))
        else:
            self.label = Text.assemble(self.who, (CHOSEN, "bold"), self.details)


class CollectorChoice(Vertical):
    """Radio buttons: each carer with their relationship, parental responsibility marked, then 'someone else'.

    The screen sets `carers`; the widget posts Chosen when a button is pressed."""

    DEFAULT_CSS = """
    CollectorChoice {
        height: auto;
    }
    CollectorChoice RadioSet {
        width: 100%;
    }
    CollectorChoice .collector-restriction {
        margin: 0 0 0 2;
        padding: 0 1;
        border-left: thick $error;
    }
    """

    carers: reactive[tuple[CarerOption, ...]] = reactive((), recompose=True)

    class Chosen(Message):
        """A collector was chosen: a carer's id, or SOMEONE_ELSE."""

        def __init__(self, choice: CollectorChoice, carer_id: int) -> None:
            super().__init__()
            self.choice = choice
            self.carer_id = carer_id

        @property
        def control(self) -> CollectorChoice:
            return self.choice

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.focus_when_shown = False

    async def recompose(self) -> None:
        # New carers arrive as a new set of buttons; focus can move to them only once they exist.
        await super().recompose()
        if self.focus_when_shown:
            self.focus_when_shown = False
            self.query_one(RadioSet).focus()

    def compose(self) -> ComposeResult:
        with RadioSet():
            for carer in self.carers:
                yield CollectorButton(carer.name, self.details(carer), name=str(carer.id))
            yield CollectorButton(SOMEONE_ELSE_WHO, SOMEONE_ELSE_DETAILS, name=str(SOMEONE_ELSE), mark_last=True)
        # A button is one line: what the MIS restricts is said in full under the list, whoever is chosen.
        for carer in self.carers:
            restriction = carer_restriction(carer)
            if restriction is not None:
                yield Static(plain(Text.assemble((carer.name, "bold"), "\n", restriction)),
                             classes="collector-restriction")

    @staticmethod
    def details(carer: CarerOption) -> Text:
        """What follows the carer's name: MUST NOT COLLECT first (a narrow screen cuts the end off), then
        relationship, priority, parental responsibility, mobile."""
        text = Text()
        if carer.must_not_collect:
            text.append(f" {MUST_NOT_COLLECT}", style="bold red")
        text.append_text(carer_facts(carer))
        return text

    @property
    def chosen(self) -> int | None:
        """The chosen carer's id, SOMEONE_ELSE, or None before anyone is chosen."""
        sets = self.query(RadioSet)
        pressed = sets.first().pressed_button if sets else None
        return int(pressed.name) if pressed is not None and pressed.name is not None else None

    @property
    def chosen_carer(self) -> CarerOption | None:
        """The chosen carer from the MIS list, or None (nobody yet, or someone else)."""
        chosen = self.chosen
        return next((carer for carer in self.carers if carer.id == chosen), None)

    def choose(self, carer_id: int) -> None:
        """Press the button for `carer_id` (or SOMEONE_ELSE), as a person would."""
        for button in self.query(RadioButton):
            if button.name == str(carer_id):
                button.value = True

    @on(RadioSet.Changed)
    def changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.pressed.name is not None:
            self.post_message(self.Chosen(self, int(event.pressed.name)))
