"""One line (or a few) of feedback under a form: red for a refusal, amber for a warning, green for done.

Hidden while empty, so an unused message line takes no room on an 80×24 screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

ICONS = {"ok": "✔", "warning": "⚠", "refused": "✖"}


class MessageLine(Static):
    """The screen calls say() with the domain's own words, or clear(); the icon and a colour are added here."""

    DEFAULT_CSS = """
    MessageLine {
        height: auto;
        width: 100%;
        padding: 0 1;
        text-style: bold;
        display: none;
    }
    MessageLine.-refused {
        color: $text-error;
        background: $error 10%;
    }
    MessageLine.-warning {
        color: $text-warning;
        background: $warning 10%;
    }
    MessageLine.-ok {
        color: $text-success;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.message = ""

    def say(self, message: str, severity: str = "refused") -> None:
        self.message = message
        self.set_class(severity == "refused", "-refused")
        self.set_class(severity == "warning", "-warning")
        self.set_class(severity == "ok", "-ok")
        self.update(Text(f"{ICONS[severity]} {message}"))
        self.display = bool(message)

    def clear(self) -> None:
        self.message = ""
        self.update("")
        self.display = False
