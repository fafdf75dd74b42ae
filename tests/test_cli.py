"""The `kiosk` command as an IT technician and an office manager use it."""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shlex
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk.auth import SignInRefused, sign_in
from kiosk.cli import main
from kiosk.clock import FixedClock
from kiosk.custody import hand_in, normalise, resolve
from kiosk.db import Event, Pupil, Staff
from kiosk.reports.export import spreadsheet_safe
from tests.conftest import ADMIN_PIN, AS_ADMIN, OFFICE_PIN, add_pupil


def run(argv, *, clock=None, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv, clock=clock or FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)), out=out)
    return code, out.getvalue()


def school_args(school):
    return ["--db", str(school.path)]


def test_init_creates_database_key_and_first_admin(tmp_path, monkeypatch):
    db = tmp_path / "office" / "kiosk.db"
    code, out = run(["--db", str(db), "init", "--admin-name", "Jo Bloggs", "--initials", "jb", "--pin-stdin"],
                    stdin="583920\n", monkeypatch=monkeypatch)
    assert code == 0, out
    key = tmp_path / "config" / "kiosk.key"
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
    assert "Admin Jo Bloggs (JB)" in out
    admin = Staff.get()
    assert (admin.initials, admin.role) == ("JB", "admin")
    code, _ = run(["--db", str(db), "init", "--admin-name", "X", "--initials", "xx", "--pin-stdin"],
                  stdin="583920\n", monkeypatch=monkeypatch)
    assert code == 1 and Staff.select().count() == 1


def test_init_refuses_a_weak_pin_and_creates_no_staff(tmp_path, monkeypatch, capsys):
    code, _ = run(["--db", str(tmp_path / "k.db"), "init", "--admin-name", "Jo", "--initials", "jb",
                   "--pin-stdin"], stdin="1234\n", monkeypatch=monkeypatch)
    assert code == 1 and "at least 6 digits" in capsys.readouterr().err
    assert Staff.select().count() == 0


def test_staff_add_list_and_unlock(school, monkeypatch):
    code, out = run([*school_args(school), "staff", "add", "Bea Lowe", "--initials", "BL", "--role", "dsl",
                     *AS_ADMIN], stdin=f"{ADMIN_PIN}\n582046\n", monkeypatch=monkeypatch)
    assert code == 0 and "Added Bea Lowe (BL, dsl)" in out
    for _ in range(5):  # locked as it happens at a desk: five wrong PINs (a lock set in SQL would break its seal)
        with pytest.raises(SignInRefused):
            sign_in(keyring=school.keyring, clock=school.clock, desk="R", who="BL", pin="000000")
    _, listing = run([*school_args(school), "staff", "list"])
    assert any(line.startswith("BL") and line.rstrip().endswith("locked") for line in listing.splitlines())
    code, out = run([*school_args(school), "staff", "unlock", "bl", *AS_ADMIN], stdin=f"{ADMIN_PIN}\n",
                    monkeypatch=monkeypatch)
    assert code == 0 and Staff.get(Staff.initials == "BL").locked_until is None


def test_tags_list_csv_has_mis_id_and_code_and_filters_by_form(school):
    code, out = run([*school_args(school), "tags", "list", "--form", "9C", "--csv"])
    assert code == 0
    assert out.startswith("\ufeff"), "marked UTF-8, so Excel keeps the accents"
    rows = list(csv.DictReader(io.StringIO(out.removeprefix("\ufeff"))))
    assert {r["mis_id"] for r in rows} == {"100001", "100002"}
    assert {r["tag_code"] for r in rows} == {school.tag_of(school.pupils[0]), school.tag_of(school.pupils[1])}
    _, by_year = run([*school_args(school), "tags", "list", "--year", "7"])
    assert "2 tags" in by_year and "Ó Súilleabháin" in by_year


def test_close_day_lists_uncollected_phones(school):
    hand_in(school.ctx(), resolve(normalise(school.tag_of(school.pupils[0]))))
    code, out = run([*school_args(school), "close-day"], clock=FixedClock(datetime(2026, 11, 30, 17, 0,
                                                                                   tzinfo=UTC)))
    assert code == 0
    assert "1 phone(s) were not collected" in out and "Zoë Hall" in out and "9C-01" in out
    assert Event.select().where(Event.action == "DAY_CLOSED").count() == 1


