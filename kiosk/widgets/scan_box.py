"""The scan box: one line for a scanner (a keyboard that types a code and Enter) or a person typing a name."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input

# A scanner ends a code with Enter (CR); some are set to send LF, which the terminal reports as ctrl+j.
SUBMIT_KEYS = frozenset({"enter", "ctrl+j"})


class ScanBox(Input):
    """An Input that hands over its text on Enter and clears itself before the next key is read.

    A plain Input submits through a binding that runs only after the Enter key has bubbled up to the app;
    by then the next scan of a burst is already in the box and two codes merge. Here Enter is handled in
    the box's own key handler, so the value is taken and cleared in order with the keys around it.
    """

    DEFAULT_CSS = """
    ScanBox, ScanBox:focus {
        border: round $accent;
        border-title-align: left;
        border-subtitle-align: right;
    }
    """

    class Scanned(Message):
        """A scan, or typed text, was finished with Enter."""

        def __init__(self, scan_box: ScanBox, value: str) -> None:
            super().__init__()
            self.scan_box = scan_box
            self.value = value

        @property
        def control(self) -> ScanBox:
            return self.scan_box

    async def _on_key(self, event: events.Key) -> None:
        if event.key in SUBMIT_KEYS:
            # Stop the event before it bubbles to the app's "enter" binding, and keep Input's own handler out.
            event.stop()
            event.prevent_default()
            value = self.value
            self.clear()
            self.post_message(self.Scanned(self, value))
