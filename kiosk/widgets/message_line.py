"""One line (or a few) of feedback under a form: red for a refusal, amber for a warning, green for done, and
"saving…" or "reading…" while the database's answer is out.

Hidden while empty, so an unused message line takes no room on an 80×24 screen.
"""

from __future__ import annotations

from textual.widgets import Static

from kiosk.widgets.plain import plain

ICONS = {"ok": "✔", "warning": "⚠", "refused": "✖", "waiting": ""}  # waiting: the words say it ("saving…")


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
    MessageLine.-waiting {
        color: $text-warning;
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
        self.set_class(severity == "waiting", "-waiting")
        icon = ICONS[severity]
        self.update(plain(f"{icon} {message}" if icon else message))  # names, codes, typed words: text
        self.display = bool(message)

    def waiting(self, message: str) -> None:
        """The database has not answered yet: "saving…", "reading…" (no icon: it is neither done nor refused)."""
        self.say(message, "waiting")

    @property
    def severity(self) -> str | None:
        """What the line says now: "ok", "warning", "refused", "waiting", or None when empty."""
        if not self.message:
            return None
        return next((name for name in ICONS if self.has_class(f"-{name}")), None)

    def clear(self) -> None:
        self.message = ""
        self.update("")
        self.display = False