def test_audit_verify_passes_then_fails_after_tampering(school):
    hand_in(school.ctx(), resolve(normalise(school.tag_of(school.pupils[0]))))
    code, out = run([*school_args(school), "audit", "verify"])
    assert code == 0 and "Audit trail OK" in out
    with sqlite3.connect(school.path) as raw:
        raw.execute("UPDATE event SET desk = 'Somewhere else' WHERE action = 'HANDED_IN'")
    bad_seq = Event.get(Event.action == "HANDED_IN").seq
    code, out = run([*school_args(school), "audit", "verify"])
    assert code == 1 and f"first bad sequence number {bad_seq}" in out


def test_report_today_as_table_and_csv(school):
    for pupil in school.pupils[:3]:
        hand_in(school.ctx(), resolve(normalise(school.tag_of(pupil))))
    code, out = run([*school_args(school), "report", "today", "--csv"])
    assert out.startswith("\ufeff"), "marked UTF-8, so Excel keeps the accents"
    rows = {r["form"]: r for r in csv.DictReader(io.StringIO(out.removeprefix("\ufeff")))}
    assert rows["9C"]["handed_in"] == "2" and rows["10HA"]["in_office"] == "1" and rows["Total"]["handed_in"] == "3"
    _, table = run([*school_args(school), "report", "today"])
    assert "Monday 30 November 2026" in table and "Total" in table


def test_backup_is_a_consistent_copy_that_verifies(school, tmp_path):
    hand_in(school.ctx(), resolve(normalise(school.tag_of(school.pupils[0]))))
    dest = tmp_path / "backups"
    dest.mkdir()
    code, out = run([*school_args(school), "backup", str(dest)])
    assert code == 0 and "integrity ok" in out and "key file" in out
    [copy] = list(dest.glob("kiosk-backup-*.db"))
    code, out = run(["--db", str(copy), "audit", "verify"])
    assert code == 0, out


