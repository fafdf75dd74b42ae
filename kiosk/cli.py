"""The `kiosk` command: starts the desk, and the sub-commands an office manager or IT technician runs."""

from __future__ import annotations

import argparse
import getpass
import importlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Protocol, TextIO, TypeAlias

from kiosk import __version__
from kiosk.clock import Clock, local
from kiosk.commands import COMMAND_MODULES
from kiosk.config import ConfigError, Settings, config_dir, data_dir, database_url, key_file_path, load_settings
from kiosk.crash import CRASH_EXIT, crash_folder, crash_words, write_crash_report
from kiosk.errors import DeskError
from kiosk.formatting import long_date, weekday_date_time, weekday_date_year
from kiosk.keyring import KeyFileError, Keyring, create_key_file, load_key_file
from kiosk.reports.text_table import text_table
from kiosk.text import plain_text

if TYPE_CHECKING:
    from peewee import Database

    from kiosk.auth import SignedIn

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a program stopped by Ctrl+C (128 + SIGINT)


class CommandError(Exception):
    """A problem to print for the person at the command line (no traceback)."""


@dataclass(frozen=True)
class TypedDay:
    """A day typed on the command line, already known to be a date. Which year a day typed without one falls in
    is settled against the school's today, which the command knows: a report looks back, an exception's end
    looks ahead."""

    text: str

    def on_or_before(self, today: date) -> date:
        from kiosk.reports.periods import parse_day

        return parse_day(self.text, today=today)

    def on_or_after(self, today: date) -> date:
        from kiosk.reports.periods import parse_day

        return parse_day(self.text, today=today, ahead=True)


def day_first(text: str) -> TypedDay:
    """The type of every date option: read day first as the reports read it (3/11/2026, 03-11-2026, 2026-11-03,
    3 Nov). A date that is not one stops the command line there: one plain line, exit code 2."""
    from kiosk.reports.periods import BadDate, parse_day

    try:
        parse_day(text, today=date(2024, 12, 31))  # only to check it: whether a day is one never hangs on today
    except BadDate as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return TypedDay(text)


@dataclass
class Env:
    """What a sub-command needs, built from flags, environment and the settings file."""

    settings: Settings
    clock: Clock
    out: TextIO

    @property
    def url(self) -> str:
        return database_url(self.settings)

    def open(self, *, at_the_desk: bool = False, new_school: bool = False) -> Database:
        """The school's database, witnessed by this desk's file. A statement waits at most the desk's bound at
        the desk (kiosk/db/waits.py: NOT SAVED within seconds, never a frozen screen); a command run by IT or a
        scheduled task has nobody waiting at the hatch and may run one long statement (a purge, a year's
        report), so it waits longer.

        Only a command that sets a school up (`kiosk init`, `kiosk demo`: `new_school`) may make the database or
        find it empty; any other refuses (kiosk.db.connection.NoSchool) rather than report on nothing, as a
        scheduled task run as the wrong account would, every night, "no phones left"."""
        from kiosk.auth.admin import is_new_school
        from kiosk.config import witness_path
        from kiosk.db.connection import NoSchool
        from kiosk.db.waits import COMMAND_WAIT_SECONDS, WRITE_WAIT_SECONDS
        from kiosk.storage import open_for_desk

        # The witness named by these settings (a --config may move the key file, and the witness beside it). The key
        # file is checked against the database before any command writes (none yet only before `kiosk init`).
        keyring = self.keyring() if key_file_path(self.settings).exists() else None
        db = open_for_desk(self.url, witness=witness_path(self.settings),
                           wait_seconds=WRITE_WAIT_SECONDS if at_the_desk else COMMAND_WAIT_SECONDS, keyring=keyring,
                           desk=self.settings.desk, create=new_school)
        if not new_school and is_new_school():  # made empty by an older kiosk's command: nobody, no trail
            raise NoSchool(f"the database {self.url} has no staff and no audit trail")
        return db

    def keyring(self) -> Keyring:
        return load_key_file(key_file_path(self.settings))

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def say_lines(self, lines: list[str]) -> None:
        for line in lines:
            self.say(line)


# What build_parser gives each module of kiosk.commands: `register(add, sub)` (see kiosk/commands/__init__.py).
Handler: TypeAlias = Callable[[Env, argparse.Namespace], int]
Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"


class AddCommand(Protocol):
    def __call__(self, name: str, handler: Handler, help_: str,
                 parent: Subcommands = ...) -> Parser: ...


