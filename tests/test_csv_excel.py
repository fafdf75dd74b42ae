"""Every CSV the kiosk writes opens in Excel with accents intact (UTF-8 with a byte-order mark) and formula-safe."""

from __future__ import annotations

import csv
import io

from kiosk.reports.export import BOM, csv_file_bytes, emit_csv, to_csv

ACCENTS = [["Zoë Hall", "9C"], ["Łukasz Nowakowski", "10HA"], ["Aoife Ó Súilleabháin", "7A"]]


def test_a_csv_file_is_utf8_with_the_mark_excel_needs():
    data = csv_file_bytes(to_csv(["pupil", "form"], ACCENTS))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Łukasz" in data.decode("utf-8-sig") and "Ó Súilleabháin" in data.decode("utf-8-sig")
    assert csv_file_bytes(BOM + "a\n") == b"\xef\xbb\xbfa\n", "marked once, however often it is asked"


def test_a_console_stream_in_a_windows_code_page_still_gets_utf8_bytes():
    # `kiosk report … --csv > file.csv` on Windows: stdout is a cp1252 text stream that cannot hold "Ł".
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="cp1252")
    stdout.write("")  # something written before, as a command might
    emit_csv(stdout, to_csv(["pupil", "form"], ACCENTS))
    assert raw.getvalue().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.getvalue().decode("utf-8-sig"))))
    assert rows[2] == ["Łukasz Nowakowski", "10HA"]


def test_formula_cells_are_defused_in_every_written_csv():
    out = io.StringIO()
    emit_csv(out, to_csv(["what", "n"], [["=1+1", 1], ["+44 7700", 2], ["-3", -3], ["@SUM(A1)", 4], ["9C", 5]]))
    text = out.getvalue()
    assert text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+44 7700", "'-3", "'@SUM(A1)", "9C"]
    assert rows[3][1] == "-3", "a number stays a number"


def test_every_report_csv_of_the_command_is_marked_and_defused(school):
    week = school
    for argv in (["report", "daily", "--csv"], ["report", "confiscations", "--csv"], ["report", "summary", "--csv"],
                 ["report", "today", "--csv"], ["tags", "list", "--csv"]):
        code, out, _ = week.cli(*argv)
        assert code == 0 and out.startswith(BOM) and not out.startswith(BOM * 2), argv