def test_backup_to_an_impossible_place_says_so_and_leaves_nothing(school, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    code, _ = run([*school_args(school), "backup", str(blocker / "k.db")])
    assert code == 1 and "could not be written" in capsys.readouterr().err
    assert blocker.read_text().startswith("a file")


def test_a_missing_key_file_is_explained(school, tmp_path, capsys):
    (tmp_path / "config" / "kiosk.key").unlink()
    code, _ = run([*school_args(school), "audit", "verify"])
    assert code == 1 and "key file" in capsys.readouterr().err


def test_a_network_share_path_is_refused_from_the_command_line(capsys):
    code, _ = run(["--db", "\\\\fileserver\\office\\kiosk.db", "staff", "list"])
    assert code == 1 and "PostgreSQL" in capsys.readouterr().err


def test_spreadsheet_formulas_are_defused_in_csv():
    assert spreadsheet_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert spreadsheet_safe("+44") == "'+44" and spreadsheet_safe("9C") == "9C"


def test_kiosk_is_an_installed_command():
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "import-roster" in result.stdout and "close-day" in result.stdout


def test_import_roster_reports_counts_and_refuses_a_broken_file_whole(school, tmp_path, monkeypatch):
    good = tmp_path / "pupils.csv"
    good.write_text("Adno,Legal Surname,Legal Forename,Year,Reg\n200001,Quill,Petra,Year 8,8B\n"
                    + "".join(f"{p.mis_id},{p.legal_surname},{p.legal_forename},{p.year},{p.form}\n"
                              for p in school.pupils), encoding="utf-8")
    code, out = run([*school_args(school), "import-roster", str(good), "--dry-run"])
    assert code == 0 and "Dry run" in out
    from kiosk.db import Pupil

    assert Pupil.select().count() == 6
    code, out = run([*school_args(school), "import-roster", str(good), *AS_ADMIN], stdin=f"{ADMIN_PIN}\n",
                    monkeypatch=monkeypatch)
    assert code == 0 and Pupil.select().count() == 7
    bad = tmp_path / "bad.csv"
    bad.write_text("Adno,Legal Surname,Legal Forename,Reg\n1,Smith,,9A\n2,Jones,Al,9A\n2,Doe,Jo,9B\n")
    code, out = run([*school_args(school), "import-roster", str(bad), *AS_ADMIN], stdin=f"{ADMIN_PIN}\n",
                    monkeypatch=monkeypatch)
    assert code == 1 and "line 2" in out and "line 4" in out
    assert Pupil.select().count() == 7


def test_exception_add_records_the_approver_and_the_desk_shows_it(school):
    code, out = run([*school_args(school), "exception", "add", "100005", "--kind", "medical", "--approved-by",
                     "Mr H. Grant-Ellis (head)", "--from", "2026-11-01", "--to", "2027-07-20", "--notes",
                     "glucose monitor"])
    assert code == 0 and "Ruby Mitchell" in out
    receipt = hand_in(school.ctx(), resolve(normalise(school.tag_of(school.pupils[4]))))
    assert receipt.notes == ("exception: medical — glucose monitor, until 20 Jul",)
    from kiosk.custody.exceptions import expiring_soon

    assert expiring_soon(datetime(2027, 7, 10).date())[0].approved_by_name == "Mr H. Grant-Ellis (head)"
    assert expiring_soon(datetime(2027, 6, 1).date()) == []


def test_labels_for_a_form_to_an_a4_sheet_scan_back(school, tmp_path):
    import shutil

    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg (zbar-tools) is needed; .ci/run installs it")
    out = tmp_path / "9C.pdf"
    code, text = run([*school_args(school), "labels", "--form", "9C", "--layout", "a4-21", "--out", str(out)])
    assert code == 0, text
    subprocess.run(["pdftoppm", "-png", "-r", "200", str(out), str(tmp_path / "sheet")], check=True)
    decoded = set()
    for png in tmp_path.glob("sheet*.png"):
        result = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
        decoded |= set(result.stdout.split())
    assert {school.tag_of(school.pupils[0]), school.tag_of(school.pupils[1])} <= decoded
    # Printed labels are remembered: "never printed" now leaves 9C out.
    code, text = run([*school_args(school), "labels", "--never-printed", "--preview", "--layout", "a4-21",
                      "--out", str(tmp_path / "rest.pdf")])
    assert code == 0 and text.startswith("4 labels") and "9C" not in text


def test_an_unknown_label_layout_is_explained(school, capsys):
    code, _ = run([*school_args(school), "labels", "--layout", "a5-99", "--out", "x.pdf"])
    assert code == 1 and "brother-62x29" in capsys.readouterr().err


def test_exception_list_shows_those_in_force_and_those_ending_soon(school):
    for adno, to in (("100005", "2026-12-10"), ("100006", "2027-07-20")):
        code, _ = run([*school_args(school), "exception", "add", adno, "--kind", "medical", "--approved-by", "Head",
                       "--from", "2026-11-01", "--to", to])
        assert code == 0
    code, out = run([*school_args(school), "exception", "list"])
    assert code == 0 and "Ruby Mitchell" in out and "Leo Webb" in out and "2 exception(s) in force today" in out
    code, out = run([*school_args(school), "exception", "list", "--expiring", "14"])
    assert "Ruby Mitchell" in out and "Leo Webb" not in out and "1 exception(s) ending within 14 days" in out


def test_staff_add_takes_every_role_the_kiosk_has_including_head_of_year(school, monkeypatch):
    code, out = run([*school_args(school), "staff", "add", "Cal Reyes", "--initials", "CR", "--role", "head_of_year",
                     *AS_ADMIN], stdin=f"{ADMIN_PIN}\n582046\n", monkeypatch=monkeypatch)
    assert code == 0 and Staff.get(Staff.initials == "CR").role == "head_of_year"
    _, listing = run([*school_args(school), "staff", "list"])
    assert any(line.startswith("CR") and "head of year" in line for line in listing.splitlines())


# Tables, dates and pipes as an IT technician meets them ----------------------------------------------------------

LONG_FORM = "10-Peregrine"  # 12 characters: Bromcom names forms by year and house


def starts(line: str, cells: list[str]) -> list[int]:
    """Where each of `cells` begins in `line`, looking left to right."""
    found, at = [], 0
    for cell in cells:
        at = line.index(cell, at)
        found.append(at)
        at += len(cell)
    return found


def ends(line: str) -> list[int]:
    return [match.end() for match in re.finditer(r"\S+", line)]


@pytest.fixture
def long_form_school(school):
    """The school with a pupil in a 12-character form, her phone and two others in the office, and an exception."""
    add_pupil(school.clock, "100007", "Amara", "Okonkwo", None, 10, LONG_FORM)
    for pupil in school.pupils[:2]:
        hand_in(school.ctx(), resolve(normalise(school.tag_of(pupil))))
    hand_in(school.ctx(), resolve(normalise(school.tag_of(Pupil.get(Pupil.mis_id == "100007")))))
    for adno in ("100001", "100007"):
        code, _out, err = school.cli("exception", "add", adno, "--kind", "medical", "--approved-by", "Head",
                                     "--from", "2026-11-01", "--to", "2027-07-20")
        assert code == 0, err
    return school


def test_tags_list_stays_aligned_with_a_12_character_form(long_form_school):
    code, out, _ = long_form_school.cli("tags", "list")

    rows = [line for line in out.splitlines() if line and not line.endswith(" tags")]
    assert code == 0 and len(rows) == 7 and any(line.startswith(LONG_FORM) for line in rows)
    columns = {tuple(starts(line, [*line.split()[:2], line.split()[-1]])) for line in rows}
    assert len(columns) == 1, out  # admission number and tag code each start in one column


def test_close_day_and_exception_list_stay_aligned_with_a_12_character_form(long_form_school):
    school = long_form_school
    school.clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))

    _, closed, _ = school.cli("close-day")
    _, exceptions, _ = school.cli("exception", "list")

    phones = [line for line in closed.splitlines() if "slot" in line]
    assert len(phones) == 3 and any(LONG_FORM in line for line in phones)
    assert len({(line.index("slot"), line.index("in since")) for line in phones}) == 1, closed
    listed = [line for line in exceptions.splitlines() if "medical" in line]
    assert len(listed) == 2 and any(line.startswith(LONG_FORM) for line in listed)
    assert len({(line.index("medical"), line.index("until"), line.index("approved by")) for line in listed}) == 1


