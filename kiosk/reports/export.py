"""CSV export that is safe to open in Excel: no cell is ever run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def spreadsheet_safe(value: object) -> str:
    """Stop a cell being run as a formula when the CSV is opened in a spreadsheet (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "|") else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(h) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) if not isinstance(cell, int | float) else cell for cell in row])
    return out.getvalue()
