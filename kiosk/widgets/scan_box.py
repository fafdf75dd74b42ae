"""The scan box: one line for a scanner (a keyboard that types a code and Enter) or a person typing a name."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input

# A scanner ends a code with Enter (CR); some are set to send LF, which the terminal reports as ctrl+j.
SUBMIT_KEYS = frozenset({"enter", "ctrl+j"})
# Typed characters reach the box's text at most this often (seconds): too quick for a person to notice, and a
# scanner's eight characters then cost one update of the box rather than eight (issue 7, B1).
SHOW_TYPED_EVERY = 0.05


class ScanBox(Input):
    """An Input that hands over its text on Enter and clears itself before the next key is read.

    A plain Input submits through a binding that runs only after the Enter key has bubbled up to the app;
    by then the next scan of a burst is already in the box and two codes merge. Here Enter is handled in
    the box's own key handler, so the value is taken and cleared in order with the keys around it.

    Each character a plain Input takes re-validates, re-scrolls and re-draws it and tells every parent it
    changed: at a scanner's pace that was a third of the desk's time. Characters typed at the end of the box
    are kept aside and put in the box together, `SHOW_TYPED_EVERY` at most after the first; Enter, any other
    key, a paste or losing the focus puts them in at once, so nothing is ever lost or out of order. The box's
    editing keys are handled in its key handler too, so they keep their place in a burst, as Enter does.
    """

    DEFAULT_CSS = """
    ScanBox, ScanBox:focus {
        border: round $accent;
        border-title-align: left;
        border-subtitle-align: right;
    }
    """

    class Scanned(Message):
        """A scan, or typed text, was finished with Enter; or a scanner's burst the app took whole (wherever the
        focus was) was handed to this box, with a `note` on what was closed or kept for it."""

        def __init__(self, scan_box: ScanBox, value: str, *, note: str = "") -> None:
            super().__init__()
            self.scan_box = scan_box
            self.value = value
            self.note = note

        @property
        def control(self) -> ScanBox:
            return self.scan_box

    _typed = ""  # characters taken but not yet in the box's value
    _show_typed: Timer | None = None

    async def _on_key(self, event: events.Key) -> None:
        if event.key in SUBMIT_KEYS:
            # Stop the event before it bubbles to the app's "enter" binding, and keep Input's own handler out.
            event.stop()
            event.prevent_default()
            value = self.value + self._typed  # what was kept aside never needs to be drawn now
            self.clear()
            self.post_message(self.Scanned(self, value))
            return
        if event.is_printable and event.character and self._at_the_end():
            event.stop()
            event.prevent_default()
            self._typed += event.character
            if self._show_typed is None:
                self._show_typed = self.set_timer(SHOW_TYPED_EVERY, self.show_typed)
            return
        self.show_typed()  # before Backspace, arrows or a selection act on the text
        editing = self._bindings.key_to_bindings.get(event.key)
        if editing:
            # The box's own keys (Backspace, arrows, Home…) are done here, in order with the letters around them;
            # through the bindings they would run only once the key had bubbled up, after the rest of a burst.
            event.stop()
            event.prevent_default()
            await self.run_action(editing[0].action)
            return
        await super()._on_key(event)

    def _at_the_end(self) -> bool:
        """A plain append: no selection to replace, no limit or filter that Input itself must apply."""
        if self.max_length or self.restrict or self.type != "text":
            return False
        return bool(self._typed) or (self.selection.is_empty and self.cursor_position == len(self.value))

    @property
    def typed_so_far(self) -> str:
        """Everything typed into the box, including characters not drawn yet."""
        return self.value + self._typed

    def show_typed(self) -> None:
        """Put the characters kept aside into the box now."""
        if self._show_typed is not None:
            self._show_typed.stop()
            self._show_typed = None
        typed, self._typed = self._typed, ""
        if typed:
            self.insert_text_at_cursor(typed)

    def _on_paste(self, event: events.Paste) -> None:
        self.show_typed()
        super()._on_paste(event)

    def _on_blur(self, event: events.Blur) -> None:
        self.show_typed()
        super()._on_blur(event)

    def clear(self) -> None:
        if self._show_typed is not None:
            self._show_typed.stop()
            self._show_typed = None
        self._typed = ""
        super().clear()
