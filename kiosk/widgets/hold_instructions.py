"""The safeguarding-hold instructions, shown whenever a phone goes on (or is found on) a hold; once the kind of
concern is chosen (kiosk/custody/concerns.py), the steps that kind requires follow them."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kiosk.custody.concerns import ConcernKind, concern_steps, concern_words
from kiosk.custody.safeguarding import HOLD_INSTRUCTIONS

HEADLINE = "⚠ SAFEGUARDING HOLD: this phone may be evidence"


class HoldInstructions(Static):
    """The four instructions, numbered, in warning colours; the words carry the meaning, not only the colour. Given
    a kind of concern (attribute `kind`, set by the screen), its steps are shown after them, headed by its name."""

    DEFAULT_CSS = """
    HoldInstructions {
        height: auto;
        width: 100%;
        padding: 0 1;
        border: heavy $error;
        background: $error 15%;
    }
    """

    def __init__(self, *, kind: ConcernKind | None = None, general: bool = True, for_the_dsl: bool = False,
                 id: str | None = None, classes: str | None = None) -> None:
        self.general = general  # the four instructions for every hold (the flag dialog); False: the kind's alone
        self.for_the_dsl = for_the_dsl  # read by the DSL: never "tell the DSL" (kiosk.custody.concerns.concern_steps)
        super().__init__(self.instructions(kind, general=general, for_the_dsl=for_the_dsl), id=id, classes=classes)

    def show_kind(self, kind: ConcernKind | None) -> None:
        self.update(self.instructions(kind, general=self.general, for_the_dsl=self.for_the_dsl))

    @staticmethod
    def instructions(kind: ConcernKind | None = None, *, general: bool = True, for_the_dsl: bool = False) -> Text:
        text = Text(HEADLINE, style="bold")
        if general or kind is None:
            for number, line in enumerate(HOLD_INSTRUCTIONS, start=1):
                text.append(f"\n {number}. ")
                text.append(line, style="bold")
        if kind is not None:
            text.append(f"\n{concern_words(kind)}: what this requires", style="bold underline")
            for step in concern_steps(kind, for_the_dsl=for_the_dsl):
                text.append("\n • ")
                text.append(step)
        return text