def test_report_today_and_reconcile_stay_aligned_with_a_12_character_form(long_form_school):
    _, today, _ = long_form_school.cli("report", "today")
    _, reconciled, _ = long_form_school.cli("report", "reconcile")

    table = today.splitlines()[1:]
    heading, rows = table[0], [line for line in table[1:] if not set(line) <= {"-"}]
    assert any(line.startswith(LONG_FORM) for line in rows)
    numbers_end = [heading.index(label) + len(label) for label in ("Handed in", "Handed back", "In office",
                                                                   "Uncollected")]
    assert all(ends(line)[1:] == numbers_end for line in rows), today
    still_in = [line for line in reconciled.splitlines() if "since" in line]
    assert len(still_in) == 3 and len({(line.index("slot"), line.index("since")) for line in still_in}) == 1
    by_form = reconciled.splitlines()[1:reconciled.splitlines().index(next(
        line for line in reconciled.splitlines() if line.startswith("Still in the office")))]
    numbers_end = [by_form[0].index(label) + len(label) for label in ("Handed in", "Handed back", "Still in")]
    assert all(ends(line)[1:] == numbers_end for line in by_form[1:]), reconciled


# Every option that takes a date, by command: each reads it day first, as the reports do.
DATE_OPTIONS = {
    ("exception", "add"): ("--from", "--to"),
    ("report", "today"): ("--day",), ("report", "reconcile"): ("--day",), ("report", "inspection"): ("--day",),
    **{("report", name): ("--from", "--to") for name in ("summary", "daily", "confiscations", "repeats", "exams",
                                                         "searches", "desk-time", "safeguarding")},
    ("report", "review-pack"): ("--from", "--to", "--next-review"),
}


