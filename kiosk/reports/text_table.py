"""Laying rows out as a plain-text table for the terminal, each column as wide as its widest cell.

Every table the `kiosk` command prints goes through here, so a form name of any length (Bromcom's
`10-Sparrowhawk`) or a long double-barrelled name moves its column over rather than pushing the rest of its
line out of step. Widths are what a terminal shows: an accent typed as a combining mark takes no column, a wide
character two. Names are text: escape codes, control characters and direction overrides are taken out
(kiosk/text.py), never sent to the terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence

from kiosk.text import plain_text

GAP = "  "


def text_table(rows: Sequence[Sequence[object]], *, headings: Sequence[str] = (), right: Collection[int] = (),
               indent: str = "") -> list[str]:
    """The lines of the table: `headings` first when given, columns two spaces apart, the columns numbered in
    `right` (counts) aligned right, and no spaces left at the ends of lines."""
    cells = [[shown(cell) for cell in row] for row in ([headings] if headings else []) + list(rows)]
    if not cells:
        return []
    columns = max(len(row) for row in cells)
    widths = [max((width(row[n]) for row in cells if n < len(row)), default=0) for n in range(columns)]
    lines = []
    for row in cells:
        laid = [_pad(cell, widths[n], right=n in right) for n, cell in enumerate(row)]
        lines.append((indent + GAP.join(laid)).rstrip())
    return lines


def shown(value: object) -> str:
    """A cell as plain text on one line (kiosk/text.py): a terminal escape in an old database's name is taken
    out whole, so neither it nor its words ("]2;title") reach the terminal."""
    return plain_text("" if value is None else str(value))


def width(text: str) -> int:
    """How many columns a terminal gives `text`."""
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf"
               else 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(cell: str, columns: int, *, right: bool) -> str:
    space = " " * (columns - width(cell))
    return space + cell if right else cell + space
