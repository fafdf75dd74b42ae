"""Reading an MIS export from disk into a header and rows of cells, each row with its line number in the file.

MIS exports reach the office in whatever shape Excel last saved them: UTF-8 with or without a byte-order
mark, Windows-1252 ("CSV (Comma delimited)" on a UK PC), Excel's "Unicode text" (UTF-16, tab separated),
semicolons from a PC set to a European locale, CRLF line ends, padded cells and blank lines at the end.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from kiosk.roster.report import Problem

DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Row:
    line: int  # the file line the row starts on; the header is line 1
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    file: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[Row, ...]


def read_table(path: Path) -> tuple[Table | None, list[Problem]]:
    """The file's header and rows, plus the problems that make rows unusable (wrong number of cells).

    Returns no table when the file cannot be read at all; the problems then say why."""
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(0, f"cannot be opened: {exc.strerror or exc}", name)]
    text, problems = decode(raw, name)
    if text is None:
        return None, problems
    # Old Mac Excel ends lines with a bare CR; str.splitlines would also split on form feeds and the like.
    lines = [line + "\n" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, [Problem(1, "the file is empty: export the roster from the MIS again", name)]
    delimiter = sniff_delimiter(lines[first])
    # csv counts physical lines, so a quoted cell that spans lines still gives the right number.
    reader = csv.reader(io.StringIO("".join(lines[first:])), delimiter=delimiter, skipinitialspace=True)
    header: tuple[str, ...] = ()
    header_line = first + 1
    rows: list[Row] = []
    consumed = first
    try:
        for cells in reader:
            start = consumed + 1
            consumed = first + reader.line_num
            cells = [cell.strip() for cell in cells]
            if not header:
                header = tuple(cells)
                header_line = start
                continue
            if not any(cells):
                continue  # blank lines, and Excel's ",,,,," ones
            # Extra cells that are all empty are Excel remembering a column someone once typed in.
            while len(cells) > len(header) and not cells[-1]:
                cells.pop()
            if len(cells) != len(header):
                problems.append(Problem(start, f"has {len(cells)} cells but the header has {len(header)}: "
                                        "a name may contain an unquoted comma, or a cell is missing", name))
                continue
            rows.append(Row(start, tuple(cells)))
    except csv.Error as exc:
        problems.append(Problem(consumed + 1, f"cannot be read as CSV ({exc})", name))
    return Table(name, header, header_line, tuple(rows)), problems


def decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """The file's text, trying the encodings an MIS export or Excel actually produces."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        return None, [Problem(0, "is an Excel workbook, not a CSV file: open it in Excel and use "
                              "File › Save As › CSV UTF-8", name)]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            return None, [_unreadable(raw, exc.start, name)]
    if b"\x00" in raw:
        return None, [_unreadable(raw, raw.index(b"\x00"), name)]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        return None, [_unreadable(raw, exc.start, name)]
    mixed = _utf8_lines(raw)
    if mixed:
        # Someone pasted UTF-8 rows into a Windows-1252 file: either guess would garble some names.
        return None, [Problem(line, "is UTF-8 but other lines are Windows-1252: the file mixes two "
                              "encodings; export it from the MIS again as CSV UTF-8", name) for line in mixed]
    return text, []


def sniff_delimiter(header_line: str) -> str:
    """Comma unless the header has more semicolons or tabs; names never contain those in a header."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _utf8_lines(raw: bytes) -> list[int]:
    """Numbers of the lines that are valid UTF-8 with accented letters in them."""
    found = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if max(line, default=0) < 0x80:
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found.append(number)
    return found


def _unreadable(raw: bytes, position: int, name: str) -> Problem:
    line = raw.count(b"\n", 0, position) + 1
    return Problem(line, "cannot be read: the file is not text in UTF-8 or Windows-1252; export it from the "
                   "MIS again as CSV UTF-8", name)
