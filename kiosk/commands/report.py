"""`kiosk report …` and `kiosk stocktake`: the figures the office, heads of year and the head need."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.auth.roles import Permission
from kiosk.formatting import long_date, weekday, weekday_date, weekday_time
from kiosk.reports.text_table import text_table

if TYPE_CHECKING:
    from kiosk.auth import SignedIn
    from kiosk.cli import AddCommand, Env, Subcommands, TypedDay
    from kiosk.reports.periods import Period


def register(add: AddCommand, sub: Subcommands) -> None:
    from kiosk.cli import _show_help, day_first

    report = add("report", _show_help("report"), "reports: day, week, term, year or any range")
    group = report.add_subparsers(metavar="REPORT")
    p = add("today", cmd_today, "handed in, handed back, in the office, uncollected — by form", group)
    p.add_argument("--csv", action="store_true")
    p.add_argument("--day", metavar="DAY", type=day_first, help="another day, e.g. 3/11/2026 or 2026-11-03")
    for name, handler, help_ in (
        ("summary", cmd_summary, "everything the Reports screen shows for the period (as on the screen)"),
        ("daily", cmd_daily, "hand-ins, hand-backs and phones left overnight, day by day"),
        ("confiscations", cmd_confiscations, "confiscations by reason, year group and form; repeat confiscations"),
        ("repeats", cmd_repeats, "pupils whose phone was confiscated twice or more"),
        ("exams", cmd_exams, "phones found in exams, for reporting to the examining bodies"),
        ("searches", cmd_searches, "searches recorded (DfE searching, screening and confiscation)"),
        ("desk-time", cmd_desk_time, "office time at the desk, measured from the records"),
        ("safeguarding", cmd_safeguarding, "safeguarding holds and police handovers: counts (DSL and head only)"),
    ):
        p = add(name, handler, help_, group)
        _period_args(p)
        p.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
        p.add_argument("--pdf", metavar="FILE", help="also write a printable PDF here" + (
            " (or into a folder, named by the date)" if name == "summary" else ""))
        p.add_argument("--as", dest="as_staff", help="act as this member of staff (asks for their PIN)")
        if name == "summary":  # the weekly summary: `kiosk report summary --period week --pdf FOLDER --send`
            p.add_argument("--send", action="store_true",
                           help="also send the PDF to the head (mail_head_address) through the outbox")
    p = add("m1", cmd_m1, "one phone found in an exam: its JCQ Form M1 attachment (PDF)", group)
    p.add_argument("--custody", type=int, required=True, metavar="ID",
                   help="the custody record's number (shown on the exams report and the pupil page)")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--as", dest="as_staff", help="act as this member of staff (asks for their PIN)")
    p = add("review-pack", cmd_review_pack, "the annual policy review pack (PDF, tables and charts)", group)
    _period_args(p, default="year")
    p.add_argument("--out", required=True, help="PDF file to write, or a folder (review-pack-DATE.pdf in it)")
    p.add_argument("--next-review", metavar="DAY", type=day_first,
                   help="the policy's next review date (default: a year from today)")
    p.add_argument("--as", dest="as_staff", help="a DSL or head includes safeguarding counts (asks for the PIN)")
    p.add_argument("--send", action="store_true",
                   help="also send the pack to the head (mail_head_address) through the outbox")
    p = add("inspection", cmd_inspection, "the one-page inspection summary for this term (PDF)", group)
    p.add_argument("--out", required=True, help="PDF file to write, or a folder (inspection-DATE.pdf in it)")
    p.add_argument("--day", metavar="DAY", type=day_first, help="the term this day falls in (default: today)")
    p.add_argument("--as", dest="as_staff", help="act as this member of staff (asks for their PIN)")
    p = add("reconcile", cmd_reconcile, "end of day by form: expected back, handed back, still in", group)
    p.add_argument("--day", metavar="DAY", type=day_first, help="another day, e.g. 3/11/2026 or 2026-11-03")
    p.add_argument("--pdf", help="also write a printable PDF here")
    p = add("stocktake", cmd_stocktake, "check the phones in the office against a list of scanned codes")
    p.add_argument("scans", help="file of scanned codes, one per line ('-' for standard input)")


def _period_args(p: argparse.ArgumentParser, default: str = "term") -> None:
    from kiosk.cli import day_first

    p.add_argument("--period", choices=["day", "week", "term", "year", "custom"],
                   help=f"default {default}; custom needs --from and --to (--from and --to alone mean custom)")
    p.set_defaults(default_period=default)
    p.add_argument("--from", dest="start", metavar="DAY", type=day_first,
                   help="first day, e.g. 3/11/2026, 2026-11-03 or '3 Nov' (for the other periods: a day inside the "
                        "one wanted)")
    p.add_argument("--to", dest="end", metavar="DAY", type=day_first, help="last day (custom period)")


def _period(env: Env, args: argparse.Namespace) -> Period:
    from kiosk.cli import CommandError
    from kiosk.reports.periods import BadDate, custom_period, period

    today = _today(env)
    kind = _kind(args)
    if args.end and kind != "custom":
        raise CommandError(f"--to is for a custom range: use --from DAY --to DAY (a {kind} is worked out from one "
                           "day, given with --from).")
    try:
        if kind == "custom":
            if not (args.start and args.end):
                raise CommandError("A custom range needs both --from and --to, e.g. --from 1/9/2026 --to 3/11/2026.")
            return custom_period(args.start.text, args.end.text, today=today, settings=env.settings)
        return period(kind, args.start.on_or_before(today) if args.start else today, env.settings)
    except BadDate as error:
        raise CommandError(f"{error} Nothing was written.") from None


def _kind(args: argparse.Namespace) -> str:
    kind: str = args.period or ("custom" if args.start and args.end else args.default_period)
    return kind


def _today(env: Env) -> date:
    return env.clock.now().astimezone(env.settings.tz).date()


def _day(env: Env, typed: TypedDay | None) -> date:
    """--day (a kiosk.cli.TypedDay, checked when the command line was read), or today."""
    return typed.on_or_before(_today(env)) if typed else _today(env)


def _actor(env: Env, args: argparse.Namespace) -> SignedIn:
    """The command line acts as admin unless a member of staff signs for it with their PIN."""
    from kiosk.auth.staff import confirm_pin
    from kiosk.cli import ask_pin, command_line_actor

    if not getattr(args, "as_staff", None):
        return command_line_actor(env)
    pin = ask_pin(f"PIN for {args.as_staff.upper()}: ", from_stdin=not sys.stdin.isatty())
    return confirm_pin(keyring=env.keyring(), clock=env.clock, desk=env.settings.desk, who=args.as_staff, pin=pin,
                       purpose="command-line report")


def _reader(env: Env, args: argparse.Namespace) -> SignedIn:
    """Who is asking: reports are for roles with Permission.VIEW_REPORTS (not a teacher without oversight)."""
    from kiosk.errors import NotPermitted

    who = _actor(env, args)
    if not who.can(Permission.VIEW_REPORTS):
        raise NotPermitted(f"Reports are not open to {who.name} ({who.role}): ask the office, a head of year, "
                           "the DSL or the head.")
    return who


def _write_pdf(env: Env, args: argparse.Namespace, make: Callable[[], bytes],
               folder_stem: str | None = None) -> tuple[Path, bytes] | None:
    """--pdf FILE: the printable copy, written whole (never half a file) and readable by this account only. With
    `folder_stem` (the weekly summary, which a scheduled task writes every week) a folder may be given: STEM-DATE.pdf
    in it; otherwise a folder is refused. Returns where it went and what was written."""
    from kiosk.cli import CommandError
    from kiosk.documents.saved import write_private
    from kiosk.platform import FileNotSaved

    if not getattr(args, "pdf", None):
        return None
    pdf = make()
    if folder_stem is not None:
        path = _write_paper(env, args.pdf, folder_stem, pdf)
    else:
        try:
            path = write_private(Path(args.pdf), pdf)
        except FileNotSaved:
            raise  # already in the desk's words (a full disk, say)
        except OSError as error:
            raise CommandError(f"The PDF was not written to {args.pdf}: {error.strerror or error}. Check the folder "
                               "exists and can be written to, then run the command again.") from None
    say = env.say if not getattr(args, "csv", False) else _to_stderr
    say(f"PDF written to {path}")
    return path, pdf


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def _emit(env: Env, args: argparse.Namespace, header: Sequence[str], rows: Sequence[Sequence[object]], title: str,
          pdf: Callable[[], bytes] | None = None) -> int:
    from kiosk.reports.export import emit_csv, to_csv

    if getattr(args, "csv", False):
        emit_csv(env.out, to_csv(header, rows))
        if pdf is not None:
            _write_pdf(env, args, pdf)
        return 0
    env.say(title)
    env.say_lines(text_table(rows, headings=header))
    if not rows:
        env.say("(none)")
    if pdf is not None:
        _write_pdf(env, args, pdf)
    return 0


def cmd_today(env: Env, args: argparse.Namespace) -> int:
    from kiosk.custody import day_report
    from kiosk.reports.export import emit_csv, to_csv

    env.open()
    day = _day(env, args.day)
    report = day_report(day, env.settings)
    lines = [*report.forms, report.total]
    header = ["form", "handed_in", "handed_back", "in_office", "uncollected"]
    rows = [[line.form, line.handed_in, line.handed_back, line.in_office, line.uncollected] for line in lines]
    if args.csv:
        emit_csv(env.out, to_csv(header, rows))
        return 0
    env.say(f"{env.settings.school_name} — phones on {long_date(day)}")
    table = text_table(rows, headings=("Form", "Handed in", "Handed back", "In office", "Uncollected"),
                       right=(1, 2, 3, 4))
    env.say_lines([*table[:-1], "-" * max(len(line) for line in table), table[-1]])
    return 0


def cmd_summary(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.export import emit_csv
    from kiosk.reports.period_report import report_csv, report_figures

    _check_send(args)
    env.open()
    who = _reader(env, args)
    p = _period(env, args)
    # As the review pack: a summary to be emailed has no safeguarding figures (none goes by email).
    f = report_figures(p, _kind(args), env.settings,
                       include_safeguarding=who.can(Permission.SAFEGUARDING) and not args.send, today=_today(env))

    def pdf() -> bytes:
        from kiosk.documents.report_papers import period_report_pdf

        return period_report_pdf(f, env.settings, made_at=env.clock.now())

    if args.csv:
        emit_csv(env.out, report_csv(f, env.settings.tz))
    else:
        c = f.confiscations
        rows: list[list[object]]  # a table of mixed columns (words, counts, "")
        rows = [["phones handed in", f.handed_in], ["phones handed back", f.handed_back],
                ["left overnight", f.left_uncollected], ["school days", f.school_days],
                ["confiscations", c.total], ["released", c.released], ["still held", c.still_held],
                ["pupils confiscated twice or more", len(c.repeat_pupils)], ["phones found in exams", len(f.exams)],
                ["searches", f.searches.total], ["seconds per hand-in", f.desk.seconds_per_hand_in or ""],
                ["seconds per hand-back", f.desk.seconds_per_hand_back or ""]]
        rows += [[f"safeguarding: {what}", n] for what, n in (f.safeguarding or {}).items()]
        _emit(env, args, ["what", "figure"], rows, f"Phones report, {p.label}")
    written = _write_pdf(env, args, pdf, folder_stem=f"summary-{_kind(args)}")
    if not args.send or written is None:
        return 0
    from kiosk.reports.to_head import summary_values

    path, data = written
    return _send_to_head(env, args, path=path, pdf=data, what="Summary", said_written=True,
                         template="weekly-summary",
                         values=summary_values(f, env.settings, made_on=_today(env)))


def cmd_daily(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.figures import daily_lines

    env.open()
    _reader(env, args)
    p = _period(env, args)
    lines = daily_lines(p, env.settings, today=_today(env))
    rows = [[f"{d.day:%Y-%m-%d}", f"{weekday(d.day)}", d.handed_in, d.handed_back, d.left_uncollected]
            for d in lines if d.day.weekday() < 5 or d.handed_in]

    def pdf() -> bytes:
        from kiosk.documents.report_papers import daily_pdf

        return daily_pdf(p, lines, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["date", "day", "handed_in", "handed_back", "left_uncollected"], rows,
                 f"Phones day by day, {p.label}", pdf)


def cmd_confiscations(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.figures import confiscation_figures

    env.open()
    _reader(env, args)
    p = _period(env, args)
    f = confiscation_figures(p, env.settings)
    rows = ([["reason", k, v] for k, v in f.by_reason.items()] + [["year group", k, v] for k, v in f.by_year.items()]
            + [["form", k, v] for k, v in f.by_form.items()]
            + [["repeat", f"{name} ({form})", n] for name, form, n in f.repeat_pupils]
            + [["total", "confiscations", f.total], ["total", "released", f.released],
               ["total", "still held", f.still_held]])

    def pdf() -> bytes:
        from kiosk.documents.report_papers import confiscations_pdf

        return confiscations_pdf(p, f, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["by", "what", "count"], rows, f"Confiscations, {p.label}", pdf)


def cmd_repeats(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.figures import confiscation_figures

    env.open()
    _reader(env, args)
    p = _period(env, args)
    f = confiscation_figures(p, env.settings)

    def pdf() -> bytes:
        from kiosk.documents.report_papers import repeats_pdf

        return repeats_pdf(p, f, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["pupil", "form", "confiscations"], [list(r) for r in f.repeat_pupils],
                 f"Repeat confiscations, {p.label}", pdf)


def cmd_exams(env: Env, args: argparse.Namespace) -> int:
    from kiosk.clock import local
    from kiosk.reports.figures import exam_incidents, totals_by_board

    env.open()
    _reader(env, args)
    p = _period(env, args)
    exams = exam_incidents(p, env.settings)
    rows = [[f"{local(e.at, env.settings.tz):%Y-%m-%d %H:%M}", e.pupil, e.form, e.board, e.paper, e.room,
             e.custody_id, e.candidate_number, e.invigilator] for e in exams]

    def pdf() -> bytes:
        from kiosk.documents.report_papers import exams_pdf

        return exams_pdf(p, exams, env.settings, made_at=env.clock.now())

    code = _emit(env, args, ["when", "pupil", "form", "exam board", "paper", "room", "record", "candidate number",
                             "invigilator"], rows,
                 f"Phones found in exams, {p.label}", pdf)
    if exams and not args.csv:
        env.say("Per exam board: " + ", ".join(f"{board} {n}" for board, n in totals_by_board(exams).items())
                + f" (total {len(exams)}). Each incident's M1 attachment: kiosk report m1 --custody RECORD --out FILE")
    return code


def cmd_m1(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import CommandError
    from kiosk.documents.m1_attachment import m1_attachment
    from kiosk.platform import write_private
    from kiosk.reports.figures import exam_incident_of

    env.open()
    _reader(env, args)
    incident = exam_incident_of(args.custody)
    if incident is None:
        raise CommandError(f"Record {args.custody} is not a phone found in an exam: nothing was written. "
                           "(kiosk report exams lists them.)")
    write_private(Path(args.out), m1_attachment(incident, env.settings, made_at=env.clock.now()))
    env.say(f"M1 attachment for {incident.pupil} ({incident.board or 'exam board not recorded'}) written to "
            f"{args.out}.")
    return 0


def cmd_searches(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.figures import search_figures

    env.open()
    _reader(env, args)
    p = _period(env, args)
    s = search_figures(p, env.settings)
    rows = [["searches", s.total], ["nothing found", s.nothing_found], ["DSL informed", s.dsl_informed],
            ["parent informed", s.parent_informed]]

    def pdf() -> bytes:
        from kiosk.documents.report_papers import searches_pdf

        return searches_pdf(p, s, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["what", "count"], rows, f"Searches, {p.label}", pdf)


def cmd_desk_time(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.figures import desk_time

    env.open()
    _reader(env, args)
    p = _period(env, args)
    t = desk_time(p, env.settings, today=_today(env))
    rows: list[list[object]]  # a table of mixed columns (words, counts, "")
    rows = [["hand-ins", t.hand_ins], ["hand-backs", t.hand_backs],
            ["seconds per hand-in (average)", t.seconds_per_hand_in or ""],
            ["seconds per hand-back (average)", t.seconds_per_hand_back or ""]]
    rows += [[f"minutes at the desk {weekday_date(d)}", m] for d, m in t.minutes_per_day.items()]

    def pdf() -> bytes:
        from kiosk.documents.report_papers import desk_time_pdf

        return desk_time_pdf(p, t, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["what", "figure"], rows, f"Time at the desk, {p.label}", pdf)


def cmd_safeguarding(env: Env, args: argparse.Namespace) -> int:
    from kiosk.errors import NotPermitted
    from kiosk.reports.figures import safeguarding_figures

    env.open()
    who = _actor(env, args)
    if not who.can(Permission.SAFEGUARDING):
        raise NotPermitted("Safeguarding figures are for the DSL and the head: add --as with their initials.")
    p = _period(env, args)
    counts = safeguarding_figures(p, env.settings)

    def pdf() -> bytes:
        from kiosk.documents.report_papers import safeguarding_pdf

        return safeguarding_pdf(p, counts, env.settings, made_at=env.clock.now())

    return _emit(env, args, ["what", "count"], [[k, v] for k, v in counts.items()], f"Safeguarding, {p.label}", pdf)


def _write_paper(env: Env, out: str, stem: str, pdf: bytes) -> Path:
    """A paper to --out: a file, or a folder it is named into by date (a scheduled task keeps every week's)."""
    from kiosk.cli import CommandError
    from kiosk.documents.saved import write_private
    from kiosk.platform import FileNotSaved

    path = Path(out)
    if path.is_dir():
        path = path / f"{stem}-{_today(env):%Y-%m-%d}.pdf"
    elif path.suffix.lower() != ".pdf":
        # A folder that is not there, or a file name without .pdf: a scheduled task would otherwise write (and
        # email) a file called "reports" every week.
        raise CommandError(f"{out} is neither a folder here nor a .pdf file name: make the folder first, or give "
                           "a name ending .pdf. Nothing was written.")
    try:
        return write_private(path, pdf)
    except FileNotSaved:
        raise  # already in the desk's words (a full disk, say)
    except OSError as error:
        raise CommandError(f"The PDF was not written to {out}: {error.strerror or error}. Check the folder exists "
                           "and can be written to, then run the command again.") from None


def cmd_review_pack(env: Env, args: argparse.Namespace) -> int:
    from kiosk.reports.review_pack import make_review_pack

    env.open()
    who = _reader(env, args)
    p = _period(env, args)
    today = _today(env)
    # No safeguarding detail goes into an email, counted or not: a pack to be sent leaves out its safeguarding
    # section (the DSL and head make the full copy at the kiosk, without --send).
    safeguarding = who.can(Permission.SAFEGUARDING) and not args.send
    pack = make_review_pack(p, env.settings, include_safeguarding=safeguarding, today=today, made_at=env.clock.now(),
                            notes_key=env.keyring().notes_key if safeguarding else None,
                            next_review=args.next_review.on_or_after(today) if args.next_review else None)
    path = _write_paper(env, args.out, "review-pack", pack.pdf)
    if not args.send:
        env.say(f"Review pack for {p.label} ({len(pack.pdf) // 1024} KiB) written to {path}.")
        return 0
    if who.can(Permission.SAFEGUARDING):
        env.say("The pack to be emailed leaves out its safeguarding section (no safeguarding detail goes by email): "
                "run this again without --send for the full copy at the kiosk.")
    from kiosk.reports.to_head import review_pack_values

    return _send_to_head(env, args, path=path, pdf=pack.pdf, what=f"Review pack for {p.label} "
                         f"({len(pack.pdf) // 1024} KiB)", template="review-pack",
                         values=review_pack_values(pack.figures, env.settings, next_review=pack.next_review))


def _check_send(args: argparse.Namespace) -> None:
    from kiosk.cli import CommandError

    if getattr(args, "send", False) and not args.pdf:
        raise CommandError("--send sends the PDF: add --pdf FILE or --pdf FOLDER (named by the date), e.g. "
                           "--period week --pdf reports --send. Nothing was written.")


def _send_to_head(env: Env, args: argparse.Namespace, *, path: Path, pdf: bytes, what: str, template: str,
                  values: dict[str, str], said_written: bool = False) -> int:
    """--send: the paper queued in the outbox for the head (kiosk/reports/to_head.py), then one round of the outbox
    sent now, so a scheduled task on a PC where the desk is closed still delivers it. The file is written first
    whatever happens; exit 1 when nothing could be queued, so the scheduler shows the task failed."""
    from kiosk.cli import EXIT_OK, EXIT_PROBLEM
    from kiosk.mail.outbox import MessageState
    from kiosk.reports.to_head import send_to_head, where_they_are

    say = env.say if not getattr(args, "csv", False) else _to_stderr
    done = send_to_head(settings=env.settings, at=env.clock.now(), template=template, values=values,
                        filename=path.name, pdf=pdf, audit_key=env.keyring().audit_key)
    if done.not_sent:
        say(f"{what} written to {path}; not sent: {done.not_sent}.")
        return EXIT_PROBLEM
    if not said_written:
        say(f"{what} written to {path}.")
    stopped = _send_round(env)
    for line in where_they_are(done.queued):
        if line.state == MessageState.SENT.value:
            say(f"Sent to {line.recipient} with the PDF attached (the mail server said: {line.answer}).")
        else:
            why = line.answer or stopped or "not tried yet"
            say(f"Queued for {line.recipient}, not sent yet ({why}): the outbox tries again (`kiosk outbox` lists "
                f"it as message {line.id}).")
    return EXIT_OK


def _send_round(env: Env) -> str:
    """One round of `kiosk outbox send`; returns why it could not run or stopped early ("" when it ran)."""
    from kiosk.config import key_file_path
    from kiosk.documents.attachments import attachment_for
    from kiosk.errors import DeskError
    from kiosk.mail.from_settings import sender_from_settings
    from kiosk.mail.worker import send_due

    try:
        sender = sender_from_settings(env.settings, key_file=key_file_path(env.settings))
    except DeskError as error:
        return error.message
    return send_due(sender=sender, clock=env.clock, settings=env.settings, render_attachment=attachment_for,
                    audit_key=env.keyring().audit_key).reason


def cmd_inspection(env: Env, args: argparse.Namespace) -> int:
    """The audit trail is verified as the page is made: the page says so only if it is true that day."""
    from kiosk.config import witness_path
    from kiosk.reports.inspection import check_records, inspection_summary, this_term

    env.open()
    _reader(env, args)
    today = _today(env)
    day = _day(env, args.day)
    own = witness_path(env.settings)
    records = check_records(env.keyring().audit_key, at=env.clock.now(),
                            witness=[own] if own is not None and own.is_file() else None)
    pdf = inspection_summary(env.settings, today=today, made_at=env.clock.now(), records=records,
                             term=this_term(day, env.settings))
    path = _write_paper(env, args.out, "inspection", pdf)
    env.say(f"Inspection summary written to {path}. Audit trail "
            + ("verified." if records.ok else f"FAILED verification ({records.problems} problem(s)): "
                                              "run kiosk audit verify."))
    return 0 if records.ok else 1


def cmd_reconcile(env: Env, args: argparse.Namespace) -> int:
    from kiosk.clock import local
    from kiosk.reports.reconciliation import reconcile, reconciliation_pdf

    env.open()
    day = _day(env, args.day)
    rec = reconcile(day, env.settings)
    env.say(f"End of day {long_date(day)}")
    env.say_lines(text_table(rec.lines, headings=("Form", "Handed in", "Handed back", "Still in"), right=(1, 2, 3)))
    env.say(f"Still in the office: {len(rec.still_in)}")
    env.say_lines(text_table([(s.form, s.pupil, f"slot {s.slot or '-'}",
                               f"since {weekday_time(local(s.since, env.settings.tz))}") for s in rec.still_in],
                             indent="  "))
    if args.pdf:
        _write_pdf(env, args, lambda: reconciliation_pdf(rec, env.settings))
    return 0


def cmd_stocktake(env: Env, args: argparse.Namespace) -> int:
    from kiosk.cli import command_line_actor
    from kiosk.custody import DeskContext
    from kiosk.custody.stocktake import stocktake

    env.open()
    text = sys.stdin.read() if args.scans == "-" else Path(args.scans).read_text(encoding="utf-8-sig")
    result = stocktake(DeskContext(env.keyring(), env.clock, env.settings, command_line_actor(env)),
                       [line for line in text.splitlines() if line.strip()])
    env.say(f"Stock-take: {len(result.present)} of {result.expected} expected phones found.")
    for title, items in (("MISSING (the kiosk says it is in the office)", result.missing),
                         ("UNEXPECTED (scanned, but not recorded as in the office)", result.unexpected)):
        env.say(f"{title}: {len(items)}")
        env.say_lines(text_table([(item.code, f"{item.pupil.name} ({item.pupil.form})" if item.pupil else
                                   "unknown tag", item.slot or "", item.state or "") for item in items],
                                 indent="  "))
    if result.unreadable:
        env.say(f"Unreadable lines: {len(result.unreadable)}")
    return 1 if result.missing or result.unexpected else 0
