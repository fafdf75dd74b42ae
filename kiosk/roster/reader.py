"""Reading an MIS export from disk into its column headings and rows of cells, each row with its line number.

MIS exports reach the office in whatever shape Excel last saved them: UTF-8 with or without a byte-order
mark, Windows-1252 ("CSV (Comma delimited)" on a UK PC), Excel's "Unicode text" (UTF-16, tab separated),
semicolons from a PC set to a European locale, CRLF line ends, padded cells and blank lines at the end.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

from kiosk.roster.headers import KNOWN_IN_A_HEADER, FileShape
from kiosk.roster.report import Problem

DELIMITERS = (",", ";", "\t")
# A report's title, a "printed on" line and blank rows may sit above the column headings; they are looked for
# in this many lines (a file with none there is not an export the kiosk can read, and says so once).
HEADER_SEARCH_LINES = 20
# Beyond this many rows with the same wrong number of cells, the headings do not fit the file: one problem says
# so, rather than one line per row.
MANY_ROWS = 20
# How much of a line a message quotes.
LINE_SHOWN = 70


@dataclass(frozen=True)
class Row:
    line: int  # the file line the row starts on (line 1 is the file's first line)
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    file: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[Row, ...]
    # The lines with text above the column headings (a report's title…), skipped: (line number, text).
    above: tuple[tuple[int, str], ...] = ()


def read_table(path: Path, shape: FileShape) -> tuple[Table | None, list[Problem]]:
    """The file's column headings and rows, plus the problems that make rows unusable (wrong number of cells).

    The headings are the row among the first lines that names the most of `shape`'s columns. Returns no table
    when the file cannot be read at all or has no such row; one problem then says why."""
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
    if not any(line.strip() for line in lines):
        return None, [Problem(1, "the file is empty: export the roster from the MIS again", name)]
    found = find_header(lines, shape)
    if found is None:
        return None, [_no_header(lines, shape, name)]
    first, delimiter = found
    above = tuple((number, shown) for number, line in enumerate(lines[:first], start=1)
                  if (shown := _shown(line, delimiter)))
    # csv counts physical lines, so a quoted cell that spans lines still gives the right number.
    reader = csv.reader(io.StringIO("".join(lines[first:])), delimiter=delimiter, skipinitialspace=True)
    header: tuple[str, ...] = ()
    header_line = first + 1
    rows: list[Row] = []
    misfits: dict[int, list[int]] = {}  # number of cells → the lines of the rows that have it, not the header's
    consumed = first
    try:
        for cells in reader:
            start = consumed + 1
            consumed = first + reader.line_num
            cells = [cell.strip() for cell in cells]
            if not header:
                header = tuple(cells)
                continue
            if not any(cells):
                continue  # blank lines, and Excel's ",,,,," ones
            # Extra cells that are all empty are Excel remembering a column someone once typed in.
            while len(cells) > len(header) and not cells[-1]:
                cells.pop()
            if len(cells) != len(header):
                misfits.setdefault(len(cells), []).append(start)
                continue
            rows.append(Row(start, tuple(cells)))
    except csv.Error as exc:
        problems.append(Problem(consumed + 1, f"cannot be read as CSV ({exc})", name))
    every_row = len(rows) + sum(len(at) for at in misfits.values())
    for count, at in misfits.items():
        if len(at) > MANY_ROWS:
            rows_meant = (f"this line and the {len(at) - 1} below it (all the rows)" if len(at) == every_row
                          else f"this line and {len(at) - 1} rows below it")
            problems.append(Problem(at[0], f"{rows_meant} have {count} cells but the column headings on line "
                                    f"{header_line} have {len(header)}: the headings do not fit the rows; export "
                                    "the file again from the MIS", name))
        else:
            problems.extend(Problem(line, f"has {count} cells but the header has {len(header)}: a name may "
                                    "contain an unquoted comma, or a cell is missing", name) for line in at)
    return Table(name, header, header_line, tuple(rows), above), problems


def find_header(lines: list[str], shape: FileShape) -> tuple[int, str] | None:
    """(index, delimiter) of the row of column headings: the first of those naming the most known columns."""
    best: tuple[int, int, str] | None = None  # known columns, index, delimiter
    searched = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        searched += 1
        if searched > HEADER_SEARCH_LINES:
            break
        delimiter = sniff_delimiter(line)
        try:
            cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
        except csv.Error:
            continue
        known = shape.known(tuple(cell.strip() for cell in cells))
        if known >= KNOWN_IN_A_HEADER and (best is None or known > best[0]):
            best = (known, index, delimiter)
    return (best[1], best[2]) if best else None


def _no_header(lines: list[str], shape: FileShape, name: str) -> Problem:
    """One explanation for a file without column headings, instead of one complaint per row."""
    quoted = (f'line {number} "{shown}"' for number, line in enumerate(lines, start=1)
              if (shown := _shown(line, sniff_delimiter(line))))
    first = list(itertools.islice(quoted, 3))
    return Problem(0, f"has no row of column headings the kiosk knows in its first {HEADER_SEARCH_LINES} lines: "
                   f"it needs columns for the {shape.needs}. Its first lines are {', '.join(first)}. Export it "
                   "again from the MIS with its column headings (or type them in as the first line)", name)


def _shown(line: str, delimiter: str) -> str:
    """A line as a message quotes it: without Excel's trailing empty cells, control characters or excess length."""
    text = "".join(ch if ch.isprintable() else " " for ch in line.strip().rstrip(delimiter + " ").strip())
    return text if len(text) <= LINE_SHOWN else text[:LINE_SHOWN - 1] + "…"


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