def command_line_actor(env: Env) -> SignedIn:
    """Actions taken at the command line are recorded as such, with the operating-system user."""
    from kiosk.auth import SignedIn

    return SignedIn(staff_id=None, name=f"command line ({_os_user()})", initials="CLI", role="admin",
                    desk=env.settings.desk)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def read_pin(prompt: str, from_stdin: bool) -> str:
    """A NEW PIN (one being set): asked twice at a prompt, so a slip is not what the PIN becomes."""
    if from_stdin:
        return sys.stdin.readline().strip()
    first = getpass.getpass(prompt)
    if getpass.getpass("Type the PIN again: ") != first:
        raise CommandError("The two PINs were different. Nothing was changed.")
    return first


def ask_pin(prompt: str, from_stdin: bool) -> str:
    """A PIN that signs for something (a report, a change): asked once, as at the desk; checked by the caller."""
    if from_stdin:
        return sys.stdin.readline().strip()
    return getpass.getpass(prompt)


def admin_signs(env: Env, args: argparse.Namespace, doing: str) -> SignedIn:
    """The admin who signs for a change to staff, roles, the roster or what is kept: `--as INITIALS`, then their
    PIN at a prompt, or with --pin-stdin the FIRST line of standard input (a new PIN, if the command sets one, is
    the line after it). Refused without both; a wrong PIN counts toward that admin's lockout as at the desk."""
    from kiosk.auth.admin import authorise_admin

    initials = (getattr(args, "as_staff", None) or "").strip()
    if not initials:
        raise CommandError(f"Only an admin may {doing}: add --as INITIALS (an admin's) and type their PIN when asked "
                           "(with --pin-stdin, as the first line). Nothing was changed.")
    if getattr(args, "pin_stdin", False):
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass(f"PIN for {initials.upper()} (admin): ")
    return authorise_admin(keyring=env.keyring(), clock=env.clock, desk=env.settings.desk, initials=initials,
                           pin=pin, doing=doing)


# ---- sub-commands -------------------------------------------------------------------------------


def cmd_run(env: Env, args: argparse.Namespace) -> int:
    env.open(at_the_desk=True)
    from kiosk.db.models import Staff

    if not Staff.select().where(Staff.active == True).exists():  # noqa: E712
        raise CommandError("No staff are set up in this database yet. Run: kiosk init --admin-name NAME --initials XX")
    keyring = env.keyring()
    from kiosk.app import make_app

    app = make_app(settings=env.settings, keyring=keyring, clock=env.clock)
    app.run()
    return app.return_code or EXIT_OK  # a fault stopped it: CRASH_EXIT (kiosk/crash.py), for the supervisor


