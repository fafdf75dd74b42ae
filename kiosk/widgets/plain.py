"""Words from outside (a pupil's or carer's name, a bag number, a note, what was typed or scanned) as the screens
show them: plain text (kiosk/text.py takes out escape codes and direction overrides, which Rich and Textual would
pass to the terminal as they are), never read as markup, so "Eve [/]" shows as written and
"[@click=app.quit]…[/]" is no link."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from kiosk.text import plain_text


def plain(text: str | Text | None, style: str = "") -> Text:
    """`text` to show: a str as Text with no markup read in it (None shows as nothing); a Text already built
    (its styles kept) with what is not text taken out of every part."""
    if not isinstance(text, Text):
        return Text(plain_text(text or "", lines=True), style=style)
    edges = sorted({span.start for span in text.spans} | {span.end for span in text.spans})
    cleaned = Text(style=text.style, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap,
                   end=text.end)
    for part in text.divide(edges):  # each part lies wholly inside or outside each span
        words = plain_text(part.plain, lines=True)
        piece = Text(words)
        for span in part.spans:
            piece.stylize(span.style, 0, len(words))
        cleaned.append_text(piece)
    if style:
        cleaned.stylize(style)
    return cleaned


def plain_cells(*cells: object) -> tuple[object, ...]:
    """A table row's cells, cleaned: Text as plain() makes it, numbers as given, and a str still a str (what the
    table hands back as the row's value) but with its brackets escaped, as a DataTable reads a str cell as Rich
    markup (textual/widgets/_data_table.py, default_cell_formatter)."""
    return tuple(escape(plain_text(cell)) if isinstance(cell, str) else plain(cell) if isinstance(cell, Text)
                 else cell for cell in cells)
