"""A footer that, when the terminal is too narrow for every key, shows the keys that matter most first.

Textual's footer lays the keys out in a row and lets the ones that do not fit run off the right-hand edge, so
at 80 columns the desk would show F1-F6 and hide Lock. Here the screen names its keys in order of importance
at the hatch; the footer shows as many of those as fit (in the screen's own order, so F-keys stay in a row),
and F1 help and the command palette still list every key.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# A compact key is "F2 Hand in" and one column between keys; the palette key has a rule on its left.
GAP = 1
PALETTE_EXTRA = 2


def key_width(key: FooterKey) -> int:
    return len(key.key_display) + (1 + len(key.description) if key.description else 0) + GAP


class DeskFooter(Footer):
    """`first`: actions in order of importance. Keys not named there come after them, in the screen's order."""

    def __init__(self, *, first: tuple[str, ...], compact: bool = True, id: str | None = None) -> None:
        super().__init__(compact=compact, id=id)
        self.first = first
        self.hidden_keys: list[str] = []  # what did not fit, as shown on the key ("F12")
        self._laid_out_for = -1

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        width = self.app.size.width
        self._laid_out_for = width
        keys = [w for w in widgets if isinstance(w, FooterKey) and not w.has_class("-command-palette")]
        palette: list[FooterKey] = [w for w in widgets if isinstance(w, FooterKey) and w.has_class("-command-palette")]
        if palette and sum(map(key_width, keys)) <= width < sum(map(key_width, keys + palette)) + PALETTE_EXTRA:
            palette = []  # every key of the screen fits without it: they matter more (F1 help names the palette)
        room = width - sum(key_width(p) + PALETTE_EXTRA for p in palette)
        by_importance = sorted(keys, key=lambda k: self.first.index(k.action) if k.action in self.first
                               else len(self.first) + keys.index(k))
        shown: set[int] = set()
        for key in by_importance:
            if key_width(key) <= room:
                shown.add(id(key))
                room -= key_width(key)
            else:
                room = 0  # never skip a key to squeeze in a less important one
        self.hidden_keys = [k.key_display for k in keys if id(k) not in shown]
        for widget in widgets:
            if not isinstance(widget, FooterKey) or any(widget is p for p in palette) or id(widget) in shown:
                yield widget

    def on_resize(self, event: Resize) -> None:
        if self.app.size.width != self._laid_out_for and self._bindings_ready:
            self.call_after_refresh(self.recompose)