def cmd_init(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth import add_staff
    from kiosk.auth.admin import has_active_admin, has_staff, is_new_school

    env.open(new_school=True)
    path = key_file_path(env.settings)
    keyring = env.keyring() if path.exists() else None
    if keyring is None and has_staff():
        # A new key would match neither their PINs nor the sealed trail.
        raise CommandError(f"This database already has staff, but the key file {path} is missing. Put the "
                           "school's key file back (from its backup) and run kiosk init again.")
    # The first admin only: once an active admin exists, every change to staff is signed for by one.
    if has_active_admin():
        raise CommandError(f"This database already has an admin; add staff with 'kiosk staff add … --as "
                           f"ADMIN-INITIALS'. ({env.url})")
    if not is_new_school():
        # No active admin, yet staff or a trail: the staff table was edited in SQL, not a new school.
        raise CommandError("This database has staff or an audit trail but no active admin: the staff list was "
                           "changed outside the kiosk. Nothing was done. Ask the IT technician to run 'kiosk audit "
                           f"verify' and restore the database from a backup. ({env.url})")
    pin = read_pin(f"PIN for {args.admin_name} (6+ digits): ", args.pin_stdin)
    if keyring is None:
        keyring = create_key_file(path)
        env.say(f"Created the key file {path} (mode 0600). Back it up: without it PINs and the audit "
                "trail cannot be checked.")
    add_staff(keyring=keyring, clock=env.clock, desk=env.settings.desk, name=args.admin_name,
              initials=args.initials, role="admin", pin=pin)
    env.say(f"Database ready: {env.url}")
    env.say(f"Admin {args.admin_name} ({args.initials.upper()}) can now sign in. Next: kiosk import-roster PUPILS.csv")
    return EXIT_OK


def cmd_staff_add(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth import add_staff

    env.open()
    keyring = env.keyring()
    admin = admin_signs(env, args, "add a member of staff")
    pin = read_pin(f"PIN for {args.name} (6+ digits): ", args.pin_stdin)
    staff = add_staff(keyring=keyring, clock=env.clock, desk=env.settings.desk, name=args.name,
                      initials=args.initials, role=args.role, pin=pin, badge_code=args.badge,
                      added_by=admin.staff_id, year_group=args.year_group, email=args.email)
    year = f", year {staff.year_group}" if staff.year_group is not None else ""
    year += f", {staff.email}" if staff.email else ""
    env.say(f"Added {staff.name} ({staff.initials}, {staff.role}{year}), signed for by {admin.initials}.")
    return EXIT_OK


def cmd_staff_edit(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth.admin import set_email, set_year_group
    from kiosk.mail.addresses import checked_address

    year_change = args.year_group is not None or args.no_year_group
    email_change = args.email is not None or args.no_email
    if not (year_change or email_change):
        raise CommandError("Say what to change: --year-group N, --no-year-group, --email ADDRESS or --no-email.")
    if args.email is not None:
        checked_address(args.email)  # a typing slip refused before the admin is asked for a PIN
    env.open()
    admin = admin_signs(env, args, "change a member of staff's year group or email address" if email_change
                        else "change a head of year's year group")
    if year_change:
        staff = set_year_group(keyring=env.keyring(), clock=env.clock, by=admin, initials=args.initials,
                               year_group=None if args.no_year_group else args.year_group)
        now = (f"acts for year {staff.year_group} only" if staff.year_group is not None
               else "acts for the whole school")
        env.say(f"{staff.name} ({staff.initials}) now {now}; it applies from their next sign-in.")
    if email_change:
        staff = set_email(keyring=env.keyring(), clock=env.clock, by=admin, initials=args.initials,
                          email=None if args.no_email else args.email)
        env.say(f"{staff.name} ({staff.initials}) is now emailed at {staff.email}." if staff.email
                else f"{staff.name} ({staff.initials}) is now emailed nothing by the kiosk.")
    return EXIT_OK


def cmd_staff_list(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth.staff import is_locked
    from kiosk.db.models import Staff

    env.open()
    now = env.clock.now()
    rows = [(staff.initials, staff.name, staff.role.replace("_", " "),
             "locked" if is_locked(staff, now) else ("active" if staff.active else "inactive"),
             "" if staff.year_group is None else str(staff.year_group), staff.email or "")
            for staff in Staff.select().order_by(Staff.initials)]
    env.say_lines(text_table(rows, headings=("Initials", "Name", "Role", "Status", "Year group", "Email")))
    return EXIT_OK


def cmd_staff_unlock(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth import unlock_staff

    env.open()
    admin = admin_signs(env, args, "unlock an account")
    staff = unlock_staff(keyring=env.keyring(), clock=env.clock, desk=env.settings.desk, initials=args.initials,
                         by=admin.staff_id)
    env.say(f"Unlocked {staff.name} ({staff.initials}); they can sign in again.")
    return EXIT_OK


def cmd_staff_deactivate(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth.admin import deactivate_staff

    env.open()
    admin = admin_signs(env, args, "make a member of staff inactive")
    staff = deactivate_staff(keyring=env.keyring(), clock=env.clock, by=admin, initials=args.initials)
    env.say(f"{staff.name} ({staff.initials}) is now inactive: they can no longer sign in or authorise anything. "
            "Their history is kept.")
    return EXIT_OK


def cmd_staff_role(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth.admin import change_role

    env.open()
    admin = admin_signs(env, args, "change a member of staff's role")
    staff = change_role(keyring=env.keyring(), clock=env.clock, by=admin, initials=args.initials, role=args.role)
    env.say(f"{staff.name} ({staff.initials}) is now {staff.role.replace('_', ' ')}; it applies from their next "
            "sign-in.")
    return EXIT_OK


def cmd_staff_reset_pin(env: Env, args: argparse.Namespace) -> int:
    from kiosk.auth.admin import reset_pin

    env.open()
    admin = admin_signs(env, args, "reset a PIN")
    pin = read_pin(f"New PIN for {args.initials.upper()} (6+ digits): ", args.pin_stdin)
    staff = reset_pin(keyring=env.keyring(), clock=env.clock, by=admin, initials=args.initials, pin=pin)
    env.say(f"New PIN set for {staff.name} ({staff.initials}); the account is unlocked.")
    return EXIT_OK


def cmd_import_roster(env: Env, args: argparse.Namespace) -> int:
    from kiosk.roster import RosterError, import_roster

    env.open()
    keyring = env.keyring()
    # A dry run writes nothing, so it needs no admin; the import itself is signed for.
    admin = None if args.dry_run else admin_signs(env, args, "import the roster")
    try:
        report = import_roster(Path(args.pupils), Path(args.carers) if args.carers else None, clock=env.clock,
                               audit_key=keyring.audit_key, desk=env.settings.desk,
                               staff_id=admin.staff_id if admin else None,
                               dry_run=args.dry_run, tz=env.settings.tz)
    except RosterError as exc:
        env.say(str(exc))
        env.say("Fix these lines in the export (or export again from the MIS), then run the import again.")
        return EXIT_PROBLEM
    for line in report.summary_lines():
        env.say(line)
    if args.dry_run:
        env.say("Dry run: nothing was written.")
    return EXIT_OK


def cmd_tags_list(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody.codes import grouped
    from kiosk.db.models import Pupil, Tag

    env.open()
    query = (Tag.select(Tag, Pupil).join(Pupil)
             .where((Tag.status == "active") & (Pupil.active == True))  # noqa: E712
             .order_by(Pupil.form, Pupil.legal_surname, Pupil.legal_forename))
    if args.form:
        query = query.where(Pupil.form == args.form)
    if args.year is not None:
        query = query.where(Pupil.year == args.year)
    rows = [(t.pupil.mis_id, t.pupil.legal_surname, t.pupil.legal_forename, t.pupil.preferred_forename or "",
             t.pupil.form, "" if t.pupil.year is None else str(t.pupil.year), t.code) for t in query]
    if args.csv:
        from kiosk.reports.export import emit_csv, to_csv

        # Every cell as text (a year "7" and codes stay as written), defused and marked for Excel.
        emit_csv(env.out, to_csv(["mis_id", "surname", "forename", "preferred_forename", "form", "year", "tag_code"],
                                 rows))
    else:
        env.say_lines(text_table([(form, mis_id, f"{preferred or forename} {surname}", grouped(code))
                                  for mis_id, surname, forename, preferred, form, _year, code in rows]))
        env.say(f"{len(rows)} tags")
    return EXIT_OK


def cmd_close_day(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody import DeskContext, close_day
    from kiosk.custody.daily import closed_words

    env.open()
    report = close_day(DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env)))
    tz = env.settings.tz
    # Run after F9 at a desk (or twice by the schedule), it says so and lists the same phones as the first run.
    if report.already is not None:
        since = (f" {report.newly_uncollected} more phone(s), handed in since, marked uncollected now."
                 if report.newly_uncollected else " Nothing more to mark.")
        env.say(f"The day was already {closed_words(report.already, tz)}.{since}")
    counted = (f"{report.from_today} phone(s) were not collected today; "
               f"{len(report.uncollected)} in the office uncollected in all.")
    env.say(counted if report.already is not None else f"Day closed. {counted}")
    env.say_lines(text_table([(phone.pupil.form, phone.pupil.name, f"slot {phone.slot or '-'}",
                               f"in since {weekday_date_time(local(phone.since, tz))}",
                               "(from an earlier day)" if phone.overnight_before else "")
                              for phone in report.uncollected], indent="  "))
    return EXIT_OK


def cmd_audit_verify(env: Env, args: argparse.Namespace) -> int:
    from kiosk.audit import verify
    from kiosk.audit.witness import WitnessUnreadable
    from kiosk.config import witness_path

    env.open()
    witness: list[Path] = []  # none: the database is checked alone
    if args.no_witness:
        pass  # a backup, or a copy put back on purpose: it ends before what the desk saved since
    elif args.witness:
        witness = _witness_files(args.witness)
    else:
        own = witness_path(env.settings)  # None: switched off in the settings
        witness = [own] if own is not None else []
    notes = []  # said after the verdict, which stays the first line
    if not args.witness and witness:
        if witness[0].is_file():
            notes.append(f"Used this desk's witness file {witness[0]}.")
        else:
            notes.append(f"No witness file for this desk at {witness[0]}: the database was checked alone (events "
                         "removed from the end cannot be seen without one).")
            witness = []
    try:
        report = verify(env.keyring().audit_key, witness=witness or None)
    except WitnessUnreadable as exc:
        raise CommandError(f"{exc}. Nothing was checked; fix its permissions, or name another desk's witness "
                           "file with --witness.") from exc
    if report.witness:
        notes.append(report.witness[0].upper() + report.witness[1:] + ".")
    if report.ok:
        env.say(f"Audit trail OK: {report.events_checked} events in sequence, chain intact, "
                f"{report.custody_checked} custody records match their events.")
        for note in notes:
            env.say(note)
        return EXIT_OK
    env.say(report.verdict)
    for problem in report.problems[:50]:
        env.say(f"  {problem}")
    if len(report.problems) > 50:
        env.say(f"  … and {len(report.problems) - 50} more")
    for note in notes:
        env.say(note)
    if report.witness_failed:
        env.say("If this is a backup, or a copy put back on purpose, that is expected: it ends before what the desk "
                "saved later. Check a backup with --no-witness; after putting a copy back, move the witness file "
                "aside (keep it) so the desk starts a new one.")
    env.say("Keep this database as it is and tell the headteacher and your IT support: the records were changed "
            "outside the kiosk.")
    return EXIT_PROBLEM


def _witness_files(given: list[str]) -> list[Path]:
    """The witness files named with --witness: files, or folders the IT technician collected each desk's into."""
    files: list[Path] = []
    for text in given:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(path.glob("*.witness"))
            if not found:
                raise CommandError(f"The folder {path} holds no witness files (*.witness). Copy each desk's "
                                   "kiosk.witness into it under the desk's name, e.g. reception-1.witness.")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"The witness file {path} does not exist. Give the path of a desk's witness "
                               "file (kiosk.witness, beside its key file; `kiosk config` shows where), or a folder "
                               "of them.")
    return files


def cmd_exception_list(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody.exceptions import active_exceptions_on, expiring_soon

    env.open()
    today = env.clock.now().astimezone(env.settings.tz).date()
    rows = expiring_soon(today, args.expiring) if args.expiring is not None else active_exceptions_on(today)
    env.say_lines(text_table([
        (e.pupil.form, e.pupil.display_name, e.kind,
         f"until {weekday_date_year(e.valid_to)}" if e.valid_to else "no end date",
         f"approved by {e.approved_by_name}")
        for e in sorted(rows, key=lambda e: (e.valid_to or date.max, e.pupil.form))]))
    env.say(f"{len(rows)} exception(s)" + (f" ending within {args.expiring} days" if args.expiring is not None else
                                           " in force today"))
    return EXIT_OK


def cmd_exception_add(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody import DeskContext
    from kiosk.custody.exceptions import add_exception
    from kiosk.custody.lookup import find_by_admission_number

    env.open()
    pupil = find_by_admission_number(args.mis_id)
    if pupil is None:
        raise CommandError(f"No pupil has admission number {args.mis_id}.")
    ctx = DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env))
    today = env.clock.now().astimezone(env.settings.tz).date()
    start = args.valid_from.on_or_before(today) if args.valid_from else today
    end = args.valid_to.on_or_after(start) if args.valid_to else None
    row = add_exception(ctx, pupil_id=pupil.id, kind=args.kind, valid_from=start, valid_to=end,
                        agreement_ref=args.agreement, notes=args.notes, approved_by_name=args.approved_by)
    # The days as the kiosk read them, so a day typed without its year is seen to fall in the year meant.
    until = f" until {long_date(end)}" if end else ", no end date"
    env.say(f"Exception recorded for {pupil.display_name} ({pupil.form}): {row.kind}, from "
            f"{long_date(start)}{until}.")
    return EXIT_OK


def cmd_backup(env: Env, args: argparse.Namespace) -> int:
    from kiosk import platform
    from kiosk.config import backup_folder
    from kiosk.db.backup import backup_sqlite, rotate

    if args.keep is not None and args.keep < 1:
        raise CommandError("--keep must be at least 1 (the backup just made).")
    db = env.open()
    # No file named: the school's backup folder, made (private) the first time so each night's backup is a new file.
    dest = Path(args.dest) if args.dest else platform.private_folder(backup_folder(env.settings))
    result = backup_sqlite(db, dest)
    env.say(f"Backup written: {result.path} ({result.bytes // 1024} KiB, {result.events} audit events, "
            f"integrity {result.integrity}).")
    if args.keep is not None:
        if not dest.is_dir():
            raise CommandError("--keep needs a folder to keep backups in, not one file. The backup was written.")
        removed = rotate(dest, args.keep)
        env.say(f"Kept the {args.keep} newest backups in {dest}" + (f"; removed {len(removed)} older." if removed
                                                                     else "."))
    env.say(f"Keep a copy of the key file {key_file_path(env.settings)} with your backups: "
            "the backup does not contain it.")
    return EXIT_OK


def cmd_demo(env: Env, args: argparse.Namespace) -> int:
    from kiosk.config import demo_dir, witness_path
    from kiosk.demo import build_demo, demo_settings, demo_sign_ins
    from kiosk.platform import private_folder

    folder = private_folder(Path(args.folder) if args.folder else demo_dir())  # its database and key go here
    settings = demo_settings(env.settings, folder)
    demo = Env(settings, env.clock, env.out)
    demo.open(at_the_desk=True, new_school=True)
    key_path = key_file_path(settings)
    keyring = load_key_file(key_path) if key_path.exists() else create_key_file(key_path)
    demo.say(f"Demo school: {settings.school_name}, database {settings.database}")
    build_demo(keyring=keyring, clock=demo.clock, settings=settings, folder=folder, pupils=args.pupils)
    demo.say("Every name in the demo is invented. Sign in with initials, Enter, then the PIN, Enter:")
    for person in demo_sign_ins():
        demo.say(f"  {person.initials}  PIN {person.pin}  ({person.role})")
    if not args.folder and _no_school_of_its_own(env.settings):
        demo.say("Until you set up your own school (kiosk init), the other kiosk commands use this demo school, "
                 "and say so: try kiosk report today, or kiosk tags list --form 9A.")
    else:
        demo.say(f"Other kiosk commands do not use this demo; to run one on it: KIOSK_DB={settings.database} "
                 f"KIOSK_KEY_FILE={settings.key_file} KIOSK_WITNESS_FILE={witness_path(settings)} "
                 "kiosk report today")
    if args.prepare_only:
        return EXIT_OK
    from kiosk.app import make_app

    app = make_app(settings=settings, keyring=keyring, clock=demo.clock)
    app.run()
    return app.return_code or EXIT_OK


def _no_school_of_its_own(settings: Settings) -> bool:
    """No database or key file named by the settings, flags or environment, and no key file where `kiosk init`
    puts one: this PC has not been set up for a school (a database file alone can be made by any command)."""
    return not settings.database and not settings.key_file and not key_file_path(settings).exists()


def _school_in_use(settings: Settings) -> Settings:
    """The school the settings name; or, while this PC has no school of its own but has `kiosk demo`'s, the demo
    school, saying so. A new user who has just tried the demo expects `kiosk report today` to report on it, not on
    a new empty database; the moment `kiosk init` sets up the school's own, the commands use that instead, with
    nothing to undo (settings written by the demo would have to be found and removed before going live)."""
    from kiosk.config import demo_dir

    folder = demo_dir()
    if not (_no_school_of_its_own(settings) and (folder / "demo.db").exists() and (folder / "demo.key").exists()):
        return settings
    from kiosk.demo import demo_settings

    demo = demo_settings(settings, folder)
    print(f"kiosk: no school is set up on this PC yet, so this uses the demo school from `kiosk demo` "
          f"({demo.database}); `kiosk init` sets up your own.", file=sys.stderr)
    return demo


def cmd_config(env: Env, args: argparse.Namespace) -> int:
    from kiosk.config import describe_settings, settings_path

    env.say(f"Settings file: {settings_path()}  (TOML; environment KIOSK_DB, KIOSK_DESK override it)")
    env.say(f"Config dir: {config_dir()}   Data dir: {data_dir()}")
    env.say(f"Database in use: {env.url}")
    for name, value, doc in describe_settings(env.settings):
        env.say(f"  {name} = {value!r}\n      {doc}")
    return EXIT_OK


# ---- the parser ---------------------------------------------------------------------------------


def _show_help(command: str) -> Callable[[Env, argparse.Namespace], int]:
    def show(env: Env, args: argparse.Namespace) -> int:
        build_parser().parse_args([command, "--help"])
        return EXIT_USAGE

    return show


def admin_args(p: argparse.ArgumentParser, *, new_pin: bool = False) -> None:
    """--as and --pin-stdin for a command an admin signs for (see admin_signs)."""
    p.add_argument("--as", dest="as_staff", metavar="INITIALS",
                   help="the admin signing for this change (asks for their PIN)")
    p.add_argument("--pin-stdin", action="store_true",
                   help="read PINs from standard input, one a line: the admin's PIN first"
                        + (", then the new PIN" if new_pin else ""))


class Parser(argparse.ArgumentParser):
    """argparse, saying a mistake on the command line (a date that is not one, a missing option) in one plain
    line rather than a usage summary; --help still shows everything. Sub-commands' parsers are of this class."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message.rstrip('.')}. ({self.prog} --help shows what it takes.)\n")


def build_parser() -> argparse.ArgumentParser:
    from kiosk.auth.roles import Role
    from kiosk.custody.exceptions import KINDS as EXCEPTION_KINDS

    parser = Parser(prog="kiosk", description="The school office phone custody kiosk.")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--db", help="SQLite file or postgresql:// URL (env KIOSK_DB)")
    parser.add_argument("--desk", help="this desk's name, recorded on every action (env KIOSK_DESK)")
    parser.add_argument("--config", help="settings file (default: kiosk.toml in the config dir)")
    parser.set_defaults(handler=cmd_run)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def add(name: str, handler: Handler, help_: str, parent: Subcommands = sub) -> Parser:
        p = parent.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    add("run", cmd_run, "start the desk (the default)")
    p = add("init", cmd_init, "create the database, the key file and the first admin")
    p.add_argument("--admin-name", required=True)
    p.add_argument("--initials", required=True)
    p.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")

    staff = add("staff", _show_help("staff"), "manage staff")
    staff_sub = staff.add_subparsers(metavar="ACTION")
    p = add("add", cmd_staff_add, "add a member of staff", staff_sub)
    p.add_argument("name")
    p.add_argument("--initials", required=True)
    p.add_argument("--role", required=True, choices=[role.value for role in Role])
    p.add_argument("--badge", help="staff badge barcode, to sign in by scanning it")
    p.add_argument("--year-group", type=int, metavar="N",
                   help="a head of year's year group (e.g. 9): they see and act for that year only")
    p.add_argument("--email", metavar="ADDRESS",
                   help="where the kiosk emails them (a head of year's notices, the DSL told of a hold)")
    admin_args(p, new_pin=True)
    p = add("edit", cmd_staff_edit, "change a head of year's year group or a member of staff's email address",
            staff_sub)
    p.add_argument("initials")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--year-group", type=int, metavar="N", help="their year group, e.g. 9")
    which.add_argument("--no-year-group", action="store_true", help="clear it: they act for the whole school")
    mail = p.add_mutually_exclusive_group()
    mail.add_argument("--email", metavar="ADDRESS", help="where the kiosk emails them")
    mail.add_argument("--no-email", action="store_true", help="clear it: the kiosk emails them nothing")
    admin_args(p)
    add("list", cmd_staff_list, "list staff and whether they are locked", staff_sub)
    p = add("unlock", cmd_staff_unlock, "unlock an account after too many wrong PINs", staff_sub)
    p.add_argument("initials")
    admin_args(p)
    p = add("deactivate", cmd_staff_deactivate, "stop a member of staff signing in (someone who has left)",
            staff_sub)
    p.add_argument("initials")
    admin_args(p)
    p = add("role", cmd_staff_role, "change a member of staff's role", staff_sub)
    p.add_argument("initials")
    p.add_argument("role", choices=[role.value for role in Role])
    admin_args(p)
    p = add("reset-pin", cmd_staff_reset_pin, "give a member of staff a new PIN (and unlock them)", staff_sub)
    p.add_argument("initials")
    admin_args(p, new_pin=True)

    p = add("import-roster", cmd_import_roster, "import pupils (and carers) from an MIS export")
    p.add_argument("pupils")
    p.add_argument("--carers")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing (needs no admin)")
    admin_args(p)

    tags = add("tags", _show_help("tags"), "pupils' tag codes")
    p = add("list", cmd_tags_list, "list pupils with their tag codes", tags.add_subparsers(metavar="ACTION"))
    p.add_argument("--form")
    p.add_argument("--year", type=int)
    p.add_argument("--csv", action="store_true")

    add("close-day", cmd_close_day, "mark every phone still in the office as uncollected, and list them")
    audit = add("audit", _show_help("audit"), "the audit trail")
    p = add("verify", cmd_audit_verify, "check the audit chain and replay it against custody",
            audit.add_subparsers(metavar="ACTION"))
    witness = p.add_mutually_exclusive_group()
    witness.add_argument("--witness", metavar="FILE", action="append",
                         help="a desk's witness file, or a folder of them; give one for each desk (default: this "
                         "desk's own, if it exists): fails if the database no longer holds, unchanged, every event "
                         "a desk saw saved")
    witness.add_argument("--no-witness", action="store_true", help="check the database alone (a backup ends "
                         "before what the desk saved later)")

    exc = add("exception", _show_help("exception"),
              "approved exceptions to the hand-in rule")
    exc_sub = exc.add_subparsers(metavar="ACTION")
    p = add("list", cmd_exception_list, "exceptions in force today, or those ending soon", exc_sub)
    p.add_argument("--expiring", type=int, metavar="DAYS", help="only those ending within DAYS days")
    p = add("add", cmd_exception_add, "record an approved exception", exc_sub)
    p.add_argument("mis_id", help="the pupil's admission number")
    p.add_argument("--kind", required=True, choices=list(EXCEPTION_KINDS))
    p.add_argument("--from", dest="valid_from", metavar="DAY", type=day_first,
                   help="first day, e.g. 1/9/2026 or 2026-09-01 (default today)")
    p.add_argument("--to", dest="valid_to", metavar="DAY", type=day_first,
                   help="last day, e.g. 20/7/2027 (default none); without a year, the next such day")
    p.add_argument("--approved-by", required=True, help="who approved it (the head, or a leadership role)")
    p.add_argument("--agreement", help="written agreement reference")
    p.add_argument("--notes")

    p = add("backup", cmd_backup, "write a consistent backup of the database while it is in use")
    p.add_argument("dest", nargs="?", help="backup file or folder (default: backup_folder in kiosk.toml, else the "
                                           "data directory's backups folder; `kiosk doctor` checks the newest)")
    p.add_argument("--keep", type=int, metavar="N", help="then remove all but the N newest backups in that folder")
    p = add("demo", cmd_demo, "start the kiosk on a demo school with invented pupils")
    p.add_argument("--folder", help="where the demo database lives (default: the data dir)")
    p.add_argument("--pupils", type=int, default=1000)
    p.add_argument("--prepare-only", action="store_true", help="build the demo database, don't start")
    add("config", cmd_config, "show the settings in force and where they come from")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(add, sub)
    return parser


class PlainOut(io.TextIOBase):
    """Everything a command prints, made plain on its way out (kiosk/text.py): a name in an old database, a CSV
    cell or an error's words may hold a terminal's escape codes (a new window title, hidden text), never printed."""

    def __init__(self, out: TextIO) -> None:
        super().__init__()
        self.out = out

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.out.write(plain_text(text, lines=True))
        return len(text)

    def flush(self) -> None:
        self.out.flush()


def say_problem(text: str) -> None:
    """One plain line on stderr for the person at the command line."""
    print(plain_text(text, lines=True), file=sys.stderr)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        try:
            return _main(argv, clock=clock, out=PlainOut(out))  # type: ignore[arg-type]
        finally:
            # Here, not as Python exits: output still buffered when the reader has gone breaks at this flush, and
            # is handled below rather than printed as "Exception ignored … BrokenPipeError" (exit code 120).
            out.flush()
    except KeyboardInterrupt:
        # Ctrl+C (at a PIN prompt, say): a plain line, never Python's traceback of where it was stopped.
        say_problem("kiosk: stopped (Ctrl+C). A command stopped part way saves nothing it had not finished.")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`kiosk tags list | head -1`): the Python docs' recipe (library/signal.html, "Note
        # on SIGPIPE"). What is left to write goes nowhere, and the command ends quietly with exit code 1.
        if out is not sys.stdout:
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEM


def _main(argv: Sequence[str] | None, *, clock: Clock | None, out: TextIO) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # --help, --version, or a mistake on the command line, already said
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        settings = load_settings(Path(args.config) if args.config else None, database=args.db, desk=args.desk)
        if args.handler not in (cmd_init, cmd_demo):  # these two make a school: never the demo in its place
            settings = _school_in_use(settings)
        env = Env(settings, clock or Clock(), out)
        return args.handler(env, args) or EXIT_OK
    except (CommandError, ConfigError, KeyFileError, DeskError) as exc:
        say_problem(f"kiosk: {exc}")
        return EXIT_PROBLEM
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except Exception as exc:  # database problems carry their own plain message
        from kiosk.db.connection import DatabaseError
        from kiosk.db.migrations import SchemaTooNew

        if isinstance(exc, DatabaseError | SchemaTooNew):
            say_problem(f"kiosk: {exc}")
            return EXIT_PROBLEM
        if os.environ.get("KIOSK_DEBUG"):
            raise
        from peewee import OperationalError

        if isinstance(exc, OperationalError):
            say_problem(f"kiosk: the database reported a problem: {exc}. Nothing was saved by this command.")
            return EXIT_PROBLEM
        # Never Python's traceback: its message and lines may hold what was typed (a PIN) or read (a name).
        report = write_crash_report(exc, folder=crash_folder(data_dir()))
        say_problem(f"kiosk: {crash_words(report)}")
        return CRASH_EXIT


if __name__ == "__main__":
    raise SystemExit(main())
