"""The safeguarding-hold instructions, shown whenever a phone goes on (or is found on) a hold."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from kiosk.custody.safeguarding import HOLD_INSTRUCTIONS

HEADLINE = "⚠ SAFEGUARDING HOLD: this phone may be evidence"


class HoldInstructions(Static):
    """The four instructions, numbered, in warning colours; the words carry the meaning, not only the colour."""

    DEFAULT_CSS = """
    HoldInstructions {
        height: auto;
        width: 100%;
        padding: 0 1;
        border: heavy $error;
        background: $error 15%;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(self.instructions(), id=id, classes=classes)

    @staticmethod
    def instructions() -> Text:
        text = Text(HEADLINE, style="bold")
        for number, line in enumerate(HOLD_INSTRUCTIONS, start=1):
            text.append(f"\n {number}. ")
            text.append(line, style="bold")
        return text
