"""Every CSV the kiosk writes, made here: formula-safe cells (no cell is ever run as a formula) and UTF-8 with a
byte-order mark, so Excel opens it with Zoë, Łukasz and Ó Súilleabháin intact instead of guessing the PC's code
page. `to_csv` makes the table; `csv_file_bytes` is what goes in a file; `emit_csv` writes to a stream (stdout)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TextIO

# Excel reads a CSV as the PC's ANSI code page (Windows-1252) unless the file opens with this mark.
BOM = "\ufeff"


def spreadsheet_safe(value: object) -> str:
    """Stop a cell being run as a formula when the CSV is opened in a spreadsheet (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|") else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text (no mark: for composing and for tests); numbers stay numbers, every text cell is
    defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) if not isinstance(cell, int | float) else cell for cell in row])
    return out.getvalue()


def csv_file_bytes(text: str) -> bytes:
    """The bytes of a CSV file: the mark, then UTF-8 (once, however often it is asked)."""
    return (BOM + text.removeprefix(BOM)).encode("utf-8")


def emit_csv(out: TextIO, text: str) -> None:
    """Write a CSV to a stream as a file would hold it. A console stream is written as bytes where it has them:
    on Windows `kiosk report daily --csv > daily.csv` would otherwise be encoded in the console's code page."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(csv_file_bytes(text))
        buffer.flush()
        return
    out.write(BOM + text.removeprefix(BOM))