def subcommands(parser, path=()):
    """(command path, its parser) for every command `kiosk` has."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


def test_every_date_option_reads_day_first_dates_with_one_type():
    from kiosk.cli import build_parser, day_first

    found = {}
    for path, parser in subcommands(build_parser()):
        dated = tuple(option for action in parser._actions if action.type is day_first
                      for option in action.option_strings)
        if dated:
            found[path] = dated
        named = [action.option_strings for action in parser._actions
                 if {"--day", "--date", "--from", "--to", "--until", "--since"} & set(action.option_strings)]
        if path != ("migrate",):  # its --from and --to are a file and a server
            assert all(action.type is day_first for action in parser._actions if action.option_strings in named)
    assert found == DATE_OPTIONS


@pytest.mark.parametrize(("path", "option"), [(path, option) for path, options in DATE_OPTIONS.items()
                                              for option in options])
def test_a_bad_date_is_one_plain_line_and_exit_code_2(path, option, capsys):
    others = ["100001", "--kind", "medical", "--approved-by", "Head"] if path[0] == "exception" else []

    code = main([*path, *others, option, "31/02/2027"])

    [line] = capsys.readouterr().err.splitlines()
    assert code == 2
    assert line == (f"kiosk {' '.join(path)}: argument {option}: '31/02/2027' is not a date: February 2027 has 28 "
                    f"days. (kiosk {' '.join(path)} --help shows what it takes.)")


def test_exception_add_and_reports_take_day_first_dates(school):
    code, out, err = school.cli("exception", "add", "100005", "--kind", "medical", "--approved-by", "Head",
                                "--from", "1/11/2026", "--to", "20/07/2027")
    assert code == 0, err
    assert "from Sunday 1 November 2026 until Tuesday 20 July 2027" in out
    from kiosk.custody.exceptions import expiring_soon

    [ending] = expiring_soon(date(2027, 7, 10), 14)
    assert (ending.valid_from, ending.valid_to) == (date(2026, 11, 1), date(2027, 7, 20))
    # Without a year, an exception's end is the next such day; a report's day the last one.
    code, out, _ = school.cli("exception", "add", "100006", "--kind", "medical", "--approved-by", "Head",
                              "--to", "3 Mar")
    assert code == 0 and "from Monday 30 November 2026 until Wednesday 3 March 2027" in out
    code, out, _ = school.cli("report", "today", "--day", "3 Mar")
    assert code == 0 and "Tuesday 3 March 2026" in out


# Every command that lists something, as an IT technician pipes it into `head`.
LISTINGS = [
    ["staff", "list"], ["tags", "list"], ["tags", "list", "--csv"], ["close-day"], ["exception", "list"],
    ["report", "today"], ["report", "today", "--csv"], ["report", "summary"], ["report", "daily"],
    ["report", "daily", "--csv"], ["report", "confiscations"], ["report", "repeats"], ["report", "exams"],
    ["report", "searches"], ["report", "desk-time"], ["report", "reconcile"], ["audit", "verify"], ["config"],
    ["labels", "--layouts"], ["labels", "--preview", "--out", "labels.pdf"], ["purge", "--dry-run"],
    ["import-roster", "ROSTER", "--dry-run"], ["stocktake", "-"],
]


@pytest.mark.parametrize("argv", LISTINGS, ids=" ".join)
def test_every_listing_command_survives_being_piped_into_head(long_form_school, tmp_path, argv):
    roster = tmp_path / "roster.csv"
    roster.write_text("Adno,Legal Surname,Legal Forename,Reg\n" + "".join(
        f"{p.mis_id},{p.legal_surname},{p.legal_forename},{p.form}\n" for p in Pupil.select()), encoding="utf-8")
    command = shlex.join(["kiosk", "--db", str(long_form_school.path),
                          *[str(roster) if arg == "ROSTER" else arg for arg in argv]])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    # `head -1` as people type it; `head -n 0` goes before the kiosk writes a line, so the pipe is always broken.
    for reader in ("head -1", "head -n 0"):
        pipeline = f"{command} < /dev/null | {reader}; echo \"exit=${{PIPESTATUS[0]}}\" >&2"
        shell = subprocess.run(["bash", "-c", pipeline], capture_output=True, text=True, env=env, cwd=tmp_path,
                               timeout=60)
        assert "Traceback" not in shell.stderr and "Error" not in shell.stderr, shell.stderr
        assert shell.stderr.splitlines()[-1] in ("exit=0", "exit=1"), shell.stderr
        if reader == "head -1":
            assert len(shell.stdout.splitlines()) == 1 and shell.stdout.strip(), shell.stdout


def test_after_kiosk_demo_the_other_commands_use_the_demo_school_and_say_so(tmp_path, monkeypatch, capsys, caplog):
    clock = FixedClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    code, out = run(["demo", "--prepare-only", "--pupils", "60"], clock=clock)
    assert code == 0 and "the other kiosk commands use this demo school" in out
    demo_db = tmp_path / "data" / "demo" / "demo.db"
    # Its folder private from the start: a first try of the kiosk is not met by a warning about its own files.
    assert "readable by other accounts" not in capsys.readouterr().err + caplog.text
    assert stat.S_IMODE(demo_db.parent.stat().st_mode) == 0o700

    code, tags = run(["tags", "list", "--form", "9A"], clock=clock)
    note = capsys.readouterr().err
    assert code == 0 and "9A" in tags and "0 tags" not in tags
    assert f"uses the demo school from `kiosk demo` ({demo_db})" in note and "`kiosk init` sets up your own" in note
    code, today = run(["report", "today"], clock=clock)
    assert code == 0 and today.startswith("Hillcrest Academy (demo) — phones on Monday 30 November 2026")
    code, out = run(["audit", "verify"], clock=clock)
    assert code == 0 and "Audit trail OK" in out
    assert not (tmp_path / "data" / "kiosk.db").exists()  # no empty school made on the side

    # The school's own, once set up, is what every command uses: nothing to undo.
    code, _ = run(["init", "--admin-name", "Sam Okafor", "--initials", "SO", "--pin-stdin"], clock=clock,
                  stdin="735106\n", monkeypatch=monkeypatch)
    assert code == 0 and (tmp_path / "data" / "kiosk.db").exists()
    capsys.readouterr()
    code, tags = run(["tags", "list"], clock=clock)
    assert code == 0 and tags.strip() == "0 tags" and "demo" not in capsys.readouterr().err


def test_the_demo_never_writes_to_the_schools_witness_file(tmp_path):
    school_witness = tmp_path / "school" / "kiosk.witness"
    school_witness.parent.mkdir()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "kiosk.toml").write_text(f'witness_file = "{school_witness}"\n', encoding="utf-8")

    code, _ = run(["demo", "--prepare-only", "--pupils", "30"])

    assert code == 0 and not school_witness.exists()
    assert (tmp_path / "data" / "demo" / "demo.witness").stat().st_size > 0


def test_a_report_signed_for_at_a_terminal_asks_the_pin_once(school):
    """`--as AA` at a prompt asks the PIN that signs for the report once, as the desk does; only a new PIN being
    set is asked twice (a tryout found "Type the PIN again" just to read a report)."""
    import select

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    leader, follower = os.openpty()  # a terminal: the PIN is asked at a prompt, not read from a pipe
    argv = [sys.executable, "-m", "kiosk.cli", "--db", school.url, "report", "summary", "--period", "week",
            "--as", "AA"]
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    said = b""

    def read_until(done) -> bytes:  # what the terminal shows, until `done` or the kiosk has gone (EIO)
        shown = b""
        while not done(shown) and select.select([leader], [], [], 30)[0]:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        return shown

    try:
        said = read_until(lambda shown: b"PIN for AA" in shown)
        assert b"PIN for AA" in said, said
        os.write(leader, f"{OFFICE_PIN}\n".encode())
        said += read_until(lambda shown: False)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    assert process.returncode == 0, said
    assert b"again" not in said and b"phones handed in" in said, said
