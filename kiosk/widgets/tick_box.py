"""A tick box that reads the right way round: empty, or a green tick when ticked."""

from __future__ import annotations

from textual.widgets import Checkbox


class TickBox(Checkbox):
    """A tick box drawn empty, or with a green tick when ticked: Textual's own draws a dim X when unticked,
    which reads as ticked (screen cracked? SIM present?)."""

    DEFAULT_CSS = """
    TickBox.-on > .toggle--button {
        color: $text-success;
        text-style: bold;
    }
    """

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name (a class attribute there)
        return "✔" if self.value else " "
